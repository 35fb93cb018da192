import * as assert from "assert";
import { ImagePin, chartImages, images, kafkaVersion } from "../components/catalog";
import { ImageRegistry, imageRef } from "../components/lib/images";
import { artifactsCommand } from "../scripts/artifacts";
import { Artifacts, NO_REFERENCE, collectArtifacts, imageSourceOf, normalizeRef } from "../scripts/lib/artifacts";
import { runProgram, stackConfig, useMocks } from "./harness";

/**
 * The artifacts list without any upstream data (what a clone has): every chart names its images in
 * its values, so the list is the catalog's pins, complete, and a registry override reaches all of them.
 */

const MIRROR = "registry.internal:5000/mirror";

/** The stack as its file configures it, or with every image's registry (the platform's own included) replaced by `mirror`. */
async function artifactsFor(stack: string, mirror?: string): Promise<Artifacts> {
    const config = { ...stackConfig(stack), ...(mirror === undefined ? {} : { imageRegistry: mirror, platformImageRegistry: "" }) };
    const capture = await useMocks(config);
    await runProgram();
    return collectArtifacts(capture, NO_REFERENCE, imageSourceOf(config));
}

/** Where the stack file takes images from: its imageRegistry and platformImageRegistry. */
const sourceOf = (stack: string): ImageRegistry => imageSourceOf(stackConfig(stack));

const refs = (a: Artifacts) => [...a.images, ...a.onDemand].map((i) => i.ref).sort();

/** Every image the catalog pins, and Strimzi's broker image for the pinned Kafka version. */
function catalogRefs(registry: ImageRegistry): string[] {
    const pins: ImagePin[] = [...Object.values(images), ...Object.values(chartImages)];
    const kafka = { ...images.strimzi, repository: "strimzi/kafka", tag: `${images.strimzi.tag}-kafka-${kafkaVersion.version}` };
    return [...new Set([...pins, kafka].map((p) => normalizeRef(imageRef(p, registry))))].sort();
}

describe("artifacts without reference data", () => {
    it("lists for prod, where every component is on, exactly the catalog's images (chart images included) and nothing else", async () => {
        const a = await artifactsFor("prod");
        assert.deepStrictEqual(refs(a), catalogRefs(sourceOf("prod")));
        assert.deepStrictEqual(a.unresolved.filter((u) => !u.pattern.startsWith("<images of subchart")), []);
    });

    it("names only catalog images in dev and openshift", async () => {
        for (const stack of ["dev", "openshift"]) {
            const a = await artifactsFor(stack);
            const known = new Set(catalogRefs(sourceOf(stack)));
            assert.deepStrictEqual(refs(a).filter((r) => !known.has(r)), [], stack);
        }
    });

    it("takes every image of every stack from the mirror when imageRegistry is set, chart images and on-demand ones included", async () => {
        for (const stack of ["dev", "prod", "openshift"]) {
            const a = await artifactsFor(stack, MIRROR);
            assert.deepStrictEqual(refs(a).filter((r) => !r.startsWith(`${MIRROR}/`)), [], stack);
        }
    });

    it("lists cert-manager's five images and the CNPG operator from `npm run artifacts -- --stack prod`", async () => {
        const out = JSON.parse(await artifactsCommand(["--stack", "prod", "--json"]));
        const listed = new Map<string, string>([...out.images, ...out.onDemand].map((i: any) => [i.ref, i.source]));
        for (const pin of [chartImages.certManagerController, chartImages.certManagerWebhook, chartImages.certManagerCainjector, chartImages.certManagerStartupapicheck]) {
            assert.strictEqual(listed.get(imageRef(pin, "")), `cert-manager: chart cert-manager ${pin === chartImages.certManagerController ? "image" : `${pin.repository.replace("jetstack/cert-manager-", "")}.image`}`);
        }
        assert.strictEqual(listed.get(imageRef(chartImages.certManagerAcmesolver, "")), "cert-manager: chart cert-manager acmesolver.image");
        assert.strictEqual(listed.get(imageRef(images.cnpgOperator, "")), "cnpg-operator: chart cloudnative-pg image");
        assert.strictEqual(out.images.length, catalogRefs("").length - 5, "every catalog image, less the five used on demand (three chart features, git-sync and the Flink connectors image)");
    });
});
