/**
 * What the engine tests take from the program (evaluated under the mocks by `programCapture`): the
 * telemetry lake's settings as the registered resources carry them. A wrong value in the program
 * is the value the engines run with, so the suite fails on it.
 */
import * as assert from "assert";
import { Capture, deploymentEnv, releaseValues } from "./harness";

const APPENDER_TYPE = "analytics:apps:IcebergAppender";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const KAFKA_TOPIC = "kubernetes:kafka.strimzi.io/v1:KafkaTopic";

export interface TopicSpec {
    readonly topicName: string;
    readonly partitions: number;
    readonly config: Record<string, string>;
}

export interface LakeSettings {
    /** The appender container's env entries, by name (value or valueFrom). */
    readonly appenderEnv: Record<string, { value?: string; valueFrom?: any }>;
    /** The appender pod's terminationGracePeriodSeconds. */
    readonly gracePeriodSeconds: number;
    /** The appender's replicas. */
    readonly replicas: number;
    /** The telemetry topic as the KafkaTopic object declares it. */
    readonly topic: TopicSpec;
    /** Every KafkaTopic the program declares, by topic name. */
    readonly topics: Record<string, TopicSpec>;
    /** The Nessie release's chart values. */
    readonly nessieValues: Record<string, any>;
    /** The warehouse bucket (from Nessie's warehouse location `s3://<bucket>/`). */
    readonly warehouseBucket: string;
    /** The warehouse name clients use (Nessie's default warehouse). */
    readonly warehouseName: string;
    /** The Kafka CR's `spec.kafka.version`, when the program pins one. */
    readonly kafkaVersion: string | undefined;
}

/** The env value the appender gets for `name` (a literal `value`, not a reference); fails when absent. */
export function envValue(settings: LakeSettings, name: string): string {
    const e = settings.appenderEnv[name];
    assert.ok(e && e.value !== undefined, `the appender has no literal env ${name}`);
    return e.value;
}

export function lakeSettings(capture: Capture): LakeSettings {
    const appenders = capture.ofType(APPENDER_TYPE);
    assert.strictEqual(appenders.length, 1, "the stack declares one IcebergAppender");
    const deployments = capture.ofType(DEPLOYMENT).filter((d) => d.parent === appenders[0].urn);
    assert.strictEqual(deployments.length, 1, "the appender has one Deployment");
    const appenderEnv = deploymentEnv(capture, deployments[0].name);
    const podSpec = deployments[0].inputs.spec.template.spec;
    const topics: Record<string, TopicSpec> = {};
    for (const t of capture.ofType(KAFKA_TOPIC)) {
        const spec = t.inputs.spec;
        topics[spec.topicName] = { topicName: spec.topicName, partitions: spec.partitions, config: spec.config ?? {} };
    }
    const topicName = appenderEnv.KAFKA_TOPIC?.value;
    assert.ok(topicName && topics[topicName], `the appender's topic ${topicName} is declared as a KafkaTopic`);
    const nessieValues = releaseValues(capture, "nessie");
    const warehouses: any[] = nessieValues.catalog?.iceberg?.warehouses ?? [];
    const warehouseName = nessieValues.catalog?.iceberg?.defaultWarehouse;
    const location = warehouses.find((w) => w.name === warehouseName)?.location ?? "";
    const bucket = /^s3:\/\/([^/]+)\/?/.exec(location)?.[1];
    assert.ok(bucket, `Nessie's default warehouse ${warehouseName} has an s3:// location, got "${location}"`);
    const kafkaCr = capture.ofType("kubernetes:kafka.strimzi.io/v1:Kafka");
    return {
        appenderEnv,
        gracePeriodSeconds: podSpec.terminationGracePeriodSeconds ?? 30,
        replicas: deployments[0].inputs.spec.replicas ?? 1,
        topic: topics[topicName],
        topics,
        nessieValues,
        warehouseBucket: bucket,
        warehouseName,
        kafkaVersion: kafkaCr[0]?.inputs.spec?.kafka?.version,
    };
}
