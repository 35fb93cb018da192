import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { images } from "../catalog";
import { Resources } from "../config";
import { Footprint, podsFootprint, sumFootprints } from "../lib/footprint";
import { ImageRegistry, imageRef } from "../lib/images";
import { platformLabels } from "../lib/labels";
import { ScrapeTarget } from "../lib/monitoring";
import { ServedPorts } from "../lib/network";
import { CredentialRef, Endpoint, portForwardCommand } from "../lib/outputs";
import { onDifferentNodes } from "../lib/spread";
import { backupPrefixes } from "./s3Clients";
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } from "../lib/storage";
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";

export interface ClickHouseSizing extends Resources {
    /** Size of the data volume. */
    readonly storage: string;
}

/** Scheduled `BACKUP ... TO S3` of every database (docs/decisions/0042-clickhouse-backups.md). */
export interface ClickHouseBackup {
    /** S3 API URL, e.g. the platform object store's or an off-cluster one (`backups.target`). */
    readonly endpoint: pulumi.Input<string>;
    /** Bucket name (no path); backups go under `clickhouse/<UTC time>/`. */
    readonly bucket: string;
    /** Secret with `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` in ClickHouse's namespace. */
    readonly secretName: pulumi.Input<string>;
    /** Five-field cron schedule (UTC), e.g. "0 2 * * *". */
    readonly schedule: string;
}

export interface ClickHouseArgs {
    /** Namespace for ClickHouse. */
    readonly namespace: pulumi.Input<string>;
    /** Volume size and resources of each server. */
    readonly sizing: ClickHouseSizing;
    /** StorageClass for the data volumes; empty for the cluster default. */
    readonly storageClass: string;
    /** Registry replacing docker.io for the ClickHouse image; empty keeps docker.io. */
    readonly imageRegistry: ImageRegistry;
    /** Protect the StatefulSets (and so their volume claims) from deletion. Default false. */
    readonly protect?: boolean;
    /**
     * {@link HA_REPLICAS} replicas of every replicated table, coordinated by {@link KEEPER_REPLICAS}
     * ClickHouse Keeper servers of their own, spread over nodes with PodDisruptionBudgets. Default
     * false: one server running an embedded one-node Keeper, so the same replicated DDL works.
     */
    readonly highAvailability?: boolean;
    /** Each Keeper server (highAvailability only). Default {@link KEEPER_SIZING}: 100m/256Mi, limits 500m/512Mi, 2Gi. */
    readonly keeper?: ClickHouseSizing;
    /** Scheduled backups to S3. Default none. */
    readonly backup?: ClickHouseBackup;
}

/** The `clickhouse` user and group of the official image. */
const CLICKHOUSE_UID = 101;
const HTTP_PORT = 8123;
const NATIVE_PORT = 9000;
/** Replicas fetch parts from each other over the image's interserver HTTP port. */
export const INTERSERVER_PORT = 9009;
/** Keeper's client port, its Raft port and its HTTP control port (readiness). */
export const KEEPER_PORT = 9181;
export const KEEPER_RAFT_PORT = 9234;
export const KEEPER_CONTROL_PORT = 9182;
const ADMIN_USER = "admin";
/** Server replicas with highAvailability. */
export const HA_REPLICAS = 2;
/** The backup Job only sends one statement and waits. */
const BACKUP_CLIENT_RESOURCES: Resources = { cpu: "50m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "512Mi" };
/** Keeper servers with highAvailability: a Raft quorum of two survives the loss of one. */
export const KEEPER_REPLICAS = 3;
/** Default Keeper sizing. */
export const KEEPER_SIZING: ClickHouseSizing = { cpu: "100m", memory: "256Mi", cpuLimit: "500m", memoryLimit: "512Mi", storage: "2Gi" };
/** The one cluster in `remote_servers` (and the `{cluster}` macro): every replica, one shard. */
export const CLUSTER_NAME = "platform";
/** The named collection `BACKUP ... TO S3(...)` uses: the backup location and its key, read from the environment. */
export const BACKUP_COLLECTION = "platform_backups";
/** ClickHouse's built-in Prometheus endpoint, enabled by {@link PROMETHEUS_CONFIG}. */
export const CLICKHOUSE_METRICS_PORT = 9363;
const CONFIG_DIR = "/etc/clickhouse-server/config.d";
const USERS_DIR = "/etc/clickhouse-server/users.d";
const KEEPER_CONFIG_DIR = "/etc/clickhouse-keeper";
const KEEPER_DATA = "/var/lib/clickhouse-keeper";
const PROMETHEUS_CONFIG_FILE = "prometheus.xml";
/** Environment variables the configuration reads (`from_env`); none is the image entrypoint's. */
const ENV = {
    podName: "POD_NAME",
    clusterSecret: "CH_CLUSTER_SECRET",
    interserverHost: "CH_INTERSERVER_HOST",
    interserverPassword: "CH_INTERSERVER_PASSWORD",
    backupKeyId: "CH_BACKUP_ACCESS_KEY_ID",
    backupSecretKey: "CH_BACKUP_SECRET_ACCESS_KEY",
    keeperId: "KEEPER_SERVER_ID",
} as const;
/**
 * Server configuration added to the image's `config.d`: ClickHouse's own Prometheus handler on
 * 9363 (listening where the image's configuration listens), with current metrics, event counters
 * and asynchronous metrics. It needs no login.
 */
export const PROMETHEUS_CONFIG = [
    "<clickhouse>",
    "    <prometheus>",
    "        <endpoint>/metrics</endpoint>",
    `        <port>${CLICKHOUSE_METRICS_PORT}</port>`,
    "        <metrics>true</metrics>",
    "        <events>true</events>",
    "        <asynchronous_metrics>true</asynchronous_metrics>",
    "    </prometheus>",
    "</clickhouse>",
    "",
].join("\n");

/** Where Keeper runs: `hosts` are its servers' names (ids 1..n); empty for the embedded one-node Keeper. */
export interface ClusterLayout {
    /** Fully qualified names of the server replicas, in ordinal order. */
    readonly replicas: readonly string[];
    /** Fully qualified names of the Keeper servers, in ordinal order; empty: the embedded Keeper. */
    readonly keepers: readonly string[];
}

/**
 * `config.d/cluster.xml`: the Keeper ensemble the server uses (`zookeeper`), the macros replicated
 * tables name (`{cluster}`, `{shard}`, `{replica}` = the pod name, so the default replica path
 * `/clickhouse/tables/{uuid}/{shard}` and name `{replica}` need no arguments), the `platform`
 * cluster of all replicas in one shard for `ON CLUSTER` DDL and backups, authenticated between
 * servers by a shared secret, and the interserver HTTP host and credentials replicas fetch parts
 * with. Secrets are read from the environment and left out of the preprocessed copy on disk.
 */
export function clusterConfig(layout: ClusterLayout): string {
    const zk = layout.keepers.length === 0 ? ["localhost"] : layout.keepers;
    return [
        "<clickhouse>",
        "    <zookeeper>",
        ...zk.map((h) => `        <node><host>${h}</host><port>${KEEPER_PORT}</port></node>`),
        "    </zookeeper>",
        "    <macros>",
        `        <cluster>${CLUSTER_NAME}</cluster>`,
        "        <shard>1</shard>",
        `        <replica from_env="${ENV.podName}"/>`,
        "    </macros>",
        "    <remote_servers>",
        `        <${CLUSTER_NAME}>`,
        `            <secret hide_in_preprocessed="true" from_env="${ENV.clusterSecret}"/>`,
        "            <shard>",
        "                <internal_replication>true</internal_replication>",
        ...layout.replicas.map((h) => `                <replica><host>${h}</host><port>${NATIVE_PORT}</port></replica>`),
        "            </shard>",
        `        </${CLUSTER_NAME}>`,
        "    </remote_servers>",
        `    <interserver_http_host from_env="${ENV.interserverHost}"/>`,
        '    <interserver_http_credentials hide_in_preprocessed="true">',
        "        <user>interserver</user>",
        `        <password from_env="${ENV.interserverPassword}"/>`,
        "    </interserver_http_credentials>",
        "</clickhouse>",
        "",
    ].join("\n");
}

/** The `keeper_server` section: a Raft member of `hosts` (ids 1..n), storing its log and snapshots under `dataDir`. */
function keeperServer(hosts: readonly string[], serverId: string, dataDir: string, control: boolean): string[] {
    return [
        "    <keeper_server>",
        `        <tcp_port>${KEEPER_PORT}</tcp_port>`,
        `        ${serverId}`,
        `        <log_storage_path>${dataDir}/coordination/log</log_storage_path>`,
        `        <snapshot_storage_path>${dataDir}/coordination/snapshots</snapshot_storage_path>`,
        "        <coordination_settings>",
        "            <operation_timeout_ms>10000</operation_timeout_ms>",
        "            <session_timeout_ms>30000</session_timeout_ms>",
        "        </coordination_settings>",
        ...(control ? ["        <http_control>", `            <port>${KEEPER_CONTROL_PORT}</port>`, "            <readiness><endpoint>/ready</endpoint></readiness>", "        </http_control>"] : []),
        "        <raft_configuration>",
        ...hosts.map((h, i) => `            <server><id>${i + 1}</id><hostname>${h}</hostname><port>${KEEPER_RAFT_PORT}</port></server>`),
        "        </raft_configuration>",
        "    </keeper_server>",
    ];
}

/** `config.d/keeper.xml` of the single server: an embedded one-node Keeper on its data volume. */
export const EMBEDDED_KEEPER_CONFIG = ["<clickhouse>", ...keeperServer(["localhost"], "<server_id>1</server_id>", "/var/lib/clickhouse", false), "</clickhouse>", ""].join("\n");

/**
 * The standalone Keeper's configuration (`clickhouse keeper --config-file`): logs to the console,
 * listens on all IPv4 addresses, takes its Raft id from `KEEPER_SERVER_ID` (the pod ordinal + 1),
 * answers `/ready` on the control port once it has joined the quorum.
 */
export function keeperConfig(hosts: readonly string[]): string {
    return [
        "<clickhouse>",
        "    <logger><level>information</level><console>true</console></logger>",
        "    <listen_host>0.0.0.0</listen_host>",
        `    <path>${KEEPER_DATA}</path>`,
        ...keeperServer(hosts, `<server_id from_env="${ENV.keeperId}"/>`, KEEPER_DATA, true),
        "</clickhouse>",
        "",
    ].join("\n");
}

/**
 * `config.d/backups.xml`: the named collection `BACKUP ... TO S3(platform_backups, '<name>')`
 * writes through, its key read from the environment (never in SQL, logs or the preprocessed file).
 */
export function backupConfig(url: string): string {
    return [
        "<clickhouse>",
        "    <named_collections>",
        `        <${BACKUP_COLLECTION} hide_in_preprocessed="true">`,
        `            <url>${url}</url>`,
        `            <access_key_id from_env="${ENV.backupKeyId}"/>`,
        `            <secret_access_key from_env="${ENV.backupSecretKey}"/>`,
        `        </${BACKUP_COLLECTION}>`,
        "    </named_collections>",
        "</clickhouse>",
        "",
    ].join("\n");
}

/** Its file in `users.d`, next to the entrypoint's definition of the user. */
export const BACKUP_GRANTS_FILE = "backup-grants.xml";

/**
 * `users.d/backup-grants.xml`: lets `user` (the one the entrypoint defines, which the backup Job
 * logs in as) use named collections. From 25.8.16.4 (ClickHouse PR #94605) `BACKUP ... TO
 * S3(<collection>, ...)` checks the NAMED COLLECTION privilege, which a user defined in XML gets
 * only through `named_collection_control`. Merged into the entrypoint's definition of that user.
 */
export function backupGrants(user: string): string {
    return ["<clickhouse>", "    <users>", `        <${user}>`, "            <named_collection_control>1</named_collection_control>", `        </${user}>`, "    </users>", "</clickhouse>", ""].join("\n");
}

/**
 * The backup Job's script: one full backup of every database but the system ones, on the whole
 * cluster (each replicated table once), named by its UTC start time. The login comes from
 * `CLICKHOUSE_USER`/`CLICKHOUSE_PASSWORD`, which clickhouse-client reads from its environment;
 * nothing secret is on the command line. The client waits up to the backup slack for the result.
 */
export function backupScript(host: string): string {
    return [
        "set -eu",
        'name="$(date -u +%Y-%m-%dT%H-%M-%SZ)"',
        'echo "backup ${name}"',
        `clickhouse-client --host ${host} --port ${NATIVE_PORT} --receive_timeout=21600 --query "BACKUP ALL EXCEPT DATABASES system, INFORMATION_SCHEMA, information_schema ON CLUSTER '${CLUSTER_NAME}' TO S3(${BACKUP_COLLECTION}, '\${name}')"`,
        "",
    ].join("\n");
}

/**
 * ClickHouse from the official image (docs/decisions/0004-data-services.md, 0041): an `admin`
 * user with a generated password read from a Secret by the image's entrypoint, SQL access
 * management on, the `default` user off, data on persistent volumes.
 *
 * Every server carries the same replication settings (`cluster.xml`): a `platform` cluster, the
 * `{cluster}`/`{shard}`/`{replica}` macros and a Keeper. Without highAvailability that is one
 * server with an embedded one-node Keeper; with it, {@link HA_REPLICAS} servers and
 * {@link KEEPER_REPLICAS} standalone Keeper servers (the same image, `clickhouse keeper`), each set
 * spread over nodes and covered by a PodDisruptionBudget. Tables created
 * `ON CLUSTER '{cluster}'` with `ENGINE = ReplicatedMergeTree` are then replicated, in dev as in prod.
 * With `backup`, a CronJob runs `BACKUP ... TO S3` on the schedule (docs/decisions/0042).
 */
export class ClickHouse extends pulumi.ComponentResource {
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    /** The standalone Keeper (highAvailability only). */
    public readonly keeper?: k8s.apps.v1.StatefulSet;
    /** The scheduled backup (with `backup` only). */
    public readonly backupJob?: k8s.batch.v1.CronJob;
    public readonly host: pulumi.Output<string>;
    public readonly httpPort = HTTP_PORT;
    public readonly nativePort = NATIVE_PORT;
    /** The pods and ports clients connect to (for NetworkPolicies). */
    public readonly serves: ServedPorts;
    public readonly endpoint: Endpoint;
    public readonly credential: CredentialRef;
    public readonly footprint: Footprint;
    /** Secret with `username` and `password` keys. */
    public readonly secretName: pulumi.Output<string>;
    /** The servers' `/metrics` on container port `metrics` (9363). */
    public readonly metrics: ScrapeTarget[];
    /** The CronJob's name, for the backup-age alert (with `backup` only). */
    public readonly backupCronJobName?: string;

    constructor(name: string, args: ClickHouseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:ClickHouse", name, {}, opts);
        const ha = args.highAvailability ?? false;
        const replicas = ha ? HA_REPLICAS : 1;
        const labels = platformLabels("clickhouse", name);
        const selector = { "app.kubernetes.io/name": "clickhouse", "app.kubernetes.io/instance": name };
        const keeperName = `${name}-keeper`;
        const keeperLabels = platformLabels("clickhouse-keeper", keeperName);
        const keeperSelector = { "app.kubernetes.io/name": "clickhouse-keeper", "app.kubernetes.io/instance": keeperName };
        const headlessName = `${name}-headless`;

        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
        const secret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: { name: `${name}-credentials`, namespace: args.namespace, labels },
                type: "kubernetes.io/basic-auth",
                stringData: { username: ADMIN_USER, password: password.result },
            },
            { parent: this },
        );
        // Between servers: the cluster secret (distributed queries, ON CLUSTER DDL) and the password
        // replicas fetch parts with.
        const clusterSecret = new random.RandomPassword(`${name}-cluster-secret`, { length: 32, special: false }, { parent: this });
        const interserverPassword = new random.RandomPassword(`${name}-interserver-password`, { length: 32, special: false }, { parent: this });
        const internal = new k8s.core.v1.Secret(
            `${name}-cluster`,
            {
                metadata: { name: `${name}-cluster`, namespace: args.namespace, labels },
                type: "Opaque",
                stringData: { secret: clusterSecret.result, "interserver-password": interserverPassword.result },
            },
            { parent: this },
        );

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    selector,
                    ports: [
                        { name: "http", port: HTTP_PORT, targetPort: "http" },
                        { name: "native", port: NATIVE_PORT, targetPort: "native" },
                    ],
                },
            },
            { parent: this },
        );
        // Stable names for each replica, published before the pods are ready: a starting replica
        // reaches its peers (interserver fetches, ON CLUSTER DDL) by them.
        const headless = new k8s.core.v1.Service(
            `${name}-headless`,
            {
                metadata: { name: headlessName, namespace: args.namespace, labels },
                spec: {
                    clusterIP: "None",
                    publishNotReadyAddresses: true,
                    selector,
                    ports: [
                        { name: "native", port: NATIVE_PORT, targetPort: "native" },
                        { name: "interserver", port: INTERSERVER_PORT, targetPort: "interserver" },
                    ],
                },
            },
            { parent: this },
        );

        const namespace = service.metadata.namespace;
        const fqdn = (pod: string, svc: string, ns: string) => `${pod}.${svc}.${ns}.svc.cluster.local`;
        const keeperHosts = (ns: string) => (ha ? Array.from({ length: KEEPER_REPLICAS }, (_, i) => fqdn(`${keeperName}-${i}`, keeperName, ns)) : []);
        const files = pulumi.all([namespace, args.backup?.endpoint ?? ""]).apply(([ns, endpoint]) => ({
            [PROMETHEUS_CONFIG_FILE]: PROMETHEUS_CONFIG,
            "cluster.xml": clusterConfig({ replicas: Array.from({ length: replicas }, (_, i) => fqdn(`${name}-${i}`, headlessName, ns)), keepers: keeperHosts(ns) }),
            ...(ha ? {} : { "keeper.xml": EMBEDDED_KEEPER_CONFIG }),
            ...(args.backup ? { "backups.xml": backupConfig(`${endpoint.replace(/\/+$/, "")}/${args.backup.bucket}/${backupPrefixes.clickhouse}`) } : {}),
            ...(args.backup ? { [BACKUP_GRANTS_FILE]: backupGrants(ADMIN_USER) } : {}),
        }));
        const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { name: `${name}-config`, namespace: args.namespace, labels }, data: files }, { parent: this });

        const fromSecret = (secretName: pulumi.Input<string>, key: string) => ({ secretKeyRef: { name: secretName, key } });
        const scratch = (volume: string, mountPath: string) => ({ volume: { name: volume, emptyDir: {} }, mount: { name: volume, mountPath } });
        const claim = (sizing: ClickHouseSizing, claimLabels: Record<string, string>) => ({
            metadata: { name: "data", labels: claimLabels },
            spec: {
                accessModes: ["ReadWriteOnce"],
                ...(args.storageClass === "" ? {} : { storageClassName: args.storageClass }),
                resources: { requests: { storage: sizing.storage } },
            },
        });
        // The entrypoint writes the user definition into users.d and logs to its log folder: both are
        // scratch volumes so the root filesystem stays read-only.
        const writable = [scratch("users-d", USERS_DIR), scratch("logs", "/var/log/clickhouse-server"), scratch("tmp", "/tmp")];
        const image = imageRef(images.clickhouse, args.imageRegistry);
        const configFiles = Object.keys({ [PROMETHEUS_CONFIG_FILE]: 1, "cluster.xml": 1, ...(ha ? {} : { "keeper.xml": 1 }), ...(args.backup ? { "backups.xml": 1 } : {}) });
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    serviceName: headless.metadata.name,
                    replicas,
                    // Replicas start together: each one waits for Keeper, not for its predecessor.
                    podManagementPolicy: "Parallel",
                    selector: { matchLabels: selector },
                    template: {
                        // The configuration is mounted file by file (subPath), which Kubernetes never updates
                        // in place: a changed file rolls the pods through this hash.
                        metadata: {
                            labels: { ...labels, ...selector },
                            annotations: { "analytics-platform/config-sha256": files.apply((f) => createHash("sha256").update(JSON.stringify(f)).digest("hex")) },
                        },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(CLICKHOUSE_UID),
                            ...(ha ? { affinity: onDifferentNodes(selector) } : {}),
                            containers: [
                                {
                                    name: "clickhouse",
                                    image,
                                    env: [
                                        { name: "CLICKHOUSE_USER", valueFrom: fromSecret(secret.metadata.name, "username") },
                                        { name: "CLICKHOUSE_PASSWORD", valueFrom: fromSecret(secret.metadata.name, "password") },
                                        { name: "CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT", value: "1" },
                                        { name: ENV.podName, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                                        { name: ENV.interserverHost, value: pulumi.interpolate`$(${ENV.podName}).${headlessName}.${namespace}.svc.cluster.local` },
                                        { name: ENV.clusterSecret, valueFrom: fromSecret(internal.metadata.name, "secret") },
                                        { name: ENV.interserverPassword, valueFrom: fromSecret(internal.metadata.name, "interserver-password") },
                                        ...(args.backup
                                            ? [
                                                  { name: ENV.backupKeyId, valueFrom: fromSecret(args.backup.secretName, S3_ACCESS_KEY_ID) },
                                                  { name: ENV.backupSecretKey, valueFrom: fromSecret(args.backup.secretName, S3_SECRET_ACCESS_KEY) },
                                              ]
                                            : []),
                                    ],
                                    ports: [
                                        { name: "http", containerPort: HTTP_PORT },
                                        { name: "native", containerPort: NATIVE_PORT },
                                        { name: "interserver", containerPort: INTERSERVER_PORT },
                                        { name: "metrics", containerPort: CLICKHOUSE_METRICS_PORT },
                                    ],
                                    resources: resourceRequirements(args.sizing),
                                    securityContext: restrictedContainerSecurityContext(CLICKHOUSE_UID),
                                    startupProbe: { httpGet: { path: "/ping", port: "http" }, periodSeconds: 2, failureThreshold: 60 },
                                    livenessProbe: { httpGet: { path: "/ping", port: "http" }, periodSeconds: 10, failureThreshold: 3 },
                                    readinessProbe: { httpGet: { path: "/ping", port: "http" }, periodSeconds: 5, failureThreshold: 3 },
                                    volumeMounts: [
                                        { name: "data", mountPath: "/var/lib/clickhouse" },
                                        ...writable.map((w) => w.mount),
                                        // One file each next to the image's own config.d files, which stay visible.
                                        ...configFiles.map((f) => ({ name: "config", mountPath: `${CONFIG_DIR}/${f}`, subPath: f, readOnly: true })),
                                        // Inside the users.d scratch volume, beside the file the entrypoint writes there.
                                        ...(args.backup ? [{ name: "config", mountPath: `${USERS_DIR}/${BACKUP_GRANTS_FILE}`, subPath: BACKUP_GRANTS_FILE, readOnly: true }] : []),
                                    ],
                                },
                            ],
                            volumes: [...writable.map((w) => w.volume), { name: "config", configMap: { name: config.metadata.name } }],
                        },
                    },
                    volumeClaimTemplates: [claim(args.sizing, labels)],
                },
            },
            { parent: this, protect: args.protect ?? false },
        );

        const keeperSizing = args.keeper ?? KEEPER_SIZING;
        if (ha) {
            const keeperService = new k8s.core.v1.Service(
                `${keeperName}-headless`,
                {
                    metadata: { name: keeperName, namespace: args.namespace, labels: keeperLabels },
                    spec: {
                        clusterIP: "None",
                        // Raft members must resolve each other before any of them is ready (the quorum forms first).
                        publishNotReadyAddresses: true,
                        selector: keeperSelector,
                        ports: [
                            { name: "client", port: KEEPER_PORT, targetPort: "client" },
                            { name: "raft", port: KEEPER_RAFT_PORT, targetPort: "raft" },
                        ],
                    },
                },
                { parent: this },
            );
            const keeperText = namespace.apply((ns) => keeperConfig(keeperHosts(ns)));
            const keeperConfigMap = new k8s.core.v1.ConfigMap(
                `${keeperName}-config`,
                { metadata: { name: `${keeperName}-config`, namespace: args.namespace, labels: keeperLabels }, data: { "keeper_config.xml": keeperText } },
                { parent: this },
            );
            this.keeper = new k8s.apps.v1.StatefulSet(
                `${keeperName}-statefulset`,
                {
                    metadata: { name: keeperName, namespace: args.namespace, labels: keeperLabels },
                    spec: {
                        serviceName: keeperService.metadata.name,
                        replicas: KEEPER_REPLICAS,
                        // All members start at once: none is ready before the quorum exists.
                        podManagementPolicy: "Parallel",
                        selector: { matchLabels: keeperSelector },
                        template: {
                            metadata: {
                                labels: { ...keeperLabels, ...keeperSelector },
                                annotations: { "analytics-platform/config-sha256": keeperText.apply((t) => createHash("sha256").update(t).digest("hex")) },
                            },
                            spec: {
                                automountServiceAccountToken: false,
                                securityContext: restrictedPodSecurityContext(CLICKHOUSE_UID),
                                affinity: onDifferentNodes(keeperSelector),
                                containers: [
                                    {
                                        name: "keeper",
                                        image,
                                        // The Raft id is the pod ordinal plus one (ids start at 1).
                                        command: ["sh", "-c", `export ${ENV.keeperId}=$(( \${${ENV.podName}##*-} + 1 )); exec clickhouse keeper --config-file=${KEEPER_CONFIG_DIR}/keeper_config.xml`],
                                        env: [{ name: ENV.podName, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
                                        ports: [
                                            { name: "client", containerPort: KEEPER_PORT },
                                            { name: "raft", containerPort: KEEPER_RAFT_PORT },
                                            { name: "control", containerPort: KEEPER_CONTROL_PORT },
                                        ],
                                        resources: resourceRequirements(keeperSizing),
                                        securityContext: restrictedContainerSecurityContext(CLICKHOUSE_UID),
                                        startupProbe: { tcpSocket: { port: "client" }, periodSeconds: 2, failureThreshold: 60 },
                                        livenessProbe: { tcpSocket: { port: "client" }, periodSeconds: 10, failureThreshold: 3 },
                                        readinessProbe: { httpGet: { path: "/ready", port: "control" }, periodSeconds: 5, failureThreshold: 3 },
                                        volumeMounts: [
                                            { name: "data", mountPath: KEEPER_DATA },
                                            { name: "config", mountPath: KEEPER_CONFIG_DIR, readOnly: true },
                                            { name: "tmp", mountPath: "/tmp" },
                                        ],
                                    },
                                ],
                                volumes: [
                                    { name: "config", configMap: { name: keeperConfigMap.metadata.name } },
                                    { name: "tmp", emptyDir: {} },
                                ],
                            },
                        },
                        volumeClaimTemplates: [claim(keeperSizing, keeperLabels)],
                    },
                },
                { parent: this, protect: args.protect ?? false },
            );
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-pdb`,
                // One of the two replicas keeps serving (and holds every replicated part) through drains.
                { metadata: { name, namespace: args.namespace, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
                { parent: this },
            );
            new k8s.policy.v1.PodDisruptionBudget(
                `${keeperName}-pdb`,
                // Two of three Keepers: the Raft quorum survives a drain.
                { metadata: { name: keeperName, namespace: args.namespace, labels: keeperLabels }, spec: { maxUnavailable: 1, selector: { matchLabels: keeperSelector } } },
                { parent: this },
            );
        }

        this.host = pulumi.interpolate`${service.metadata.name}.${namespace}.svc.cluster.local`;

        if (args.backup) {
            this.backupCronJobName = `${name}-backup`;
            // A name of their own: no server selector (Services, PodDisruptionBudget, anti-affinity,
            // metrics) may take the backup pods for servers.
            const backupLabels = { ...platformLabels("clickhouse-backup", name), "app.kubernetes.io/component": "backup" };
            this.backupJob = new k8s.batch.v1.CronJob(
                `${name}-backup`,
                {
                    metadata: { name: this.backupCronJobName, namespace: args.namespace, labels: backupLabels },
                    spec: {
                        schedule: args.backup.schedule,
                        timeZone: "Etc/UTC",
                        concurrencyPolicy: "Forbid",
                        startingDeadlineSeconds: 3600,
                        successfulJobsHistoryLimit: 3,
                        failedJobsHistoryLimit: 3,
                        jobTemplate: {
                            metadata: { labels: backupLabels },
                            spec: {
                                backoffLimit: 2,
                                template: {
                                    metadata: { labels: backupLabels },
                                    spec: {
                                        restartPolicy: "Never",
                                        automountServiceAccountToken: false,
                                        securityContext: restrictedPodSecurityContext(),
                                        containers: [
                                            {
                                                name: "backup",
                                                image,
                                                command: ["sh", "-c", this.host.apply(backupScript)],
                                                env: [
                                                    { name: "CLICKHOUSE_USER", valueFrom: fromSecret(secret.metadata.name, "username") },
                                                    { name: "CLICKHOUSE_PASSWORD", valueFrom: fromSecret(secret.metadata.name, "password") },
                                                    { name: "HOME", value: "/tmp" },
                                                ],
                                                resources: resourceRequirements(BACKUP_CLIENT_RESOURCES),
                                                securityContext: restrictedContainerSecurityContext(CLICKHOUSE_UID),
                                                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                            },
                                        ],
                                        volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
                                    },
                                },
                            },
                        },
                    },
                },
                // The backup runs on the servers: the first scheduled run needs them.
                { parent: this, dependsOn: [this.statefulSet] },
            );
        }

        this.secretName = secret.metadata.name;
        this.endpoint = {
            internal: pulumi.interpolate`http://${this.host}:${HTTP_PORT}`,
            external: null,
            portForward: portForwardCommand(namespace, service.metadata.name, HTTP_PORT, HTTP_PORT),
        };
        this.footprint = sumFootprints([podsFootprint(args.sizing, replicas, args.sizing.storage), ...(ha ? [podsFootprint(keeperSizing, KEEPER_REPLICAS, keeperSizing.storage)] : [])]);
        this.credential = { namespace, secret: secret.metadata.name, usernameKey: "username", username: ADMIN_USER, passwordKey: "password", password: pulumi.secret(password.result) };
        this.serves = { namespace: args.namespace, podLabels: selector, ports: [HTTP_PORT, NATIVE_PORT] };
        this.metrics = [
            {
                name,
                namespace: args.namespace,
                kind: "pod",
                selector,
                port: "metrics",
                containerPort: CLICKHOUSE_METRICS_PORT,
                path: "/metrics",
            },
        ];
        this.registerOutputs({ host: this.host, endpoint: this.endpoint, credential: this.credential });
    }
}
