import * as assert from "assert";
import { supersetRoleLabels } from "../components/apps/superset";
import { Capture, runProgram, stackConfig, useMocks } from "./harness";

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** Every label map a policy uses to pick pods: its own podSelector and its peers'. */
function selectors(spec: any): Record<string, string>[] {
    const peers = [...(spec.ingress ?? []).flatMap((r: any) => r.from ?? []), ...(spec.egress ?? []).flatMap((r: any) => r.to ?? [])];
    return [spec.podSelector?.matchLabels ?? {}, ...peers.map((p: any) => p.podSelector?.matchLabels ?? {})];
}

describe("Superset is selected by pod labels the platform sets through the chart", () => {
    let capture: Capture;
    before(async function () {
        this.timeout(120000);
        capture = await useMocks(stackConfig("prod"));
        await runProgram();
    });

    it("labels the web, worker and init pods through the chart's podLabels, one platform label and the role", () => {
        const values = capture.one("kubernetes:helm.sh/v3:Release", "superset-chart").inputs.values;
        assert.deepStrictEqual(
            [values.supersetNode.podLabels, values.supersetWorker.podLabels, values.init.podLabels],
            ["web", "worker", "init"].map((role) => ({ "analytics-platform/app": "superset", "analytics-platform/superset-role": role })),
        );
    });

    it("the clients of PostgreSQL and the cache are every Superset pod, the init Job's included", () => {
        const egress = (server: string) => capture.ofType(NETWORK_POLICY).find((p) => p.inputs.metadata.name === `allow-to-superset-${server}`)?.inputs.spec.podSelector;
        assert.deepStrictEqual([egress("postgres"), egress("cache")], [{ matchLabels: { "analytics-platform/app": "superset" } }, { matchLabels: { "analytics-platform/app": "superset" } }]);
    });

    it("spreads web and worker pods by their component labels", () => {
        const values = capture.one("kubernetes:helm.sh/v3:Release", "superset-chart").inputs.values;
        assert.deepStrictEqual(values.supersetNode.topologySpreadConstraints[0].labelSelector, { matchLabels: supersetRoleLabels("web") });
        assert.deepStrictEqual(values.supersetWorker.topologySpreadConstraints[0].labelSelector, { matchLabels: supersetRoleLabels("worker") });
    });

    it("the edge reaches the web pods by their component labels", () => {
        const edge = capture.one(NETWORK_POLICY, "network-policies-edge-superset").inputs.spec;
        assert.deepStrictEqual(edge.podSelector, { matchLabels: supersetRoleLabels("web") });
    });

    it("no NetworkPolicy selects Superset by the app/release labels the chart no longer sets", () => {
        const stale = capture
            .ofType(NETWORK_POLICY)
            .filter((p) => selectors(p.inputs.spec).some((m) => m.app?.startsWith("superset") || m.release === "superset"))
            .map((p) => p.name);
        assert.deepStrictEqual(stale, []);
    });
});
