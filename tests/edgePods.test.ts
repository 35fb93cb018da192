import * as assert from "assert";
import { parseConfig } from "../components/config";
import { configError, raw, stackCapture } from "./configHelpers";

const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CONTROLLER = { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" };

describe("The edge is admitted from the ingress controller's pods (networkPolicies.ingressPodLabels)", () => {
    it("defaults to every pod of the ingress namespace", () => {
        assert.deepStrictEqual(parseConfig(raw({ profile: "dev" })).networkPolicies.ingressPodLabels, {});
    });

    it("refuses pod labels without the controller's namespace: they would admit such pods of every namespace", () => {
        const e = configError({ profile: "dev", networkPolicies: { ingressPodLabels: CONTROLLER } });
        assert.strictEqual(e.key, "networkPolicies.ingressPodLabels");
        assert.match(e.message, /unless networkPolicies.ingressNamespace names the controller's namespace/);
    });

    it("refuses a malformed label key", () => {
        const e = configError({ profile: "dev", networkPolicies: { ingressNamespace: "ingress-nginx", ingressPodLabels: { "bad key": "x" } } });
        assert.strictEqual(e.key, "networkPolicies.ingressPodLabels");
    });

    it("prod: every published UI admits only the controller's pods of ingress-nginx, on its port", async function () {
        this.timeout(120000);
        const capture = await stackCapture("prod");
        const edges = capture.ofType(NETPOL).filter((p) => p.name.startsWith("network-policies-edge-"));
        assert.deepStrictEqual(edges.map((p) => p.name).sort(), ["network-policies-edge-airflow", "network-policies-edge-grafana", "network-policies-edge-nifi", "network-policies-edge-superset"]);
        for (const p of edges) {
            assert.deepStrictEqual(p.inputs.spec.ingress[0].from, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } }, podSelector: { matchLabels: CONTROLLER } }], p.name);
            assert.strictEqual(p.inputs.spec.ingress[0].ports.length, 1, p.name);
        }
    });
});
