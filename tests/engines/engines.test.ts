import * as assert from "assert";
import * as path from "path";
import { KAFKA_VERSION, KafkaEngine, PostgresEngine, startKafka, startPostgres } from "./engines";
import { PROJECT_DIR, engines, lockedEnvironment, programCapture, run } from "./harness";
import { lakeSettings } from "./platform";

const KAFKA_TOOL = path.join(__dirname, "kafka_tool.py");

function python(): string {
    return lockedEnvironment("appender", path.join(PROJECT_DIR, "images", "appender", "requirements.txt")).python;
}

async function kafkaTool(args: string[], input = ""): Promise<string[]> {
    const out = await run(python(), [KAFKA_TOOL, ...args], { input, timeoutMs: 120000 });
    return out.stdout.trim().split("\n");
}

describe("engines on loopback", () => {
    describe("Kafka", () => {
        let kafka: KafkaEngine;
        before(async () => {
            kafka = await startKafka({ scramUsers: [{ name: "appender", password: "s3cret-for-test" }] });
        });
        after(async () => {
            await kafka?.stop();
        });

        it("runs the release the program pins, or Strimzi 1.2.0's default when it pins none", async function () {
            engines(this, "kafka");
            const settings = lakeSettings(await programCapture("dev"));
            assert.strictEqual(kafka.version, settings.kafkaVersion ?? KAFKA_VERSION);
        });

        it("creates the program's telemetry topic and round-trips records on every partition", async function () {
            engines(this, "kafka");
            const { topic } = lakeSettings(await programCapture("dev"));
            await kafkaTool(["create-topic", "--bootstrap", kafka.bootstrap, "--topic", topic.topicName, "--partitions", String(topic.partitions)]);
            const records = Array.from({ length: topic.partitions * 3 }, (_, i) => JSON.stringify({ key: `k${i}`, value: `{"n":${i}}`, partition: i % topic.partitions }));
            await kafkaTool(["produce", "--bootstrap", kafka.bootstrap, "--topic", topic.topicName], records.join("\n"));
            const lines = await kafkaTool(["consume", "--bootstrap", kafka.bootstrap, "--topic", topic.topicName]);
            const read = lines.slice(0, -1).map((l) => JSON.parse(l));
            assert.strictEqual(read.length, topic.partitions * 3);
            assert.deepStrictEqual([...new Set(read.map((r) => r.partition))].sort(), Array.from({ length: topic.partitions }, (_, i) => i));
        });

        it("authenticates SCRAM-SHA-512 clients on its SASL listener and refuses a wrong password", async function () {
            engines(this, "kafka");
            const sasl = (password: string) => ["--bootstrap", kafka.saslBootstrap as string, "--security-protocol", "SASL_PLAINTEXT", "--sasl-mechanism", "SCRAM-SHA-512", "--username", "appender", "--password", password];
            await kafkaTool(["create-topic", ...sasl("s3cret-for-test"), "--topic", "scram-check", "--partitions", "1"]);
            await assert.rejects(run(python(), [KAFKA_TOOL, "create-topic", ...sasl("wrong"), "--topic", "scram-refused", "--partitions", "1", "--timeout", "8"], { timeoutMs: 90000 }), /Authentication failed|SASL authentication error|authentication/i);
        });
    });

    describe("PostgreSQL", () => {
        let pg: PostgresEngine;
        before(async () => {
            pg = await startPostgres();
        });
        after(async () => {
            await pg?.stop();
        });

        it("serves a database to its owner with a password (scram-sha-256)", async function () {
            engines(this, "postgresql");
            await pg.createDatabase("nessie_check", "nessie_owner", "pw-1");
            assert.strictEqual((await pg.sql("nessie_check", "SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")).trim(), "nessie_owner");
            assert.strictEqual((await pg.sql("postgres", "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'nessie_owner'")).trim(), "t");
        });
    });
});
