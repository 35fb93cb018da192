import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

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
export type ExposureMode = "none" | "ingress";
export type ChartSourceMode = "upstream" | "oci" | "local";

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
}

export interface Namespaces {
    readonly certManager: string;
    readonly operators: string;
    readonly data: string;
    readonly processing: string;
    readonly apps: string;
}

export interface NetworkPolicySettings {
    /** Default deny plus the allows the enabled components need, in every owned namespace. */
    readonly enabled: boolean;
    /** CIDRs of the Kubernetes API server (egress on 443/6443 for operators and controllers). */
    readonly apiServerCidrs: readonly string[];
}

export interface Exposure {
    readonly mode: ExposureMode;
    /** IngressClass to use; empty means the cluster's default class. */
    readonly ingressClassName: string;
    /** ClusterIssuer that signs the ingress certificates; empty means the platform CA. */
    readonly clusterIssuer: string;
}

export interface ChartSource {
    readonly mode: ChartSourceMode;
    /** `oci://host/path` for `oci`, a folder of `<chart>-<version>.tgz` for `local`, empty for `upstream`. */
    readonly location: string;
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
    /** Registry host (and optional path) that replaces every image's registry; empty keeps upstream. */
    readonly imageRegistry: string;
    readonly chartSource: ChartSource;
    readonly sizing: Sizing;
    readonly kafka: KafkaSettings;
    readonly backups: Backups;
    readonly networkPolicies: NetworkPolicySettings;
    readonly flink: FlinkSettings;
    /** Protect stateful resources (databases, volumes) against deletion by `pulumi destroy` or a replace. */
    readonly protectData: boolean;
}

/** A configuration mistake, raised before any resource exists. */
export class ConfigError extends Error {
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
};

const KAFKA_DEFAULTS: KafkaSettings = {
    topics: [{ name: "telemetry-logs", partitions: 3 }],
    connectImage: "",
    connectors: [],
};

const PROFILE_DEFAULTS: Record<Profile, Omit<PlatformConfig, "profile">> = {
    dev: {
        components: ALL_ON,
        namespaces: { certManager: "cert-manager", operators: "platform-operators", data: "platform-data", processing: "platform-processing", apps: "platform-apps" },
        storageClass: "",
        domain: "analytics.localtest.me",
        exposure: { mode: "none", ingressClassName: "", clusterIssuer: "" },
        imageRegistry: "",
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
                memory: "512Mi",
                cpuLimit: "1",
                memoryLimit: "1Gi",
                haproxy: { size: 1, cpu: "50m", memory: "64Mi", cpuLimit: "250m", memoryLimit: "256Mi" },
            },
            kafkaBrokers: { storage: "5Gi", cpu: "250m", memory: "768Mi", cpuLimit: "1", memoryLimit: "1Gi" },
            kafkaControllers: { storage: "1Gi", cpu: "100m", memory: "512Mi", cpuLimit: "500m", memoryLimit: "768Mi" },
            kafkaConnect: { replicas: 1, cpu: "200m", memory: "512Mi", cpuLimit: "1", memoryLimit: "768Mi" },
            schemaRegistry: { cpu: "50m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "512Mi" },
            nessie: { cpu: "100m", memory: "384Mi", cpuLimit: "1", memoryLimit: "768Mi" },
            clickhouse: { storage: "5Gi", cpu: "200m", memory: "256Mi", cpuLimit: "1", memoryLimit: "2Gi" },
            flinkJobManager: { cpu: "250m", memory: "768Mi", cpuLimit: "1", memoryLimit: "1Gi" },
            flinkTaskManager: { replicas: 1, slots: 2, cpu: "250m", memory: "1Gi", cpuLimit: "1", memoryLimit: "1Gi" },
            flinkSqlGateway: { cpu: "100m", memory: "384Mi", cpuLimit: "500m", memoryLimit: "512Mi" },
            trinoCoordinator: { cpu: "250m", memory: "768Mi", cpuLimit: "1", memoryLimit: "1536Mi" },
            trinoWorker: { replicas: 1, cpu: "250m", memory: "768Mi", cpuLimit: "1", memoryLimit: "1536Mi" },
        },
        kafka: KAFKA_DEFAULTS,
        backups: { enabled: false, schedule: "0 2 * * *", retention: "7d", keep: 3, pitr: false },
        networkPolicies: { enabled: true, apiServerCidrs: ["0.0.0.0/0"] },
        flink: FLINK_DEFAULTS,
        protectData: false,
    },
    prod: {
        components: ALL_ON,
        namespaces: { certManager: "cert-manager", operators: "platform-operators", data: "platform-data", processing: "platform-processing", apps: "platform-apps" },
        storageClass: "",
        domain: "",
        exposure: { mode: "ingress", ingressClassName: "", clusterIssuer: "" },
        imageRegistry: "",
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
        },
        kafka: KAFKA_DEFAULTS,
        backups: { enabled: true, schedule: "0 2 * * *", retention: "14d", keep: 7, pitr: true },
        networkPolicies: { enabled: true, apiServerCidrs: ["0.0.0.0/0"] },
        flink: FLINK_DEFAULTS,
        protectData: true,
    },
};

/** Every key of the project namespace, with the shape its value must have. */
const KEYS = ["profile", "components", "namespaces", "storageClass", "domain", "exposure", "imageRegistry", "chartSource", "sizing", "kafka", "backups", "networkPolicies", "flink", "protectData"] as const;
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

function resources(key: string, v: Obj, d: Resources): Resources {
    return {
        cpu: str(`${key}.cpu`, v.cpu, d.cpu, CPU, 'a CPU quantity such as "250m" or "2"'),
        memory: str(`${key}.memory`, v.memory, d.memory, MEMORY, 'a memory quantity such as "512Mi" or "2Gi"'),
        cpuLimit: str(`${key}.cpuLimit`, v.cpuLimit, d.cpuLimit, CPU, 'a CPU quantity such as "250m" or "2"'),
        memoryLimit: str(`${key}.memoryLimit`, v.memoryLimit, d.memoryLimit, MEMORY, 'a memory quantity such as "512Mi" or "2Gi"'),
    };
}

const RESOURCE_KEYS = ["cpu", "memory", "cpuLimit", "memoryLimit"] as const;

const CRON = /^(\S+\s+){4}\S+$/;
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
    for (const k of sizes) out[k] = str(`${key}.${k}`, o[k], dd[k] as string, MEMORY, SIZE_WHAT);
    return out as T;
}

function xtradbSizing(input: unknown, d: XtraDbSizing): XtraDbSizing {
    const key = "sizing.xtradb";
    const o = input === undefined ? {} : object(key, input, ["size", "storage", "haproxy", ...RESOURCE_KEYS]);
    const { haproxy, ...rest } = d;
    const base = sized(key, Object.fromEntries(Object.entries(o).filter(([k]) => k !== "haproxy")), rest, { size: [1, 9] }, ["storage"]);
    return { ...base, haproxy: sized(`${key}.haproxy`, o.haproxy, haproxy, { size: [1, 9] }, []) };
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
    const o = input === undefined ? {} : object("kafka", input, ["topics", "connectImage", "connectors"]);
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
    };
}

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
    return {
        connectorsImage: str("flink.connectorsImage", o.connectorsImage, d.connectorsImage, /^[a-z0-9][\w.\-/:@]*$/, "an image reference such as registry.internal/flink-connectors:3.4"),
        jobEnabled,
        sourceSecret: str("flink.sourceSecret", o.sourceSecret, d.sourceSecret, K8S_NAME, "a Secret name in the processing namespace"),
        sqlFile,
        sql,
        restoreFromSavepoint: str("flink.restoreFromSavepoint", o.restoreFromSavepoint, d.restoreFromSavepoint, SAVEPOINT, "an s3:// savepoint path, or empty for a fresh start"),
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
    components: "json",
    namespaces: "json",
    storageClass: "string",
    domain: "string",
    exposure: "json",
    imageRegistry: "string",
    chartSource: "json",
    sizing: "json",
    kafka: "json",
    backups: "json",
    networkPolicies: "json",
    flink: "json",
    protectData: "boolean",
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

    const expIn = v("exposure") === undefined ? {} : object("exposure", v("exposure"), Object.keys(d.exposure));
    const exposure: Exposure = {
        mode: oneOf<ExposureMode>("exposure.mode", expIn.mode, d.exposure.mode, ["none", "ingress"]),
        ingressClassName: str("exposure.ingressClassName", expIn.ingressClassName, d.exposure.ingressClassName, DNS_NAME, "an IngressClass name, or empty for the default class"),
        clusterIssuer: str("exposure.clusterIssuer", expIn.clusterIssuer, d.exposure.clusterIssuer, DNS_NAME, "a ClusterIssuer name, or empty for the platform CA"),
    };
    if (exposure.mode !== "none" && domain === "") {
        throw new ConfigError("domain", domain, `a DNS domain: exposure.mode "${exposure.mode}" publishes hostnames under it`);
    }

    const imageRegistry = str("imageRegistry", v("imageRegistry"), d.imageRegistry, REGISTRY, "a registry host with optional port and path, such as registry.internal:5000/mirror (no scheme, no trailing slash)");

    const csIn = v("chartSource") === undefined ? {} : object("chartSource", v("chartSource"), Object.keys(d.chartSource));
    const chartSource: ChartSource = {
        mode: oneOf<ChartSourceMode>("chartSource.mode", csIn.mode, d.chartSource.mode, ["upstream", "oci", "local"]),
        location: str("chartSource.location", csIn.location, d.chartSource.location),
    };
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
    } else if (sizing.objectStore.servers > 1 && sizing.objectStore.servers < 4) {
        throw new ConfigError("sizing.objectStore.servers", sizing.objectStore.servers, "1 (standalone) or 4 and more (erasure-coded)");
    }

    const kafka = kafkaSettings(v("kafka"), d.kafka, profile === "prod" ? 3 : 1);

    const bkIn = v("backups") === undefined ? {} : object("backups", v("backups"), Object.keys(d.backups));
    const backups: Backups = {
        enabled: bool("backups.enabled", bkIn.enabled, d.backups.enabled),
        schedule: str("backups.schedule", bkIn.schedule, d.backups.schedule, CRON, 'a five-field cron schedule such as "0 2 * * *"'),
        retention: str("backups.retention", bkIn.retention, d.backups.retention, /^[1-9][0-9]*[dwm]$/, 'a retention such as "14d", "4w" or "3m"'),
        keep: int("backups.keep", bkIn.keep, d.backups.keep, 1, 365),
        pitr: bool("backups.pitr", bkIn.pitr, d.backups.pitr),
    };

    const protectData = bool("protectData", v("protectData"), d.protectData);

    const npIn = v("networkPolicies") === undefined ? {} : object("networkPolicies", v("networkPolicies"), Object.keys(d.networkPolicies));
    const cidrs: unknown = npIn.apiServerCidrs === undefined ? d.networkPolicies.apiServerCidrs : npIn.apiServerCidrs;
    if (!Array.isArray(cidrs) || cidrs.length === 0) throw new ConfigError("networkPolicies.apiServerCidrs", cidrs, 'a non-empty list of CIDRs such as ["10.96.0.1/32"]');
    const networkPolicies: NetworkPolicySettings = {
        enabled: bool("networkPolicies.enabled", npIn.enabled, d.networkPolicies.enabled),
        apiServerCidrs: (cidrs as unknown[]).map((c, i) => str(`networkPolicies.apiServerCidrs[${i}]`, c, "", /^([0-9]{1,3}\.){3}[0-9]{1,3}\/[0-9]{1,2}$|^[0-9a-f:]+\/[0-9]{1,3}$/, "an IPv4 or IPv6 CIDR such as 10.96.0.1/32")),
    };

    const flink = flinkSettings(v("flink"), d.flink);

    const needs: Array<[keyof ComponentSwitches, keyof ComponentSwitches, string]> = [
        ["flink", "objectStore", "Flink keeps checkpoints and savepoints in the object store"],
        ["flink", "kafka", "the CDC pipeline writes to Kafka"],
        ["spark", "objectStore", "Spark writes its event logs to the object store"],
        ["nessie", "postgres", "Nessie keeps its version store in the platform PostgreSQL"],
        ["nessie", "objectStore", "Nessie's Iceberg warehouse lives in the object store"],
        ["schemaRegistry", "kafka", "the schema registry stores its schemas in Kafka"],
        ["kafkaConnect", "kafka", "Kafka Connect runs against the platform Kafka"],
    ];
    for (const [c, needed, why] of needs) {
        if (components[c] && !components[needed]) throw new ConfigError(`components.${c}`, true, `false while components.${needed} is false: ${why}`);
    }
    if (backups.enabled && !components.objectStore) {
        throw new ConfigError("backups.enabled", true, "false while components.objectStore is false: backups are written to the object store");
    }
    if (kafka.connectors.length > 0 && !components.kafkaConnect) {
        throw new ConfigError("kafka.connectors", kafka.connectors.map((c) => c.name), "an empty list while components.kafkaConnect is false");
    }
    if (components.superset && !components.postgres) {
        throw new ConfigError("components.superset", true, "false while components.postgres is false: Superset keeps its metadata in the platform PostgreSQL");
    }
    if (components.superset && !components.cache) {
        throw new ConfigError("components.superset", true, "false while components.cache is false: Superset needs the cache for results and Celery");
    }

    return { profile, components, namespaces, storageClass, domain, exposure, imageRegistry, chartSource, sizing, kafka, backups, networkPolicies, flink, protectData };
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
    return parseConfig(raw);
}
