import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { DEAD_LETTER_RETENTION_MS, IcebergAppender, KAFKA_CA_DIR, deadLetterTopic } from "../components/apps/icebergAppender";
import { Capture, runProgram, settle, stackConfig, useMocks } from "./harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const TOPIC = "kubernetes:kafka.strimzi.io/v1:KafkaTopic";

function s3() {
    const ready = new k8s.core.v1.ConfigMap("store-ready", { metadata: { name: "store-ready" } });
    return { endpoint: "http://minio.platform-data.svc.cluster.local", secretName: "lake-s3-credentials", bucket: "warehouse", ready: [ready] };
}

function env(capture: Capture, deployment: string): Record<string, any> {
    const c = capture.one(DEPLOYMENT, deployment).inputs.spec.template.spec.containers[0];
    return Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

describe("Appender delivery settings", () => {
    it("names the dead-letter topic <topic>.dlq with one partition and 14 days of retention", () => {
        assert.deepStrictEqual(deadLetterTopic("telemetry-logs"), { name: "telemetry-logs.dlq", partitions: 1, config: { "retention.ms": "1209600000" } });
        assert.strictEqual(DEAD_LETTER_RETENTION_MS, 1209600000);
    });

    it("passes the dead-letter topic to the appender, and refuses one equal to its input topic", async () => {
        const capture = await useMocks({});
        const a = new IcebergAppender("app", { namespace: "apps", imageRegistry: "", bootstrapServers: "k:9092", icebergRestUri: "http://n/iceberg", s3: s3(), ready: [] });
        await settle();
        assert.strictEqual(env(capture, "app-deployment").DEAD_LETTER_TOPIC, "telemetry-logs.dlq");
        assert.strictEqual(a.deadLetterTopic, "telemetry-logs.dlq");
        assert.throws(() => new IcebergAppender("bad", { namespace: "apps", imageRegistry: "", bootstrapServers: "k:9092", icebergRestUri: "u", s3: s3(), ready: [], topic: "t", deadLetterTopic: "t" }), /deadLetterTopic must differ from topic "t"/);
    });

    it("stays PLAINTEXT without kafkaAuth: no security variables, no CA volume", async () => {
        const capture = await useMocks({});
        new IcebergAppender("plain", { namespace: "apps", imageRegistry: "", bootstrapServers: "k:9092", icebergRestUri: "u", s3: s3(), ready: [] });
        await settle();
        assert.deepStrictEqual(Object.keys(env(capture, "plain-deployment")).filter((k) => k.startsWith("KAFKA_S")), []);
        assert.deepStrictEqual(capture.one(DEPLOYMENT, "plain-deployment").inputs.spec.template.spec.volumes.map((v: any) => v.name), ["tmp"]);
    });

    it("takes SCRAM credentials from the KafkaUser Secret by reference and mounts the CA", async () => {
        const capture = await useMocks({});
        new IcebergAppender("sec", {
            namespace: "apps",
            imageRegistry: "",
            bootstrapServers: "k:9093",
            icebergRestUri: "u",
            s3: s3(),
            ready: [],
            kafkaAuth: { protocol: "SASL_SSL", username: "iceberg-appender", passwordSecret: { name: "iceberg-appender", key: "password" }, caSecret: { name: "kafka-cluster-ca-cert", key: "ca.crt" } },
        });
        await settle();
        const e = env(capture, "sec-deployment");
        assert.deepStrictEqual(
            [e.KAFKA_SECURITY_PROTOCOL, e.KAFKA_SASL_MECHANISM, e.KAFKA_SASL_USERNAME, e.KAFKA_SASL_PASSWORD, e.KAFKA_SSL_CA_LOCATION],
            ["SASL_SSL", "SCRAM-SHA-512", "iceberg-appender", { secretKeyRef: { name: "iceberg-appender", key: "password" } }, `${KAFKA_CA_DIR}/ca.crt`],
        );
        const pod = capture.one(DEPLOYMENT, "sec-deployment").inputs.spec.template.spec;
        assert.deepStrictEqual(pod.volumes[1], { name: "kafka-ca", secret: { secretName: "kafka-cluster-ca-cert", items: [{ key: "ca.crt", path: "ca.crt" }] } });
        assert.deepStrictEqual(pod.containers[0].volumeMounts[1], { name: "kafka-ca", mountPath: KAFKA_CA_DIR, readOnly: true });
    });

    it("the dev stack declares the dead-letter topic as a KafkaTopic beside the telemetry topic", async () => {
        const capture = await useMocks(stackConfig("dev"));
        await runProgram();
        const topics = capture.ofType(TOPIC).map((t) => t.inputs.spec);
        const dlq = topics.filter((t) => t.topicName === "telemetry-logs.dlq");
        assert.strictEqual(dlq.length, 1);
        assert.deepStrictEqual([dlq[0].partitions, dlq[0].config], [1, { "retention.ms": "1209600000" }]);
        const appender = capture.ofType(DEPLOYMENT).find((d) => d.name.includes("appender"));
        assert.ok(appender);
        assert.strictEqual(env(capture, appender.name).DEAD_LETTER_TOPIC, "telemetry-logs.dlq");
    });
});
