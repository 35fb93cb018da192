import * as assert from "assert";
import { images } from "../../components/catalog";
import { StopWaiting, engines, waitFor } from "./harness";
import { Lake, createTopic, duckdbRead, envValue, expectedKeys, produceEvents, readTable, startAppender, startLake } from "./lake";
import { parseTag } from "../../scripts/lib/images";

const ENGINES = ["kafka", "postgresql", "nessie", "s3", "appender", "pyiceberg", "duckdb"];

describe("telemetry lake, end to end", function () {
    let lake: Lake;
    before(async () => {
        lake = await startLake();
    });
    after(async () => {
        await lake?.stop();
    });

    it("appends every event produced to the program's topic, in several batches and partitions, and DuckDB and pyiceberg read them all", async function () {
        engines(this, ...ENGINES);
        const topic = envValue(lake.settings, "KAFKA_TOPIC");
        const table = envValue(lake.settings, "ICEBERG_TABLE");
        assert.strictEqual(topic, lake.settings.topic.topicName);
        await createTopic(lake, topic);
        await createTopic(lake, envValue(lake.settings, "DEAD_LETTER_TOPIC"), 1, {});
        const total = 600;
        await produceEvents(lake, topic, 0, total / 2);
        // The program's batch (5000 records or 60 s) would make one batch of this test's events in a
        // minute: smaller batches show several commits in seconds.
        const appender = await startAppender(lake, { BATCH_SIZE: "100", MAX_WAIT_SECONDS: "2" });
        await produceEvents(lake, topic, total / 2, total / 2);
        const read = await waitFor("every event in the table", async () => {
            if (appender.process.hasExited()) throw new StopWaiting(`the appender exited (${await appender.process.exited}) before every event was in the table:\n${appender.process.log().slice(-3000)}`);
            const r = await readTable(lake, table);
            return r.count >= total ? r : undefined;
        }, 180000, 2000);
        const metrics = await appender.metrics();
        // It talked to Kafka the way the program configures it (SASL_SSL as its KafkaUser, when set).
        const protocol = lake.settings.appenderEnv.KAFKA_SECURITY_PROTOCOL?.value ?? "PLAINTEXT";
        assert.ok(appender.process.log().includes(`security=KafkaSecurity(protocol='${protocol}'`), `the appender ran with ${protocol}`);
        await appender.process.stop();
        assert.strictEqual(read.count, total);
        assert.deepStrictEqual(read.keys, expectedKeys(topic, total, lake.settings.topic.partitions));
        assert.deepStrictEqual(Object.keys(read.per_partition).sort(), Array.from({ length: lake.settings.topic.partitions }, (_, i) => String(i)));
        assert.deepStrictEqual(read.per_day, { "2026-11-01": 200, "2026-11-02": 200, "2026-11-03": 200 });
        // Nessie serves only the current snapshot in the table metadata; the appender counts its commits.
        assert.ok(metrics.appender_batches_appended_total >= 3, `several batches, got ${metrics.appender_batches_appended_total}`);
        assert.strictEqual(metrics.appender_rows_appended_total, total);
        const perPartition = total / lake.settings.topic.partitions;
        assert.deepStrictEqual(read.offsets, { [topic]: Object.fromEntries(Array.from({ length: lake.settings.topic.partitions }, (_, i) => [String(i), perPartition])) });
        const duck = await duckdbRead(lake, table);
        assert.deepStrictEqual(duck, { count: total, distinct: total, version: `v${parseTag(images.duckdb.tag)?.version ?? images.duckdb.tag}`, loaded: ["avro", "httpfs", "iceberg"] });
    });
});
