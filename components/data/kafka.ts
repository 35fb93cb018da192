import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { kafkaVersion } from "../catalog";
import { Resources } from "../config";
import { Footprint, podsFootprint, sumFootprints } from "../lib/footprint";
import { platformLabels } from "../lib/labels";
import { ScrapeTarget } from "../lib/monitoring";
import { ServedPorts } from "../lib/network";
import { Endpoint, portForwardCommand } from "../lib/outputs";
import { waitForCondition } from "../lib/readiness";
import { resourceRequirements, restrictedContainerSecurityContext } from "../lib/security";
import { KAFKA_CLIENT_KEYS, KafkaClientAccess, KafkaClientUser, KafkaUserCluster, readWriteTopic, useGroup } from "./kafkaUser";

/** Strimzi's config provider that resolves `${secrets:<namespace>/<secret>:<key>}` from the Kubernetes API. */
export const SECRET_CONFIG_PROVIDER = "io.strimzi.kafka.KubernetesSecretConfigProvider";
const SECRET_REFERENCE = /\$\{secrets:([a-z0-9-]+)\/([a-z0-9.-]+):([^}]+)\}/g;

/** The Secrets a connector config references through the `secrets` config provider. */
export function secretReferences(config: Readonly<Record<string, string>>): { namespace: string; secret: string; key: string }[] {
    return Object.values(config).flatMap((v) => [...v.matchAll(SECRET_REFERENCE)].map((m) => ({ namespace: m[1], secret: m[2], key: m[3] })));
}

/** CPU, memory and volume size of every node in one node pool. */
export interface KafkaNodeSizing extends Resources {
    /** Size of each node's persistent volume claim, such as "10Gi"; it cannot be changed later. */
    readonly storage: string;
}

/** Sizing of the Kafka nodes. Replica counts follow the profile (1 dev; 3 controllers + 3 brokers HA). */
export interface KafkaSizing {
    /** Broker nodes; in dev, the single node that is both controller and broker. */
    readonly brokers: KafkaNodeSizing;
    /** Dedicated KRaft controllers; used only with `highAvailability`. */
    readonly controllers: KafkaNodeSizing;
}

/** A topic the cluster should hold. */
export interface KafkaTopicSpec {
    /** Kafka topic name (any valid topic name, `_` and upper case included). */
    readonly name: string;
    readonly partitions: number;
    /** Replication factor. Default: the profile's (1 dev, 3 HA). */
    readonly replicas?: number;
    /** Topic-level configuration such as `cleanup.policy`. Default none. */
    readonly config?: Record<string, string>;
}

/** A connector run by the Kafka Connect cluster. */
export interface KafkaConnectorSpec {
    /** Connector name; also the KafkaConnector object's name, so a DNS label. */
    readonly name: string;
    /** Connector class. */
    readonly class: string;
    readonly tasksMax: number;
    readonly config: Record<string, string>;
}

/** A Kafka Connect cluster next to the Kafka cluster. */
export interface KafkaConnectSpec {
    /** Connect image with the connector plugins, already resolved against the registry. Default: Strimzi's Kafka image (no extra plugins). */
    readonly image?: string;
    readonly replicas: number;
    /** CPU and memory of each Connect worker. Default 250m/1Gi requests, 1 CPU/1Gi limits. */
    readonly resources?: Resources;
    /** Connectors managed as KafkaConnector objects. */
    readonly connectors: readonly KafkaConnectorSpec[];
}

export interface KafkaArgs {
    /** Namespace for the cluster, its node pools, topics and Connect cluster. */
    readonly namespace: pulumi.Input<string>;
    /** The Strimzi operator release: every kind used here comes from it. */
    readonly operator: pulumi.Resource;
    /** Node resources and volume sizes. */
    readonly sizing: KafkaSizing;
    /** StorageClass for the node volumes; empty for the cluster default. */
    readonly storageClass: string;
    /** Topics to create as KafkaTopic objects. Default none. */
    readonly topics?: readonly KafkaTopicSpec[];
    /** A Kafka Connect cluster with its connectors. Default none. */
    readonly connect?: KafkaConnectSpec;
    /** Separate controller and broker pools of three spread across nodes, replication factor 3, min ISR 2. Default false. */
    readonly highAvailability?: boolean;
    /**
     * Rack awareness on the `topology.kubernetes.io/zone` node label: replicas of a partition go to
     * different zones, and Strimzi then schedules brokers only on nodes carrying that label (a
     * cluster without zone labels leaves every broker Pending). Default false.
     */
    readonly rackAwareness?: boolean;
    /** Protect the Kafka cluster and its node pools from deletion. Default false. */
    readonly protect?: boolean;
    /** ClusterIssuer (the platform CA) that signs the brokers' listener certificate. */
    readonly clusterIssuer: pulumi.Input<string>;
    /** The issuer's CA certificate (PEM), handed to clients with their credentials. */
    readonly caCertPem: pulumi.Input<string>;
}

const API_VERSION = "kafka.strimzi.io/v1";
/** The one client listener: TLS with the platform CA's certificate, SCRAM-SHA-512 authentication. */
const TLS_PORT = 9093;
const CONNECT_PORT = 8083;
/**
 * Strimzi's KRaft control-plane listener: the cluster operator's admin client reaches the controllers
 * there for the quorum check before it rolls one (Strimzi's own generated policy admits it).
 */
const CONTROLPLANE_PORT = 9090;
/** Strimzi's internal replication listener (also its operators' admin connection) and the Kafka agent's port on every node. */
const REPLICATION_PORT = 9091;
const KAFKA_AGENT_PORT = 8443;
/** Where Strimzi serves a component's Prometheus metrics: container port `tcp-prometheus`. */
export const KAFKA_METRICS_PORT = 9404;
/** The Topic Operator's health and `/metrics` port, container port `healthcheck-to` (renamed from `healthcheck` in Strimzi 1.1). */
export const TOPIC_OPERATOR_METRICS_PORT = 8080;
/**
 * `metricsConfig` of the Kafka nodes and Connect workers: the Strimzi Metrics Reporter, a Kafka
 * plugin in Strimzi's images that serves Kafka's own metrics in Prometheus format on 9404, with
 * fixed metric names and no JMX or rules ConfigMap. Its allow-list keeps its default (every metric).
 */
const METRICS_CONFIG = { type: "strimziMetricsReporter" };
const ZONE = "topology.kubernetes.io/zone";
const HOSTNAME = "kubernetes.io/hostname";
/**
 * Every container Strimzi runs (brokers, controllers and their init container, the entity
 * operator's, Connect's): the restricted profile stated in the resource, as the operator's
 * `restricted` pod security provider would set it, so it holds whatever the operator is configured
 * with and the policy pack can read it. The pod context stays the provider's (its fsGroup makes the
 * volumes writable); the root filesystem stays writable as the provider leaves it.
 */
const STRIMZI_CONTAINER = { securityContext: { ...restrictedContainerSecurityContext(), readOnlyRootFilesystem: false } };

/** A Kubernetes object name for a topic: topic names may hold `_` and upper case, object names may not. */
export function topicObjectName(topic: string): string {
    return topic
        .toLowerCase()
        .replace(/[^a-z0-9.-]+/g, "-")
        .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
}

/**
 * The compacted topics a Kafka Connect cluster keeps its connector configs, source offsets and
 * statuses in, with Connect's default partition counts (configs must have exactly one).
 */
export function connectInternalTopics(connectName: string): KafkaTopicSpec[] {
    const compact = { "cleanup.policy": "compact" };
    return [
        { name: `${connectName}-configs`, partitions: 1, config: compact },
        { name: `${connectName}-offsets`, partitions: 25, config: compact },
        { name: `${connectName}-status`, partitions: 5, config: compact },
    ];
}

/** The Topic Operator container in the Entity Operator pod. */
/** Requests are halved (the heap follows the 512Mi limit) so the User Operator beside it keeps dev within its node. */
const TOPIC_OPERATOR: Resources = { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "512Mi" };
/** The User Operator container beside it, which turns KafkaUsers into SCRAM credentials and ACLs. */
const USER_OPERATOR: Resources = { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "512Mi" };
/** Kafka Connect workers when no resources are given. */
const CONNECT_DEFAULT: Resources = { cpu: "250m", memory: "1Gi", cpuLimit: "1", memoryLimit: "1Gi" };

/**
 * An Apache Kafka cluster managed by Strimzi in KRaft mode, its nodes defined by KafkaNodePools.
 * Dev runs one node that is both controller and broker, replication factor 1. With
 * `highAvailability` it runs three dedicated controllers and three brokers, each pool spread across
 * nodes, replication factor 3 and `min.insync.replicas` 2; rack awareness on the zone label is a
 * separate switch. Kafka and its metadata version are pinned (catalog). One internal listener on
 * 9093: TLS with a certificate from the platform CA, SCRAM-SHA-512 authentication, `simple`
 * authorization, so every client is a KafkaUser with its own ACLs (components/data/kafkaUser.ts).
 * The Kafka object, each topic, the Connect cluster and each connector are readiness-gated.
 */
export class Kafka extends pulumi.ComponentResource {
    public readonly kafka: k8s.apiextensions.CustomResource;
    public readonly nodePools: k8s.apiextensions.CustomResource[];
    public readonly clusterName: pulumi.Output<string>;
    public readonly namespace: pulumi.Output<string>;
    /** The operator release, for custom resources other components add to this cluster. */
    public readonly operator: pulumi.Resource;
    /** Bootstrap address of the TLS + SCRAM listener, `host:9093`; clients connect as their KafkaUser. */
    public readonly bootstrapServers: pulumi.Output<string>;
    /** The platform CA certificate clients trust, handed to KafkaClientUsers. */
    public readonly caCertPem: pulumi.Input<string>;
    /** The brokers' listener certificate, issued by the platform CA. */
    public readonly listenerCertificate: k8s.apiextensions.CustomResource;
    /** What a client's KafkaClientUser needs: the cluster, its address, the CA. */
    public readonly userCluster: KafkaUserCluster;
    /** Kafka Connect's own user, when Connect runs. */
    public readonly connectUser: KafkaClientUser | undefined;
    /** The profile's replication factor for new topics (1 dev, 3 HA). */
    public readonly replicationFactor: number;
    /** The pods and ports clients connect to (for NetworkPolicies). */
    public readonly serves: ServedPorts;
    /**
     * What the Strimzi cluster operator manages through: every Kafka node on the replication listener
     * (its admin client) and the Kafka agent, and Connect's REST API (the connectors), as Strimzi's own
     * generated policies open them to it.
     */
    public readonly managed: Readonly<Record<string, ServedPorts>>;
    /** Internal address is the plain bootstrap `host:port` a Kafka client takes. */
    public readonly endpoint: Endpoint;
    public readonly topics: Readonly<Record<string, k8s.apiextensions.CustomResource>>;
    /** Resources a client must wait for: the ready Kafka cluster and every ready topic. */
    public readonly ready: pulumi.Resource[];
    public readonly connect: k8s.apiextensions.CustomResource | undefined;
    public readonly connectors: k8s.apiextensions.CustomResource[];
    /** Kafka Connect REST API (port 8083), when Connect is enabled. */
    public readonly connectEndpoint: Endpoint | undefined;
    public readonly footprint: Footprint;
    /**
     * Prometheus endpoints: every Kafka node (brokers and controllers, `tcp-prometheus`), the
     * Entity Operator's Topic Operator (`healthcheck-to`), and the Connect workers when Connect runs.
     */
    public readonly metrics: ScrapeTarget[];

    constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:Kafka", name, {}, opts);
        const ha = args.highAvailability ?? false;
        const protect = args.protect ?? false;
        const rf = ha ? 3 : 1;
        const minIsr = ha ? 2 : 1;
        const labels = platformLabels("kafka", name);
        const clusterLabel = { "strimzi.io/cluster": name };
        if (args.rackAwareness ?? false) {
            void pulumi.log.warn(`Kafka ${name}: rack awareness is on; brokers schedule only on nodes labelled ${ZONE} and stay Pending where no node has it`, this);
        }

        const storage = (s: KafkaNodeSizing) => ({
            type: "persistent-claim",
            size: s.storage,
            deleteClaim: false,
            ...(args.storageClass === "" ? {} : { class: args.storageClass }),
        });
        const spreadAcrossNodes = (pool: string) => ({
            pod: {
                topologySpreadConstraints: [
                    { maxSkew: 1, topologyKey: HOSTNAME, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { ...clusterLabel, "strimzi.io/pool-name": pool } } },
                ],
            },
        });
        const pools: { pool: string; replicas: number; roles: string[]; sizing: KafkaNodeSizing }[] = ha
            ? [
                  { pool: "controllers", replicas: 3, roles: ["controller"], sizing: args.sizing.controllers },
                  { pool: "brokers", replicas: 3, roles: ["broker"], sizing: args.sizing.brokers },
              ]
            : [{ pool: "dual-role", replicas: 1, roles: ["controller", "broker"], sizing: args.sizing.brokers }];

        this.nodePools = pools.map(
            (p) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-pool-${p.pool}`,
                    {
                        apiVersion: API_VERSION,
                        kind: "KafkaNodePool",
                        metadata: { name: p.pool, namespace: args.namespace, labels: { ...labels, ...clusterLabel } },
                        spec: {
                            replicas: p.replicas,
                            roles: p.roles,
                            storage: storage(p.sizing),
                            resources: resourceRequirements(p.sizing),
                            template: { ...(ha ? spreadAcrossNodes(p.pool) : {}), kafkaContainer: STRIMZI_CONTAINER, initContainer: STRIMZI_CONTAINER },
                        },
                    },
                    // The KafkaNodePool kind is served by the operator release's CRDs.
                    { parent: this, dependsOn: [args.operator], protect },
                ),
        );

        // The brokers' certificate for the client listener, from the platform CA that every client
        // already trusts: the bootstrap Service and every broker's per-pod name.
        const listenerSecret = `${name}-listener-tls`;
        const brokersService = pulumi.interpolate`${name}-kafka-brokers.${args.namespace}.svc`;
        const bootstrapHost = pulumi.interpolate`${name}-kafka-bootstrap.${args.namespace}.svc`;
        this.listenerCertificate = new k8s.apiextensions.CustomResource(
            `${name}-listener-certificate`,
            {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: listenerSecret, namespace: args.namespace, labels, annotations: waitForCondition("Ready") },
                spec: {
                    secretName: listenerSecret,
                    issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: args.clusterIssuer },
                    dnsNames: [
                        `${name}-kafka-bootstrap`,
                        bootstrapHost,
                        pulumi.interpolate`${bootstrapHost}.cluster.local`,
                        pulumi.interpolate`*.${brokersService}`,
                        pulumi.interpolate`*.${brokersService}.cluster.local`,
                    ],
                    duration: "8760h",
                    renewBefore: "720h",
                    // Strimzi reads the key as unencrypted PKCS #8 (the Kafka CRD's brokerCertChainAndKey).
                    privateKey: { algorithm: "RSA", size: 2048, encoding: "PKCS8", rotationPolicy: "Always" },
                    usages: ["server auth", "digital signature", "key encipherment"],
                },
            },
            { parent: this },
        );

        this.kafka = new k8s.apiextensions.CustomResource(
            `${name}-kafka`,
            {
                apiVersion: API_VERSION,
                kind: "Kafka",
                metadata: { name, namespace: args.namespace, labels, annotations: waitForCondition("Ready") },
                spec: {
                    kafka: {
                        // Pinned, so an operator upgrade neither rolls Kafka nor raises the metadata version (catalog).
                        version: kafkaVersion.version,
                        metadataVersion: kafkaVersion.metadataVersion,
                        listeners: [
                            {
                                name: "tls",
                                port: TLS_PORT,
                                type: "internal",
                                tls: true,
                                authentication: { type: "scram-sha-512" },
                                configuration: { brokerCertChainAndKey: { secretName: listenerSecret, certificate: "tls.crt", key: "tls.key" } },
                            },
                        ],
                        // Every client is a KafkaUser with ACLs; nothing is allowed by default.
                        authorization: { type: "simple" },
                        config: {
                            "default.replication.factor": rf,
                            "offsets.topic.replication.factor": rf,
                            "transaction.state.log.replication.factor": rf,
                            "transaction.state.log.min.isr": minIsr,
                            "min.insync.replicas": minIsr,
                            // Every topic the platform writes is a KafkaTopic with its cleanup policy; an
                            // undeclared one would otherwise appear on first write with the broker defaults.
                            "auto.create.topics.enable": false,
                        },
                        ...(args.rackAwareness ?? false ? { rack: { topologyKey: ZONE } } : {}),
                        metricsConfig: METRICS_CONFIG,
                    },
                    // The Topic Operator reconciles the KafkaTopic objects below, the User Operator the KafkaUsers.
                    entityOperator: {
                        topicOperator: { resources: resourceRequirements(TOPIC_OPERATOR) },
                        userOperator: { resources: resourceRequirements(USER_OPERATOR) },
                        template: { topicOperatorContainer: STRIMZI_CONTAINER, userOperatorContainer: STRIMZI_CONTAINER },
                    },
                },
            },
            // The Kafka kind comes from the operator release, and its nodes are the pools, which must exist before the operator reconciles it;
            // the brokers mount the listener certificate, so it must have been issued.
            { parent: this, dependsOn: [args.operator, ...this.nodePools, this.listenerCertificate], protect },
        );

        this.operator = args.operator;
        this.clusterName = this.kafka.metadata.name;
        this.namespace = this.kafka.metadata.namespace;
        this.replicationFactor = rf;
        const bootstrapService = pulumi.interpolate`${this.clusterName}-kafka-bootstrap`;
        this.bootstrapServers = pulumi.interpolate`${bootstrapService}.${this.namespace}.svc:${TLS_PORT}`;
        this.caCertPem = args.caCertPem;
        this.userCluster = { clusterName: this.clusterName, namespace: this.namespace, bootstrapServers: this.bootstrapServers, operator: args.operator, kafka: this.kafka, caCertPem: args.caCertPem };
        this.endpoint = {
            internal: this.bootstrapServers,
            external: null,
            // Reaches the bootstrap only: clients are then redirected to the brokers' in-cluster addresses.
            portForward: portForwardCommand(this.namespace, bootstrapService, TLS_PORT, TLS_PORT),
        };

        const topics: Record<string, k8s.apiextensions.CustomResource> = {};
        const objectNames = new Set<string>();
        const declareTopic = (t: KafkaTopicSpec): k8s.apiextensions.CustomResource => {
            const objectName = topicObjectName(t.name);
            if (objectName === "" || objectNames.has(objectName)) {
                throw new Error(`Kafka ${name}: topic "${t.name}" maps to the Kubernetes name "${objectName}", which is empty or already taken`);
            }
            objectNames.add(objectName);
            return new k8s.apiextensions.CustomResource(
                `${name}-topic-${objectName}`,
                {
                    apiVersion: API_VERSION,
                    kind: "KafkaTopic",
                    metadata: { name: objectName, namespace: args.namespace, labels: { ...labels, ...clusterLabel }, annotations: waitForCondition("Ready") },
                    spec: { topicName: t.name, partitions: t.partitions, replicas: t.replicas ?? rf, ...(t.config === undefined ? {} : { config: t.config }) },
                },
                // The KafkaTopic kind comes from the operator; the Topic Operator runs only once the Kafka cluster is Ready.
                { parent: this, dependsOn: [args.operator, this.kafka] },
            );
        };
        for (const t of args.topics ?? []) topics[t.name] = declareTopic(t);
        this.topics = topics;
        this.ready = [this.kafka, ...Object.values(topics)];

        this.connectors = [];
        if (args.connect === undefined) {
            this.connect = undefined;
            this.connectUser = undefined;
            this.connectEndpoint = undefined;
        } else {
            const c = args.connect;
            const connectName = `${name}-connect`;
            const connectLabels = platformLabels("kafka-connect", connectName);
            // Connect's own state: compacted topics, declared so they exist with that policy (Connect
            // refuses non-compacted ones) and the partition counts Connect would choose itself.
            const internalTopics = connectInternalTopics(connectName).map(declareTopic);
            // Connect's own user: its group and internal topics, the platform's topics, and the
            // connectors' consumer groups (Kafka Connect names them connect-<connector>).
            this.connectUser = new KafkaClientUser(
                `${connectName}-user`,
                {
                    username: connectName,
                    cluster: this.userCluster,
                    clientNamespace: args.namespace,
                    acls: [
                        useGroup(connectName),
                        { type: "topic", name: `${connectName}-`, prefix: true, operations: ["Read", "Write", "Describe", "DescribeConfigs"] },
                        ...(args.topics ?? []).map((t) => readWriteTopic(t.name)),
                        useGroup("connect-", true),
                    ],
                },
                { parent: this },
            );
            const connectAccess: KafkaClientAccess = this.connectUser.access;
            this.connect = new k8s.apiextensions.CustomResource(
                `${name}-connect`,
                {
                    apiVersion: API_VERSION,
                    kind: "KafkaConnect",
                    metadata: {
                        name: connectName,
                        namespace: args.namespace,
                        labels: connectLabels,
                        annotations: { "strimzi.io/use-connector-resources": "true", ...waitForCondition("Ready") },
                    },
                    spec: {
                        version: kafkaVersion.version,
                        replicas: c.replicas,
                        ...(c.image === undefined ? {} : { image: c.image }),
                        bootstrapServers: `${name}-kafka-bootstrap:${TLS_PORT}`,
                        tls: { trustedCertificates: [{ secretName: connectAccess.secretName, certificate: KAFKA_CLIENT_KEYS.ca }] },
                        authentication: {
                            type: "scram-sha-512",
                            username: connectAccess.username,
                            passwordSecret: { secretName: connectAccess.secretName, password: KAFKA_CLIENT_KEYS.password },
                        },
                        groupId: connectName,
                        configStorageTopic: `${connectName}-configs`,
                        offsetStorageTopic: `${connectName}-offsets`,
                        statusStorageTopic: `${connectName}-status`,
                        config: {
                            "config.storage.replication.factor": rf,
                            "offset.storage.replication.factor": rf,
                            "status.storage.replication.factor": rf,
                            // Connector configs name credentials as ${secrets:<namespace>/<secret>:<key>}; the
                            // workers read them from the Secret at run time, so no value sits in a spec.
                            "config.providers": "secrets",
                            "config.providers.secrets.class": SECRET_CONFIG_PROVIDER,
                        },
                        resources: resourceRequirements(c.resources ?? CONNECT_DEFAULT),
                        metricsConfig: METRICS_CONFIG,
                        template: {
                            ...(ha
                                ? {
                                      pod: {
                                          topologySpreadConstraints: [
                                              {
                                                  maxSkew: 1,
                                                  topologyKey: HOSTNAME,
                                                  whenUnsatisfiable: "ScheduleAnyway",
                                                  labelSelector: { matchLabels: { "strimzi.io/cluster": connectName, "strimzi.io/kind": "KafkaConnect" } },
                                              },
                                          ],
                                      },
                                  }
                                : {}),
                            connectContainer: STRIMZI_CONTAINER,
                            initContainer: STRIMZI_CONTAINER,
                        },
                    },
                },
                // The KafkaConnect kind comes from the operator; Connect needs a Ready cluster and its user,
                // and reads its configs, offsets and status topics at start.
                { parent: this, dependsOn: [args.operator, this.kafka, ...internalTopics, ...connectAccess.ready] },
            );
            const connect = this.connect;
            // The workers may read exactly the Secrets the connectors reference, nothing else.
            const referenced = [...new Set(c.connectors.flatMap((conn) => secretReferences(conn.config).map((r) => r.secret)))].sort();
            if (referenced.length > 0) {
                const role = new k8s.rbac.v1.Role(
                    `${name}-connect-secrets`,
                    {
                        metadata: { name: `${connectName}-secrets`, namespace: args.namespace, labels: connectLabels },
                        rules: [{ apiGroups: [""], resources: ["secrets"], resourceNames: referenced, verbs: ["get"] }],
                    },
                    { parent: this },
                );
                new k8s.rbac.v1.RoleBinding(
                    `${name}-connect-secrets`,
                    {
                        metadata: { name: `${connectName}-secrets`, namespace: args.namespace, labels: connectLabels },
                        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                        // Strimzi runs the Connect pods as the ServiceAccount <connect>-connect.
                        subjects: [{ kind: "ServiceAccount", name: `${connectName}-connect`, namespace: args.namespace }],
                    },
                    { parent: this },
                );
            }
            for (const conn of c.connectors) {
                this.connectors.push(
                    new k8s.apiextensions.CustomResource(
                        `${name}-connector-${conn.name}`,
                        {
                            apiVersion: API_VERSION,
                            kind: "KafkaConnector",
                            metadata: {
                                name: conn.name,
                                namespace: args.namespace,
                                labels: { ...connectLabels, "strimzi.io/cluster": connectName },
                                annotations: waitForCondition("Ready"),
                            },
                            spec: { class: conn.class, tasksMax: conn.tasksMax, config: conn.config, autoRestart: { enabled: true } },
                        },
                        // The KafkaConnector kind comes from the operator; the Connect cluster must be Ready to accept it.
                        { parent: this, dependsOn: [args.operator, connect] },
                    ),
                );
            }
            const apiService = pulumi.interpolate`${connect.metadata.name}-connect-api`;
            this.connectEndpoint = {
                internal: pulumi.interpolate`http://${apiService}.${connect.metadata.namespace}.svc.cluster.local:${CONNECT_PORT}`,
                external: null,
                portForward: portForwardCommand(connect.metadata.namespace, apiService, CONNECT_PORT, CONNECT_PORT),
            };
        }

        this.footprint = sumFootprints([
            ...pools.map((p) => podsFootprint(p.sizing, p.replicas, p.sizing.storage)),
            podsFootprint(TOPIC_OPERATOR, 1),
            podsFootprint(USER_OPERATOR, 1),
            ...(args.connect === undefined ? [] : [podsFootprint(args.connect.resources ?? CONNECT_DEFAULT, args.connect.replicas)]),
        ]);
        this.serves = { namespace: args.namespace, podLabels: { "strimzi.io/cluster": name, "strimzi.io/kind": "Kafka" }, ports: [TLS_PORT] };
        this.managed = {
            kafka: { namespace: args.namespace, podLabels: this.serves.podLabels, ports: [CONTROLPLANE_PORT, REPLICATION_PORT, KAFKA_AGENT_PORT] },
            ...(args.connect ? { "kafka-connect": { namespace: args.namespace, podLabels: { "strimzi.io/cluster": `${name}-connect`, "strimzi.io/kind": "KafkaConnect" }, ports: [CONNECT_PORT] } } : {}),
        };
        this.metrics = [
            {
                name,
                namespace: args.namespace,
                kind: "pod",
                // Every node of every pool; the Entity Operator pod shares these labels but has no such port.
                selector: { "strimzi.io/cluster": name, "strimzi.io/kind": "Kafka" },
                port: "tcp-prometheus",
                containerPort: KAFKA_METRICS_PORT,
                path: "/metrics",
            },
            {
                name: `${name}-entity-operator`,
                namespace: args.namespace,
                kind: "pod",
                selector: { "strimzi.io/cluster": name, "strimzi.io/name": `${name}-entity-operator` },
                port: "healthcheck-to",
                containerPort: TOPIC_OPERATOR_METRICS_PORT,
                path: "/metrics",
            },
            ...(args.connect === undefined
                ? []
                : [
                      {
                          name: `${name}-connect`,
                          namespace: args.namespace,
                          kind: "pod" as const,
                          selector: { "strimzi.io/cluster": `${name}-connect`, "strimzi.io/kind": "KafkaConnect" },
                          port: "tcp-prometheus",
                          containerPort: KAFKA_METRICS_PORT,
                          path: "/metrics",
                      },
                  ]),
        ];
        this.registerOutputs({
            clusterName: this.clusterName,
            bootstrapServers: this.bootstrapServers,
            endpoint: this.endpoint,
            ...(this.connectEndpoint === undefined ? {} : { connectEndpoint: this.connectEndpoint }),
        });
    }
}
