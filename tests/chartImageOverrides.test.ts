import * as assert from "assert";
import { BarmanCloudPlugin } from "../components/data/barmanCloudPlugin";
import { StrimziOperator } from "../components/data/strimziOperator";
import { CertManager } from "../components/foundation/certManager";
import { settle, useMocks } from "./harness";

/** A chart image overridden in full through images.<key> reaches the chart with its repository and tag, not only its registry. */
describe("chart images: a full images.<key> override", () => {
    const chart = { mode: "upstream" as const, location: "" };

    it("gives cert-manager's controller the override's repository and tag", async () => {
        const capture = await useMocks({});
        new CertManager("cm", { namespace: "cert-manager", chartSource: chart, imageRegistry: { registry: "", overrides: { certManagerController: "r.io/team/cm-controller:v1.21.1-patched" } } });
        await settle();
        const values = capture.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")?.inputs.values;
        assert.deepStrictEqual(values.image, { repository: "r.io/team/cm-controller", tag: "v1.21.1-patched" });
    });

    it("gives the Strimzi operator and its Kafka images the override's path and tag", async () => {
        const capture = await useMocks({});
        new StrimziOperator("strimzi", { namespace: "ops", chartSource: chart, imageRegistry: { registry: "", overrides: { strimzi: "r.io/team/operator:1.2.0-fix" } } });
        await settle();
        const v = capture.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")?.inputs.values;
        assert.deepStrictEqual([v.defaultImageRegistry, v.defaultImageRepository, v.defaultImageTag, v.image.name, v.kafka.image.tagPrefix], ["r.io", "team", "1.2.0-fix", "operator", "1.2.0-fix"]);
    });

    it("gives the Barman Cloud plugin the override's repository and tag", async () => {
        const capture = await useMocks({});
        const certManager = new CertManager("cm", { namespace: "cert-manager", chartSource: chart, imageRegistry: "" });
        new BarmanCloudPlugin("barman", { namespace: "ops", chartSource: chart, certManager: certManager.release, imageRegistry: { registry: "", overrides: { barmanCloudPlugin: "r.io/team/plugin:v0.13.0-fix" } } });
        await settle();
        const v = capture.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name.startsWith("barman"))?.inputs.values;
        assert.deepStrictEqual(v.image, { registry: "r.io", repository: "team/plugin", tag: "v0.13.0-fix" });
    });
});
