import * as assert from "assert";
import { Plan, buildPlan, duration, mermaid } from "../scripts/lib/plan";
import { planCommand } from "../scripts/plan";
import { runProgram, stackConfig, useMocks } from "./harness";

async function planFor(stack: string): Promise<Plan> {
    const capture = await useMocks(stackConfig(stack));
    await runProgram();
    return buildPlan(capture, stack === "prod" ? "prod" : "dev");
}

describe("offline plan", () => {
    let prod: Plan;
    before(async () => {
        prod = await planFor("prod");
    });

    it("starts with the namespaces alone, then cert-manager and the operators together", () => {
        assert.deepStrictEqual(prod.waves[0], ["namespaces"]);
        for (const c of ["cert-manager", "cnpg-operator", "minio-operator", "pxc-operator", "strimzi"]) assert.ok(prod.waves[1].includes(c), `${c} not in wave 2: ${prod.waves[1].join(", ")}`);
    });

    it("puts every component after everything it waits for", () => {
        const wave = new Map(prod.components.map((c) => [c.name, c.wave]));
        for (const c of prod.components) for (const d of c.waitsFor) assert.ok((wave.get(d) ?? 99) < c.wave, `${c.name} (wave ${c.wave}) waits for ${d} (wave ${wave.get(d)})`);
    });

    it("derives component edges from resource dependencies", () => {
        const byName = new Map(prod.components.map((c) => [c.name, c]));
        assert.deepStrictEqual(byName.get("platform-ca")?.waitsFor, ["cert-manager", "namespaces"]);
        assert.ok(byName.get("superset")?.waitsFor.includes("platform-pg"));
        assert.ok(byName.get("nessie")?.waitsFor.includes("object-store"));
    });

    it("follows the critical path from the namespaces to the last component to finish", () => {
        const last = [...prod.components].sort((a, b) => b.finish - a.finish)[0];
        assert.strictEqual(prod.criticalPath[0].name, "namespaces");
        assert.strictEqual(prod.criticalPath[prod.criticalPath.length - 1].name, last.name);
        assert.strictEqual(prod.criticalPathSeconds, last.finish);
        assert.ok(prod.criticalPathSeconds < prod.sequentialSeconds);
    });

    it("lists each chart with its pinned version", () => {
        const charts = prod.components.flatMap((c) => c.charts.map((ch) => `${ch.chart}@${ch.version}`));
        assert.ok(charts.includes("oci://quay.io/jetstack/charts/cert-manager@v1.21.1"), charts.join(", "));
        assert.ok(charts.every((c) => !c.endsWith("@null")));
    });

    it("draws the graph as Mermaid with one arrow per wait", () => {
        const text = mermaid(prod);
        assert.ok(text.startsWith("graph LR\n"));
        assert.strictEqual((text.match(/-->/g) ?? []).length, prod.components.reduce((n, c) => n + c.waitsFor.length, 0));
        assert.ok(text.includes("  platform_ca --> cert_manager"));
    });

    it("formats durations in minutes and seconds", () => {
        assert.deepStrictEqual([duration(45), duration(120), duration(920)], ["45s", "2m", "15m20s"]);
    });

    it("runs the command line offline and prints JSON", async () => {
        const out = await planCommand(["--stack", "dev", "--json"]);
        const plan = JSON.parse(out);
        assert.strictEqual(plan.stack, "dev");
        assert.strictEqual(plan.profile, "dev");
        assert.deepStrictEqual(plan.waves[0], ["namespaces"]);
        assert.strictEqual(typeof plan.footprint.total.cpuRequests, "string");
        assert.ok(plan.endpoints.superset.internal.startsWith("http://superset."));
    });
});
