import * as assert from "assert";
import { chartImages } from "../../components/catalog";
import { imageRef } from "../../components/lib/images";
import { Artifacts, collectArtifacts, imageSourceOf, loadReference } from "../../scripts/lib/artifacts";
import { runProgram, stackConfig, useMocks } from "../harness";
import { REFERENCE_DIR } from "./reference";

const MIRROR = "registry.internal:5000/mirror";

/** The stack as its file configures it, or with every image's registry replaced by `mirror`. */
async function artifactsFor(stack: string, mirror?: string): Promise<Artifacts> {
    const config = { ...stackConfig(stack), ...(mirror === undefined ? {} : { imageRegistry: mirror, platformImageRegistry: "" }) };
    const capture = await useMocks(config);
    await runProgram();
    return collectArtifacts(capture, loadReference(REFERENCE_DIR), imageSourceOf(config));
}

describe("reference: artifacts over the charts' default values", () => {
    for (const stack of ["dev", "prod", "openshift"]) {
        it(`${stack}: the values name every image the charts run by default (none comes from a chart default)`, async () => {
            const a = await artifactsFor(stack);
            assert.deepStrictEqual(a.images.filter((i) => i.origin === "chart-default").map((i) => `${i.ref} (${i.source})`), []);
        });
    }

    it("lists cert-manager's controller from our values, at the chart's appVersion", async () => {
        const a = await artifactsFor("prod");
        const controller = a.images.find((i) => i.ref === imageRef(chartImages.certManagerController, ""));
        assert.deepStrictEqual(controller, { ref: "quay.io/jetstack/cert-manager-controller:v1.21.1", source: "cert-manager: chart cert-manager image", origin: "chart-values" });
        assert.strictEqual(loadReference(REFERENCE_DIR).appVersion("cert-manager", "v1.21.1"), chartImages.certManagerController.tag);
    });

    it("with imageRegistry set, takes cert-manager's controller from the mirror", async () => {
        const a = await artifactsFor("dev", MIRROR);
        assert.ok(a.images.some((i) => i.ref === `${MIRROR}/jetstack/cert-manager-controller:${chartImages.certManagerController.tag}`));
    });
});
