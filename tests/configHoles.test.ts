import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, VOLUME_MINIMUM, parseConfig } from "../components/config";
import { PROJECT_DIR, runProgram, stackConfig, useMocks } from "./harness";

/** Raw config as Pulumi hands it over: strings, with structured values as JSON text. */
function raw(values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** The ConfigError parseConfig raises for `values`. */
function refusal(values: Record<string, unknown>): ConfigError {
    try {
        parseConfig(raw(values));
    } catch (e) {
        if (e instanceof ConfigError) return e;
        throw e;
    }
    throw new Error(`accepted: ${JSON.stringify(values)}`);
}

/** `{a: {b: {c: v}}}` for the dotted key "a.b.c". */
function nested(key: string, value: unknown): Record<string, unknown> {
    return key.split(".").reduceRight<unknown>((v, k) => ({ [k]: v }), value) as Record<string, unknown>;
}

describe("config: requests within limits, volumes at their minimum, errors the CLI prints plainly", () => {
    it("refuses a CPU request above its limit, naming the key, the value and the limit", () => {
        const e = refusal({ profile: "dev", sizing: { trinoWorker: { cpu: "2", cpuLimit: "1" } } });
        assert.deepStrictEqual([e.key, e.given, e.allowed], ["sizing.trinoWorker.cpu", "2", "at most sizing.trinoWorker.cpuLimit (1): a request cannot exceed its limit"]);
        assert.strictEqual(e.message, 'config analytics-platform:sizing.trinoWorker.cpu: got "2" (string); allowed: at most sizing.trinoWorker.cpuLimit (1): a request cannot exceed its limit');
    });

    it("refuses a memory request above the profile's limit when only the request is set", () => {
        const e = refusal({ profile: "dev", sizing: { nessie: { memory: "1Gi" } } });
        assert.deepStrictEqual([e.key, e.given, e.allowed], ["sizing.nessie.memory", "1Gi", "at most sizing.nessie.memoryLimit (768Mi): a request cannot exceed its limit"]);
    });

    it("checks every Airflow role, the XtraDB HAProxy and NiFi on their own", () => {
        assert.strictEqual(refusal({ profile: "prod", domain: "example.org", sizing: { airflow: { scheduler: { memory: "3Gi" } } } }).key, "sizing.airflow.scheduler.memory");
        assert.strictEqual(refusal({ profile: "prod", domain: "example.org", sizing: { airflow: { workers: { cpu: "2500m" } } } }).key, "sizing.airflow.workers.cpu");
        assert.strictEqual(refusal({ profile: "dev", sizing: { airflow: { statsd: { cpu: "1" } } } }).key, "sizing.airflow.statsd.cpu");
        assert.strictEqual(refusal({ profile: "dev", sizing: { xtradb: { haproxy: { memory: "1Gi" } } } }).key, "sizing.xtradb.haproxy.memory");
        assert.strictEqual(refusal({ profile: "dev", sizing: { nifi: { cpu: "3" } } }).key, "sizing.nifi.cpu");
    });

    it("accepts a request equal to its limit", () => {
        const cfg = parseConfig(raw({ profile: "dev", sizing: { trinoWorker: { cpu: "1", cpuLimit: "1000m", memory: "2Gi", memoryLimit: "2048Mi" } } }));
        assert.deepStrictEqual([cfg.sizing.trinoWorker.cpu, cfg.sizing.trinoWorker.memory], ["1", "2Gi"]);
    });

    it("refuses a zero volume and one under the component's minimum, and accepts the minimum", () => {
        for (const [key, minimum] of Object.entries(VOLUME_MINIMUM)) {
            const zero = refusal({ profile: "prod", domain: "example.org", ...nested(key, key.includes(".nifi.") ? "0Mi" : "0Gi") });
            assert.strictEqual(zero.key, key);
            const under = `${Math.floor(parseInt(minimum, 10) * (minimum.endsWith("Gi") ? 1024 : 1) / 2)}Mi`;
            const small = refusal({ profile: "prod", domain: "example.org", ...nested(key, under) });
            assert.deepStrictEqual([small.key, small.given], [key, under]);
            assert.match(small.allowed, new RegExp(`${minimum} or more \\(the smallest volume this component runs on\\)$`));
            const cfg: any = parseConfig(raw({ profile: "prod", platformImageRegistry: "registry.example.com", domain: "example.org", networkPolicies: { apiServerCidrs: ["10.0.0.10/32"] }, ...nested(key, minimum) }));
            assert.strictEqual(key.split(".").reduce((v, k) => v[k], cfg), minimum, key);
        }
    });

    it("keeps an empty Airflow log volume (logs in an emptyDir) but refuses empty NiFi repositories", () => {
        assert.strictEqual(parseConfig(raw({ profile: "prod", platformImageRegistry: "registry.example.com", domain: "example.org", networkPolicies: { apiServerCidrs: ["10.0.0.10/32"] }, sizing: { airflow: { logStorage: "" } } })).sizing.airflow.logStorage, "");
        assert.strictEqual(refusal({ profile: "dev", sizing: { nifi: { storage: { content: "" } } } }).key, "sizing.nifi.storage.content");
    });

    it("raises configuration errors as pulumi.RunError, which the CLI prints without a stack trace", () => {
        const e = refusal({ profile: "qa" });
        assert.ok(e instanceof pulumi.RunError);
        assert.ok(pulumi.RunError.isInstance(e));
    });

    it("refuses a request above its limit before the program registers any resource", async () => {
        const capture = await useMocks({ ...stackConfig("dev"), sizing: { clickhouse: { memory: "4Gi" } } });
        await assert.rejects(runProgram(), (e: unknown) => pulumi.RunError.isInstance(e) && /sizing\.clickhouse\.memory: got "4Gi"/.test(String(e)));
        assert.deepStrictEqual(capture.resources, []);
    });

    describe("provider keys in a stack file", () => {
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
            const dev = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");
            fs.writeFileSync(path.join(dir, "Pulumi.kind.yaml"), dev.replace(/^config:\n/m, "config:\n  kubernetes:context: kind-kind\n  kubernetes:enableServerSideApply: true\n"));
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("keeps kubernetes:* keys under their own namespace and runs the program (as plan and artifacts do)", async () => {
            const config = stackConfig("kind", dir);
            assert.strictEqual(config["kubernetes:context"], "kind-kind");
            assert.strictEqual(config["kubernetes:enableServerSideApply"], true);
            const capture = await useMocks(config);
            await runProgram();
            assert.strictEqual(pulumi.runtime.allConfig()["kubernetes:context"], "kind-kind");
            assert.strictEqual(pulumi.runtime.allConfig()["analytics-platform:kubernetes:context"], undefined);
            assert.ok(capture.resources.length > 100, `${capture.resources.length} resources`);
        });
    });
});
