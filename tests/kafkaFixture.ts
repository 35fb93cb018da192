import * as k8s from "@pulumi/kubernetes";
import { KafkaUserCluster } from "../components/data/kafkaUser";

/** The TLS + SCRAM bootstrap address client tests connect to. */
export const KAFKA_TLS_BOOTSTRAP = "events-kafka-bootstrap.platform-data.svc:9093";
export const KAFKA_CA_PEM = "-----BEGIN CERTIFICATE-----\nplatform-ca\n-----END CERTIFICATE-----\n";

let made = 0;

/** A Kafka cluster as clients see it, its operator and Kafka object stood in by ConfigMaps (call under the mocks). */
export function kafkaCluster(): KafkaUserCluster {
    const n = ++made;
    const standIn = (what: string) => new k8s.core.v1.ConfigMap(`kafka-${what}-${n}`, { metadata: { name: `kafka-${what}-${n}`, namespace: "platform-data" } });
    return { clusterName: "events", namespace: "platform-data", bootstrapServers: KAFKA_TLS_BOOTSTRAP, operator: standIn("operator"), kafka: standIn("cluster"), caCertPem: KAFKA_CA_PEM };
}
