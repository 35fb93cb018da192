import * as assert from "assert";
import { createHash } from "crypto";
import { cdcPipelineName } from "../components/processing/flinkCdc";
import { stackCapture } from "./configHelpers";

const FLINK_DEPLOYMENT = "kubernetes:flink.apache.org/v1beta1:FlinkDeployment";

describe("Flink lifecycle", () => {
    it("names each version of the job's SQL by the first 12 hex digits of its SHA-256", () => {
        const sql = "INSERT INTO t SELECT 1;";
        const digest = createHash("sha256").update(sql).digest("hex");
        assert.strictEqual(cdcPipelineName("cdc", sql), `cdc-${digest.slice(0, 12)}`);
        assert.notStrictEqual(cdcPipelineName("cdc", sql), cdcPipelineName("cdc", `${sql}\n`));
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: runs Kubernetes HA and deletes the session cluster without waiting for the CDC job`, async function () {
            this.timeout(120000);
            const capture = await stackCapture(stack);
            const spec = capture.one(FLINK_DEPLOYMENT, "cdc-cluster").inputs.spec;
            assert.deepStrictEqual(
                [spec.jobManager.replicas, spec.flinkConfiguration["high-availability.type"], spec.flinkConfiguration["kubernetes.operator.session.deletion.block-on-unmanaged-jobs"]],
                [stack === "prod" ? 2 : 1, "kubernetes", "false"],
            );
        });
    }
});
