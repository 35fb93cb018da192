import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { kafkaVersion } from "../components/catalog";
import { ChartSource, parseConfig } from "../components/config";
import { Kafka } from "../components/data/kafka";
import { StrimziOperator } from "../components/data/strimziOperator";
import { sinkTopics } from "../components/lib/cdcTopics";
import { collectArtifacts } from "../scripts/lib/artifacts";
import { configError, raw, stackCapture } from "./configHelpers";
import { Capture, settle, stackConfig, useMocks } from "./harness";

const V1 = "kubernetes:kafka.strimzi.io/v1";
const upstream: ChartSource = { mode: "upstream", location: "" };
const node = { storage: "10Gi", cpu: "500m", memory: "2Gi", cpuLimit: "2", memoryLimit: "2Gi" };

async function cluster(args: { ha: boolean; rackAwareness?: boolean; connect?: boolean }): Promise<Capture> {
    const capture = await useMocks({ profile: "dev" });
    const operator = new StrimziOperator("strimzi", { namespace: "platform-operators", chartSource: upstream, imageRegistry: "" });
    new Kafka("events", {
        namespace: "platform-data",
        operator: operator.release,
        sizing: { brokers: node, controllers: node },
        storageClass: "",
        clusterIssuer: "platform-ca",
        caCertPem: "ca",
        highAvailability: args.ha,
        ...(args.rackAwareness === undefined ? {} : { rackAwareness: args.rackAwareness }),
        ...(args.connect ? { connect: { replicas: 1, connectors: [] } } : {}),
    });
    await settle();
    return capture;
}

describe("Kafka durability", () => {
    describe("versions", () => {
        it("pins Kafka 4.3.1 with metadata version 4.3-IV0, the newest pair Strimzi 1.2.0 supports", () => {
            assert.deepStrictEqual(kafkaVersion, { version: "4.3.1", metadataVersion: "4.3-IV0" });
        });

        it("sets the pinned version and metadata version on the Kafka resource", async () => {
            const k = (await cluster({ ha: false })).one(`${V1}:Kafka`, "events-kafka").inputs.spec.kafka;
            assert.deepStrictEqual([k.version, k.metadataVersion], ["4.3.1", "4.3-IV0"]);
        });

        it("runs Kafka Connect on the same pinned Kafka version", async () => {
            const c = (await cluster({ ha: false, connect: true })).one(`${V1}:KafkaConnect`, "events-connect").inputs.spec;
            assert.strictEqual(c.version, "4.3.1");
        });

    });

    describe("rack awareness", () => {
        it("is off by default, even with high availability", async () => {
            assert.strictEqual((await cluster({ ha: true })).one(`${V1}:Kafka`, "events-kafka").inputs.spec.kafka.rack, undefined);
        });

        it("sets the zone topology key when switched on", async () => {
            const k = (await cluster({ ha: true, rackAwareness: true })).one(`${V1}:Kafka`, "events-kafka").inputs.spec.kafka;
            assert.deepStrictEqual(k.rack, { topologyKey: "topology.kubernetes.io/zone" });
        });

        it("is refused with the single broker of the dev profile", () => {
            const e = configError({ profile: "dev", kafka: { rackAwareness: true } });
            assert.strictEqual(e.key, "kafka.rackAwareness");
            assert.match(e.allowed, /^false with a single broker/);
        });

        it("is accepted in the prod profile", () => {
            assert.strictEqual(parseConfig(raw({ ...stackConfig("prod"), kafka: { rackAwareness: true } })).kafka.rackAwareness, true);
        });
    });

    describe("prod stack", () => {
        let prod: Capture;
        before(async function () {
            this.timeout(120000);
            prod = await stackCapture("prod");
        });

        it("names the broker image of the pinned version in the artifacts list", () => {
            const strimziDefaults = { defaultImageRegistry: "quay.io", defaultImageRepository: "strimzi", defaultImageTag: "1.2.0", kafka: { image: { registry: "", repository: "", name: "kafka", tagPrefix: "" } } };
            const reference = { values: (chart: string) => (chart === "strimzi-kafka-operator" ? strimziDefaults : undefined), appVersion: () => undefined, dependencies: () => [] };
            const refs = collectArtifacts(prod, reference, "").images.map((i) => i.ref);
            assert.ok(refs.includes("quay.io/strimzi/kafka:1.2.0-kafka-4.3.1"), refs.filter((r) => r.includes("strimzi")).join(", "));
        });

        it("spreads the brokers and controllers across nodes, one per node", () => {
            const pools = prod.ofType(`${V1}:KafkaNodePool`);
            assert.deepStrictEqual(pools.map((p) => p.inputs.metadata.name).sort(), ["brokers", "controllers"]);
            for (const p of pools) {
                assert.deepStrictEqual(p.inputs.spec.template.pod.topologySpreadConstraints, [
                    {
                        maxSkew: 1,
                        topologyKey: "kubernetes.io/hostname",
                        whenUnsatisfiable: "DoNotSchedule",
                        labelSelector: { matchLabels: { "strimzi.io/cluster": "kafka", "strimzi.io/pool-name": p.inputs.metadata.name } },
                    },
                ]);
            }
        });
    });

    describe("topics", () => {
        it("turns off automatic topic creation", async () => {
            const k = (await cluster({ ha: false })).one(`${V1}:Kafka`, "events-kafka").inputs.spec.kafka;
            assert.strictEqual(k.config["auto.create.topics.enable"], false);
        });

        it("declares Connect's configs, offsets and status topics compacted, and starts Connect after them", async () => {
            const capture = await cluster({ ha: false, connect: true });
            const specs = capture.ofType(`${V1}:KafkaTopic`).map((t) => t.inputs.spec);
            const compact = { "cleanup.policy": "compact" };
            assert.deepStrictEqual(specs, [
                { topicName: "events-connect-configs", partitions: 1, replicas: 1, config: compact },
                { topicName: "events-connect-offsets", partitions: 25, replicas: 1, config: compact },
                { topicName: "events-connect-status", partitions: 5, replicas: 1, config: compact },
            ]);
            const deps = capture.dependencyNames(capture.one(`${V1}:KafkaConnect`, "events-connect"));
            for (const t of ["configs", "offsets", "status"]) assert.ok(deps.includes(`${V1}:KafkaTopic::events-topic-events-connect-${t}`), deps.join(", "));
        });

        it("reads the shipped CDC job's sink as a compacted topic", () => {
            const sql = fs.readFileSync(path.join(__dirname, "..", "sql", "cdc-job.sql"), "utf8");
            assert.deepStrictEqual(sinkTopics(sql), [{ table: "orders_sink", topic: "mssql.dbo.orders", cleanupPolicy: "compact" }]);
        });

        it("reads an appending kafka sink as a delete-policy topic and skips source tables and comments", () => {
            const sql = [
                "CREATE TABLE src (id INT) WITH ('connector' = 'kafka', 'topic' = 'in', 'format' = 'json');",
                "-- CREATE TABLE old (id INT) WITH ('connector' = 'kafka', 'topic' = 'gone');",
                "CREATE TABLE out_events (id INT, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'kafka', 'topic' = 'events.a;events.b', 'format' = 'json');",
                "INSERT INTO out_events SELECT id FROM src;",
            ].join("\n");
            assert.deepStrictEqual(sinkTopics(sql), [
                { table: "out_events", topic: "events.a", cleanupPolicy: "delete" },
                { table: "out_events", topic: "events.b", cleanupPolicy: "delete" },
            ]);
        });

        it("adds the enabled job's sink topic, compacted, to the declared topics", () => {
            const cfg = parseConfig(raw({ profile: "dev", flink: { jobEnabled: true, connectorsImage: "registry.internal/analytics-platform/flink:1.20.3-0123456789ab" } }));
            assert.deepStrictEqual(cfg.kafka.topics, [
                { name: "telemetry-logs", partitions: 3 },
                { name: "mssql.dbo.orders", partitions: 3, config: { "cleanup.policy": "compact" } },
            ]);
        });

        it("declares no sink topic while the job is off", () => {
            assert.deepStrictEqual(parseConfig(raw({ profile: "dev" })).kafka.topics, [{ name: "telemetry-logs", partitions: 3 }]);
        });

        it("refuses the sink topic declared without compaction", () => {
            const e = configError({ profile: "dev", flink: { jobEnabled: true, connectorsImage: "registry.internal/analytics-platform/flink:1.20.3-0123456789ab" }, kafka: { topics: [{ name: "telemetry-logs", partitions: 3 }, { name: "mssql.dbo.orders", partitions: 6 }] } });
            assert.strictEqual(e.key, "kafka.topics[1].config.cleanup.policy");
            assert.match(e.allowed, /^"compact": the Flink job's upsert-kafka table orders_sink writes this topic/);
        });
    });
});
