import * as assert from "assert";
import { images } from "../components/catalog";
import { Cache, EXPORTER_RESOURCES } from "../components/data/cache";
import { AlertScope, alertRuleGroups } from "../components/lib/alertRules";
import { Capture, resolve, settle, useMocks } from "./harness";

const STATEFULSET = "kubernetes:apps/v1:StatefulSet";
const sizing = { storage: "1Gi", cpu: "50m", memory: "64Mi", cpuLimit: "250m", memoryLimit: "128Mi" };

interface Container {
    name: string;
    image: string;
    env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
    ports: { name: string; containerPort: number }[];
}

describe("cache exporter and rules", () => {
    for (const ha of [false, true]) {
        describe(ha ? "three servers" : "one server", () => {
            let capture: Capture;
            let cache: Cache;
            before(async () => {
                capture = await useMocks({ profile: "dev" });
                cache = new Cache("valkey", { namespace: "platform-data", sizing, storageClass: "", imageRegistry: "", highAvailability: ha, metrics: true });
                await settle();
            });

            it("runs redis_exporter beside each server, reading it on localhost with the password from the Secret", () => {
                const exporter: Container = capture.one(STATEFULSET, "valkey-statefulset").inputs.spec.template.spec.containers.find((c: Container) => c.name === "exporter");
                assert.strictEqual(exporter.image, `docker.io/${images.redisExporter.repository}:${images.redisExporter.tag}`);
                assert.deepStrictEqual(exporter.env, [
                    { name: "REDIS_ADDR", value: "redis://localhost:6379" },
                    { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "valkey-credentials", key: "password" } } },
                ]);
                assert.deepStrictEqual(exporter.ports, [{ name: "metrics", containerPort: 9121 }]);
            });

            it("is scraped on the servers' pods, port metrics", async () => {
                assert.deepStrictEqual(await resolve(cache.metrics as never), [
                    { name: "valkey", namespace: "platform-data", kind: "pod", selector: { "app.kubernetes.io/name": "valkey", "app.kubernetes.io/instance": "valkey" }, port: "metrics", containerPort: 9121, path: "/metrics" },
                ]);
            });

            it("counts the exporters in the footprint", () => {
                // Servers 50m each, plus in prod Sentinels 25m each and two proxies 50m each; the exporters 25m each.
                assert.strictEqual(EXPORTER_RESOURCES.cpu, "25m");
                assert.strictEqual(cache.footprint.cpuMillis, ha ? 3 * 50 + 3 * 25 + 2 * 50 + 3 * 25 : 50 + 25);
            });
        });
    }

    it("has no exporter and no scrape target without metrics", async () => {
        const capture = await useMocks({ profile: "dev" });
        const cache = new Cache("valkey", { namespace: "platform-data", sizing, storageClass: "", imageRegistry: "" });
        await settle();
        assert.deepStrictEqual(capture.one(STATEFULSET, "valkey-statefulset").inputs.spec.template.spec.containers.map((c: Container) => c.name), ["valkey"]);
        assert.deepStrictEqual(cache.metrics, []);
    });

    it("alerts on a down server, failing snapshots or append-only writes, stale snapshots and a lost master link", () => {
        const scope: AlertScope = { certManager: false, postgres: false, postgresBackups: false, backupSchedule: "0 2 * * *", kafka: false, flink: false, objectStore: false, appender: false, clickhouse: false, cache: true };
        const [group] = alertRuleGroups(scope);
        assert.strictEqual(group.name, "cache");
        assert.deepStrictEqual(
            group.rules.map((r) => [r.alert, r.labels.severity]),
            [
                ["ValkeyDown", "critical"],
                ["ValkeySnapshotFailing", "warning"],
                ["ValkeyAppendOnlyFileFailing", "critical"],
                ["ValkeySnapshotTooOld", "warning"],
                ["ValkeyReplicaLinkDown", "warning"],
            ],
        );
    });
});
