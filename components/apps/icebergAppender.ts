import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ImagePin, images } from "../catalog";
import { KafkaTopicSpec } from "../data/kafka";
import { Resources } from "../config";
import { WAREHOUSE_NAME } from "../data/nessie";
import { Footprint, podsFootprint } from "../lib/footprint";
import { ImageRegistry, imageRef } from "../lib/images";
import { platformLabels } from "../lib/labels";
import { ScrapeTarget } from "../lib/monitoring";
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";
import { S3Location, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } from "../lib/storage";
import { ClientPods } from "../lib/network";

/**
 * The platform's appender image (built from images/appender/Dockerfile). The tag is the
 * appender's own version; the pin is `images.icebergAppender` in components/catalog.ts.
 */
export const APPENDER_IMAGE: ImagePin = images.icebergAppender;

/** Default size of one appender replica: a batch of JSON records and its Arrow copy in memory. */
export const APPENDER_DEFAULT_RESOURCES: Resources = { cpu: "100m", memory: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" };

/** Health (`/healthz`) and Prometheus metrics (`/metrics`), served by appender.py. */
export const APPENDER_HTTP_PORT = 8080;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How long the dead-letter topic keeps bad records for inspection and replay: 14 days. */
export const DEAD_LETTER_RETENTION_MS = 14 * 24 * 3600 * 1000;

/**
 * The appender's dead-letter topic for `topic`: `<topic>.dlq`, one partition (bad records are rare
 * and read by people), kept {@link DEAD_LETTER_RETENTION_MS}. The program declares it with the
 * cluster's topics.
 */
export function deadLetterTopic(topic: string): KafkaTopicSpec {
    return { name: `${topic}.dlq`, partitions: 1, config: { "retention.ms": String(DEAD_LETTER_RETENTION_MS) } };
}

/** SASL authentication of the appender's Kafka clients (consumer and dead-letter producer). */
export interface AppenderKafkaAuth {
    /** `SASL_SSL` (TLS listener) or `SASL_PLAINTEXT`. */
    readonly protocol: "SASL_SSL" | "SASL_PLAINTEXT";
    /** Default "SCRAM-SHA-512" (Strimzi's `scram-sha-512` authentication). */
    readonly mechanism?: "SCRAM-SHA-512" | "SCRAM-SHA-256";
    readonly username: pulumi.Input<string>;
    /** Secret and key holding the password (Strimzi's KafkaUser Secret: key `password`). */
    readonly passwordSecret: { readonly name: pulumi.Input<string>; readonly key: string };
    /** Secret and key holding the CA certificate that signs the listener's certificate (PEM), for SASL_SSL. Default none. */
    readonly caSecret?: { readonly name: pulumi.Input<string>; readonly key: string };
}

/** Where the appender finds the Kafka CA certificate when `kafkaAuth.caSecret` is set. */
export const KAFKA_CA_DIR = "/etc/kafka-ca";

export interface IcebergAppenderArgs {
    /** Namespace for the appender; `s3.secretName` must be a Secret in it. */
    readonly namespace: pulumi.Input<string>;
    /** Registry replacing ghcr.io for the platform's appender image; empty keeps ghcr.io. */
    readonly imageRegistry: ImageRegistry;
    /** Full image reference replacing the default image and `imageRegistry`. Default: none. */
    readonly image?: string;
    /** Kafka bootstrap address, `host:port` (the plain in-cluster listener). */
    readonly bootstrapServers: pulumi.Input<string>;
    /** Topic to consume. Default "telemetry-logs". */
    readonly topic?: string;
    /** Topic bad records go to, with the reason in their headers. Default `<topic>.dlq` ({@link deadLetterTopic}); it must exist. */
    readonly deadLetterTopic?: string;
    /** SASL (and TLS) towards Kafka. Default none: PLAINTEXT. */
    readonly kafkaAuth?: AppenderKafkaAuth;
    /** Kafka consumer group; replicas share the topic's partitions within it. Default: the component name. */
    readonly consumerGroup?: string;
    /** Iceberg REST catalog URI (Nessie's `icebergRestUri`). */
    readonly icebergRestUri: pulumi.Input<string>;
    /** Warehouse name the catalog serves. Default "warehouse" (Nessie's default warehouse). */
    readonly warehouse?: string;
    /** Target table as `namespace.table`; created with the telemetry schema when missing. Default "telemetry.logs". */
    readonly table?: string;
    /** The object store holding the warehouse; its key pair is read from `s3.secretName` by name. */
    readonly s3: S3Location;
    /** Records per Iceberg commit (at most). Default 5000. */
    readonly batchSize?: number;
    /** Longest a record waits in a partial batch before it is written, in seconds. Default 60. */
    readonly maxWaitSeconds?: number;
    /** Consumers in the group (more than the topic's partitions leaves some idle). Above 1: PDB and spread over nodes. Default 1. */
    readonly replicas?: number;
    /** CPU and memory of each replica. Default {@link APPENDER_DEFAULT_RESOURCES}. */
    readonly resources?: Resources;
    /** Resources the appender needs at start: the Kafka cluster and topic, and Nessie (the object store's come with `s3.ready`). */
    readonly ready: pulumi.Resource[];
}

function positiveInteger(where: string, what: string, value: number): number {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${where}: ${what} must be a positive integer, got ${value}`);
    return value;
}

/**
 * Consumes the telemetry topic and appends it to an Iceberg table through the Nessie REST catalog
 * (images/appender/appender.py). Each append records the consumed offsets in its Iceberg snapshot,
 * and the appender skips what the table already holds, so a crash or a commit conflict neither
 * loses nor duplicates a row (docs/decisions/0013-appender-delivery.md); Kafka offsets are committed
 * after the append. Bad records go to the dead-letter topic with the reason in their headers.
 * Configuration is plain env values; the S3 key pair comes from `s3.secretName` through
 * secretKeyRefs only. The pods serve only their health and metrics port.
 */
export class IcebergAppender extends pulumi.ComponentResource {
    public readonly deployment: k8s.apps.v1.Deployment;
    /** The image the pods run. */
    public readonly image: string;
    public readonly topic: string;
    /** Where bad records go. */
    public readonly deadLetterTopic: string;
    public readonly consumerGroup: string;
    /** `namespace.table` written to. */
    public readonly table: string;
    /** Prometheus metrics of every replica (records, batches, bad records, failures). */
    public readonly metrics: ScrapeTarget[];
    public readonly footprint: Footprint;
    /** The pods that open this component's connections to other namespaces (for NetworkPolicies). */
    public readonly clients: ClientPods;

    constructor(name: string, args: IcebergAppenderArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:apps:IcebergAppender", name, {}, opts);
        const where = `IcebergAppender ${name}`;
        const replicas = positiveInteger(where, "replicas", args.replicas ?? 1);
        const batchSize = positiveInteger(where, "batchSize", args.batchSize ?? 5000);
        const maxWaitSeconds = args.maxWaitSeconds ?? 60;
        if (!(maxWaitSeconds > 0)) throw new Error(`${where}: maxWaitSeconds must be above 0, got ${maxWaitSeconds}`);
        this.table = args.table ?? "telemetry.logs";
        const parts = this.table.split(".");
        if (parts.length !== 2 || !parts.every((p) => IDENTIFIER.test(p))) {
            throw new Error(`${where}: table must be "namespace.table" (letters, digits and _), got "${this.table}"`);
        }
        this.topic = args.topic ?? "telemetry-logs";
        this.deadLetterTopic = args.deadLetterTopic ?? deadLetterTopic(this.topic).name;
        if (this.deadLetterTopic === this.topic) throw new Error(`${where}: deadLetterTopic must differ from topic "${this.topic}"`);
        this.consumerGroup = args.consumerGroup ?? name;
        const resources = args.resources ?? APPENDER_DEFAULT_RESOURCES;
        const ha = replicas > 1;
        const labels = platformLabels("iceberg-appender", name);
        const selector = { "app.kubernetes.io/name": "iceberg-appender", "app.kubernetes.io/instance": name };
        this.image = args.image ?? imageRef(APPENDER_IMAGE, args.imageRegistry);

        const env: k8s.types.input.core.v1.EnvVar[] = [
            { name: "KAFKA_BOOTSTRAP_SERVERS", value: args.bootstrapServers },
            { name: "KAFKA_TOPIC", value: this.topic },
            { name: "DEAD_LETTER_TOPIC", value: this.deadLetterTopic },
            { name: "KAFKA_GROUP_ID", value: this.consumerGroup },
            { name: "KAFKA_CLIENT_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "ICEBERG_REST_URI", value: args.icebergRestUri },
            { name: "ICEBERG_WAREHOUSE", value: args.warehouse ?? WAREHOUSE_NAME },
            { name: "ICEBERG_TABLE", value: this.table },
            { name: "S3_ENDPOINT", value: args.s3.endpoint },
            { name: "S3_REGION", value: "us-east-1" },
            { name: "BATCH_SIZE", value: String(batchSize) },
            { name: "MAX_WAIT_SECONDS", value: String(maxWaitSeconds) },
            { name: "HTTP_PORT", value: String(APPENDER_HTTP_PORT) },
            { name: S3_ACCESS_KEY_ID, valueFrom: { secretKeyRef: { name: args.s3.secretName, key: S3_ACCESS_KEY_ID } } },
            { name: S3_SECRET_ACCESS_KEY, valueFrom: { secretKeyRef: { name: args.s3.secretName, key: S3_SECRET_ACCESS_KEY } } },
        ];
        const auth = args.kafkaAuth;
        if (auth) {
            env.push(
                { name: "KAFKA_SECURITY_PROTOCOL", value: auth.protocol },
                { name: "KAFKA_SASL_MECHANISM", value: auth.mechanism ?? "SCRAM-SHA-512" },
                { name: "KAFKA_SASL_USERNAME", value: auth.username },
                { name: "KAFKA_SASL_PASSWORD", valueFrom: { secretKeyRef: { name: auth.passwordSecret.name, key: auth.passwordSecret.key } } },
                ...(auth.caSecret ? [{ name: "KAFKA_SSL_CA_LOCATION", value: `${KAFKA_CA_DIR}/${auth.caSecret.key}` }] : []),
            );
        }
        const caVolume = auth?.caSecret ? [{ name: "kafka-ca", secret: { secretName: auth.caSecret.name, items: [{ key: auth.caSecret.key, path: auth.caSecret.key }] } }] : [];
        const caMount = auth?.caSecret ? [{ name: "kafka-ca", mountPath: KAFKA_CA_DIR, readOnly: true }] : [];

        const health = { httpGet: { path: "/healthz", port: "http" } };
        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    replicas,
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels: { ...labels, ...selector } },
                        spec: {
                            automountServiceAccountToken: false,
                            // On SIGTERM the appender writes and commits its pending batch before it leaves the group.
                            terminationGracePeriodSeconds: 60,
                            securityContext: restrictedPodSecurityContext(),
                            ...(ha
                                ? {
                                      // Preferred only: replicas are interchangeable consumers, a second one on the same node still shares the load.
                                      topologySpreadConstraints: [
                                          { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
                                          { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
                                      ],
                                  }
                                : {}),
                            containers: [
                                {
                                    name: "appender",
                                    image: this.image,
                                    env,
                                    ports: [{ name: "http", containerPort: APPENDER_HTTP_PORT }],
                                    resources: resourceRequirements(resources),
                                    securityContext: restrictedContainerSecurityContext(),
                                    // /healthz answers once the table is loaded and the consume loop turns.
                                    startupProbe: { ...health, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
                                    readinessProbe: { ...health, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
                                    livenessProbe: { ...health, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
                                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...caMount],
                                },
                            ],
                            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }, ...caVolume],
                        },
                    },
                },
            },
            // At start the appender loads (or creates) its table through Nessie, subscribes to the topic
            // and writes into the warehouse bucket: the Kafka topic, Nessie and the object store must be ready.
            { parent: this, dependsOn: [...args.ready, ...args.s3.ready] },
        );

        if (ha) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-pdb`,
                { metadata: { name, namespace: args.namespace, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
                { parent: this },
            );
        }

        this.metrics = [{ name, namespace: args.namespace, kind: "pod", selector, port: "http", containerPort: APPENDER_HTTP_PORT, path: "/metrics" }];
        this.footprint = podsFootprint(resources, replicas);
        this.clients = { namespace: args.namespace, podLabels: selector };
        this.registerOutputs({ image: this.image, topic: this.topic, deadLetterTopic: this.deadLetterTopic, consumerGroup: this.consumerGroup, table: this.table });
    }
}
