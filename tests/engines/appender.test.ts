import * as assert from "assert";
import { StopWaiting, engines, sleep, waitFor } from "./harness";
import { AppenderRun, Lake, createTopic, envValue, expectedKeys, kafkaTool, produceEvents, readTable, startAppender, startLake } from "./lake";

const ENGINES = ["kafka", "postgresql", "nessie", "s3", "appender", "pyiceberg"];

/** Small batches so each test sees many commits within seconds (the program's are 5000 records / 60 s). */
const FAST = { BATCH_SIZE: "40", MAX_WAIT_SECONDS: "1" };

describe("appender semantics on real engines", function () {
    let lake: Lake;
    let n = 0;
    /** A fresh topic, dead-letter topic, consumer group and table per test, shaped like the program's. */
    let names: { topic: string; dlq: string; group: string; table: string };
    const running: AppenderRun[] = [];

    before(async () => {
        lake = await startLake();
    });
    after(async () => {
        await lake?.stop();
    });
    beforeEach(async () => {
        n += 1;
        const base = envValue(lake.settings, "KAFKA_TOPIC");
        const [ns, table] = envValue(lake.settings, "ICEBERG_TABLE").split(".");
        names = { topic: `${base}-case${n}`, dlq: `${base}-case${n}.dlq`, group: `${envValue(lake.settings, "KAFKA_GROUP_ID")}-case${n}`, table: `${ns}.${table}_case${n}` };
        await createTopic(lake, names.topic);
        await createTopic(lake, names.dlq, 1, {});
    });
    afterEach(async () => {
        await Promise.all(running.splice(0).map((a) => a.process.stop()));
    });

    function env(extra: Record<string, string> = {}): Record<string, string> {
        return { KAFKA_TOPIC: names.topic, DEAD_LETTER_TOPIC: names.dlq, KAFKA_GROUP_ID: names.group, ICEBERG_TABLE: names.table, ...extra };
    }

    async function appender(extra: Record<string, string> = {}, id = "appender-0"): Promise<AppenderRun> {
        const a = await startAppender(lake, env(extra), id);
        running.push(a);
        return a;
    }

    async function tableHolds(count: number, timeoutMs = 240000) {
        return waitFor(`${count} rows in ${names.table}`, async () => {
            if (running.length > 0 && running.every((a) => a.process.hasExited())) throw new StopWaiting(`every appender exited:\n${running.map((a) => a.process.log().slice(-2000)).join("\n")}`);
            const r = await readTable(lake, names.table).catch(() => undefined);
            return r && r.count >= count ? r : undefined;
        }, timeoutMs, 2000);
    }

    function assertExactlyOnce(read: { count: number; keys: string[] }, total: number): void {
        assert.strictEqual(read.count, total, "row count");
        assert.deepStrictEqual(read.keys, expectedKeys(names.topic, total, lake.settings.topic.partitions), "every event once");
    }

    it("sends every kind of bad record to the dead-letter topic with its reason, counts it, and keeps the partition going", async function () {
        engines(this, ...ENGINES);
        const bad: Array<[string, object]> = [
            ["not-json", { value: "{not json" }],
            ["not-object", { value: "[1,2]" }],
            ["null-value", { value: null }],
            ["invalid-unicode", { value_b64: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString("base64") }],
            ["invalid-unicode", { value: '{"ts":"2026-11-01T00:00:00Z","message":"\\ud800"}' }],
            ["bad-timestamp", { value: '{"ts":"0001-01-01T00:00:00+01:00","message":"m"}' }],
            ["bad-timestamp", { value: '{"ts":1e300,"message":"m"}' }],
            ["wrong-type", { value: '{"ts":{"y":1},"message":"m"}' }],
            ["oversized", { value: JSON.stringify({ ts: "2026-11-01T00:00:00Z", message: "x".repeat(300000) }) }],
        ];
        // Bad records first on partition 0, then good ones on every partition: partition 0 must not stick.
        await kafkaTool(lake, ["produce", "--topic", names.topic], bad.map(([, r]) => JSON.stringify({ ...r, partition: 0, key: "bad" })).join("\n"));
        const a = await appender(FAST);
        await produceEvents(lake, names.topic, 0, 90);
        const read = await tableHolds(90);
        assert.strictEqual(read.count, 90);
        const letters = (await kafkaTool(lake, ["consume", "--topic", names.dlq])).slice(0, -1);
        assert.deepStrictEqual(letters.map((l) => [l.headers["dlq.reason"], l.headers["dlq.topic"], l.headers["dlq.partition"], l.headers["dlq.offset"]]), bad.map(([reason], i) => [reason, names.topic, "0", String(i)]));
        assert.ok(letters.every((l) => l.headers["dlq.error"].length > 0));
        assert.strictEqual(letters[2].value_b64, null, "a null body stays null");
        const m = await a.metrics();
        assert.deepStrictEqual(
            ["not-json", "not-object", "null-value", "invalid-unicode", "bad-timestamp", "wrong-type", "oversized"].map((r) => m[`appender_bad_records_total{reason="${r}"}`]),
            [1, 1, 1, 2, 2, 1, 1],
        );
    });

    it("loses and duplicates nothing when SIGKILLed between the Iceberg commit and the offset commit", async function () {
        engines(this, ...ENGINES);
        const total = 240;
        // Killed after its first append, before the offsets reach Kafka; the next one starts from the snapshot's record.
        const first = await appender({ ...FAST, CRASH_AFTER_APPEND_FOR_TESTS: "1" });
        await produceEvents(lake, names.topic, 0, total);
        assert.strictEqual(await first.process.exited, "SIGKILL");
        running.splice(running.indexOf(first), 1);
        const afterCrash = await readTable(lake, names.table);
        assert.ok(afterCrash.count > 0 && afterCrash.count < total, `one batch in before the crash, got ${afterCrash.count}`);
        const committed = (await kafkaTool(lake, ["committed", "--topic", names.topic, "--group", names.group]))[0];
        assert.ok(Object.values(committed).every((o) => (o as number) < 0), `no Kafka offset committed: ${JSON.stringify(committed)}`);
        const second = await appender(FAST, "appender-1");
        assertExactlyOnce(await tableHolds(total), total);
        assert.ok((await second.metrics()).appender_duplicates_skipped_total === 0, "started past the recorded offsets");
    });

    it("loses and duplicates nothing across SIGKILLs at random points while events keep coming", async function () {
        engines(this, ...ENGINES);
        let produced = 0;
        for (let round = 0; round < 4; round++) {
            await produceEvents(lake, names.topic, produced, 150);
            produced += 150;
            const a = await appender(FAST, `appender-${round}`);
            await sleep(500 + Math.floor(Math.random() * 4000));
            a.process.kill("SIGKILL");
            await a.process.exited;
            running.splice(running.indexOf(a), 1);
        }
        await appender(FAST, "appender-final");
        assertExactlyOnce(await tableHolds(produced), produced);
    });

    it("rides out a Kafka restart mid-run with every event once", async function () {
        engines(this, "kafka (restarted)", ...ENGINES.slice(1));
        await produceEvents(lake, names.topic, 0, 200);
        const a = await appender(FAST);
        await tableHolds(1);
        await lake.kafka.restart(true);
        await produceEvents(lake, names.topic, 200, 200);
        assertExactlyOnce(await tableHolds(400), 400);
        assert.ok(!a.process.hasExited(), "the appender survived the broker's restart");
    });

    it("two replicas in one group commit into one table; conflicts are retried and every event lands once", async function () {
        engines(this, ...ENGINES);
        const total = 600;
        await produceEvents(lake, names.topic, 0, total / 2);
        const [a, b] = [await appender({ BATCH_SIZE: "20", MAX_WAIT_SECONDS: "0.5" }, "replica-a"), await appender({ BATCH_SIZE: "20", MAX_WAIT_SECONDS: "0.5" }, "replica-b")];
        await produceEvents(lake, names.topic, total / 2, total / 2);
        assertExactlyOnce(await tableHolds(total), total);
        const [ma, mb] = [await a.metrics(), await b.metrics()];
        console.log(`      replicas: appended ${ma.appender_rows_appended_total} + ${mb.appender_rows_appended_total} rows, ${ma.appender_append_failures_total + mb.appender_append_failures_total} failed (conflicting) attempts retried`);
        assert.strictEqual(ma.appender_rows_appended_total + mb.appender_rows_appended_total, total);
    });

    it("two appenders that both read every partition (separate groups) still write each event once: conflicts resolve by the recorded offsets", async function () {
        engines(this, ...ENGINES);
        const total = 300;
        await produceEvents(lake, names.topic, 0, total);
        const [a, b] = [await appender({ BATCH_SIZE: "25", MAX_WAIT_SECONDS: "0.5", KAFKA_GROUP_ID: `${names.group}-a` }, "twin-a"), await appender({ BATCH_SIZE: "25", MAX_WAIT_SECONDS: "0.5", KAFKA_GROUP_ID: `${names.group}-b` }, "twin-b")];
        await tableHolds(total);
        // Give the later one time to commit anything it still held: the table must not grow.
        await sleep(3000);
        assertExactlyOnce(await readTable(lake, names.table), total);
        const [ma, mb] = [await a.metrics(), await b.metrics()];
        console.log(`      twins: appended ${ma.appender_rows_appended_total} + ${mb.appender_rows_appended_total} rows, ${ma.appender_append_failures_total + mb.appender_append_failures_total} failed attempts, ${ma.appender_duplicates_skipped_total + mb.appender_duplicates_skipped_total} duplicates skipped`);
        assert.strictEqual(ma.appender_rows_appended_total + mb.appender_rows_appended_total, total);
    });

    it("on SIGTERM writes and commits its pending batch and exits 0 within the pod's grace period, with the program's batch settings", async function () {
        engines(this, ...ENGINES);
        // The program's own BATCH_SIZE and MAX_WAIT_SECONDS: these 50 events would wait for a minute.
        const a = await appender();
        await produceEvents(lake, names.topic, 0, 50);
        await waitFor("the events read", async () => (await a.metrics()).appender_pending_records >= 50, 60000, 500);
        const started = Date.now();
        a.process.kill("SIGTERM");
        const code = await a.process.exited;
        const seconds = (Date.now() - started) / 1000;
        assert.strictEqual(code, 0);
        assert.ok(seconds < lake.settings.gracePeriodSeconds, `exited in ${seconds} s, grace ${lake.settings.gracePeriodSeconds} s`);
        assertExactlyOnce(await readTable(lake, names.table), 50);
        const committed = (await kafkaTool(lake, ["committed", "--topic", names.topic, "--group", names.group]))[0];
        const perPartition = 50 / lake.settings.topic.partitions;
        assert.deepStrictEqual(
            Object.values(committed).reduce((s: number, o) => s + (o as number), 0),
            50,
            `offsets committed up to the end (${perPartition.toFixed(1)} per partition): ${JSON.stringify(committed)}`,
        );
    });
});
