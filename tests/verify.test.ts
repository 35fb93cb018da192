import * as assert from "assert";
import { markedEvent, verifyPlan } from "../scripts/lib/verify";
import { Capture, runProgram, stackConfig, useMocks } from "./harness";

describe("npm run verify (planned from the dev stack)", () => {
    let capture: Capture;
    before(async () => {
        capture = await useMocks(stackConfig("dev"));
        await runProgram();
    });

    it("produces the marked event to the appender's topic on a broker of the stack's Kafka cluster", () => {
        const plan = verifyPlan(capture);
        const kafka = capture.ofType("kubernetes:kafka.strimzi.io/v1:Kafka")[0].inputs.metadata;
        assert.deepStrictEqual(plan.brokerPods, ["-n", kafka.namespace, "get", "pods", "-l", `strimzi.io/cluster=${kafka.name},strimzi.io/broker-role=true`, "-o", "name"]);
        assert.deepStrictEqual(plan.produce("pod/kafka-dual-role-0"), ["-n", kafka.namespace, "exec", "-i", "pod/kafka-dual-role-0", "--", "bin/kafka-console-producer.sh", "--bootstrap-server", "localhost:9092", "--topic", "telemetry-logs"]);
    });

    it("reads it through DuckDB's init script and Trino's iceberg catalog from the appender's table", () => {
        const plan = verifyPlan(capture);
        const duck = plan.duckdb?.("verify-abc");
        assert.ok(duck);
        assert.deepStrictEqual(duck.slice(-2), ["-c", "SELECT count(*) FROM lake.telemetry.logs WHERE message = 'verify-abc';"]);
        assert.deepStrictEqual(duck.slice(2, 8), ["exec", "deploy/duckdb", "--", "duckdb", "-init", "/etc/duckdb/init.sql"]);
        const trino = plan.trino?.("verify-abc");
        assert.ok(trino);
        assert.deepStrictEqual(trino.slice(2), ["exec", "deploy/trino-coordinator", "--", "trino", "--output-format", "TSV", "--execute", "SELECT count(*) FROM iceberg.telemetry.logs WHERE message = 'verify-abc'"]);
    });

    it("refuses a marker that is not a plain token (it goes into SQL)", () => {
        assert.throws(() => verifyPlan(capture).duckdb?.("x' OR 1=1 --"), /marker must be letters, digits and dashes/);
    });

    it("marks the event as a telemetry record the appender accepts", () => {
        assert.deepStrictEqual(JSON.parse(markedEvent("verify-1", new Date("2026-12-06T10:00:00Z"))), { ts: "2026-12-06T10:00:00.000Z", source: "platform-verify", level: "INFO", message: "verify-1" });
    });
});
