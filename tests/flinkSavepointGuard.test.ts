import * as assert from "assert";
import { GUARD_COMMAND, GUARD_DELETE_TIMEOUT, SAVEPOINT_GRACE_SECONDS, SAVEPOINT_ON_STOP } from "../components/processing/flinkSavepointGuard";
import { Capture, runProgram, stackConfig, useMocks } from "./harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const FLINK_DEPLOYMENT = "kubernetes:flink.apache.org/v1beta1:FlinkDeployment";
const JOB = { jobEnabled: true, connectorsImage: "registry.internal/analytics-platform/flink:1.20.3-0123456789ab" };

describe("Flink savepoint guard", () => {
    describe("prod with the CDC job", () => {
        let capture: Capture;
        before(async function () {
            this.timeout(120000);
            capture = await useMocks({ ...stackConfig("prod"), flink: JOB });
            await runProgram();
        });

        it("depends on the FlinkDeployment, so destroy and replacement delete it first", () => {
            const guard = capture.one(DEPLOYMENT, "cdc-savepoint-guard");
            assert.ok(capture.dependencyNames(guard).includes(`${FLINK_DEPLOYMENT}::cdc-cluster`), capture.dependencyNames(guard).join(", "));
            assert.strictEqual(capture.one(FLINK_DEPLOYMENT, "cdc-cluster").name, "cdc-cluster");
        });

        it("is replaced whenever the FlinkDeployment is (replaceWith), so a replacement deletes it first too", () => {
            const guard = capture.one(DEPLOYMENT, "cdc-savepoint-guard");
            const cluster = capture.one(FLINK_DEPLOYMENT, "cdc-cluster");
            assert.deepStrictEqual(guard.replaceWith, [cluster.urn]);
        });

        it("gives Pulumi longer than the grace period to delete it", () => {
            const guard = capture.one(DEPLOYMENT, "cdc-savepoint-guard");
            assert.strictEqual(GUARD_DELETE_TIMEOUT, "15m");
            assert.strictEqual(guard.customTimeouts?.delete, GUARD_DELETE_TIMEOUT);
            assert.ok(15 * 60 > SAVEPOINT_GRACE_SECONDS + 60);
        });

        it("runs a main process that exits on SIGTERM, so the pod ends when the hook has ended", () => {
            const c = capture.one(DEPLOYMENT, "cdc-savepoint-guard").inputs.spec.template.spec.containers[0];
            assert.deepStrictEqual(c.command, ["sh", "-c", "trap 'exit 0' TERM; sleep infinity & wait"]);
            assert.deepStrictEqual(c.command, GUARD_COMMAND);
        });

        it("takes the savepoint in its stop hook, with time to finish, against the cluster's REST API and savepoint folder", () => {
            const pod = capture.one(DEPLOYMENT, "cdc-savepoint-guard").inputs.spec.template.spec;
            const c = pod.containers[0];
            assert.strictEqual(pod.terminationGracePeriodSeconds, SAVEPOINT_GRACE_SECONDS);
            assert.deepStrictEqual(c.lifecycle.preStop.exec.command, ["bash", "-c", SAVEPOINT_ON_STOP]);
            assert.deepStrictEqual(c.env, [
                { name: "FLINK_REST", value: "http://cdc-rest.platform-processing.svc.cluster.local:8081" },
                { name: "JOB_PREFIX", value: "cdc-" },
                { name: "SAVEPOINTS_DIR", value: "s3://savepoints/cdc/savepoints" },
            ]);
            assert.strictEqual(c.image, JOB.connectorsImage);
        });

        it("keeps the job running: the savepoint request does not cancel it", () => {
            assert.ok(SAVEPOINT_ON_STOP.includes('\\"cancel-job\\":false'));
            assert.ok(SAVEPOINT_ON_STOP.includes('"$FLINK_REST/jobs/$job/savepoints"'));
        });
    });

    it("is absent without the CDC job", async function () {
        this.timeout(120000);
        const capture = await useMocks(stackConfig("prod"));
        await runProgram();
        assert.deepStrictEqual(capture.ofType(DEPLOYMENT).filter((d) => d.name.includes("savepoint")), []);
    });
});
