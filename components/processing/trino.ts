import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ImagePin, charts, images } from "../catalog";
import { ChartSource, Resources } from "../config";
import { WAREHOUSE_NAME } from "../data/nessie";
import { KAFKA_CLIENT_DIR, KAFKA_CLIENT_KEYS, KafkaClientAccess, KafkaClientUser, KafkaUserCluster, readTopic } from "../data/kafkaUser";
import { installChart } from "../lib/chart";
import { Footprint, mebibytes, podsFootprint, sumFootprints } from "../lib/footprint";
import { ImageRegistry, imageRef, registryFor, repositoryPath, tagFor } from "../lib/images";
import { platformLabels } from "../lib/labels";
import { ScrapeTarget } from "../lib/monitoring";
import { ClientPods, ServedPorts } from "../lib/network";
import { Endpoint, portForwardCommand } from "../lib/outputs";
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";

/** Coordinator and worker sizing. The JVM heap and Trino's memory limits are derived from `memoryLimit`. */
export interface TrinoSizing {
    /** Worker pods: at least 1; at least 2 with highAvailability. */
    readonly workers: number;
    /** The single coordinator (memoryLimit at least 1Gi). */
    readonly coordinator: Resources;
    /** Each worker (memoryLimit at least 1Gi). */
    readonly worker: Resources;
}

/** The `iceberg` catalog: Iceberg tables through the Nessie REST catalog, data in the object store. */
export interface TrinoIcebergCatalog {
    /** Iceberg REST catalog URI (Nessie's `icebergRestUri`). */
    readonly restUri: pulumi.Input<string>;
    /** Warehouse name the REST catalog knows. Default Nessie's `warehouse`. */
    readonly warehouse?: string;
    /** S3 API URL of the object store. */
    readonly s3Endpoint: pulumi.Input<string>;
    /** The object store's access key id, as a Pulumi secret (copied into Trino's Secret only). */
    readonly s3AccessKeyId: pulumi.Input<string>;
    /** The matching secret access key, as a Pulumi secret. */
    readonly s3SecretAccessKey: pulumi.Input<string>;
    /** Resources Trino waits for: the Nessie release and the ready object store. */
    readonly ready: pulumi.Resource[];
}

/** A JDBC catalog backend (PostgreSQL or ClickHouse): where it is and the login Trino uses. */
export interface TrinoJdbcCatalog {
    readonly host: pulumi.Input<string>;
    readonly port: number;
    readonly username: pulumi.Input<string>;
    /** The password, as a Pulumi secret (copied into Trino's Secret only). */
    readonly password: pulumi.Input<string>;
    /** Resources Trino waits for (the ready database or server). */
    readonly ready: pulumi.Resource[];
}

/** The `postgresql` catalog: one database of the platform PostgreSQL (a `DatabaseAccess` fits). */
export interface TrinoPostgresCatalog extends TrinoJdbcCatalog {
    /** Database the catalog exposes. */
    readonly database: string;
}

/** The `kafka` catalog: topics as tables (raw key/message columns unless table descriptions are added). */
export interface TrinoKafkaCatalog {
    /** The cluster: Trino connects as its own KafkaUser, allowed to read these topics only, SCRAM over TLS. */
    readonly cluster: KafkaUserCluster;
    /** Topics exposed as tables in the `default` schema (a dot reads as `schema.table`). */
    readonly topics: readonly string[];
    /** Resources Trino waits for: the ready Kafka cluster and topics. */
    readonly ready: pulumi.Resource[];
}

export interface TrinoArgs {
    /** Namespace for Trino and its catalog credentials Secret. */
    readonly namespace: pulumi.Input<string>;
    /** Chart source (upstream, OCI mirror, local folder). */
    readonly chartSource: ChartSource;
    /** Registry replacing docker.io for the Trino image; empty keeps docker.io. */
    readonly imageRegistry: ImageRegistry;
    /** Worker count and resources. */
    readonly sizing: TrinoSizing;
    /** Iceberg catalog; undefined omits it. */
    readonly iceberg?: TrinoIcebergCatalog;
    /** PostgreSQL catalog; undefined omits it. */
    readonly postgresql?: TrinoPostgresCatalog;
    /** ClickHouse catalog (HTTP port); undefined omits it. */
    readonly clickhouse?: TrinoJdbcCatalog;
    /** Kafka catalog; undefined omits it. */
    readonly kafka?: TrinoKafkaCatalog;
    /** Two or more workers spread over nodes with a PodDisruptionBudget. Default false. */
    readonly highAvailability?: boolean;
    /**
     * Serve Prometheus metrics: Trino's JMX RMI connector (9080/9081, unauthenticated) read over
     * localhost by a JMX exporter sidecar in every pod. Default true; false runs neither and
     * describes no scrape target.
     */
    readonly metrics?: boolean;
    /** The JMX exporter sidecar image (the chart's choice, Bitnami's). Default {@link JMX_EXPORTER_IMAGE}, resolved against `imageRegistry`. */
    readonly jmxExporterImage?: ImagePin;
    /** Each JMX exporter sidecar. Default {@link JMX_EXPORTER_RESOURCES}: 50m/128Mi, limits 250m/256Mi. */
    readonly jmxExporterResources?: Resources;
}

/** The chart's default JMX exporter image, pinned (Bitnami's frozen legacy repository). */
export const JMX_EXPORTER_IMAGE: ImagePin = images.jmxExporter;
/** Default JMX exporter sidecar resources. */
export const JMX_EXPORTER_RESOURCES: Resources = { cpu: "50m", memory: "128Mi", cpuLimit: "250m", memoryLimit: "256Mi" };
/** The JMX exporter's HTTP port, container port `jmx-exporter` in the chart. */
export const TRINO_METRICS_PORT = 5556;
/** Trino's JMX RMI registry and server ports (chart defaults), reached by the sidecar over localhost only. */
const JMX_REGISTRY_PORT = 9080;
const JMX_SERVER_PORT = 9081;
/** The user of Bitnami's images. */
const BITNAMI_UID = 1001;
/**
 * The exporter's configuration: it reads Trino's MBeans over JMX on localhost and keeps the query,
 * task executor, memory and failure-detector beans plus the JVM's, with lower-case names. The task
 * executors' MBeans live in sub-domains (`trino.execution.executor.dedicated`, `.timesharing`), which
 * a bare `trino.execution.executor:*` does not match (an ObjectName pattern's domain matches whole);
 * the engine suite checks every pattern against a real Trino's MBeans.
 */
export const JMX_EXPORTER_CONFIG = [
    `hostPort: localhost:${JMX_REGISTRY_PORT}`,
    "lowercaseOutputName: true",
    "lowercaseOutputLabelNames: true",
    "includeObjectNames:",
    '  - "trino.execution:*"',
    '  - "trino.execution.executor.*:*"',
    '  - "trino.memory:*"',
    '  - "trino.failuredetector:*"',
    '  - "java.lang:*"',
    "",
].join("\n");

const RELEASE = "trino";
/** The chart names the coordinator Service after the release (fullname), on `service.port`. */
const PORT = 8080;
/** The `trino` user and group of the official image (the chart's default). */
const TRINO_UID = 1000;
/** Where the chart mounts `kafka.tableDescriptions` (its `kafka.mountPath` default). */
const KAFKA_SCHEMAS = "/etc/trino/schemas";
/** Trino user Superset connects as (no authentication is configured: the name only labels queries). */
const SUPERSET_USER = "superset";
/** Names of the environment variables `${ENV:…}` references in catalog files resolve against. */
const ENV = {
    s3AccessKey: "S3_ACCESS_KEY",
    s3SecretKey: "S3_SECRET_KEY",
    pgUser: "POSTGRES_USER",
    pgPassword: "POSTGRES_PASSWORD",
    chUser: "CLICKHOUSE_USER",
    chPassword: "CLICKHOUSE_PASSWORD",
} as const;

/** JVM heap and Trino memory settings derived from a pod's memory limit. */
export interface TrinoMemory {
    /** `-Xmx`: 75% of the memory limit, leaving room for metaspace, code cache and direct buffers. */
    readonly maxHeapSize: string;
    /** `query.max-memory-per-node`: half of the heap. */
    readonly maxMemoryPerNode: string;
    /** `memory.heap-headroom-per-node`: 30% of the heap (Trino requires the two to fit in the heap). */
    readonly heapHeadroomPerNode: string;
    readonly maxMemoryPerNodeMiB: number;
}

export function trinoMemory(r: Resources): TrinoMemory {
    const heap = Math.floor(mebibytes(r.memoryLimit) * 0.75);
    const perNode = Math.floor(heap * 0.5);
    return { maxHeapSize: `${heap}M`, maxMemoryPerNode: `${perNode}MB`, heapHeadroomPerNode: `${Math.floor(heap * 0.3)}MB`, maxMemoryPerNodeMiB: perNode };
}

/** A Trino catalog file: `key=value` lines, values possibly Outputs (never secrets: those are `${ENV:…}`). */
function properties(entries: ReadonlyArray<readonly [string, pulumi.Input<string>]>): pulumi.Output<string> {
    return pulumi.all(entries.map(([k, v]) => pulumi.output(v).apply((value) => `${k}=${value}`))).apply((lines) => `${lines.join("\n")}\n`);
}

function validate(name: string, sizing: TrinoSizing, ha: boolean): void {
    if (!Number.isInteger(sizing.workers) || sizing.workers < 1) throw new Error(`Trino ${name}: workers must be an integer >= 1, got ${sizing.workers}`);
    if (ha && sizing.workers < 2) throw new Error(`Trino ${name}: highAvailability needs workers >= 2, got ${sizing.workers}`);
    for (const [role, r] of [["coordinator", sizing.coordinator], ["worker", sizing.worker]] as const) {
        if (mebibytes(r.memoryLimit) < 1024) throw new Error(`Trino ${name}: ${role} memoryLimit must be at least 1Gi, got ${r.memoryLimit}`);
    }
}

/**
 * Trino from its chart: one coordinator and `workers` workers, with optional catalogs for Iceberg
 * (Nessie REST catalog, native S3 file system), PostgreSQL, ClickHouse and Kafka.
 *
 * - Credentials: the backends' Secrets live in other namespaces, so the passwords given here are
 *   copied into one Secret in Trino's namespace (`trino-catalog-credentials`), exposed to every
 *   pod as environment variables through `secretKeyRef`, and referenced from catalog files as
 *   `${ENV:NAME}`. Neither Helm values nor the catalog ConfigMap hold a credential. Changing a
 *   password alone does not restart Trino.
 * - No authentication is configured: Trino is reached in-cluster over HTTP only.
 * - The coordinator is a single pod (Trino has no coordinator failover); HA runs >= 2 workers,
 *   spread over nodes, with a PodDisruptionBudget allowing one worker down at a time.
 * - Pods run under the restricted profile with a read-only root filesystem; Trino's data
 *   directory and /tmp are emptyDir volumes.
 * - Metrics (unless `metrics: false`): JMX on in every pod and the chart's JMX exporter sidecar
 *   serving a filtered set of MBeans in Prometheus format on 5556.
 */
export class Trino extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly host: pulumi.Output<string>;
    public readonly port = PORT;
    public readonly endpoint: Endpoint;
    /** The coordinator pods and port clients connect to (for NetworkPolicies). */
    public readonly serves: ServedPorts;
    /** The pods that open this component's connections to other namespaces (for NetworkPolicies). */
    public readonly clients: ClientPods;
    /** Names of the catalogs configured (besides the chart's `tpch` and `tpcds`). */
    public readonly catalogs: readonly string[];
    /** SQLAlchemy URI for Superset's database connection (no secret: Trino has no authentication). */
    public readonly sqlalchemyUri: pulumi.Output<string>;
    /**
     * The coordinator's Service address built from the namespace alone, for clients that only record
     * the address (Airflow's connection): unlike `host`, it does not make them wait for the release.
     */
    public readonly serviceHost: pulumi.Output<string>;
    /** Resources a client waits for: the release (Helm waits for the coordinator and workers). */
    public readonly ready: pulumi.Resource[];
    public readonly footprint: Footprint;
    /**
     * The JMX exporter sidecars of the coordinator and the workers: `/metrics` on container port
     * `jmx-exporter` (5556). Trino's own `/metrics` on its HTTP port needs an `X-Trino-User` header,
     * which a PodMonitor cannot send. Empty with `metrics: false`.
     */
    public readonly metrics: ScrapeTarget[];

    constructor(name: string, args: TrinoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:processing:Trino", name, {}, opts);
        const ha = args.highAvailability ?? false;
        validate(name, args.sizing, ha);
        const labels = platformLabels("trino", name);
        const workers = args.sizing.workers;
        const coordinatorMemory = trinoMemory(args.sizing.coordinator);
        const workerMemory = trinoMemory(args.sizing.worker);
        const withMetrics = args.metrics ?? true;
        const exporterResources = args.jmxExporterResources ?? JMX_EXPORTER_RESOURCES;

        // Catalog files and the credentials their `${ENV:…}` references need.
        const catalogs: Record<string, pulumi.Output<string>> = {};
        const credentials: Record<string, pulumi.Input<string>> = {};
        if (args.iceberg) {
            const c = args.iceberg;
            catalogs.iceberg = properties([
                ["connector.name", "iceberg"],
                ["iceberg.catalog.type", "rest"],
                ["iceberg.rest-catalog.uri", c.restUri],
                ["iceberg.rest-catalog.warehouse", c.warehouse ?? WAREHOUSE_NAME],
                ["fs.native-s3.enabled", "true"],
                ["s3.endpoint", c.s3Endpoint],
                ["s3.region", "us-east-1"],
                ["s3.path-style-access", "true"],
                ["s3.aws-access-key", `\${ENV:${ENV.s3AccessKey}}`],
                ["s3.aws-secret-key", `\${ENV:${ENV.s3SecretKey}}`],
            ]);
            credentials[ENV.s3AccessKey] = c.s3AccessKeyId;
            credentials[ENV.s3SecretKey] = c.s3SecretAccessKey;
        }
        if (args.postgresql) {
            const c = args.postgresql;
            catalogs.postgresql = properties([
                ["connector.name", "postgresql"],
                ["connection-url", pulumi.interpolate`jdbc:postgresql://${c.host}:${c.port}/${c.database}`],
                ["connection-user", `\${ENV:${ENV.pgUser}}`],
                ["connection-password", `\${ENV:${ENV.pgPassword}}`],
            ]);
            credentials[ENV.pgUser] = c.username;
            credentials[ENV.pgPassword] = c.password;
        }
        if (args.clickhouse) {
            const c = args.clickhouse;
            catalogs.clickhouse = properties([
                ["connector.name", "clickhouse"],
                ["connection-url", pulumi.interpolate`jdbc:clickhouse://${c.host}:${c.port}/`],
                ["connection-user", `\${ENV:${ENV.chUser}}`],
                ["connection-password", `\${ENV:${ENV.chPassword}}`],
            ]);
            credentials[ENV.chUser] = c.username;
            credentials[ENV.chPassword] = c.password;
        }
        let kafkaAccess: KafkaClientAccess | undefined;
        if (args.kafka) {
            const c = args.kafka;
            kafkaAccess = new KafkaClientUser(
                `${name}-kafka-user`,
                { username: name, cluster: c.cluster, clientNamespace: args.namespace, acls: c.topics.map((t) => readTopic(t)) },
                { parent: this },
            ).access;
            catalogs.kafka = properties([
                ["connector.name", "kafka"],
                ["kafka.nodes", kafkaAccess.bootstrapServers],
                // SASL_SSL, SCRAM-SHA-512 with the JAAS line and the CA, from the user's Secret mounted below.
                ["kafka.config.resources", `${KAFKA_CLIENT_DIR}/${KAFKA_CLIENT_KEYS.properties}`],
                ["kafka.default-schema", "default"],
                ...(c.topics.length === 0 ? [] : [["kafka.table-names", c.topics.join(",")] as const]),
                // Without table descriptions a topic's only columns are the internal ones (_key, _message, …).
                ["kafka.hide-internal-columns", "false"],
                ["kafka.table-description-dir", KAFKA_SCHEMAS],
            ]);
        }
        this.catalogs = Object.keys(catalogs);

        const secret =
            Object.keys(credentials).length === 0
                ? undefined
                : new k8s.core.v1.Secret(
                      `${name}-catalog-credentials`,
                      {
                          metadata: { name: `${RELEASE}-catalog-credentials`, namespace: args.namespace, labels },
                          type: "Opaque",
                          stringData: credentials,
                      },
                      { parent: this },
                  );
        const env = secret ? Object.keys(credentials).map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secret.metadata.name, key } } })) : [];

        const scratch = {
            volumes: [
                { name: "trino-data", emptyDir: {} },
                { name: "tmp", emptyDir: {} },
            ],
            mounts: [
                { name: "trino-data", mountPath: "/data/trino" },
                { name: "tmp", mountPath: "/tmp" },
            ],
        };
        const workerSelector = { "app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": RELEASE, "app.kubernetes.io/component": "worker" };

        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.trino,
                source: args.chartSource,
                releaseName: RELEASE,
                namespace: args.namespace,
                values: {
                    image: { registry: registryFor(images.trino, args.imageRegistry), repository: repositoryPath(images.trino, args.imageRegistry), tag: tagFor(images.trino, args.imageRegistry) },
                    server: {
                        workers,
                        node: { dataDir: "/data/trino" },
                        config: { query: { maxMemory: `${workerMemory.maxMemoryPerNodeMiB * workers}MB` } },
                    },
                    catalogs,
                    env,
                    ...(kafkaAccess === undefined ? {} : { secretMounts: [{ name: "kafka-client", secretName: kafkaAccess.secretName, path: KAFKA_CLIENT_DIR }] }),
                    securityContext: { ...restrictedPodSecurityContext(TRINO_UID), runAsUser: TRINO_UID, runAsGroup: TRINO_UID },
                    containerSecurityContext: restrictedContainerSecurityContext(TRINO_UID),
                    service: { type: "ClusterIP", port: PORT },
                    // JMX (coordinator and workers) and the exporter sidecar that turns it into Prometheus
                    // metrics. The RMI ports have no authentication: the sidecar uses them over localhost,
                    // and the platform's NetworkPolicies admit only same-namespace pods to them.
                    ...(withMetrics
                        ? {
                              jmx: {
                                  enabled: true,
                                  registryPort: JMX_REGISTRY_PORT,
                                  serverPort: JMX_SERVER_PORT,
                                  exporter: {
                                      enabled: true,
                                      image: imageRef(args.jmxExporterImage ?? JMX_EXPORTER_IMAGE, args.imageRegistry),
                                      pullPolicy: "IfNotPresent",
                                      port: TRINO_METRICS_PORT,
                                      configProperties: JMX_EXPORTER_CONFIG,
                                      securityContext: restrictedContainerSecurityContext(BITNAMI_UID),
                                      resources: resourceRequirements(exporterResources),
                                  },
                              },
                          }
                        : {}),
                    coordinator: {
                        jvm: { maxHeapSize: coordinatorMemory.maxHeapSize },
                        config: {
                            memory: { heapHeadroomPerNode: coordinatorMemory.heapHeadroomPerNode },
                            query: { maxMemoryPerNode: coordinatorMemory.maxMemoryPerNode },
                        },
                        resources: resourceRequirements(args.sizing.coordinator),
                        additionalVolumes: scratch.volumes,
                        additionalVolumeMounts: scratch.mounts,
                    },
                    worker: {
                        jvm: { maxHeapSize: workerMemory.maxHeapSize },
                        config: {
                            memory: { heapHeadroomPerNode: workerMemory.heapHeadroomPerNode },
                            query: { maxMemoryPerNode: workerMemory.maxMemoryPerNode },
                        },
                        resources: resourceRequirements(args.sizing.worker),
                        additionalVolumes: scratch.volumes,
                        additionalVolumeMounts: scratch.mounts,
                        topologySpreadConstraints: ha
                            ? [
                                  { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: workerSelector } },
                                  { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: workerSelector } },
                              ]
                            : [],
                    },
                },
            },
            // Catalogs connect to their backends as queries run, and the Iceberg catalog to Nessie and
            // the object store; starting Trino only once they are ready avoids failing first queries.
            { parent: this, dependsOn: [...(args.iceberg?.ready ?? []), ...(args.postgresql?.ready ?? []), ...(args.clickhouse?.ready ?? []), ...(args.kafka?.ready ?? []), ...(kafkaAccess?.ready ?? [])] },
        );

        if (ha) {
            // The chart has no PodDisruptionBudget: drains take down at most one worker at a time.
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-worker-pdb`,
                {
                    metadata: { name: `${RELEASE}-worker`, namespace: args.namespace, labels },
                    spec: { maxUnavailable: 1, selector: { matchLabels: workerSelector } },
                },
                { parent: this },
            );
        }

        const namespace = this.release.status.namespace.apply((ns) => ns ?? "");
        this.host = pulumi.interpolate`${RELEASE}.${namespace}.svc.cluster.local`;
        this.endpoint = { internal: pulumi.interpolate`http://${this.host}:${PORT}`, external: null, portForward: portForwardCommand(namespace, RELEASE, PORT, PORT) };
        // Built from the namespace, not the release: registering the connection in Superset needs no
        // running Trino, so Superset does not have to wait for it.
        this.serviceHost = pulumi.interpolate`${RELEASE}.${args.namespace}.svc.cluster.local`;
        this.sqlalchemyUri = pulumi.interpolate`trino://${SUPERSET_USER}@${this.serviceHost}:${PORT}/${args.iceberg ? "iceberg" : "system"}`;
        this.ready = [this.release];
        this.footprint = sumFootprints([
            podsFootprint(args.sizing.coordinator, 1),
            podsFootprint(args.sizing.worker, workers),
            ...(withMetrics ? [podsFootprint(exporterResources, 1 + workers)] : []),
        ]);
        const podLabels = { "app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": RELEASE };
        this.serves = { namespace: args.namespace, podLabels: { ...podLabels, "app.kubernetes.io/component": "coordinator" }, ports: [PORT] };
        this.metrics = withMetrics
            ? [
                  {
                      name,
                      namespace: args.namespace,
                      kind: "pod",
                      // Coordinator and workers.
                      selector: podLabels,
                      port: "jmx-exporter",
                      containerPort: TRINO_METRICS_PORT,
                      path: "/metrics",
                  },
              ]
            : [];
        this.clients = { namespace: args.namespace, podLabels };
        this.registerOutputs({ host: this.host, endpoint: this.endpoint, sqlalchemyUri: this.sqlalchemyUri });
    }
}
