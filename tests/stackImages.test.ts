import * as assert from "assert";
import { images } from "../components/catalog";
import { authoredImages } from "../scripts/lib/artifacts";
import { Capture, runProgram, stackConfig, strings, useMocks } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";

for (const stack of ["dev", "prod", "openshift"]) {
    describe(`images of the ${stack} stack`, function () {
        this.timeout(180000);
        let capture: Capture;
        before(async () => {
            capture = await useMocks(stackConfig(stack));
            await runProgram();
        });

        it("runs no stock Superset or Airflow release image and no unpublished MinIO sidecar", () => {
            const all = capture.resources.flatMap((r) => strings(r.inputs).map(([, s]) => s));
            assert.deepStrictEqual(all.filter((s) => /(^|\/)apache\/(superset|airflow):[0-9]|operator-sidecar:v7\.1\.1/.test(s)), []);
            const values = (chart: string) => capture.ofType(RELEASE).find((r) => r.inputs.chart === chart || String(r.inputs.chart).endsWith(`/${chart}`))?.inputs.values;
            assert.ok(String(values("superset").image.repository).endsWith(`/${images.superset.repository}`));
            assert.ok(String(values("airflow").defaultAirflowRepository).endsWith(`/${images.airflow.repository}`));
            assert.strictEqual(values("operator").operator.sidecarImage.tag, "v7.0.1");
        });

        it("names every authored image with a tag or a digest", () => {
            const untagged = capture.resources.flatMap((r) =>
                authoredImages(r.inputs).filter(([, ref]) => {
                    const name = ref.split("@")[0];
                    return !ref.includes("@sha256:") && !(name.lastIndexOf(":") > name.lastIndexOf("/"));
                }),
            );
            assert.deepStrictEqual(untagged, []);
        });
    });
}
