/**
 * The savepoint guard's stop hook (components/processing/flinkSavepointGuard.ts), as the dev stack
 * with the CDC job on generates it, run against the real Flink 1.20.3 session cluster of
 * tests/engines/flink.ts (the program's flinkConfiguration, savepoints to MinIO): with a job named
 * like the CDC job running, the hook's savepoint completes under the program's savepoint folder
 * and the job keeps running. The job here is a datagen -> blackhole stand-in (no SQL Server).
 *
 * Only the REST address differs from the pod: FLINK_REST is the local JobManager's. The first run
 * found the hook's first savepoint refused while the job's tasks were still being deployed ("not
 * all required tasks are currently running"): the hook now retries.
 */
import * as assert from "assert";
import { S3Server, startS3 } from "./engines";
import { FlinkCluster, Gateway, flinkSettings, sqlClient, sqlClientBin, startFlink, startGateway } from "./flink";
import { Capture, engines, programCapture, run, waitFor } from "./harness";

const JOB_ON = { jobEnabled: true, connectorsImage: "registry.local:5000/analytics-platform/flink:1.20.3-engine-suite" };

interface Job {
    jid: string;
    name: string;
    state: string;
}

describe("Flink savepoint guard (Flink 1.20.3)", () => {
    let capture: Capture;
    let s3: S3Server | undefined;
    let cluster: FlinkCluster | undefined;
    let gateway: Gateway | undefined;

    before(async function () {
        engines(this, "flink 1.20.3", "flink-sql-gateway", "s3");
        capture = await programCapture("dev", { flink: JOB_ON });
        const settings = flinkSettings(capture);
        s3 = await startS3();
        const buckets = new Set(["state.checkpoints.dir", "state.savepoints.dir"].map((k) => /^s3:\/\/([^/]+)\//.exec(settings.flinkConfiguration[k])?.[1] as string));
        for (const b of buckets) await s3.createBucket(b);
        cluster = await startFlink(settings, s3);
        gateway = await startGateway(settings, cluster);
    });

    after(async () => {
        await gateway?.process.stop();
        await cluster?.stop();
        await s3?.stop();
    });

    it("takes a savepoint of the running CDC job under the program's savepoint folder, and the job keeps running", async function () {
        engines(this, "flink 1.20.3", "flink-sql-gateway", "s3");
        const sql = [
            "SET 'pipeline.name' = 'cdc-0123456789ab';",
            "CREATE TABLE src (x INT) WITH ('connector' = 'datagen', 'rows-per-second' = '5');",
            "CREATE TABLE snk (x INT) WITH ('connector' = 'blackhole');",
            "INSERT INTO snk SELECT x FROM src;",
            "",
        ].join("\n");
        await sqlClient(sqlClientBin(), gateway!.url, sql);
        const running = await waitFor(
            "the stand-in job running",
            async () => ((await cluster!.rest("/jobs/overview")).jobs as Job[]).find((j) => j.name === "cdc-0123456789ab" && j.state === "RUNNING"),
            120000,
            1000,
        );

        const guard = capture.one("kubernetes:apps/v1:Deployment", "cdc-savepoint-guard").inputs.spec.template.spec.containers[0];
        const env: Record<string, string> = Object.fromEntries(guard.env.map((e: { name: string; value: string }) => [e.name, e.value]));
        const hook: string[] = guard.lifecycle.preStop.exec.command;
        const r = await run(hook[0], hook.slice(1), { env: { ...env, FLINK_REST: cluster!.restUrl }, timeoutMs: 300000 });
        const location = new RegExp(`^savepoint of ${running.jid}: (\\S+)$`, "m").exec(r.stdout)?.[1];
        assert.ok(location?.startsWith(`${env.SAVEPOINTS_DIR}/savepoint-`), r.stdout);
        const after = ((await cluster!.rest("/jobs/overview")).jobs as Job[]).find((j) => j.jid === running.jid);
        assert.strictEqual(after?.state, "RUNNING");
    });
});
