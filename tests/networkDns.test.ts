import * as assert from "assert";
import { parseConfig } from "../components/config";
import { NetworkPolicies } from "../components/foundation/networkPolicies";
import { configError, raw, stackCapture } from "./configHelpers";
import { settle, useMocks } from "./harness";

const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

describe("network policies: DNS key and API server egress", () => {
    describe("networkPolicies.dns", () => {
        it("takes the namespace, pod labels, ports and extra CIDRs, ports defaulting to 53", () => {
            const cfg = parseConfig(raw({ profile: "dev", networkPolicies: { dns: { namespace: "kube-system", podLabels: { "k8s-app": "node-local-dns" }, cidrs: ["169.254.20.10/32"] } } }));
            assert.deepStrictEqual(cfg.networkPolicies.dns, { namespace: "kube-system", podLabels: { "k8s-app": "node-local-dns" }, ports: [53], cidrs: ["169.254.20.10/32"] });
        });

        it("is absent unless given, leaving the platform's default", () => {
            assert.strictEqual(parseConfig(raw({ profile: "dev" })).networkPolicies.dns, undefined);
        });

        it("names the key of a missing namespace, a bad CIDR and a bad port", () => {
            assert.strictEqual(configError({ profile: "dev", networkPolicies: { dns: { ports: [53] } } }).key, "networkPolicies.dns.namespace");
            assert.strictEqual(configError({ profile: "dev", networkPolicies: { dns: { namespace: "kube-system", cidrs: ["169.254.20.10"] } } }).key, "networkPolicies.dns.cidrs[0]");
            assert.strictEqual(configError({ profile: "dev", networkPolicies: { dns: { namespace: "kube-system", ports: [70000] } } }).key, "networkPolicies.dns.ports[0]");
        });

        it("lets every pod query the DNS pods and the extra addresses on UDP and TCP", async () => {
            const capture = await useMocks({ profile: "dev" });
            new NetworkPolicies("np", {
                namespaces: { data: "platform-data" },
                flows: [],
                webhooks: [],
                exposed: [],
                dns: { namespace: "kube-system", podLabels: { "k8s-app": "node-local-dns" }, ports: [53], cidrs: ["169.254.20.10/32"] },
            });
            await settle();
            const spec = capture.one(NETPOL, "np-data-dns").inputs.spec;
            assert.deepStrictEqual(spec.egress, [
                {
                    to: [
                        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "node-local-dns" } } },
                        { ipBlock: { cidr: "169.254.20.10/32" } },
                    ],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
            ]);
        });
    });

    describe("API server egress in prod", () => {
        it("refuses 0.0.0.0/0 in prod, naming the key and how to find the endpoints", () => {
            const e = configError({ profile: "prod", exposure: { mode: "none" }, networkPolicies: { apiServerCidrs: ["0.0.0.0/0"] } });
            assert.strictEqual(e.key, "networkPolicies.apiServerCidrs");
            assert.ok(e.message.includes("kubernetes.io/service-name=kubernetes"), e.message);
            assert.strictEqual(configError({ profile: "prod", exposure: { mode: "none" }, networkPolicies: { apiServerCidrs: ["10.0.0.0/8", "::/0"] } }).key, "networkPolicies.apiServerCidrs");
        });

        it("accepts any address in prod only when allowAnyApiServer says so, and in dev", () => {
            assert.deepStrictEqual(parseConfig(raw({ profile: "prod", platformImageRegistry: "registry.example.com", exposure: { mode: "none" }, networkPolicies: { apiServerCidrs: ["0.0.0.0/0"], allowAnyApiServer: true } })).networkPolicies.apiServerCidrs, ["0.0.0.0/0"]);
            assert.deepStrictEqual(parseConfig(raw({ profile: "dev" })).networkPolicies.apiServerCidrs, ["0.0.0.0/0"]);
            assert.deepStrictEqual(parseConfig(raw({ profile: "prod", platformImageRegistry: "registry.example.com", exposure: { mode: "none" }, networkPolicies: { apiServerCidrs: ["10.0.0.10/32"] } })).networkPolicies.apiServerCidrs, ["10.0.0.10/32"]);
        });

        for (const stack of ["prod", "openshift"]) {
            it(`${stack}: no NetworkPolicy gives every pod of a namespace egress to any address`, async () => {
                const capture = await stackCapture(stack);
                const open = capture
                    .ofType(NETPOL)
                    .filter((p) => Object.keys(p.inputs.spec.podSelector?.matchLabels ?? {}).length === 0 && (p.inputs.spec.egress ?? []).some((e: any) => (e.to ?? []).some((t: any) => ["0.0.0.0/0", "::/0"].includes(t.ipBlock?.cidr))))
                    .map((p) => `${p.inputs.metadata.namespace}/${p.inputs.metadata.name}`);
                assert.deepStrictEqual(open, []);
            });
        }
    });
});
