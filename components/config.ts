import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ImageKey, PLATFORM_REGISTRY, images as imagePins } from "./catalog";
import { sinkTopics } from "./lib/cdcTopics";
import { cpuMillis, mebibytes } from "./lib/footprint";
import { OVERRIDABLE, OverridableImage, PullPolicy } from "./lib/images";

/**
 * The program's only configuration reader. Every key of the `analytics-platform` namespace is read
 * here once and validated before any resource is registered: unknown keys, wrong types and
 * impossible combinations throw a {@link ConfigError} naming the key, the value given and what is
 * allowed. Components receive the typed {@link PlatformConfig}; none of them reads config itself.
 */

export const PROJECT = "analytics-platform";
/** The project folder: files named in config (the Flink SQL job) are read relative to it. */
const PROJECT_DIR = path.resolve(__dirname, "..");

export type Profile = "dev" | "prod";
export type ExposureMode = "none" | "ingress" | "gateway" | "route";
export type PlatformKind = "kubernetes" | "openshift";
export type MetadataDatabase = "postgresql" | "mysql";
export type ChartSourceMode = "upstream" | "oci" | "http" | "local";

/** CPU and memory for one container or pod: requests, and limits that cap them. */
export interface Resources {
    readonly cpu: string;
    readonly memory: string;
    readonly cpuLimit: string;
    readonly memoryLimit: string;
}

export interface PostgresSizing extends Resources {
    readonly instances: number;
    readonly storage: string;
}

export interface CacheSizing extends Resources {
    readonly storage: string;
}

export interface SupersetSizing extends Resources {
    readonly replicas: number;
    readonly workerReplicas: number;
}

export interface ObjectStoreSizing extends Resources {
    readonly servers: number;
    readonly volumesPerServer: number;
    readonly volumeSize: string;
}

export interface XtraDbSizing extends Resources {
    readonly size: number;
    readonly storage: string;
    readonly haproxy: Resources & { readonly size: number };
}

export interface KafkaNodeSizing extends Resources {
    readonly storage: string;
}

export interface ReplicatedSizing extends Resources {
    readonly replicas: number;
}

export interface StorageSizing extends Resources {
    readonly storage: string;
}

export interface FlinkTaskManagerSizing extends Resources {
    readonly replicas: number;
    readonly slots: number;
}

/** Resources and pod count of one Airflow role. */
export interface AirflowRoleSizing extends Resources {
    /** Pods of this role: at least 1. */
    readonly replicas: number;
}

/**
 * Pods and resources per Airflow role. Defaults: {@link airflowDevSizing} (one pod per role, no
 * log volumes) and {@link airflowProdSizing} (two schedulers, API servers, triggerers and DAG
 * processors, three Celery workers, log volumes).
 */
export interface AirflowSizing {
    readonly scheduler: AirflowRoleSizing;
    /** The API server (REST API and UI); `workers` is its number of uvicorn worker processes (`[api] workers`). */
    readonly apiServer: AirflowRoleSizing & { readonly workers: number };
    /** Celery workers; `concurrency` is the task slots per worker (`[celery] worker_concurrency`). */
    readonly workers: AirflowRoleSizing & { readonly concurrency: number };
    readonly triggerer: AirflowRoleSizing;
    readonly dagProcessor: AirflowRoleSizing;
    /** The StatsD exporter that turns Airflow's metrics into Prometheus metrics (one pod). */
    readonly statsd: Resources;
    /** The migration and admin-user Jobs (transient: not counted in the footprint). */
    readonly jobs: Resources;
    /** Task-log volume per Celery worker and per triggerer, e.g. "10Gi"; "" keeps logs in an emptyDir. */
    readonly logStorage: string;
}

/** Dev: one pod per role, no log volumes; about 0.9 CPU and 1.8Gi requested (log groomers included). */
export const airflowDevSizing: AirflowSizing = {
    // Requests below what a busy role uses, limits above it: a laptop overcommits, prod does not.
    scheduler: { replicas: 1, cpu: "200m", memory: "384Mi", cpuLimit: "1", memoryLimit: "1Gi" },
    apiServer: { replicas: 1, workers: 1, cpu: "200m", memory: "384Mi", cpuLimit: "1", memoryLimit: "1Gi" },
    workers: { replicas: 1, concurrency: 4, cpu: "200m", memory: "384Mi", cpuLimit: "1", memoryLimit: "1536Mi" },
    triggerer: { replicas: 1, cpu: "100m", memory: "192Mi", cpuLimit: "500m", memoryLimit: "512Mi" },
    dagProcessor: { replicas: 1, cpu: "100m", memory: "256Mi", cpuLimit: "500m", memoryLimit: "768Mi" },
    statsd: { cpu: "20m", memory: "32Mi", cpuLimit: "100m", memoryLimit: "64Mi" },
    jobs: { cpu: "100m", memory: "384Mi", cpuLimit: "1", memoryLimit: "768Mi" },
    logStorage: "",
};

/** Prod: every long-running role twice (workers three times), spread over nodes, 10Gi log volumes. */
export const airflowProdSizing: AirflowSizing = {
    scheduler: { replicas: 2, cpu: "500m", memory: "1Gi", cpuLimit: "2", memoryLimit: "2Gi" },
    apiServer: { replicas: 2, workers: 2, cpu: "500m", memory: "1Gi", cpuLimit: "2", memoryLimit: "2Gi" },
    workers: { replicas: 3, concurrency: 8, cpu: "1", memory: "2Gi", cpuLimit: "2", memoryLimit: "4Gi" },
    triggerer: { replicas: 2, cpu: "250m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" },
    dagProcessor: { replicas: 2, cpu: "250m", memory: "768Mi", cpuLimit: "1", memoryLimit: "1536Mi" },
    statsd: { cpu: "50m", memory: "64Mi", cpuLimit: "250m", memoryLimit: "128Mi" },
    jobs: { cpu: "250m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" },
    logStorage: "10Gi",
};

/** NiFi's pod resources and volume sizes. The JVM heap is half the memory limit. */
export interface NifiSizing extends Resources {
    readonly storage: {
        /** Flow definition and its archive, FlowFile repository, database repository, local component state. */
        readonly data: string;
        /** Content repository (the FlowFiles' payloads, and their archive). */
        readonly content: string;
        /** Provenance repository (lineage events). */
        readonly provenance: string;
    };
}

/** A laptop-sized node for the one-node kind cluster. */
export const nifiDevSizing: NifiSizing = {
    cpu: "250m",
    memory: "1Gi",
    cpuLimit: "2",
    memoryLimit: "2Gi",
    storage: { data: "2Gi", content: "5Gi", provenance: "2Gi" },
};

/** One production node (see docs/decisions/0006-nifi.md: NiFi is not clustered). */
export const nifiProdSizing: NifiSizing = {
    cpu: "1",
    memory: "4Gi",
    cpuLimit: "4",
    memoryLimit: "8Gi",
    storage: { data: "20Gi", content: "100Gi", provenance: "50Gi" },
};

export interface Sizing {
    readonly postgres: PostgresSizing;
    readonly cache: CacheSizing;
    readonly superset: SupersetSizing;
    readonly objectStore: ObjectStoreSizing;
    readonly xtradb: XtraDbSizing;
    readonly kafkaBrokers: KafkaNodeSizing;
    readonly kafkaControllers: KafkaNodeSizing;
    readonly kafkaConnect: ReplicatedSizing;
    readonly schemaRegistry: Resources;
    readonly nessie: Resources;
    readonly clickhouse: StorageSizing;
    readonly flinkJobManager: Resources;
    readonly flinkTaskManager: FlinkTaskManagerSizing;
    readonly flinkSqlGateway: Resources;
    readonly trinoCoordinator: Resources;
    readonly trinoWorker: ReplicatedSizing;
    readonly prometheus: StorageSizing;
    readonly grafana: Resources;
    /** Prometheus operator, kube-state-metrics and each Alertmanager. */
    readonly monitoringSmall: Resources;
    readonly airflow: AirflowSizing;
    readonly nifi: NifiSizing;
    /** The interactive DuckDB pod; DuckDB's memory limit and threads follow the limits. */
    readonly duckdb: Resources;
    /** Each Kafka-to-Iceberg appender replica (consumers in one group). */
    readonly appender: ReplicatedSizing;
}

export interface ComponentSwitches {
    readonly postgres: boolean;
    readonly cache: boolean;
    readonly superset: boolean;
    readonly objectStore: boolean;
    readonly xtradb: boolean;
    readonly kafka: boolean;
    readonly schemaRegistry: boolean;
    readonly kafkaConnect: boolean;
    readonly nessie: boolean;
    readonly clickhouse: boolean;
    readonly flink: boolean;
    readonly trino: boolean;
    readonly spark: boolean;
    readonly airflow: boolean;
    readonly nifi: boolean;
    readonly duckdb: boolean;
    readonly appender: boolean;
    readonly monitoring: boolean;
}

export interface FlinkSettings {
    /** Image with the connector jars (copied into the Flink classpath at start); empty: none. */
    readonly connectorsImage: string;
    /** Submit the CDC job. Needs the source Secret (`sourceSecret`) in the processing namespace. */
    readonly jobEnabled: boolean;
    /** Secret with MSSQL_HOST, MSSQL_PORT, MSSQL_DATABASE, MSSQL_USER, MSSQL_PASSWORD. */
    readonly sourceSecret: string;
    /** Path (relative to the project) of the SQL job. */
    readonly sqlFile: string;
    /** The SQL text of `sqlFile`, read when the job is enabled. */
    readonly sql: string;
    /** `s3://` savepoint the job starts from; empty for a fresh start. */
    readonly restoreFromSavepoint: string;
}

export interface KafkaTopic {
    readonly name: string;
    readonly partitions: number;
    /** Replication factor; undefined takes the profile's (1 dev, 3 prod). */
    readonly replicas?: number;
    readonly config?: Readonly<Record<string, string>>;
}

export interface KafkaConnector {
    readonly name: string;
    readonly class: string;
    readonly tasksMax: number;
    readonly config: Readonly<Record<string, string>>;
}

export interface KafkaSettings {
    /** Topics declared as KafkaTopic resources. */
    readonly topics: readonly KafkaTopic[];
    /** Kafka Connect image with the connector plugins; empty uses Strimzi's image (no extra plugins). */
    readonly connectImage: string;
    /** Connectors declared as KafkaConnector resources. */
    readonly connectors: readonly KafkaConnector[];
    /** Rack awareness on the nodes' `topology.kubernetes.io/zone` label (needs that label on every broker node). */
    readonly rackAwareness: boolean;
}

export interface Backups {
    readonly enabled: boolean;
    /** Five-field cron schedule of full backups (UTC). */
    readonly schedule: string;
    /** How long PostgreSQL backups are kept, e.g. "14d". */
    readonly retention: string;
    /** How many XtraDB full backups are kept. */
    readonly keep: number;
    /** XtraDB binlog upload for point-in-time recovery. */
    readonly pitr: boolean;
    /** Create PostgreSQL from its backups instead of empty (docs/operations.md); `sourceServerName` empty: a fresh cluster. */
    readonly postgresRecovery: PostgresRecoverySettings;
    /** Where backups go: the platform's object store, or S3 outside the cluster. */
    readonly target: BackupTarget;
}

/** `in-cluster`: the platform object store's `backups` bucket. `external`: any S3 endpoint, off the cluster. */
export interface BackupTarget {
    readonly mode: "in-cluster" | "external";
    /** S3 endpoint URL (external), e.g. https://s3.eu-central-1.amazonaws.com. */
    readonly endpoint: string;
    /** Bucket (external); PostgreSQL writes under `postgresql/`, XtraDB under `<cluster>/`. */
    readonly bucket: string;
    /** Secret in the data namespace, created by you, with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (external). */
    readonly credentialsSecret: string;
}

export interface PostgresRecoverySettings {
    /** Server name whose base backup and WAL are restored (the lost cluster's name, or the server name it archived under). */
    readonly sourceServerName: string;
    /** Server name the restored cluster archives under; must differ from the source. */
    readonly serverName: string;
    /** RFC 3339 instant to stop replaying WAL at; empty replays everything archived. */
    readonly targetTime: string;
}

export interface Namespaces {
    readonly certManager: string;
    readonly operators: string;
    readonly data: string;
    readonly processing: string;
    readonly apps: string;
}

/** A destination outside the cluster that pods of one namespace may reach (e.g. a CDC source database). */
export interface ExternalEgress {
    /** Short DNS-label name, used in the policy's name. */
    readonly name: string;
    /** Namespace role whose pods connect out. */
    readonly from: "data" | "processing" | "apps";
    readonly cidr: string;
    readonly ports: readonly number[];
}

export interface NetworkPolicySettings {
    /** Default deny plus the allows the enabled components need, in every owned namespace. */
    readonly enabled: boolean;
    /** CIDRs of the Kubernetes API server (egress on 443/6443 for operators and controllers). */
    readonly apiServerCidrs: readonly string[];
    /** External destinations: the CDC source for Flink, Kafka Connect's sources and sinks, package mirrors. */
    readonly externalEgress: readonly ExternalEgress[];
    /** Namespace of the ingress controller or Gateway implementation, which alone may reach exposed services; empty allows any namespace. */
    readonly ingressNamespace: string;
    /** Labels of the ingress controller's or Gateway data plane's pods in `ingressNamespace`, which alone may reach exposed services; empty: every pod there. */
    readonly ingressPodLabels: Readonly<Record<string, string>>;
    /** Where pods resolve names. Undefined: the platform's default (kube-system's kube-dns; OpenShift's openshift-dns). */
    readonly dns?: DnsSettings;
    /** Accept an API server CIDR of 0.0.0.0/0 (or ::/0) in prod, which otherwise refuses it. */
    readonly allowAnyApiServer: boolean;
}

/** The cluster DNS every pod may query: its pods (namespace and labels), ports, and addresses outside any pod (NodeLocal DNSCache). */
export interface DnsSettings {
    readonly namespace: string;
    /** Labels of the DNS pods; empty selects every pod of `namespace`. */
    readonly podLabels: Readonly<Record<string, string>>;
    /** UDP and TCP ports. Default [53]. */
    readonly ports: readonly number[];
    /** Addresses that answer DNS without being pods of `namespace`, e.g. NodeLocal DNSCache's 169.254.20.10/32. Default none. */
    readonly cidrs: readonly string[];
}

export interface MonitoringSettings {
    /** How long Prometheus keeps samples, e.g. "10d". */
    readonly retention: string;
    /** Namespace for Prometheus, Alertmanager and Grafana. */
    readonly namespace: string;
    /**
     * Secret (in the monitoring namespace, created by you) whose `alertmanager.yaml` is Alertmanager's
     * whole configuration: receivers, routes. Empty keeps the chart's configuration (no receivers).
     */
    readonly alertmanagerConfigSecret: string;
}

export interface AirflowSettings {
    /** Where Airflow keeps its metadata: the platform PostgreSQL or the XtraDB cluster. */
    readonly metadataDatabase: MetadataDatabase;
    /** DAG delivery by git-sync (decision 0015); undefined: the DAGs baked into the Airflow image. */
    readonly dags?: AirflowDags;
}

/** `airflow.dags`: the repository git-sync keeps in every scheduler, worker, triggerer and DAG processor. */
export interface AirflowDags {
    /** Repository URL, `https://…` or `ssh://…`/`git@…`. */
    readonly repo: string;
    /** Branch to follow. Default "main". */
    readonly branch: string;
    /** Folder of the repository holding the DAGs; "" for its root. */
    readonly subPath: string;
    /** Secret (apps namespace) with GITSYNC_USERNAME/GITSYNC_PASSWORD and GIT_SYNC_USERNAME/GIT_SYNC_PASSWORD; "" for a public repository. */
    readonly credentialsSecret: string;
    /** Seconds between fetches. Default 60. */
    readonly periodSeconds: number;
}

export interface LakeAppsSettings {
    /** Topic the appender consumes; must be one of kafka.topics. */
    readonly appenderTopic: string;
    /** Iceberg table (namespace.table) the appender appends to. */
    readonly appenderTable: string;
}

export interface Exposure {
    readonly mode: ExposureMode;
    /** IngressClass to use; empty means the cluster's default class. */
    readonly ingressClassName: string;
    /** GatewayClass of the platform's Gateway (mode "gateway"). */
    readonly gatewayClassName: string;
    /** Namespace the platform's Gateway and its certificates go to (mode "gateway"): the Gateway implementation's, not one the platform owns. */
    readonly gatewayNamespace: string;
    /** ClusterIssuer that signs the ingress certificates; empty means the platform CA. */
    readonly clusterIssuer: string;
}

export interface ChartSource {
    readonly mode: ChartSourceMode;
    /** `oci://host/path` for `oci`, `https://host/path` (a Helm repository) for `http`, a folder of `<chart>-<version>.tgz` for `local`, empty for `upstream`. */
    readonly location: string;
    /** User for the `oci` or `http` mirror; absent: anonymous. */
    readonly username?: string;
    /** Its password, from `pulumi config set --secret --path chartSource.password` (a secret Output). */
    readonly password?: pulumi.Output<string>;
}

export interface PlatformConfig {
    readonly profile: Profile;
    readonly components: ComponentSwitches;
    readonly namespaces: Namespaces;
    /** StorageClass for every volume; empty means the cluster's default class. */
    readonly storageClass: string;
    /** DNS domain under which exposed services get `<service>.<domain>`. */
    readonly domain: string;
    readonly exposure: Exposure;
    /** Vanilla Kubernetes, or OpenShift (restricted-v2 SCC: no fixed UIDs or fsGroups; Routes). */
    readonly platform: PlatformKind;
    readonly monitoring: MonitoringSettings;
    readonly airflow: AirflowSettings;
    readonly lake: LakeAppsSettings;
    /** Registry host (and optional path) that replaces every image's registry; empty keeps upstream. */
    readonly imageRegistry: string;
    /**
     * Where the platform's own images (catalog pins with `build`) are pulled from; it wins over
     * `imageRegistry` for them. "" keeps the catalog's local dev registry (localhost:5001), which
     * prod and OpenShift refuse: their nodes cannot pull from it.
     */
    readonly platformImageRegistry: string;
    readonly chartSource: ChartSource;
    readonly sizing: Sizing;
    readonly kafka: KafkaSettings;
    readonly backups: Backups;
    readonly networkPolicies: NetworkPolicySettings;
    readonly flink: FlinkSettings;
    /** Protect stateful resources (databases, volumes) against deletion by `pulumi destroy` or a replace. */
    readonly protectData: boolean;
    // ---- Images (owner: images; decision 0014) ----
    /** `images.<key>`: full references replacing catalog pins (components/catalog.ts `images`). */
    readonly images: Readonly<Partial<Record<OverridableImage, string>>>;
    /** `imagePullPolicy` of every container the platform and its charts create; "" keeps their defaults. */
    readonly imagePullPolicy: PullPolicy | "";
    /** `imagePullSecrets`: existing Secrets (by name, in each workload's namespace) every pod pulls with. */
    readonly imagePullSecrets: readonly string[];
    /** Escape hatches beyond the typed keys (docs/operations.md): applied last, over what the platform sets. */
    readonly overrides: Overrides;
}

/**
 * A configuration mistake, raised before any resource exists. A `pulumi.RunError`, so the Pulumi CLI
 * prints the message alone, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(
        readonly key: string,
        readonly given: unknown,
        readonly allowed: string,
    ) {
        super(`config ${PROJECT}:${key}: got ${describe(given)}; allowed: ${allowed}`);
        this.name = "ConfigError";
    }
}

function describe(v: unknown): string {
    if (v === undefined) return "nothing";
    const json = JSON.stringify(v);
    return `${json} (${Array.isArray(v) ? "array" : v === null ? "null" : typeof v})`;
}

// ---------------------------------------------------------------------------------------------
// Profile defaults: what each key means when a stack does not set it.

const FLINK_DEFAULTS: FlinkSettings = {
    connectorsImage: "",
    jobEnabled: false,
    sourceSecret: "flink-cdc-source",
    sqlFile: "sql/cdc-job.sql",
    sql: "",
    restoreFromSavepoint: "",
};

/** The catalog keys of the images the platform builds itself (images/<name>/). */
const PLATFORM_BUILT = (Object.keys(imagePins) as ImageKey[]).filter((k) => "build" in imagePins[k]);

const IMAGE_DEFAULTS: Pick<PlatformConfig, "images" | "imagePullPolicy" | "imagePullSecrets"> = { images: {}, imagePullPolicy: "", imagePullSecrets: [] };

const ALL_ON: ComponentSwitches = {
    postgres: true,
    cache: true,
    superset: true,
    objectStore: true,
    xtradb: true,
    kafka: true,
    schemaRegistry: true,
    kafkaConnect: true,
    nessie: true,
    clickhouse: true,
    flink: true,
    trino: true,
    spark: true,
    airflow: true,
    nifi: true,
    duckdb: true,
    appender: true,
    monitoring: true,
};

const LAKE_DEFAULTS: LakeAppsSettings = {
    appenderTopic: "telemetry-logs",
    appenderTable: "telemetry.logs",
};

const NO_RECOVERY: PostgresRecoverySettings = { sourceServerName: "", serverName: "", targetTime: "" };
const IN_CLUSTER: BackupTarget = { mode: "in-cluster", endpoint: "", bucket: "", credentialsSecret: "" };

const KAFKA_DEFAULTS: KafkaSettings = {
    topics: [{ name: "telemetry-logs", partitions: 3 }],
    connectImage: "",
    connectors: [],
    rackAwareness: false,
};

const PROFILE_DEFAULTS: Record<Profile, Omit<PlatformConfig, "profile" | "overrides">> = {
    dev: {
        // Off in dev, to fit a laptop: monitoring (Prometheus, Grafana and Trino's JMX exporters, about 1.1Gi) and NiFi (a 1Gi JVM
        // and 9Gi of volumes). Either is one `components` key away (docs/operations.md).
        components: { ...ALL_ON, monitoring: false, nifi: false },
        namespaces: { certManager: "cert-manager", operators: "platform-operators", data: "platform-data", processing: "platform-processing", apps: "platform-apps" },
        storageClass: "",
        domain: "analytics.localtest.me",
        exposure: { mode: "none", ingressClassName: "", gatewayClassName: "", gatewayNamespace: "", clusterIssuer: "" },
        platform: "kubernetes",
        monitoring: { retention: "2d", namespace: "platform-monitoring", alertmanagerConfigSecret: "" },
        airflow: { metadataDatabase: "postgresql" },
        lake: LAKE_DEFAULTS,
        imageRegistry: "",
        platformImageRegistry: "",
        chartSource: { mode: "upstream", location: "" },
        sizing: {
            postgres: { instances: 1, storage: "2Gi", cpu: "100m", memory: "256Mi", cpuLimit: "1", memoryLimit: "512Mi" },
            cache: { storage: "1Gi", cpu: "50m", memory: "64Mi", cpuLimit: "250m", memoryLimit: "128Mi" },
            superset: { replicas: 1, workerReplicas: 1, cpu: "200m", memory: "384Mi", cpuLimit: "1", memoryLimit: "1Gi" },
            objectStore: { servers: 1, volumesPerServer: 1, volumeSize: "10Gi", cpu: "100m", memory: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" },
            xtradb: {
                size: 1,
                storage: "5Gi",
                cpu: "200m",
                memory: "384Mi",
                cpuLimit: "1",
                memoryLimit: "1Gi",
                haproxy: { size: 1, cpu: "50m", memory: "64Mi", cpuLimit: "250m", memoryLimit: "256Mi" },
            },
            kafkaBrokers: { storage: "5Gi", cpu: "250m", memory: "768Mi", cpuLimit: "1", memoryLimit: "1Gi" },
            kafkaControllers: { storage: "1Gi", cpu: "100m", memory: "512Mi", cpuLimit: "500m", memoryLimit: "768Mi" },
            kafkaConnect: { replicas: 1, cpu: "200m", memory: "512Mi", cpuLimit: "1", memoryLimit: "768Mi" },
            schemaRegistry: { cpu: "50m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "512Mi" },
            nessie: { cpu: "100m", memory: "256Mi", cpuLimit: "1", memoryLimit: "768Mi" },
            clickhouse: { storage: "5Gi", cpu: "200m", memory: "256Mi", cpuLimit: "1", memoryLimit: "2Gi" },
            flinkJobManager: { cpu: "250m", memory: "768Mi", cpuLimit: "1", memoryLimit: "1Gi" },
            flinkTaskManager: { replicas: 1, slots: 2, cpu: "250m", memory: "1Gi", cpuLimit: "1", memoryLimit: "1Gi" },
            flinkSqlGateway: { cpu: "100m", memory: "384Mi", cpuLimit: "500m", memoryLimit: "512Mi" },
            // Trino's heap follows the limit; the request is what a laptop reserves for an idle engine.
            trinoCoordinator: { cpu: "250m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1536Mi" },
            trinoWorker: { replicas: 1, cpu: "250m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1536Mi" },
            prometheus: { storage: "5Gi", cpu: "200m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" },
            grafana: { cpu: "50m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" },
            monitoringSmall: { cpu: "50m", memory: "64Mi", cpuLimit: "200m", memoryLimit: "128Mi" },
            airflow: airflowDevSizing,
            nifi: nifiDevSizing,
            duckdb: { cpu: "100m", memory: "128Mi", cpuLimit: "1", memoryLimit: "2Gi" },
            appender: { replicas: 1, cpu: "100m", memory: "128Mi", cpuLimit: "1", memoryLimit: "1Gi" },
        },
        kafka: KAFKA_DEFAULTS,
        backups: { enabled: false, schedule: "0 2 * * *", retention: "7d", keep: 3, pitr: false, postgresRecovery: NO_RECOVERY, target: IN_CLUSTER },
        networkPolicies: { enabled: true, apiServerCidrs: ["0.0.0.0/0"], externalEgress: [], ingressNamespace: "", ingressPodLabels: {}, allowAnyApiServer: false },
        flink: FLINK_DEFAULTS,
        protectData: false,
        ...IMAGE_DEFAULTS,
    },
    prod: {
        components: ALL_ON,
        namespaces: { certManager: "cert-manager", operators: "platform-operators", data: "platform-data", processing: "platform-processing", apps: "platform-apps" },
        storageClass: "",
        domain: "",
        exposure: { mode: "ingress", ingressClassName: "", gatewayClassName: "", gatewayNamespace: "", clusterIssuer: "" },
        platform: "kubernetes",
        monitoring: { retention: "15d", namespace: "platform-monitoring", alertmanagerConfigSecret: "" },
        airflow: { metadataDatabase: "postgresql" },
        lake: LAKE_DEFAULTS,
        imageRegistry: "",
        platformImageRegistry: "",
        chartSource: { mode: "upstream", location: "" },
        sizing: {
            postgres: { instances: 3, storage: "50Gi", cpu: "1", memory: "2Gi", cpuLimit: "2", memoryLimit: "4Gi" },
            cache: { storage: "8Gi", cpu: "250m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" },
            superset: { replicas: 2, workerReplicas: 2, cpu: "500m", memory: "1Gi", cpuLimit: "2", memoryLimit: "2Gi" },
            objectStore: { servers: 4, volumesPerServer: 2, volumeSize: "100Gi", cpu: "1", memory: "2Gi", cpuLimit: "2", memoryLimit: "4Gi" },
            xtradb: {
                size: 3,
                storage: "50Gi",
                cpu: "1",
                memory: "2Gi",
                cpuLimit: "2",
                memoryLimit: "4Gi",
                haproxy: { size: 3, cpu: "200m", memory: "256Mi", cpuLimit: "1", memoryLimit: "512Mi" },
            },
            kafkaBrokers: { storage: "100Gi", cpu: "1", memory: "4Gi", cpuLimit: "2", memoryLimit: "4Gi" },
            kafkaControllers: { storage: "10Gi", cpu: "250m", memory: "1Gi", cpuLimit: "1", memoryLimit: "1Gi" },
            kafkaConnect: { replicas: 2, cpu: "500m", memory: "2Gi", cpuLimit: "2", memoryLimit: "2Gi" },
            schemaRegistry: { cpu: "100m", memory: "256Mi", cpuLimit: "1", memoryLimit: "512Mi" },
            nessie: { cpu: "500m", memory: "1Gi", cpuLimit: "2", memoryLimit: "2Gi" },
            clickhouse: { storage: "100Gi", cpu: "1", memory: "4Gi", cpuLimit: "4", memoryLimit: "8Gi" },
            flinkJobManager: { cpu: "1", memory: "2Gi", cpuLimit: "2", memoryLimit: "2Gi" },
            flinkTaskManager: { replicas: 2, slots: 4, cpu: "2", memory: "4Gi", cpuLimit: "4", memoryLimit: "4Gi" },
            flinkSqlGateway: { cpu: "250m", memory: "1Gi", cpuLimit: "1", memoryLimit: "1Gi" },
            trinoCoordinator: { cpu: "1", memory: "4Gi", cpuLimit: "2", memoryLimit: "4Gi" },
            trinoWorker: { replicas: 3, cpu: "2", memory: "8Gi", cpuLimit: "4", memoryLimit: "8Gi" },
            prometheus: { storage: "50Gi", cpu: "500m", memory: "2Gi", cpuLimit: "2", memoryLimit: "4Gi" },
            grafana: { cpu: "100m", memory: "256Mi", cpuLimit: "1", memoryLimit: "512Mi" },
            monitoringSmall: { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" },
            airflow: airflowProdSizing,
            nifi: nifiProdSizing,
            duckdb: { cpu: "250m", memory: "1Gi", cpuLimit: "2", memoryLimit: "4Gi" },
            appender: { replicas: 2, cpu: "250m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" },
        },
        kafka: KAFKA_DEFAULTS,
        backups: { enabled: true, schedule: "0 2 * * *", retention: "14d", keep: 7, pitr: true, postgresRecovery: NO_RECOVERY, target: IN_CLUSTER },
        networkPolicies: { enabled: true, apiServerCidrs: ["0.0.0.0/0"], externalEgress: [], ingressNamespace: "", ingressPodLabels: {}, allowAnyApiServer: false },
        flink: FLINK_DEFAULTS,
        protectData: true,
        ...IMAGE_DEFAULTS,
    },
};

/** Every key of the project namespace, with the shape its value must have. */
export const KEYS = [
    "profile",
    "platform",
    "components",
    "namespaces",
    "storageClass",
    "domain",
    "exposure",
    "imageRegistry",
    "platformImageRegistry",
    "chartSource",
    "sizing",
    "kafka",
    "backups",
    "networkPolicies",
    "flink",
    "monitoring",
    "airflow",
    "lake",
    "protectData",
    "images",
    "imagePullPolicy",
    "imagePullSecrets",
    "overrides",
] as const;
type Key = (typeof KEYS)[number];

// ---------------------------------------------------------------------------------------------
// Small validators. Each names the full dotted key in its error.

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function object(key: string, v: unknown, allowedKeys: readonly string[]): Obj {
    if (!isObj(v)) throw new ConfigError(key, v, `an object with keys ${allowedKeys.join(", ")}`);
    for (const k of Object.keys(v)) {
        if (!allowedKeys.includes(k)) throw new ConfigError(`${key}.${k}`, v[k], `no such key; ${key} takes ${allowedKeys.join(", ")}`);
    }
    return v;
}

function bool(key: string, v: unknown, dflt: boolean): boolean {
    if (v === undefined) return dflt;
    if (typeof v !== "boolean") throw new ConfigError(key, v, "true or false");
    return v;
}

function str(key: string, v: unknown, dflt: string, pattern?: RegExp, what?: string): string {
    if (v === undefined) return dflt;
    if (typeof v !== "string") throw new ConfigError(key, v, what ?? "a string");
    if (pattern && v !== "" && !pattern.test(v)) throw new ConfigError(key, v, what ?? `a string matching ${pattern}`);
    return v;
}

function oneOf<T extends string>(key: string, v: unknown, dflt: T, allowed: readonly T[]): T {
    if (v === undefined) return dflt;
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) throw new ConfigError(key, v, allowed.map((a) => `"${a}"`).join(" or "));
    return v as T;
}

function int(key: string, v: unknown, dflt: number, min: number, max: number): number {
    if (v === undefined) return dflt;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(key, v, `an integer from ${min} to ${max}`);
    return v;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CPU = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
const MEMORY = /^[0-9]+(Ki|Mi|Gi|Ti)$/;
const REGISTRY = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$/;

function resources(key: string, v: Obj, d: Resources, checkLimits = true): Resources {
    const r = {
        cpu: str(`${key}.cpu`, v.cpu, d.cpu, CPU, 'a CPU quantity such as "250m" or "2"'),
        memory: str(`${key}.memory`, v.memory, d.memory, MEMORY, 'a memory quantity such as "512Mi" or "2Gi"'),
        cpuLimit: str(`${key}.cpuLimit`, v.cpuLimit, d.cpuLimit, CPU, 'a CPU quantity such as "250m" or "2"'),
        memoryLimit: str(`${key}.memoryLimit`, v.memoryLimit, d.memoryLimit, MEMORY, 'a memory quantity such as "512Mi" or "2Gi"'),
    };
    return checkLimits ? withinLimits(key, r) : r;
}

// ---- Requests within limits, volumes at least their component's minimum ---------------------

/** Kubernetes refuses a container whose request exceeds its limit: refused here, naming both. */
function withinLimits(key: string, r: Resources): Resources {
    if (cpuMillis(r.cpu) > cpuMillis(r.cpuLimit)) {
        throw new ConfigError(`${key}.cpu`, r.cpu, `at most ${key}.cpuLimit (${r.cpuLimit}): a request cannot exceed its limit`);
    }
    if (mebibytes(r.memory) > mebibytes(r.memoryLimit)) {
        throw new ConfigError(`${key}.memory`, r.memory, `at most ${key}.memoryLimit (${r.memoryLimit}): a request cannot exceed its limit`);
    }
    return r;
}

/**
 * The smallest volume each component runs on: below it the service cannot initialise its data
 * directory (PostgreSQL's WAL, InnoDB's system tablespace and redo log, Kafka's log segments) or
 * fills it at once. A volume key not listed must still be more than zero.
 */
export const VOLUME_MINIMUM: Readonly<Record<string, string>> = {
    "sizing.postgres.storage": "1Gi",
    "sizing.cache.storage": "256Mi",
    "sizing.objectStore.volumeSize": "1Gi",
    "sizing.xtradb.storage": "2Gi",
    "sizing.kafkaBrokers.storage": "1Gi",
    "sizing.kafkaControllers.storage": "256Mi",
    "sizing.clickhouse.storage": "1Gi",
    "sizing.prometheus.storage": "1Gi",
    "sizing.airflow.logStorage": "1Gi",
    "sizing.nifi.storage.data": "1Gi",
    "sizing.nifi.storage.content": "1Gi",
    "sizing.nifi.storage.provenance": "1Gi",
};

/** A volume size: a quantity (pattern `pattern`), at least the key's {@link VOLUME_MINIMUM}; "" only where `emptyAllowed`. */
function volume(key: string, v: unknown, dflt: string, pattern: RegExp, what: string, emptyAllowed = false): string {
    const size = str(key, v, dflt, pattern, what);
    if (size === "" && emptyAllowed) return size;
    const minimum = VOLUME_MINIMUM[key];
    if (size === "" || mebibytes(size) <= 0 || (minimum !== undefined && mebibytes(size) < mebibytes(minimum))) {
        throw new ConfigError(key, size, `${what}, ${minimum === undefined ? "more than zero" : `${minimum} or more (the smallest volume this component runs on)`}`);
    }
    return size;
}

const RESOURCE_KEYS = ["cpu", "memory", "cpuLimit", "memoryLimit"] as const;

const CRON = /^(\S+\s+){4}\S+$/;
const CIDR = /^([0-9]{1,3}\.){3}[0-9]{1,3}\/[0-9]{1,2}$|^[0-9a-f:]+\/[0-9]{1,3}$/;
const CIDR_WHAT = "an IPv4 or IPv6 CIDR such as 10.96.0.1/32";

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A map of pod labels (empty when unset: every pod). */
function labelMap(k: string, input: unknown, example: string): Record<string, string> {
    const raw: unknown = input ?? {};
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new ConfigError(k, raw, `a map of label keys to values such as ${example}, or {} for every pod`);
    return Object.fromEntries(
        Object.entries(raw as Record<string, unknown>).map(([lk, lv]) => {
            if (!LABEL_KEY.test(lk)) throw new ConfigError(k, lk, "label keys such as k8s-app or app.kubernetes.io/name");
            return [lk, str(`${k}.${lk}`, lv, "", LABEL_VALUE, "a label value")];
        }),
    );
}

function dnsSettings(input: unknown): DnsSettings | undefined {
    if (input === undefined) return undefined;
    const k = "networkPolicies.dns";
    const o = object(k, input, ["namespace", "podLabels", "ports", "cidrs"]);
    if (o.namespace === undefined) throw new ConfigError(`${k}.namespace`, o.namespace, "the namespace of the cluster DNS pods, such as kube-system (required with networkPolicies.dns)");
    const podLabels = labelMap(`${k}.podLabels`, o.podLabels, '{"k8s-app": "kube-dns"}');
    const ports: unknown = o.ports ?? [53];
    if (!Array.isArray(ports) || ports.length === 0) throw new ConfigError(`${k}.ports`, ports, "a non-empty list of ports such as [53]");
    const cidrs: unknown = o.cidrs ?? [];
    if (!Array.isArray(cidrs)) throw new ConfigError(`${k}.cidrs`, cidrs, 'a list of CIDRs such as ["169.254.20.10/32"]');
    return {
        namespace: str(`${k}.namespace`, o.namespace, "", DNS_LABEL, "a namespace name such as kube-system"),
        podLabels,
        ports: ports.map((p, j) => int(`${k}.ports[${j}]`, p, 0, 1, 65535)),
        cidrs: cidrs.map((c, j) => str(`${k}.cidrs[${j}]`, c, "", CIDR, CIDR_WHAT)),
    };
}

/** Whether a CIDR admits every address. */
export function isAnyAddress(cidr: string): boolean {
    return /^0\.0\.0\.0\/0$|^::\/0$/.test(cidr);
}

function externalEgress(input: unknown, d: readonly ExternalEgress[]): ExternalEgress[] {
    if (input === undefined) return [...d];
    if (!Array.isArray(input)) throw new ConfigError("networkPolicies.externalEgress", input, "a list of {name, from, cidr, ports}");
    const seen = new Set<string>();
    return input.map((e, i) => {
        const k = `networkPolicies.externalEgress[${i}]`;
        const o = object(k, e, ["name", "from", "cidr", "ports"]);
        if (o.name === undefined || o.cidr === undefined || o.ports === undefined || o.from === undefined) throw new ConfigError(k, e, "an object with name, from, cidr and ports (all required)");
        const name = str(`${k}.name`, o.name, "", DNS_LABEL, "a DNS label such as cdc-source");
        if (name === "" || seen.has(name)) throw new ConfigError(`${k}.name`, name, "a DNS label not used by another entry");
        seen.add(name);
        if (!Array.isArray(o.ports) || o.ports.length === 0) throw new ConfigError(`${k}.ports`, o.ports, "a non-empty list of TCP ports such as [1433]");
        return {
            name,
            from: oneOf<ExternalEgress["from"]>(`${k}.from`, o.from, "processing", ["data", "processing", "apps"]),
            cidr: str(`${k}.cidr`, o.cidr, "", CIDR, CIDR_WHAT),
            ports: (o.ports as unknown[]).map((p, j) => int(`${k}.ports[${j}]`, p, 0, 1, 65535)),
        };
    });
}
const SIZE_WHAT = 'a volume size such as "10Gi"';

/**
 * A sizing object: the resource keys plus the named integer keys (with their ranges) and volume
 * size keys, each defaulting to the profile's value.
 */
function sized<T extends Resources>(key: string, input: unknown, d: T, ints: Record<string, [number, number]>, sizes: string[]): T {
    const allowed = [...Object.keys(ints), ...sizes, ...RESOURCE_KEYS];
    const o = input === undefined ? {} : object(key, input, allowed);
    const dd = d as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = { ...dd, ...resources(key, o, d) };
    for (const [k, [min, max]] of Object.entries(ints)) out[k] = int(`${key}.${k}`, o[k], dd[k] as number, min, max);
    for (const k of sizes) out[k] = volume(`${key}.${k}`, o[k], dd[k] as string, MEMORY, SIZE_WHAT);
    return out as T;
}

function xtradbSizing(input: unknown, d: XtraDbSizing): XtraDbSizing {
    const key = "sizing.xtradb";
    const o = input === undefined ? {} : object(key, input, ["size", "storage", "haproxy", ...RESOURCE_KEYS]);
    const { haproxy, ...rest } = d;
    const base = sized(key, Object.fromEntries(Object.entries(o).filter(([k]) => k !== "haproxy")), rest, { size: [1, 9] }, ["storage"]);
    return { ...base, haproxy: sized(`${key}.haproxy`, o.haproxy, haproxy, { size: [1, 9] }, []) };
}

function airflowSizing(input: unknown, d: AirflowSizing): AirflowSizing {
    const key = "sizing.airflow";
    const o = input === undefined ? {} : object(key, input, ["scheduler", "apiServer", "workers", "triggerer", "dagProcessor", "statsd", "jobs", "logStorage"]);
    const role = (r: "scheduler" | "triggerer" | "dagProcessor") => sized(`${key}.${r}`, o[r], d[r], { replicas: [1, 10] }, []);
    return {
        scheduler: role("scheduler"),
        apiServer: sized(`${key}.apiServer`, o.apiServer, d.apiServer, { replicas: [1, 10], workers: [1, 16] }, []),
        workers: sized(`${key}.workers`, o.workers, d.workers, { replicas: [1, 100], concurrency: [1, 128] }, []),
        triggerer: role("triggerer"),
        dagProcessor: role("dagProcessor"),
        statsd: sized(`${key}.statsd`, o.statsd, d.statsd, {}, []),
        jobs: sized(`${key}.jobs`, o.jobs, d.jobs, {}, []),
        logStorage: volume(`${key}.logStorage`, o.logStorage, d.logStorage, MEMORY, `${SIZE_WHAT}, or "" for logs in an emptyDir`, true),
    };
}

/** NiFi's volumes: whole Mi, Gi or Ti (a Ki-sized repository is never meant). */
const VOLUME = /^[1-9][0-9]*(Mi|Gi|Ti)$/;
const VOLUME_WHAT = 'a volume size in Mi, Gi or Ti such as "20Gi"';

function nifiSizing(input: unknown, d: NifiSizing): NifiSizing {
    const key = "sizing.nifi";
    const o = input === undefined ? {} : object(key, input, ["storage", ...RESOURCE_KEYS]);
    const st = o.storage === undefined ? {} : object(`${key}.storage`, o.storage, ["data", "content", "provenance"]);
    const base = resources(key, o, d, false);
    if (mebibytes(base.memoryLimit) < 1024) throw new ConfigError(`${key}.memoryLimit`, base.memoryLimit, "1Gi or more (half of it is the JVM heap)");
    withinLimits(key, base);
    return {
        ...base,
        storage: {
            data: volume(`${key}.storage.data`, st.data, d.storage.data, VOLUME, VOLUME_WHAT),
            content: volume(`${key}.storage.content`, st.content, d.storage.content, VOLUME, VOLUME_WHAT),
            provenance: volume(`${key}.storage.provenance`, st.provenance, d.storage.provenance, VOLUME, VOLUME_WHAT),
        },
    };
}

/** Connector config keys that carry credentials (JDBC and SASL passwords, JAAS configs, tokens, keys). */
const SECRET_KEY = /password|secret|token|credential|jaas|private\.key|api\.key/i;

const WHOLE_REFERENCE = /^\$\{secrets:[^}]+\}$/;
/** `password=` entries inside a JAAS config, quoted or not. */
const JAAS_PASSWORD = /password\s*=\s*"?([^";\s]*)/gi;

/**
 * Whether a credential-like connector setting holds references only: the whole value is one
 * `${secrets:…}` reference, or, for a JAAS config, every `password=` in it is one.
 */
function onlyReferences(key: string, value: string): boolean {
    if (/jaas/i.test(key)) return [...value.matchAll(JAAS_PASSWORD)].every((m) => m[1].startsWith("${secrets:"));
    return WHOLE_REFERENCE.test(value);
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function stringMap(key: string, v: unknown): Record<string, string> {
    if (!isObj(v)) throw new ConfigError(key, v, "an object of string values");
    for (const [k, x] of Object.entries(v)) {
        if (typeof x !== "string") throw new ConfigError(`${key}.${k}`, x, "a string (quote numbers and booleans)");
    }
    return v as Record<string, string>;
}

function kafkaSettings(input: unknown, d: KafkaSettings, brokers: number): KafkaSettings {
    const o = input === undefined ? {} : object("kafka", input, ["topics", "connectImage", "connectors", "rackAwareness"]);
    const list = (key: string, v: unknown): unknown[] => {
        if (!Array.isArray(v)) throw new ConfigError(key, v, "a list");
        return v;
    };
    const topics: KafkaTopic[] =
        o.topics === undefined
            ? [...d.topics]
            : list("kafka.topics", o.topics).map((t, i) => {
                  const k = `kafka.topics[${i}]`;
                  const to = object(k, t, ["name", "partitions", "replicas", "config"]);
                  if (to.name === undefined) throw new ConfigError(`${k}.name`, undefined, "a Kafka topic name (required)");
                  const replicas = to.replicas === undefined ? undefined : int(`${k}.replicas`, to.replicas, 1, 1, brokers);
                  return {
                      name: str(`${k}.name`, to.name, "", TOPIC_NAME, "a Kafka topic name (letters, digits, '.', '_', '-')"),
                      partitions: int(`${k}.partitions`, to.partitions, 1, 1, 1000),
                      ...(replicas === undefined ? {} : { replicas }),
                      ...(to.config === undefined ? {} : { config: stringMap(`${k}.config`, to.config) }),
                  };
              });
    const seen = new Set<string>();
    for (const t of topics) {
        if (seen.has(t.name)) throw new ConfigError("kafka.topics", t.name, "each topic name once");
        seen.add(t.name);
    }
    const connectors: KafkaConnector[] =
        o.connectors === undefined
            ? [...d.connectors]
            : list("kafka.connectors", o.connectors).map((c, i) => {
                  const k = `kafka.connectors[${i}]`;
                  const co = object(k, c, ["name", "class", "tasksMax", "config"]);
                  if (co.name === undefined || co.class === undefined) throw new ConfigError(`${k}`, c, "an object with name and class (required), tasksMax and config");
                  return {
                      name: str(`${k}.name`, co.name, "", K8S_NAME, "a Kubernetes object name (lower-case letters, digits, '-')"),
                      class: str(`${k}.class`, co.class, "", /^[A-Za-z_$][\w.$]*$/, "a Java connector class name"),
                      tasksMax: int(`${k}.tasksMax`, co.tasksMax, 1, 1, 100),
                      config: co.config === undefined ? {} : stringMap(`${k}.config`, co.config),
                  };
              });
    return {
        topics,
        connectImage: str("kafka.connectImage", o.connectImage, d.connectImage, /^[a-z0-9][\w.\-/:@]*$/, "an image reference such as registry.internal/kafka-connect-plugins:1.0"),
        connectors,
        rackAwareness: rackAwareness(o.rackAwareness, d.rackAwareness, brokers),
    };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function backupTarget(input: unknown, d: BackupTarget): BackupTarget {
    const k = "backups.target";
    const o = input === undefined ? {} : object(k, input, Object.keys(d));
    const t: BackupTarget = {
        mode: oneOf<BackupTarget["mode"]>(`${k}.mode`, o.mode, d.mode, ["in-cluster", "external"]),
        endpoint: str(`${k}.endpoint`, o.endpoint, d.endpoint, /^https?:\/\/[^\s/]+(:\d+)?\/?$/, "an S3 endpoint URL such as https://s3.eu-central-1.amazonaws.com"),
        bucket: str(`${k}.bucket`, o.bucket, d.bucket, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name"),
        credentialsSecret: str(`${k}.credentialsSecret`, o.credentialsSecret, d.credentialsSecret, K8S_NAME, "the name of a Secret in the data namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
    };
    if (t.mode === "external") {
        for (const key of ["endpoint", "bucket", "credentialsSecret"] as const) {
            if (t[key] === "") throw new ConfigError(`${k}.${key}`, "", `a value: backups.target.mode "external" needs endpoint, bucket and credentialsSecret`);
        }
    }
    return t;
}

function postgresRecovery(input: unknown, d: PostgresRecoverySettings): PostgresRecoverySettings {
    const o = input === undefined ? {} : object("backups.postgresRecovery", input, Object.keys(d));
    const k = "backups.postgresRecovery";
    const r: PostgresRecoverySettings = {
        sourceServerName: str(`${k}.sourceServerName`, o.sourceServerName, d.sourceServerName, K8S_NAME, "the server name the backups were archived under (the lost cluster's name), or empty"),
        serverName: str(`${k}.serverName`, o.serverName, d.serverName, K8S_NAME, "a new server name for the restored cluster's archive"),
        targetTime: str(`${k}.targetTime`, o.targetTime, d.targetTime, RFC3339, 'an RFC 3339 instant such as "2026-12-06T08:00:00Z", or empty for all archived WAL'),
    };
    if (r.sourceServerName !== "" && (r.serverName === "" || r.serverName === r.sourceServerName)) {
        throw new ConfigError(`${k}.serverName`, r.serverName, `a server name other than the source's ("${r.sourceServerName}"): the restored cluster must not archive over the backups it came from`);
    }
    return r;
}

/** Rack awareness spreads replicas over zones: it needs more than one broker. */
function rackAwareness(v: unknown, d: boolean, brokers: number): boolean {
    const on = bool("kafka.rackAwareness", v, d);
    if (on && brokers < 2) throw new ConfigError("kafka.rackAwareness", on, "false with a single broker (the dev profile): there are no replicas to place in other zones");
    return on;
}

/**
 * The declared topics plus every Kafka topic the enabled Flink SQL job writes, with the cleanup
 * policy its connector needs: a declared sink topic of an `upsert-kafka` table must be compacted.
 */
function withCdcSinkTopics(kafka: KafkaSettings, flink: FlinkSettings): KafkaSettings {
    if (!flink.jobEnabled) return kafka;
    const topics = [...kafka.topics];
    for (const sink of sinkTopics(flink.sql)) {
        const declared = topics.find((t) => t.name === sink.topic);
        if (declared === undefined) {
            topics.push({ name: sink.topic, partitions: CDC_SINK_PARTITIONS, config: { "cleanup.policy": sink.cleanupPolicy } });
        } else if (sink.cleanupPolicy === "compact" && !(declared.config?.["cleanup.policy"] ?? "delete").split(",").includes("compact")) {
            const i = kafka.topics.indexOf(declared);
            throw new ConfigError(`kafka.topics[${i}].config.cleanup.policy`, declared.config?.["cleanup.policy"], `"compact": the Flink job's upsert-kafka table ${sink.table} writes this topic (latest row per key, deletes as tombstones)`);
        }
    }
    return { ...kafka, topics };
}

/** Partitions of a CDC sink topic the program declares itself. */
const CDC_SINK_PARTITIONS = 3;

const SAVEPOINT = /^s3:\/\/[^\s'"]+$/;

function flinkSettings(input: unknown, d: FlinkSettings): FlinkSettings {
    const o = input === undefined ? {} : object("flink", input, ["connectorsImage", "jobEnabled", "sourceSecret", "sqlFile", "restoreFromSavepoint"]);
    const jobEnabled = bool("flink.jobEnabled", o.jobEnabled, d.jobEnabled);
    const sqlFile = str("flink.sqlFile", o.sqlFile, d.sqlFile, /^[\w./-]+\.sql$/, "a path to a .sql file inside the project");
    let sql = "";
    if (jobEnabled) {
        const file = path.resolve(PROJECT_DIR, sqlFile);
        if (!file.startsWith(PROJECT_DIR + path.sep) || !fs.existsSync(file)) throw new ConfigError("flink.sqlFile", sqlFile, "an existing .sql file inside the project");
        sql = fs.readFileSync(file, "utf8");
    }
    const connectorsImage = str("flink.connectorsImage", o.connectorsImage, d.connectorsImage, IMAGE_REF, `${IMAGE_REF_WHAT}: Flink with the CDC job's connectors (built from images/flink)`);
    if (jobEnabled && connectorsImage === "") {
        // Stock Flink has no SQL Server CDC or Kafka connector: the job's first statement would fail.
        const c = imagePins.flinkConnectors;
        throw new ConfigError("flink.connectorsImage", connectorsImage, `the full reference (registry/path:tag) of a Flink image with the CDC job's connectors, built from images/flink (e.g. ${c.registry}/${c.repository}:${c.tag}, or its copy in your registry), when flink.jobEnabled is true`);
    }
    return {
        connectorsImage,
        jobEnabled,
        sourceSecret: str("flink.sourceSecret", o.sourceSecret, d.sourceSecret, K8S_NAME, "a Secret name in the processing namespace"),
        sqlFile,
        sql,
        restoreFromSavepoint: str("flink.restoreFromSavepoint", o.restoreFromSavepoint, d.restoreFromSavepoint, SAVEPOINT, "an s3:// savepoint path, or empty for a fresh start"),
    };
}

// ---- Images (owner: images; decision 0014) ------------------------------------------------------

/**
 * A full image reference: registry host (with a dot, a port or `localhost`, so it cannot be read as
 * a Docker Hub path), repository path, tag, and optionally `@sha256:` with the digest.
 */
const IMAGE_REF = /^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)+|[a-z0-9-]+(\.[a-z0-9-]+)*:[0-9]{1,5})(:[0-9]{1,5})?\/[a-z0-9]+([._-]+[a-z0-9]+)*(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*:[\w][\w.-]{0,127}(@sha256:[0-9a-f]{64})?$/;
const IMAGE_REF_WHAT = "a full image reference with registry and tag, such as registry.internal:5000/analytics/duckdb:1.5.2 (docker.io/... for Docker Hub), optionally with @sha256:<digest>";
const PULL_POLICIES: readonly PullPolicy[] = ["Always", "IfNotPresent", "Never"];
/** A Secret name (DNS subdomain). */
const SECRET_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const GIT_REPO = /^(https:\/\/[^\s@]+|ssh:\/\/[^\s]+|[\w.-]+@[\w.-]+:[^\s]+)$/;

/** `airflow.dags`: git-sync's repository (no credentials in the URL: those come from the Secret). */
function airflowDags(input: unknown): AirflowDags {
    const o = object("airflow.dags", input, ["repo", "branch", "subPath", "credentialsSecret", "periodSeconds"]);
    if (o.repo === undefined) throw new ConfigError("airflow.dags.repo", undefined, "the DAG repository's URL (required with airflow.dags)");
    const branch = str("airflow.dags.branch", o.branch, "main", /^[\w./-]+$/, "a branch name");
    if (branch === "") throw new ConfigError("airflow.dags.branch", branch, "a branch name");
    return {
        repo: str("airflow.dags.repo", o.repo, "", GIT_REPO, "an https://, ssh:// or git@host:path repository URL without credentials (they come from credentialsSecret)"),
        branch,
        subPath: str("airflow.dags.subPath", o.subPath, "", /^[\w.-]+(\/[\w.-]+)*$/, "a folder inside the repository such as dags, or empty for its root"),
        credentialsSecret: str("airflow.dags.credentialsSecret", o.credentialsSecret, "", K8S_NAME, "the name of a Secret in the apps namespace with GITSYNC_USERNAME and GITSYNC_PASSWORD, or empty"),
        periodSeconds: int("airflow.dags.periodSeconds", o.periodSeconds, 60, 10, 3600),
    };
}

/** `images`, `imagePullPolicy` and `imagePullSecrets`. */
function imageSettings(imagesIn: unknown, policyIn: unknown, secretsIn: unknown): Pick<PlatformConfig, "images" | "imagePullPolicy" | "imagePullSecrets"> {
    const keys = Object.keys(OVERRIDABLE);
    const o = imagesIn === undefined ? {} : object("images", imagesIn, keys);
    const overrides: Record<string, string> = {};
    for (const [k, ref] of Object.entries(o)) {
        const v = str(`images.${k}`, ref, "", IMAGE_REF, IMAGE_REF_WHAT);
        if (v !== "") overrides[k] = v;
    }
    if (secretsIn !== undefined && !Array.isArray(secretsIn)) throw new ConfigError("imagePullSecrets", secretsIn, 'a list of Secret names such as ["registry-login"]');
    const secrets = ((secretsIn ?? []) as unknown[]).map((n, i) => {
        const name = str(`imagePullSecrets[${i}]`, n, "", SECRET_NAME, "the name of an existing Secret of type kubernetes.io/dockerconfigjson");
        if (name === "") throw new ConfigError(`imagePullSecrets[${i}]`, n, "a Secret name");
        return name;
    });
    const dup = secrets.find((n, i) => secrets.indexOf(n) !== i);
    if (dup !== undefined) throw new ConfigError("imagePullSecrets", secretsIn, `each Secret name once (${dup} is listed twice)`);
    return {
        images: overrides,
        imagePullPolicy: oneOf<PullPolicy | "">("imagePullPolicy", policyIn, "", [...PULL_POLICIES, ""]),
        imagePullSecrets: secrets,
    };
}

/** A raw value as the user wrote it: structured values decoded, anything else as the string. */
function readable(raw: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        return raw;
    }
}

/** Parses a raw config value: objects and numbers arrive as JSON text, plain strings as themselves. */
function decode(key: string, raw: string | undefined, kind: "string" | "boolean" | "json"): unknown {
    if (raw === undefined) return undefined;
    if (kind === "string") return raw;
    if (kind === "boolean") {
        if (raw === "true" || raw === "false") return raw === "true";
        throw new ConfigError(key, raw, "true or false");
    }
    try {
        return JSON.parse(raw);
    } catch {
        throw new ConfigError(key, raw, "a structured value (set it in the stack file as YAML, or with `pulumi config set --path`)");
    }
}

const KIND: Record<Key, "string" | "boolean" | "json"> = {
    profile: "string",
    platform: "string",
    components: "json",
    namespaces: "json",
    storageClass: "string",
    domain: "string",
    exposure: "json",
    imageRegistry: "string",
    platformImageRegistry: "string",
    chartSource: "json",
    sizing: "json",
    kafka: "json",
    backups: "json",
    networkPolicies: "json",
    flink: "json",
    monitoring: "json",
    airflow: "json",
    lake: "json",
    protectData: "boolean",
    images: "json",
    imagePullPolicy: "string",
    imagePullSecrets: "json",
    overrides: "json",
};

/**
 * Validates raw configuration (`key` without the project prefix, value as Pulumi hands it over:
 * a string, JSON text for structured values) and returns the typed config with profile defaults.
 */
export function parseConfig(raw: Readonly<Record<string, string>>): PlatformConfig {
    for (const k of Object.keys(raw)) {
        if (!(KEYS as readonly string[]).includes(k)) throw new ConfigError(k, readable(raw[k]), `no such key; the keys are ${KEYS.join(", ")}`);
    }
    const v = (k: Key): unknown => decode(k, raw[k], KIND[k]);

    const profileRaw = v("profile");
    if (profileRaw === undefined) throw new ConfigError("profile", undefined, '"dev" or "prod" (required)');
    const profile = oneOf<Profile>("profile", profileRaw, "dev", ["dev", "prod"]);
    const d = PROFILE_DEFAULTS[profile];

    const componentsIn = v("components") === undefined ? {} : object("components", v("components"), Object.keys(d.components));
    const components = Object.fromEntries(
        (Object.keys(d.components) as (keyof ComponentSwitches)[]).map((c) => [c, bool(`components.${c}`, componentsIn[c], d.components[c])]),
    ) as unknown as ComponentSwitches;

    const nsIn = v("namespaces") === undefined ? {} : object("namespaces", v("namespaces"), Object.keys(d.namespaces));
    const nsWhat = "a DNS label (lower-case letters, digits and '-', at most 63 characters)";
    const namespaces: Namespaces = {
        certManager: str("namespaces.certManager", nsIn.certManager, d.namespaces.certManager, DNS_LABEL, nsWhat),
        operators: str("namespaces.operators", nsIn.operators, d.namespaces.operators, DNS_LABEL, nsWhat),
        data: str("namespaces.data", nsIn.data, d.namespaces.data, DNS_LABEL, nsWhat),
        processing: str("namespaces.processing", nsIn.processing, d.namespaces.processing, DNS_LABEL, nsWhat),
        apps: str("namespaces.apps", nsIn.apps, d.namespaces.apps, DNS_LABEL, nsWhat),
    };
    const seenNs = new Map<string, string>();
    for (const [k, name] of Object.entries(namespaces) as [string, string][]) {
        if (name === "") throw new ConfigError(`namespaces.${k}`, name, nsWhat);
        const other = seenNs.get(name);
        if (other !== undefined) throw new ConfigError(`namespaces.${k}`, name, `a name not already used by namespaces.${other}`);
        seenNs.set(name, k);
    }

    const storageClass = str("storageClass", v("storageClass"), d.storageClass, DNS_NAME, "a StorageClass name, or empty for the cluster default");
    const domain = str("domain", v("domain"), d.domain, DNS_NAME, "a DNS domain such as analytics.example.com");

    const platform = oneOf<PlatformKind>("platform", v("platform"), d.platform, ["kubernetes", "openshift"]);
    const expIn = v("exposure") === undefined ? {} : object("exposure", v("exposure"), Object.keys(d.exposure));
    const exposure: Exposure = {
        mode: oneOf<ExposureMode>("exposure.mode", expIn.mode, d.exposure.mode, ["none", "ingress", "gateway", "route"]),
        ingressClassName: str("exposure.ingressClassName", expIn.ingressClassName, d.exposure.ingressClassName, DNS_NAME, "an IngressClass name, or empty for the default class"),
        gatewayClassName: str("exposure.gatewayClassName", expIn.gatewayClassName, d.exposure.gatewayClassName, DNS_NAME, "a GatewayClass name"),
        gatewayNamespace: str("exposure.gatewayNamespace", expIn.gatewayNamespace, d.exposure.gatewayNamespace, DNS_LABEL, "a namespace name"),
        clusterIssuer: str("exposure.clusterIssuer", expIn.clusterIssuer, d.exposure.clusterIssuer, DNS_NAME, "a ClusterIssuer name, or empty for the platform CA"),
    };
    if (exposure.mode === "route" && platform !== "openshift") {
        throw new ConfigError("exposure.mode", exposure.mode, '"none", "ingress" or "gateway" unless platform is "openshift" (Routes are an OpenShift API)');
    }
    if (exposure.mode === "gateway" && exposure.gatewayClassName === "") {
        throw new ConfigError("exposure.gatewayClassName", exposure.gatewayClassName, 'a GatewayClass name when exposure.mode is "gateway"');
    }
    if (exposure.mode !== "gateway" && exposure.gatewayClassName !== "") {
        throw new ConfigError("exposure.gatewayClassName", exposure.gatewayClassName, 'nothing unless exposure.mode is "gateway"');
    }
    if (exposure.mode === "gateway" && exposure.gatewayNamespace === "") {
        throw new ConfigError("exposure.gatewayNamespace", exposure.gatewayNamespace, 'the namespace of the Gateway implementation (e.g. "gateway-system") when exposure.mode is "gateway"');
    }
    if (exposure.mode !== "gateway" && exposure.gatewayNamespace !== "") {
        throw new ConfigError("exposure.gatewayNamespace", exposure.gatewayNamespace, 'nothing unless exposure.mode is "gateway"');
    }
    if ((exposure.mode === "none" || exposure.mode === "route") && exposure.clusterIssuer !== "") {
        throw new ConfigError("exposure.clusterIssuer", exposure.clusterIssuer, `nothing when exposure.mode is "${exposure.mode}" (${exposure.mode === "none" ? "nothing is published" : "Routes use the router's certificate"})`);
    }
    if (exposure.mode !== "ingress" && exposure.ingressClassName !== "") {
        throw new ConfigError("exposure.ingressClassName", exposure.ingressClassName, 'nothing unless exposure.mode is "ingress"');
    }
    if (exposure.mode !== "none" && domain === "") {
        throw new ConfigError("domain", domain, `a DNS domain: exposure.mode "${exposure.mode}" publishes hostnames under it`);
    }

    const imageRegistry = str("imageRegistry", v("imageRegistry"), d.imageRegistry, REGISTRY, "a registry host with optional port and path, such as registry.internal:5000/mirror (no scheme, no trailing slash)");
    const platformImageRegistry = str("platformImageRegistry", v("platformImageRegistry"), d.platformImageRegistry, REGISTRY, "the registry host with optional port and path that `npm run images -- build --push <registry>` pushed to (no scheme, no trailing slash)");

    const csIn = v("chartSource") === undefined ? {} : object("chartSource", v("chartSource"), [...Object.keys(d.chartSource), "username", "password"]);
    const chartSource: ChartSource = {
        mode: oneOf<ChartSourceMode>("chartSource.mode", csIn.mode, d.chartSource.mode, ["upstream", "oci", "http", "local"]),
        location: str("chartSource.location", csIn.location, d.chartSource.location),
        ...chartCredentials(csIn),
    };
    if (chartSource.mode === "http" && !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(chartSource.location)) {
        throw new ConfigError("chartSource.location", chartSource.location, 'a Helm repository URL such as "https://charts.internal/stable" when chartSource.mode is "http"');
    }
    if (chartSource.username !== undefined && chartSource.mode !== "oci" && chartSource.mode !== "http") {
        throw new ConfigError("chartSource.username", chartSource.username, 'nothing unless chartSource.mode is "oci" or "http" (credentials are for a chart registry)');
    }
    if (chartSource.mode === "oci" && !/^oci:\/\/[^/\s]+(\/[^\s]*[^/\s])?$/.test(chartSource.location)) {
        throw new ConfigError("chartSource.location", chartSource.location, 'an OCI registry path such as "oci://registry.internal/charts" when chartSource.mode is "oci"');
    }
    if (chartSource.mode === "local" && chartSource.location.trim() === "") {
        throw new ConfigError("chartSource.location", chartSource.location, 'a folder holding <chart>-<version>.tgz files when chartSource.mode is "local"');
    }
    if (chartSource.mode === "upstream" && chartSource.location !== "") {
        throw new ConfigError("chartSource.location", chartSource.location, 'nothing when chartSource.mode is "upstream" (set mode to "oci" or "local" to use a mirror)');
    }

    const szIn = v("sizing") === undefined ? {} : object("sizing", v("sizing"), Object.keys(d.sizing));
    const ds = d.sizing;
    const sizing: Sizing = {
        postgres: sized("sizing.postgres", szIn.postgres, ds.postgres, { instances: [1, 9] }, ["storage"]),
        cache: sized("sizing.cache", szIn.cache, ds.cache, {}, ["storage"]),
        superset: sized("sizing.superset", szIn.superset, ds.superset, { replicas: [1, 20], workerReplicas: [1, 50] }, []),
        objectStore: sized("sizing.objectStore", szIn.objectStore, ds.objectStore, { servers: [1, 32], volumesPerServer: [1, 16] }, ["volumeSize"]),
        xtradb: xtradbSizing(szIn.xtradb, ds.xtradb),
        kafkaBrokers: sized("sizing.kafkaBrokers", szIn.kafkaBrokers, ds.kafkaBrokers, {}, ["storage"]),
        kafkaControllers: sized("sizing.kafkaControllers", szIn.kafkaControllers, ds.kafkaControllers, {}, ["storage"]),
        kafkaConnect: sized("sizing.kafkaConnect", szIn.kafkaConnect, ds.kafkaConnect, { replicas: [1, 20] }, []),
        schemaRegistry: sized("sizing.schemaRegistry", szIn.schemaRegistry, ds.schemaRegistry, {}, []),
        nessie: sized("sizing.nessie", szIn.nessie, ds.nessie, {}, []),
        clickhouse: sized("sizing.clickhouse", szIn.clickhouse, ds.clickhouse, {}, ["storage"]),
        flinkJobManager: sized("sizing.flinkJobManager", szIn.flinkJobManager, ds.flinkJobManager, {}, []),
        flinkTaskManager: sized("sizing.flinkTaskManager", szIn.flinkTaskManager, ds.flinkTaskManager, { replicas: [1, 100], slots: [1, 64] }, []),
        flinkSqlGateway: sized("sizing.flinkSqlGateway", szIn.flinkSqlGateway, ds.flinkSqlGateway, {}, []),
        trinoCoordinator: sized("sizing.trinoCoordinator", szIn.trinoCoordinator, ds.trinoCoordinator, {}, []),
        trinoWorker: sized("sizing.trinoWorker", szIn.trinoWorker, ds.trinoWorker, { replicas: [1, 100] }, []),
        prometheus: sized("sizing.prometheus", szIn.prometheus, ds.prometheus, {}, ["storage"]),
        grafana: sized("sizing.grafana", szIn.grafana, ds.grafana, {}, []),
        monitoringSmall: sized("sizing.monitoringSmall", szIn.monitoringSmall, ds.monitoringSmall, {}, []),
        airflow: airflowSizing(szIn.airflow, ds.airflow),
        nifi: nifiSizing(szIn.nifi, ds.nifi),
        duckdb: sized("sizing.duckdb", szIn.duckdb, ds.duckdb, {}, []),
        appender: sized("sizing.appender", szIn.appender, ds.appender, { replicas: [1, 64] }, []),
    };
    if (profile === "prod") {
        if (sizing.postgres.instances < 3) {
            throw new ConfigError("sizing.postgres.instances", sizing.postgres.instances, "3 or more in the prod profile (one primary and two synchronous-capable standbys)");
        }
        if (sizing.objectStore.servers < 4) {
            throw new ConfigError("sizing.objectStore.servers", sizing.objectStore.servers, "4 or more in the prod profile (erasure coding needs at least 4 servers)");
        }
        if (sizing.xtradb.size < 3 || sizing.xtradb.size % 2 === 0) {
            throw new ConfigError("sizing.xtradb.size", sizing.xtradb.size, "an odd number, 3 or more, in the prod profile (Galera quorum)");
        }
        if (sizing.trinoWorker.replicas < 2) {
            throw new ConfigError("sizing.trinoWorker.replicas", sizing.trinoWorker.replicas, "2 or more in the prod profile");
        }
        if (sizing.xtradb.haproxy.size < 2) {
            throw new ConfigError("sizing.xtradb.haproxy.size", sizing.xtradb.haproxy.size, "2 or more in the prod profile");
        }
        for (const role of ["scheduler", "apiServer", "workers"] as const) {
            if (sizing.airflow[role].replicas < 2) {
                throw new ConfigError(`sizing.airflow.${role}.replicas`, sizing.airflow[role].replicas, "2 or more in the prod profile (one pod lost must not stop scheduling or the UI)");
            }
        }
    } else if (sizing.objectStore.servers > 1 && sizing.objectStore.servers < 4) {
        throw new ConfigError("sizing.objectStore.servers", sizing.objectStore.servers, "1 (standalone) or 4 and more (erasure-coded)");
    }

    const declaredKafka = kafkaSettings(without(v("kafka"), HATCH_KEYS.kafka), d.kafka, profile === "prod" ? 3 : 1);

    const bkIn = v("backups") === undefined ? {} : object("backups", v("backups"), Object.keys(d.backups));
    const backups: Backups = {
        enabled: bool("backups.enabled", bkIn.enabled, d.backups.enabled),
        schedule: str("backups.schedule", bkIn.schedule, d.backups.schedule, CRON, 'a five-field cron schedule such as "0 2 * * *"'),
        retention: str("backups.retention", bkIn.retention, d.backups.retention, /^[1-9][0-9]*[dwm]$/, 'a retention such as "14d", "4w" or "3m"'),
        keep: int("backups.keep", bkIn.keep, d.backups.keep, 1, 365),
        pitr: bool("backups.pitr", bkIn.pitr, d.backups.pitr),
        postgresRecovery: postgresRecovery(bkIn.postgresRecovery, d.backups.postgresRecovery),
        target: backupTarget(bkIn.target, d.backups.target),
    };
    if (backups.postgresRecovery.sourceServerName !== "" && !backups.enabled) {
        throw new ConfigError("backups.postgresRecovery.sourceServerName", backups.postgresRecovery.sourceServerName, '"" while backups.enabled is false: the backups are read from the backup store');
    }

    const protectData = bool("protectData", v("protectData"), d.protectData);

    const npIn = v("networkPolicies") === undefined ? {} : object("networkPolicies", v("networkPolicies"), [...Object.keys(d.networkPolicies), "dns"]);
    const cidrs: unknown = npIn.apiServerCidrs === undefined ? d.networkPolicies.apiServerCidrs : npIn.apiServerCidrs;
    if (!Array.isArray(cidrs) || cidrs.length === 0) throw new ConfigError("networkPolicies.apiServerCidrs", cidrs, 'a non-empty list of CIDRs such as ["10.96.0.1/32"]');
    const networkPolicies: NetworkPolicySettings = {
        enabled: bool("networkPolicies.enabled", npIn.enabled, d.networkPolicies.enabled),
        apiServerCidrs: (cidrs as unknown[]).map((c, i) => str(`networkPolicies.apiServerCidrs[${i}]`, c, "", CIDR, CIDR_WHAT)),
        externalEgress: externalEgress(npIn.externalEgress, d.networkPolicies.externalEgress),
        ingressNamespace: str("networkPolicies.ingressNamespace", npIn.ingressNamespace, d.networkPolicies.ingressNamespace, DNS_LABEL, "the namespace of the ingress controller or Gateway implementation, or empty for any"),
        ingressPodLabels: labelMap("networkPolicies.ingressPodLabels", npIn.ingressPodLabels, '{"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}'),
        dns: dnsSettings(npIn.dns),
        allowAnyApiServer: bool("networkPolicies.allowAnyApiServer", npIn.allowAnyApiServer, d.networkPolicies.allowAnyApiServer),
    };

    const monIn = v("monitoring") === undefined ? {} : object("monitoring", v("monitoring"), Object.keys(d.monitoring));
    const monitoring: MonitoringSettings = {
        retention: str("monitoring.retention", monIn.retention, d.monitoring.retention, /^[1-9][0-9]*[hdw]$/, 'a Prometheus retention such as "12h", "15d" or "2w"'),
        namespace: str("monitoring.namespace", monIn.namespace, d.monitoring.namespace, DNS_LABEL, nsWhat),
        alertmanagerConfigSecret: str("monitoring.alertmanagerConfigSecret", monIn.alertmanagerConfigSecret, d.monitoring.alertmanagerConfigSecret, K8S_NAME, "the name of a Secret in the monitoring namespace holding alertmanager.yaml, or empty"),
    };
    if (monitoring.namespace === "" || Object.values(namespaces).includes(monitoring.namespace)) {
        throw new ConfigError("monitoring.namespace", monitoring.namespace, "a namespace name not used by any other role");
    }
    if (exposure.mode === "gateway" && [...(Object.values(namespaces) as string[]), monitoring.namespace].includes(exposure.gatewayNamespace)) {
        // The platform's namespaces deny by default: a Gateway data plane there would receive nothing.
        throw new ConfigError("exposure.gatewayNamespace", exposure.gatewayNamespace, "a namespace the platform does not own (the Gateway implementation's)");
    }
    if (platform === "openshift" && components.nifi) {
        throw new ConfigError("components.nifi", true, "false on OpenShift: the NiFi 1.x image writes files owned by uid 1000, which an assigned UID cannot (docs/decisions/0006-nifi.md)");
    }

    const afIn = v("airflow") === undefined ? {} : object("airflow", without(v("airflow"), HATCH_KEYS.airflow), [...Object.keys(d.airflow), "dags"]);
    const airflow: AirflowSettings = {
        metadataDatabase: oneOf<MetadataDatabase>("airflow.metadataDatabase", afIn.metadataDatabase, d.airflow.metadataDatabase, ["postgresql", "mysql"]),
        ...(afIn.dags === undefined ? {} : { dags: airflowDags(afIn.dags) }),
    };

    const lkIn = v("lake") === undefined ? {} : object("lake", v("lake"), Object.keys(d.lake));
    const lake: LakeAppsSettings = {
        appenderTopic: str("lake.appenderTopic", lkIn.appenderTopic, d.lake.appenderTopic, TOPIC_NAME, "a Kafka topic name declared in kafka.topics"),
        appenderTable: str("lake.appenderTable", lkIn.appenderTable, d.lake.appenderTable, /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/, "an Iceberg table as namespace.table (lower-case letters, digits, '_')"),
    };

    const flink = flinkSettings(without(v("flink"), HATCH_KEYS.flink), d.flink);
    const kafka = withCdcSinkTopics(declaredKafka, flink);

    const needs: Array<[keyof ComponentSwitches, keyof ComponentSwitches, string]> = [
        ["flink", "objectStore", "Flink keeps checkpoints and savepoints in the object store"],
        ["flink", "kafka", "the CDC pipeline writes to Kafka"],
        ["spark", "objectStore", "Spark writes its event logs to the object store"],
        ["nessie", "postgres", "Nessie keeps its version store in the platform PostgreSQL"],
        ["nessie", "objectStore", "Nessie's Iceberg warehouse lives in the object store"],
        ["schemaRegistry", "kafka", "the schema registry stores its schemas in Kafka"],
        ["kafkaConnect", "kafka", "Kafka Connect runs against the platform Kafka"],
        ["airflow", "cache", "Airflow's Celery executor uses the cache as its broker"],
        ["duckdb", "nessie", "DuckDB attaches the lake through Nessie's Iceberg REST catalog"],
        ["duckdb", "objectStore", "DuckDB reads the lake's files from the object store"],
        ["appender", "kafka", "the appender consumes a Kafka topic"],
        ["appender", "nessie", "the appender commits to Iceberg through Nessie"],
        ["appender", "objectStore", "the appender writes the table's files to the object store"],
    ];
    for (const [c, needed, why] of needs) {
        if (components[c] && !components[needed]) throw new ConfigError(`components.${c}`, true, `false while components.${needed} is false: ${why}`);
    }
    if (backups.enabled && backups.target.mode === "in-cluster" && !components.objectStore) {
        throw new ConfigError("backups.enabled", true, 'false, or backups.target.mode "external", while components.objectStore is false: in-cluster backups are written to the object store');
    }
    // Connector credentials stay in Secrets: a config entry names them through Strimzi's secrets provider.
    kafka.connectors.forEach((c, i) => {
        for (const [k, val] of Object.entries(c.config)) {
            const key = `kafka.connectors[${i}].config.${k}`;
            if (SECRET_KEY.test(k) && !onlyReferences(k, val)) {
                throw new ConfigError(key, "(hidden)", `a reference such as \${secrets:${namespaces.data}/<secret>:<key>}, not the value itself`);
            }
            for (const m of val.matchAll(/\$\{secrets:([^/}]*)\//g)) {
                if (m[1] !== namespaces.data) throw new ConfigError(key, val, `a Secret in the data namespace (\${secrets:${namespaces.data}/<secret>:<key>}), where Kafka Connect runs`);
            }
        }
    });
    if (kafka.connectors.length > 0 && !components.kafkaConnect) {
        throw new ConfigError("kafka.connectors", kafka.connectors.map((c) => c.name), "an empty list while components.kafkaConnect is false");
    }
    if (components.superset && !components.postgres) {
        throw new ConfigError("components.superset", true, "false while components.postgres is false: Superset keeps its metadata in the platform PostgreSQL");
    }
    if (components.airflow && airflow.metadataDatabase === "postgresql" && !components.postgres) {
        throw new ConfigError("airflow.metadataDatabase", airflow.metadataDatabase, '"mysql" (or components.postgres true): Airflow keeps its metadata in the platform PostgreSQL');
    }
    if (components.airflow && airflow.metadataDatabase === "mysql" && !components.xtradb) {
        throw new ConfigError("airflow.metadataDatabase", airflow.metadataDatabase, '"postgresql" (or components.xtradb true): Airflow keeps its metadata in the XtraDB cluster');
    }
    if (components.appender && !kafka.topics.some((t) => t.name === lake.appenderTopic)) {
        throw new ConfigError("lake.appenderTopic", lake.appenderTopic, `one of the topics in kafka.topics (${kafka.topics.map((t) => t.name).join(", ")})`);
    }
    if (Object.keys(networkPolicies.ingressPodLabels).length > 0 && networkPolicies.ingressNamespace === "") {
        // Pod labels without a namespace would admit pods so labelled in every namespace.
        throw new ConfigError("networkPolicies.ingressPodLabels", networkPolicies.ingressPodLabels, "{} unless networkPolicies.ingressNamespace names the controller's namespace");
    }
    if (exposure.mode === "route" && networkPolicies.ingressNamespace !== "") {
        // The router may run on the host network, where a namespace name selects nothing: the policies
        // select its namespace by the policy-group label OpenShift's ingress operator sets.
        throw new ConfigError("networkPolicies.ingressNamespace", networkPolicies.ingressNamespace, '"" when exposure.mode is "route" (the router is selected by its network.openshift.io/policy-group label)');
    }
    if (components.superset && !components.cache) {
        throw new ConfigError("components.superset", true, "false while components.cache is false: Superset needs the cache for results and Celery");
    }

    // Last, so a more specific error wins. Prod narrows the API server egress every owned namespace gets, unless told to accept any address.
    if (profile === "prod" && networkPolicies.enabled && !networkPolicies.allowAnyApiServer && networkPolicies.apiServerCidrs.some(isAnyAddress)) {
        throw new ConfigError(
            "networkPolicies.apiServerCidrs",
            networkPolicies.apiServerCidrs,
            "the API server's endpoint addresses as /32 CIDRs in prod (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes), or networkPolicies.allowAnyApiServer: true to accept any address",
        );
    }
    // Prod and OpenShift nodes cannot pull from the dev registry on localhost: the platform's own
    // images must come from one the cluster reaches (or each be given in full under images.<key>).
    const imageCfg = imageSettings(v("images"), v("imagePullPolicy"), v("imagePullSecrets"));
    const localOwn = platformImageRegistry === "" && imageRegistry === "" ? PLATFORM_BUILT.filter((k) => imageCfg.images[k] === undefined) : [];
    if ((profile === "prod" || platform === "openshift") && localOwn.length > 0) {
        throw new ConfigError(
            "platformImageRegistry",
            platformImageRegistry,
            `the registry the platform's images were pushed to (npm run images -- build --push <registry>) in a ${platform === "openshift" ? "openshift" : "prod"} stack, or imageRegistry, or images.<key> for each of ${localOwn.join(", ")}: the default ${PLATFORM_REGISTRY} is the dev cluster's local registry`,
        );
    }
    return {
        profile,
        platform,
        components,
        namespaces,
        storageClass,
        domain,
        exposure,
        imageRegistry,
        platformImageRegistry,
        chartSource,
        sizing,
        kafka,
        backups,
        networkPolicies,
        flink,
        monitoring,
        airflow,
        lake,
        protectData,
        ...imageCfg,
        overrides: overridesSettings(profile, v("overrides"), { flink: v("flink"), kafka: v("kafka"), airflow: v("airflow") }, flink.jobEnabled),
    };
}

/** Whether the runtime marks `key` (with its project prefix) secret: `pulumi config set --secret`. */
function isSecretConfig(key: string): boolean {
    const fn: unknown = (pulumi.runtime as unknown as Record<string, unknown>).isConfigSecret;
    return typeof fn === "function" ? (fn as (k: string) => boolean)(key) : false;
}

/** Reads the stack's configuration from the Pulumi runtime and validates it. */
export function loadConfig(): PlatformConfig {
    const prefix = `${PROJECT}:`;
    const cfg = new pulumi.Config(PROJECT);
    const raw: Record<string, string> = {};
    for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        const value = cfg.get(key);
        if (value !== undefined) raw[key] = value;
    }
    const parsed = parseConfig(raw);
    // A password written in plain text into the stack file: refused, it belongs in the encrypted config.
    if (parsed.chartSource.password !== undefined && !isSecretConfig(`${prefix}chartSource`)) {
        throw new ConfigError("chartSource.password", "(hidden)", "a secret: pulumi config set --secret --path chartSource.password <password>");
    }
    return parsed;
}

// ---------------------------------------------------------------------------------------------
// Escape hatches: what the typed keys do not cover, validated, applied last (components/lib/overrides.ts).

/** The charts `overrides.<chart>.values` may reach: the catalog's chart keys. */
export const OVERRIDABLE_CHARTS = [
    "certManager",
    "cloudnativePg",
    "superset",
    "pxcOperator",
    "strimzi",
    "minioOperator",
    "nessie",
    "flinkOperator",
    "sparkOperator",
    "trino",
    "airflow",
    "kubePrometheusStack",
] as const;
export type OverridableChart = (typeof OVERRIDABLE_CHARTS)[number];

/** A Kafka broker setting, a Flink option or an airflow.cfg option. */
export type ConfigValue = string | number | boolean;

export interface Overrides {
    /** Helm values deep-merged last into each chart's values (maps merge, anything else replaces). */
    readonly chartValues: Readonly<Partial<Record<OverridableChart, Readonly<Record<string, unknown>>>>>;
    /** `flink.configuration`: merged last into the session cluster's `flinkConfiguration`. */
    readonly flinkConfiguration: Readonly<Record<string, string>>;
    /** `flink.sqlGateway.enabled`: run the SQL gateway (default true; the CDC job needs it). */
    readonly flinkSqlGateway: boolean;
    /** `kafka.config`: broker defaults merged last into the Kafka resource's `spec.kafka.config`. */
    readonly kafkaConfig: Readonly<Record<string, ConfigValue>>;
    /** `airflow.config`: airflow.cfg sections and options merged last into the chart's `config`. */
    readonly airflowConfig: Readonly<Record<string, Readonly<Record<string, ConfigValue>>>>;
}

/** The sub-keys of flink, kafka and airflow that are escape hatches, read here rather than by their section. */
const HATCH_KEYS = { flink: ["configuration", "sqlGateway"], kafka: ["config"], airflow: ["config"] } as const;

/**
 * Dev brokers take seed 004's telemetry-lake defaults: 3 partitions for a topic created without a
 * count, and one hour of retention, so a laptop's volume does not fill. Topics declared with their
 * own settings (compacted topics, kafka.topics[].config) keep them; prod keeps Kafka's defaults.
 */
const KAFKA_CONFIG_DEFAULTS: Record<Profile, Readonly<Record<string, ConfigValue>>> = {
    dev: { "num.partitions": 3, "log.retention.hours": 1 },
    prod: {},
};

/** `value` without `keys` when it is an object; anything else unchanged (its own parser reports it). */
function without(value: unknown, keys: readonly string[]): unknown {
    if (!isObj(value)) return value;
    return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k)));
}

/** Keys whose value would be a credential; names of Secrets (`existingSecret`, `secretName`, `passwordKey`) are not. */
const CREDENTIAL_KEY = /(^|[._-])(password|passwd|pwd|secret|token|api[._-]?key|access[._-]?key|secret[._-]?key|private[._-]?key|credentials?|fernet[._-]?key|jwt[._-]?secret)$/i;
/** A password anywhere in the name (`passwordAuth`), unless the name says it holds a reference (`passwordSecret`, `passwordKey`). */
const PASSWORD_KEY = /pass(word|wd)/i;
const REFERENCE_KEY = /(Key|Keys|Secret|SecretName|SecretRef|Ref|File|Path|Name)$/;

/**
 * Whether a key's string value would be a credential. Airflow's `<option>_secret` and `<option>_cmd`
 * forms of a credential option (`sql_alchemy_conn_secret`) name where to read it: not credentials.
 */
function isCredentialKey(k: string): boolean {
    const indirect = /^(.+)_(secret|cmd)$/.exec(k);
    if (indirect !== null && isCredentialKey(indirect[1])) return false;
    return CREDENTIAL_KEY.test(k) || CREDENTIAL_KEY_CAMEL.test(k) || CREDENTIAL_URL_OPTION.test(k) || (PASSWORD_KEY.test(k) && !REFERENCE_KEY.test(k));
}
/** The same in camelCase (`adminPassword`, `authToken`). */
const CREDENTIAL_KEY_CAMEL = /[a-z0-9](Password|Passwd|Token|SecretKey|AccessKey|PrivateKey|ApiKey|Credentials?)$/;
/** Airflow options that embed credentials in a URL. */
const CREDENTIAL_URL_OPTION = /^(sql_alchemy_conn|broker_url|result_backend|connection)$/;

/** Refuses a literal credential anywhere in `value` (a credential-like key with a non-empty string, or a PEM block). */
function noLiteralSecrets(key: string, value: unknown): void {
    if (typeof value === "string") {
        if (value.includes("-----BEGIN")) throw new ConfigError(key, "(hidden)", "no key or certificate material: put it in a Secret and reference the Secret by name");
        return;
    }
    if (Array.isArray(value)) {
        value.forEach((x, i) => noLiteralSecrets(`${key}[${i}]`, x));
        return;
    }
    if (!isObj(value)) return;
    for (const [k, x] of Object.entries(value)) {
        const at = `${key}.${k}`;
        if (isCredentialKey(k) && typeof x === "string" && x !== "") {
            throw new ConfigError(at, "(hidden)", "no literal credential: create a Secret and reference it by name (existingSecret, secretName, valueFrom, a *_secret or *_cmd option)");
        }
        noLiteralSecrets(at, x);
    }
}

/** A flat map of option names to scalar values. */
function optionMap(key: string, value: unknown, name: RegExp, nameWhat: string, stringsOnly: boolean): Record<string, ConfigValue> {
    if (value === undefined) return {};
    if (!isObj(value)) throw new ConfigError(key, value, `an object of ${nameWhat} to ${stringsOnly ? "strings" : "strings, numbers or booleans"}`);
    for (const [k, x] of Object.entries(value)) {
        if (!name.test(k)) throw new ConfigError(`${key}.${k}`, x, nameWhat);
        const ok = typeof x === "string" || (!stringsOnly && (typeof x === "number" || typeof x === "boolean"));
        if (!ok) throw new ConfigError(`${key}.${k}`, x, stringsOnly ? "a string" : "a string, number or boolean");
    }
    noLiteralSecrets(key, value);
    return value as Record<string, ConfigValue>;
}

/**
 * Kafka broker settings Strimzi manages itself and refuses in `spec.kafka.config` (listeners, TLS,
 * SASL, authorization, KRaft roles and directories): its prefixes, matched as Strimzi matches them
 * (a key starting with one), less the exceptions it lets through. Both lists as Strimzi 1.x's
 * `KafkaClusterSpec` states them.
 */
const KAFKA_FORBIDDEN = /^(listeners|advertised\.|broker\.|listener\.|host\.name|port|inter\.broker\.listener\.name|sasl\.|ssl\.|security\.|password\.|log\.dir|zookeeper\.connect|zookeeper\.set\.acl|zookeeper\.ssl|zookeeper\.clientCnxnSocket|authorizer\.|super\.user|cruise\.control\.metrics\.topic|cruise\.control\.metrics\.reporter\.bootstrap\.servers|node\.id|process\.roles|controller\.|metadata\.log\.dir|zookeeper\.metadata\.migration\.enable)/;
const KAFKA_ALLOWED = /^(zookeeper\.connection\.timeout\.ms|sasl\.server\.max\.receive\.size|ssl\.cipher\.suites|ssl\.protocol|ssl\.enabled\.protocols|ssl\.secure\.random\.implementation|cruise\.control\.metrics\.topic\.(num\.partitions|replication\.factor|retention\.ms|auto\.create\.retries|auto\.create\.timeout\.ms|min\.insync\.replicas)|controller\.quorum\.(election\.backoff\.max\.ms|election\.timeout\.ms|fetch\.timeout\.ms))$/;

function overridesSettings(profile: Profile, input: unknown, sections: { flink: unknown; kafka: unknown; airflow: unknown }, jobEnabled: boolean): Overrides {
    const o = input === undefined ? {} : object("overrides", input, OVERRIDABLE_CHARTS);
    const chartValues: Partial<Record<OverridableChart, Record<string, unknown>>> = {};
    for (const chart of OVERRIDABLE_CHARTS) {
        if (o[chart] === undefined) continue;
        const entry = object(`overrides.${chart}`, o[chart], ["values"]);
        if (!isObj(entry.values)) throw new ConfigError(`overrides.${chart}.values`, entry.values, "an object of Helm values, merged last into the chart's values");
        noLiteralSecrets(`overrides.${chart}.values`, entry.values);
        chartValues[chart] = entry.values;
    }

    const flinkIn = isObj(sections.flink) ? sections.flink : {};
    const flinkConfiguration = optionMap("flink.configuration", flinkIn.configuration, /^[A-Za-z0-9][A-Za-z0-9._-]*$/, "Flink option names such as taskmanager.memory.managed.fraction", true) as Record<string, string>;
    const gwIn = flinkIn.sqlGateway === undefined ? {} : object("flink.sqlGateway", flinkIn.sqlGateway, ["enabled"]);
    const flinkSqlGateway = bool("flink.sqlGateway.enabled", gwIn.enabled, true);
    if (!flinkSqlGateway && jobEnabled) throw new ConfigError("flink.sqlGateway.enabled", false, "true while flink.jobEnabled is true: the CDC job is submitted through the SQL gateway");

    const kafkaIn = isObj(sections.kafka) ? sections.kafka : {};
    const kafkaConfig = { ...KAFKA_CONFIG_DEFAULTS[profile], ...optionMap("kafka.config", kafkaIn.config, /^[a-z0-9][a-z0-9._-]*$/, "Kafka broker setting names such as log.retention.hours", false) };
    for (const k of Object.keys(kafkaConfig)) {
        if (KAFKA_FORBIDDEN.test(k) && !KAFKA_ALLOWED.test(k)) throw new ConfigError(`kafka.config.${k}`, kafkaConfig[k], "a setting Strimzi does not manage itself (listeners, TLS, SASL, authorization and KRaft roles are set through the Kafka resource)");
    }

    const airflowIn = isObj(sections.airflow) ? sections.airflow : {};
    const airflowConfig: Record<string, Record<string, ConfigValue>> = {};
    if (airflowIn.config !== undefined) {
        if (!isObj(airflowIn.config)) throw new ConfigError("airflow.config", airflowIn.config, "an object of airflow.cfg sections, each an object of options");
        for (const [section, options] of Object.entries(airflowIn.config)) {
            if (!/^[a-z][a-z0-9_.]*$/.test(section)) throw new ConfigError(`airflow.config.${section}`, options, "an airflow.cfg section name such as core, scheduler or celery");
            airflowConfig[section] = optionMap(`airflow.config.${section}`, options, /^[a-z][a-z0-9_]*$/, "airflow.cfg option names such as parallelism", false);
        }
    }
    return { chartValues, flinkConfiguration, flinkSqlGateway, kafkaConfig, airflowConfig };
}

/** `chartSource.username` and `chartSource.password`; the password becomes a secret Output. */
function chartCredentials(cs: Obj): Pick<ChartSource, "username" | "password"> {
    const username = str("chartSource.username", cs.username, "", /^\S+$/, "a user name without spaces");
    const password = str("chartSource.password", cs.password === undefined ? undefined : cs.password, "");
    if ((username === "") !== (password === "")) {
        throw new ConfigError(username === "" ? "chartSource.username" : "chartSource.password", username === "" ? undefined : "(hidden)", "chartSource.username and chartSource.password together (or neither)");
    }
    return username === "" ? {} : { username, password: pulumi.secret(password) };
}
