import * as assert from "assert";
import { charts } from "../../components/catalog";
import { Artifacts, collectArtifacts, loadReference } from "../../scripts/lib/artifacts";
import { runProgram, stackConfig, useMocks } from "../harness";
import { REFERENCE_DIR } from "./reference";

const MIRROR = "registry.internal:5000/mirror";

async function artifactsFor(stack: string, imageRegistry = ""): Promise<Artifacts> {
    const capture = await useMocks({ ...stackConfig(stack), imageRegistry });
    await runProgram();
    return collectArtifacts(capture, loadReference(REFERENCE_DIR), imageRegistry);
}

describe("reference: artifacts over the charts' default values", () => {
    it("lists cert-manager's controller from the chart", async () => {
        const a = await artifactsFor("prod");
        const byRef = new Map(a.images.map((i) => [i.ref, i]));
        assert.deepStrictEqual(byRef.get(`quay.io/jetstack/cert-manager-controller:${charts.certManager.version}`), {
            ref: `quay.io/jetstack/cert-manager-controller:${charts.certManager.version}`,
            source: "cert-manager: chart cert-manager image",
            origin: "chart-default",
            note: `tag is the chart's appVersion ${charts.certManager.version}`,
        });
    });

    it("with imageRegistry set, takes cert-manager's controller from the mirror", async () => {
        const a = await artifactsFor("dev", MIRROR);
        assert.ok(a.images.some((i) => i.ref === `${MIRROR}/jetstack/cert-manager-controller:${charts.certManager.version}`));
    });
});
