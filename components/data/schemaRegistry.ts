import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { images } from "../catalog";
import { Resources } from "../config";
import { ImageRegistry, imageRef } from "../lib/images";
import { Footprint, podsFootprint } from "../lib/footprint";
import { platformLabels } from "../lib/labels";
import { ServedPorts } from "../lib/network";
import { Endpoint, portForwardCommand } from "../lib/outputs";
import { waitForCondition } from "../lib/readiness";
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";
import { Kafka } from "./kafka";
import { KAFKA_CA_FILE, KAFKA_CLIENT_KEYS, KAFKA_SASL_MECHANISM, KAFKA_SECURITY_PROTOCOL, KafkaClientUser, kafkaClientVolume, useGroup } from "./kafkaUser";

/** What the registry needs from the Kafka cluster. */
export type SchemaRegistryKafka = Pick<Kafka, "clusterName" | "namespace" | "bootstrapServers" | "replicationFactor" | "operator" | "kafka" | "userCluster">;

export interface SchemaRegistryArgs {
    /** Namespace for the registry's Deployment and Service. */
    readonly namespace: pulumi.Input<string>;
    /** The Kafka cluster that stores the schemas; its `_schemas` topic is created in the cluster's namespace. */
    readonly kafka: SchemaRegistryKafka;
    /** Registry replacing ghcr.io for the Karapace image; empty keeps ghcr.io. */
    readonly imageRegistry: ImageRegistry;
    /** CPU and memory of each replica. */
    readonly resources: Resources;
    /** Default compatibility level for new subjects. Default "BACKWARD" (Karapace's own default). */
    readonly compatibility?: string;
    /** Two replicas (one elected primary, writes forwarded to it) spread across nodes, with a PodDisruptionBudget. Default false. */
    readonly highAvailability?: boolean;
}

const PORT = 8081;
const TOPIC = "_schemas";
/** Karapace's image names its user only by name; any non-root UID works, as every writable path is an emptyDir. */
const KARAPACE_UID = 1000;
const RUNTIME_DIR = "/opt/karapace/runtime";

/**
 * A Confluent-compatible schema registry: Karapace (Apache-2.0) on port 8081, keeping schemas in
 * the compacted single-partition Kafka topic `_schemas`. The registry creates that topic itself as
 * a KafkaTopic, since its layout (one partition, compaction) is the registry's contract, not a
 * general cluster setting; the topic and the Deployment wait for the Kafka cluster to be Ready.
 */
export class SchemaRegistry extends pulumi.ComponentResource {
    public readonly host: pulumi.Output<string>;
    public readonly port = PORT;
    public readonly serviceName: pulumi.Output<string>;
    /** The KafkaTopic holding the schemas. */
    public readonly topic: k8s.apiextensions.CustomResource;
    /** The registry's own Kafka user: its topic and its group only. */
    public readonly kafkaUser: KafkaClientUser;
    public readonly deployment: k8s.apps.v1.Deployment;
    /** The pods and ports clients connect to (for NetworkPolicies). */
    public readonly serves: ServedPorts;
    public readonly endpoint: Endpoint;
    public readonly footprint: Footprint;
    /** Resources a client must wait for: the rolled-out Deployment. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: SchemaRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:SchemaRegistry", name, {}, opts);
        const ha = args.highAvailability ?? false;
        const labels = platformLabels("karapace", name);
        const selector = { "app.kubernetes.io/name": "karapace", "app.kubernetes.io/instance": name };

        this.topic = new k8s.apiextensions.CustomResource(
            `${name}-topic`,
            {
                apiVersion: "kafka.strimzi.io/v1",
                kind: "KafkaTopic",
                metadata: {
                    name: `${name}-schemas`,
                    namespace: args.kafka.namespace,
                    labels: { ...labels, "strimzi.io/cluster": args.kafka.clusterName },
                    annotations: waitForCondition("Ready"),
                },
                spec: { topicName: TOPIC, partitions: 1, replicas: args.kafka.replicationFactor, config: { "cleanup.policy": "compact" } },
            },
            // The KafkaTopic kind comes from the Strimzi release; the Topic Operator runs only once the
            // cluster is Ready. The platform's own topics are unrelated, so they are not waited for.
            { parent: this, dependsOn: [args.kafka.operator, args.kafka.kafka] },
        );

        this.kafkaUser = new KafkaClientUser(
            `${name}-kafka-user`,
            {
                username: name,
                cluster: args.kafka.userCluster,
                clientNamespace: args.namespace,
                acls: [{ type: "topic", name: TOPIC, operations: ["Read", "Write", "Describe", "DescribeConfigs"] }, useGroup(name)],
            },
            { parent: this },
        );
        const kafkaAccess = this.kafkaUser.access;
        const kafkaFiles = kafkaClientVolume(kafkaAccess);
        const fromKafkaSecret = (key: string) => ({ valueFrom: { secretKeyRef: { name: kafkaAccess.secretName, key } } });

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: { selector, ports: [{ name: "http", port: PORT, targetPort: "http" }] },
            },
            { parent: this },
        );

        const env = [
            { name: "KARAPACE_KARAPACE_REGISTRY", value: "true" },
            { name: "KARAPACE_BOOTSTRAP_URI", value: args.kafka.bootstrapServers },
            // Its own KafkaUser over TLS; the password only from the Secret.
            { name: "KARAPACE_SECURITY_PROTOCOL", value: KAFKA_SECURITY_PROTOCOL },
            { name: "KARAPACE_SASL_MECHANISM", value: KAFKA_SASL_MECHANISM },
            { name: "KARAPACE_SASL_PLAIN_USERNAME", ...fromKafkaSecret(KAFKA_CLIENT_KEYS.username) },
            { name: "KARAPACE_SASL_PLAIN_PASSWORD", ...fromKafkaSecret(KAFKA_CLIENT_KEYS.password) },
            { name: "KARAPACE_SSL_CAFILE", value: KAFKA_CA_FILE },
            { name: "KARAPACE_HOST", value: "0.0.0.0" },
            { name: "KARAPACE_PORT", value: String(PORT) },
            // Non-primary replicas forward writes to the primary at its advertised address.
            { name: "KARAPACE_ADVERTISED_HOSTNAME", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
            { name: "KARAPACE_CLIENT_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "KARAPACE_GROUP_ID", value: name },
            { name: "KARAPACE_MASTER_ELIGIBILITY", value: "true" },
            { name: "KARAPACE_TOPIC_NAME", value: TOPIC },
            { name: "KARAPACE_REPLICATION_FACTOR", value: String(args.kafka.replicationFactor) },
            { name: "KARAPACE_COMPATIBILITY", value: args.compatibility ?? "BACKWARD" },
            { name: "KARAPACE_LOG_LEVEL", value: "INFO" },
            { name: "KARAPACE_PROTOBUF_RUNTIME_DIRECTORY", value: RUNTIME_DIR },
        ];

        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    replicas: ha ? 2 : 1,
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels: { ...labels, ...selector } },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(KARAPACE_UID),
                            ...(ha
                                ? {
                                      topologySpreadConstraints: [
                                          { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: selector } },
                                          { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
                                      ],
                                  }
                                : {}),
                            containers: [
                                {
                                    name: "karapace",
                                    image: imageRef(images.karapace, args.imageRegistry),
                                    // The image sets no entrypoint of its own.
                                    command: ["python3", "-m", "karapace"],
                                    env,
                                    ports: [{ name: "http", containerPort: PORT }],
                                    resources: resourceRequirements(args.resources),
                                    securityContext: restrictedContainerSecurityContext(KARAPACE_UID),
                                    startupProbe: { httpGet: { path: "/_health", port: "http" }, periodSeconds: 5, failureThreshold: 60 },
                                    livenessProbe: { httpGet: { path: "/_health", port: "http" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
                                    readinessProbe: { httpGet: { path: "/subjects", port: "http" }, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 },
                                    volumeMounts: [
                                        { name: "tmp", mountPath: "/tmp" },
                                        { name: "runtime", mountPath: RUNTIME_DIR },
                                        kafkaFiles.mount,
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                                { name: "runtime", emptyDir: { sizeLimit: "64Mi" } },
                                kafkaFiles.volume,
                            ],
                        },
                    },
                },
            },
            // Karapace serves only once it has read `_schemas`, so it starts after the cluster, that topic and its user are Ready.
            { parent: this, dependsOn: [args.kafka.kafka, this.topic, ...kafkaAccess.ready] },
        );

        if (ha) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-pdb`,
                {
                    metadata: { name, namespace: args.namespace, labels },
                    spec: { minAvailable: 1, selector: { matchLabels: selector } },
                },
                { parent: this },
            );
        }

        this.serviceName = service.metadata.name;
        this.host = pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
        this.endpoint = {
            internal: pulumi.interpolate`http://${this.host}:${PORT}`,
            external: null,
            portForward: portForwardCommand(service.metadata.namespace, this.serviceName, PORT, PORT),
        };
        this.ready = [this.deployment];
        this.footprint = podsFootprint(args.resources, ha ? 2 : 1);
        this.serves = { namespace: args.namespace, podLabels: selector, ports: [PORT] };
        this.registerOutputs({ host: this.host, endpoint: this.endpoint });
    }
}
