import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { images } from "../catalog";
import { Resources } from "../config";
import { Footprint, cpuMillis, mebibytes, podsFootprint, sumFootprints } from "../lib/footprint";
import { ImageRegistry, imageRef } from "../lib/images";
import { platformLabels } from "../lib/labels";
import { ScrapeTarget } from "../lib/monitoring";
import { Endpoint, portForwardCommand } from "../lib/outputs";
import { waitForJsonPath } from "../lib/readiness";
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";
import { S3Location, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } from "../lib/storage";
import { KAFKA_CLIENT_KEYS, KafkaClientUser, KafkaUserCluster, kafkaClientVolume, readWriteTopic, useGroup } from "../data/kafkaUser";
import { ClientPods, ServedPorts } from "../lib/network";

/** TaskManagers of the session cluster. */
export interface FlinkTaskManagerSizing extends Resources {
    /** TaskManager pods kept running: the cluster holds exactly `replicas * slots` slots. */
    readonly replicas: number;
    /** Task slots per TaskManager (`taskmanager.numberOfTaskSlots`). */
    readonly slots: number;
}

/**
 * Pod sizes. For the JobManager and TaskManagers `memory` is Flink's total process memory (the
 * pod's request); `cpuLimit`/`memoryLimit` become the operator's limit factors.
 */
export interface FlinkCdcSizing {
    readonly jobManager: Resources;
    readonly taskManager: FlinkTaskManagerSizing;
    readonly sqlGateway: Resources;
}

/** Default sizing: a small cluster with one two-slot TaskManager. */
export const FLINK_CDC_DEFAULT_SIZING: FlinkCdcSizing = {
    jobManager: { cpu: "500m", memory: "1536Mi", cpuLimit: "1", memoryLimit: "1536Mi" },
    taskManager: { replicas: 1, slots: 2, cpu: "1", memory: "2Gi", cpuLimit: "2", memoryLimit: "2Gi" },
    sqlGateway: { cpu: "250m", memory: "1Gi", cpuLimit: "1", memoryLimit: "1Gi" },
};

/** Keys the source Secret (`sourceSecretName`) must hold; the SQL references them as `${KEY}`. */
export const MSSQL_SECRET_KEYS = ["MSSQL_HOST", "MSSQL_PORT", "MSSQL_DATABASE", "MSSQL_USER", "MSSQL_PASSWORD"] as const;
/** Placeholder for the Kafka bootstrap servers in the SQL. */
export const KAFKA_BOOTSTRAP_VAR = "KAFKA_BOOTSTRAP";
/** The JAAS line of Flink's own KafkaUser (SCRAM-SHA-512), substituted for `${KAFKA_SASL_JAAS_CONFIG}` in the SQL. */
export const KAFKA_JAAS_VAR = "KAFKA_SASL_JAAS_CONFIG";

/** Folder in `connectorsImage` whose `*.jar` files are added to Flink's `lib`. */
export const CONNECTORS_DIR = "/connectors";
/** The example job shipped with the program, relative to the project root. */
export const CDC_JOB_SQL_FILE = "sql/cdc-job.sql";

export interface FlinkCdcArgs {
    /** Namespace for the session cluster, the SQL gateway and the bootstrap Job (required). */
    readonly namespace: pulumi.Input<string>;
    /** The Flink operator release (required): it serves the FlinkDeployment kind and its webhook. */
    readonly operator: pulumi.Resource;
    /** Registry replacing docker.io for the default Flink image; empty keeps docker.io. */
    readonly imageRegistry: ImageRegistry;
    /**
     * Flink image, already resolved against the registry. Default: `images.flink` through
     * `imageRegistry`. A custom image must be the same Flink version (1.20).
     */
    readonly flinkImage?: string;
    /**
     * Image holding the connector jars (SQL Server CDC, Kafka) as `/connectors/*.jar`, plus a POSIX
     * `sh` and `cp` (e.g. built FROM busybox). Init containers copy Flink's own `lib` and these
     * jars into an emptyDir mounted as `/opt/flink/lib` of the JobManager, TaskManagers and SQL
     * gateway, so an air-gapped cluster only mirrors this image. Default none: the jars must
     * already be in `flinkImage`'s `/opt/flink/lib`.
     */
    readonly connectorsImage?: string;
    /** Bucket for checkpoints (`s3://<bucket>/<name>/checkpoints`) and HA metadata (`…/ha`) (required). */
    readonly checkpoints: S3Location;
    /**
     * Bucket for savepoints (`s3://<bucket>/<name>/savepoints`) (required). It must live in the
     * same object store as `checkpoints`: Flink's S3 file system takes one endpoint and one key,
     * those of `checkpoints`.
     */
    readonly savepoints: S3Location;
    /**
     * The Kafka cluster (required): Flink connects as its own KafkaUser, SCRAM-SHA-512 over TLS. Its
     * bootstrap address replaces `${KAFKA_BOOTSTRAP}` and its JAAS line `${KAFKA_SASL_JAAS_CONFIG}`
     * in the SQL; the CA is at `/etc/kafka-client/ca.crt` (kafkaUser.ts `KAFKA_CA_FILE`) in every Flink pod.
     */
    readonly kafka: KafkaUserCluster;
    /** Topics the job may read and write (its user's ACLs; groups and transactional IDs must start with "flink"). Default none. */
    readonly kafkaTopics?: readonly string[];
    /** Resources the job waits for before it is submitted (the Kafka cluster and its topics). Default none. */
    readonly kafkaReady?: pulumi.Resource[];
    /**
     * Secret provided by the user in `namespace`, with keys MSSQL_HOST, MSSQL_PORT, MSSQL_DATABASE,
     * MSSQL_USER and MSSQL_PASSWORD (required with `jobSql`). Only the bootstrap Job reads it, as
     * environment variables; no credential is created or copied by this component.
     */
    readonly sourceSecretName?: pulumi.Input<string>;
    /**
     * The SQL job, e.g. the text of sql/cdc-job.sql. Default none: the session cluster and the SQL
     * gateway run, and no job is submitted. It may use `${MSSQL_…}` and
     * `${KAFKA_BOOTSTRAP}` placeholders, replaced from environment variables at submission; a
     * literal `'password' = '…'` option is rejected.
     */
    readonly jobSql?: string;
    /** Savepoint to start the job from, `s3://…` (`execution.savepoint.path`). Default none: fresh start. */
    readonly restoreFromSavepoint?: string;
    /** Checkpoint interval (`execution.checkpointing.interval`). Default "30s". */
    readonly checkpointInterval?: string;
    /** Pod sizes and TaskManager count. Default {@link FLINK_CDC_DEFAULT_SIZING}. */
    readonly sizing?: FlinkCdcSizing;
    /** Two JobManagers (Kubernetes HA is on in every case), two SQL gateways, spread over nodes, with PDBs. Default false. */
    readonly highAvailability?: boolean;
    /** Run the SQL gateway. Default true; false scales it to zero (its Service stays) and needs no `jobSql`. */
    readonly sqlGatewayEnabled?: boolean;
}

/** The Flink image's `flink` user and group. */
export const FLINK_UID = 9999;
const REST_PORT = 8081;
const GATEWAY_PORT = 8083;
/** Flink version of the pinned image ("1.20.3" from "1.20.3-java17"). */
const FLINK_VERSION = images.flink.tag.split("-")[0];
/** The operator's `flinkVersion` enum value ("v1_20"). */
const FLINK_VERSION_ENUM = `v${FLINK_VERSION.split(".").slice(0, 2).join("_")}`;
/**
 * S3 file system plugin, enabled from `/opt/flink/opt` by the image's entrypoint. The Hadoop (S3A)
 * plugin reads AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY from the environment through its default
 * credential chain; the Presto plugin does not read them without a custom provider class.
 */
const S3_PLUGIN_JAR = `flink-s3-fs-hadoop-${FLINK_VERSION}.jar`;
/** The plugin folder the entrypoint creates for the S3 plugin and links its jar into. */
const S3_PLUGIN_DIR = `/opt/flink/plugins/${S3_PLUGIN_JAR.replace(/\.jar$/, "")}`;
/** Port of Flink's Prometheus reporter in every JobManager and TaskManager, container port `metrics`. */
export const FLINK_METRICS_PORT = 9249;
const MAIN_CONTAINER = "flink-main-container";
const SAVEPOINT_PATH = /^s3:\/\/[^\s'";]+$/;
const LITERAL_PASSWORD = /'password'\s*=\s*'(?!\$\{[A-Z_][A-Z0-9_]*\}')/i;

/**
 * The CDC job's `pipeline.name`: the component name and the first 12 hex digits of the SQL's
 * SHA-256, so each version of the SQL is a distinct, recognisable job.
 */
export function cdcPipelineName(name: string, jobSql: string): string {
    return `${name}-${createHash("sha256").update(jobSql).digest("hex").slice(0, 12)}`;
}

/** A CPU quantity as the operator takes it: cores as a number. */
function cores(q: string): number {
    return cpuMillis(q) / 1000;
}

/** A memory quantity in Flink's syntax ("1536m" = 1536 MiB). */
function flinkMemory(q: string): string {
    return `${mebibytes(q)}m`;
}

function limitFactor(what: string, request: number, limit: number): string {
    if (limit < request) throw new Error(`FlinkCdc: ${what} limit is below its request`);
    return String(Math.round((limit / request) * 1000) / 1000);
}

/**
 * A Flink CDC pipeline from SQL Server to Kafka, on a session cluster managed by the Flink
 * operator:
 *
 * - **Session cluster** (`FlinkDeployment`, native mode): a JobManager (UI and REST on the
 *   operator's `<name>-rest` Service, port 8081) and `taskManager.replicas` TaskManagers, held at
 *   exactly that many slots by `slotmanager.number-of-slots.min/max`. RocksDB state backend with
 *   incremental checkpoints to `s3://<checkpoints>/<name>/checkpoints`, savepoints to
 *   `s3://<savepoints>/<name>/savepoints`, retained on cancellation. S3 credentials come from the
 *   bucket's Secret as environment variables. Readiness: `.status.jobManagerDeploymentStatus` is
 *   `READY`.
 * - **HA**: `high-availability.type: kubernetes` with metadata under `s3://<checkpoints>/<name>/ha`
 *   in every profile, so a running job survives a JobManager restart or a redeployment of the
 *   session cluster (the job graph and latest checkpoint are recovered from the HA store); with
 *   `highAvailability`, two JobManagers on different nodes with a PDB. Deleting the session
 *   cluster does not wait for the (unmanaged) CDC job; its retained checkpoints stay.
 * - **SQL gateway** (port 8083, Service `<name>-sql-gateway`): a Deployment running
 *   `sql-gateway.sh start-foreground` against the cluster's REST endpoint; REST clients submit SQL
 *   there (see the seed's curl examples).
 * - **Bootstrap Job**: substitutes `${…}` placeholders in the SQL with `envsubst` from environment
 *   variables (the source Secret and the Kafka bootstrap), then runs it with
 *   `sql-client.sh gateway -f` through the gateway. It refuses to start a second copy of a job that
 *   has not ended (running, but also restarting or starting): to change the SQL, stop the job with a savepoint (`STOP JOB '<id>' WITH SAVEPOINT` or the
 *   REST API), set `restoreFromSavepoint`, then update. The resolved SQL exists only inside that
 *   pod; the client's output is masked for the password.
 * - **Metrics**: Flink's Prometheus reporter in every JobManager and TaskManager on 9249
 *   (container port `metrics`).
 * - **RBAC**: the chart's `flink` service account exists only in the operator namespace, so this
 *   component creates `<name>-flink` with the chart's job Role rules (pods, configmaps,
 *   deployments), which native TaskManager management and Kubernetes HA need.
 */
export class FlinkCdc extends pulumi.ComponentResource {
    public readonly flinkDeployment: k8s.apiextensions.CustomResource;
    /** Flink's own Kafka user. */
    public readonly kafkaUser: KafkaClientUser;
    /** The session cluster's name (its `kubernetes.cluster-id`). */
    public readonly clusterName: pulumi.Output<string>;
    public readonly namespace: pulumi.Output<string>;
    /** Flink Web UI and REST API. */
    public readonly endpoint: Endpoint;
    /** SQL gateway REST endpoint. */
    public readonly sqlGatewayEndpoint: Endpoint;
    public readonly sqlGateway: k8s.apps.v1.Deployment;
    public readonly bootstrapJob: k8s.batch.v1.Job | undefined;
    /** Service account of the JobManager and TaskManagers. */
    public readonly serviceAccountName: pulumi.Output<string>;
    /** The ready cluster, the serving gateway and the completed submission. */
    public readonly ready: pulumi.Resource[];
    public readonly footprint: Footprint;
    /** The pods that open this component's connections to other namespaces (for NetworkPolicies). */
    public readonly clients: ClientPods;
    /** The JobManager's REST port, which the Flink operator drives the session cluster through. */
    public readonly managed: ServedPorts;
    /**
     * Flink's Prometheus reporter (the image's `metrics-prometheus` plugin) in every JobManager and
     * TaskManager: `/metrics` on container port `metrics` (9249), added to the operator-built main
     * container through the pod template. The SQL gateway runs no reporter.
     */
    public readonly metrics: ScrapeTarget[];
    /** The Flink image the cluster runs (for jobs that talk to it, e.g. the savepoint guard). */
    public readonly image: string;
    /** `s3://<savepoints>/<name>/savepoints` (`state.savepoints.dir`). */
    public readonly savepointsDir: string;
    /** Every version of the CDC job is named `<name>-<hash of its SQL>`: this prefix. */
    public readonly jobNamePrefix: string;

    constructor(name: string, args: FlinkCdcArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:processing:FlinkCdc", name, {}, opts);
        const ha = args.highAvailability ?? false;
        const sizing = args.sizing ?? FLINK_CDC_DEFAULT_SIZING;
        const tm = sizing.taskManager;
        const jm = sizing.jobManager;
        const jmReplicas = ha ? 2 : 1;
        if (args.sqlGatewayEnabled === false && args.jobSql !== undefined) throw new Error("FlinkCdc: jobSql is submitted through the SQL gateway, which sqlGatewayEnabled false turns off");
        const gatewayReplicas = args.sqlGatewayEnabled === false ? 0 : ha ? 2 : 1;
        const image = args.flinkImage ?? imageRef(images.flink, args.imageRegistry);
        const interval = args.checkpointInterval ?? "30s";
        const labels = platformLabels("flink", name);
        const gatewaySelector = { "app.kubernetes.io/name": "flink-sql-gateway", "app.kubernetes.io/instance": name };
        /** Labels Flink's native Kubernetes mode puts on the cluster's pods. */
        const nativeLabels = (component: "jobmanager" | "taskmanager") => ({ app: name, component, type: "flink-native-kubernetes" });

        if (args.jobSql !== undefined && args.sourceSecretName === undefined) {
            throw new Error("FlinkCdc: jobSql needs sourceSecretName, the Secret holding the source database's credentials");
        }
        if (args.jobSql !== undefined && LITERAL_PASSWORD.test(args.jobSql)) {
            throw new Error("FlinkCdc: jobSql sets a literal 'password'; reference it as '${MSSQL_PASSWORD}' (read from the source Secret)");
        }
        if (args.restoreFromSavepoint !== undefined && !SAVEPOINT_PATH.test(args.restoreFromSavepoint)) {
            throw new Error(`FlinkCdc: restoreFromSavepoint must be an s3:// path without quotes or spaces, got "${args.restoreFromSavepoint}"`);
        }
        if (tm.replicas < 1 || tm.slots < 1) throw new Error("FlinkCdc: sizing.taskManager.replicas and slots must be at least 1");
        if (args.restoreFromSavepoint !== undefined) {
            void pulumi.log.warn(
                `FlinkCdc ${name}: the job is submitted from ${args.restoreFromSavepoint}; once this update has run, clear flink.restoreFromSavepoint so no later version starts from it (docs/operations.md)`,
                this,
            );
        }

        // Service account and the chart's job Role rules, in this namespace.
        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-flink`, { metadata: { name: `${name}-flink`, namespace: args.namespace, labels } }, { parent: this });
        const role = new k8s.rbac.v1.Role(
            `${name}-flink`,
            {
                metadata: { name: `${name}-flink`, namespace: args.namespace, labels },
                rules: [
                    { apiGroups: [""], resources: ["pods", "configmaps"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
                    { apiGroups: ["apps"], resources: ["deployments", "deployments/finalizers"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
                ],
            },
            { parent: this },
        );
        const roleBinding = new k8s.rbac.v1.RoleBinding(
            `${name}-flink`,
            {
                metadata: { name: `${name}-flink`, namespace: args.namespace, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: args.namespace }],
            },
            { parent: this },
        );

        // Flink's own Kafka user: the platform's topics, groups and transactional IDs starting with "flink".
        this.kafkaUser = new KafkaClientUser(
            `${name}-kafka-user`,
            {
                username: name,
                cluster: args.kafka,
                clientNamespace: args.namespace,
                acls: [
                    ...(args.kafkaTopics ?? []).map((t) => readWriteTopic(t)),
                    useGroup("flink", true),
                    { type: "transactionalId", name: "flink", prefix: true, operations: ["Write", "Describe"] },
                ],
            },
            { parent: this },
        );
        const kafkaAccess = this.kafkaUser.access;
        const kafkaFiles = kafkaClientVolume(kafkaAccess);

        // Writable paths under a read-only root filesystem, and the connector jars.
        const withConnectors = args.connectorsImage !== undefined;
        const scratch = [
            { name: "tmp", mountPath: "/tmp" },
            { name: "log", mountPath: "/opt/flink/log" },
        ];
        const scratchVolumes = [
            { name: "tmp", emptyDir: {} },
            { name: "log", emptyDir: { sizeLimit: "1Gi" } },
        ];
        const libMount = withConnectors ? [{ name: "lib", mountPath: "/opt/flink/lib" }] : [];
        const libVolume = withConnectors ? [{ name: "lib", emptyDir: { sizeLimit: "2Gi" } }] : [];
        const copyResources = resourceRequirements({ cpu: "50m", memory: "64Mi", cpuLimit: "500m", memoryLimit: "256Mi" });
        const libInit = withConnectors
            ? [
                  {
                      name: "flink-lib",
                      image,
                      command: ["sh", "-c", "cp -R /opt/flink/lib/. /lib-out/"],
                      resources: copyResources,
                      securityContext: restrictedContainerSecurityContext(FLINK_UID),
                      volumeMounts: [{ name: "lib", mountPath: "/lib-out" }],
                  },
                  {
                      name: "connectors",
                      image: args.connectorsImage,
                      command: ["sh", "-c", `cp ${CONNECTORS_DIR}/*.jar /lib-out/`],
                      resources: copyResources,
                      securityContext: restrictedContainerSecurityContext(FLINK_UID),
                      volumeMounts: [{ name: "lib", mountPath: "/lib-out" }],
                  },
              ]
            : [];

        const checkpointsDir = `s3://${args.checkpoints.bucket}/${name}/checkpoints`;
        const savepointsDir = `s3://${args.savepoints.bucket}/${name}/savepoints`;
        this.image = image;
        this.savepointsDir = savepointsDir;
        this.jobNamePrefix = `${name}-`;
        const flinkConfiguration: Record<string, pulumi.Input<string>> = {
            "taskmanager.numberOfTaskSlots": String(tm.slots),
            "slotmanager.number-of-slots.min": String(tm.replicas * tm.slots),
            "slotmanager.number-of-slots.max": String(tm.replicas * tm.slots),
            "state.backend.type": "rocksdb",
            "state.backend.incremental": "true",
            "state.checkpoints.dir": checkpointsDir,
            "state.savepoints.dir": savepointsDir,
            "execution.checkpointing.interval": interval,
            "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
            "s3.endpoint": args.checkpoints.endpoint,
            "s3.path.style.access": "true",
            "kubernetes.rest-service.exposed.type": "ClusterIP",
            "metrics.reporter.prom.factory.class": "org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
            "metrics.reporter.prom.port": String(FLINK_METRICS_PORT),
            "kubernetes.jobmanager.cpu.limit-factor": limitFactor("jobManager cpu", cpuMillis(jm.cpu), cpuMillis(jm.cpuLimit)),
            "kubernetes.jobmanager.memory.limit-factor": limitFactor("jobManager memory", mebibytes(jm.memory), mebibytes(jm.memoryLimit)),
            "kubernetes.taskmanager.cpu.limit-factor": limitFactor("taskManager cpu", cpuMillis(tm.cpu), cpuMillis(tm.cpuLimit)),
            "kubernetes.taskmanager.memory.limit-factor": limitFactor("taskManager memory", mebibytes(tm.memory), mebibytes(tm.memoryLimit)),
            // Kubernetes HA in every profile (one JobManager without highAvailability): a JobManager
            // restart, or the operator redeploying the session cluster after a spec change, recovers
            // the running job from its latest checkpoint instead of losing it.
            "high-availability.type": "kubernetes",
            "high-availability.storageDir": `s3://${args.checkpoints.bucket}/${name}/ha`,
            // The CDC job is submitted through the SQL gateway, so the operator does not manage it; by
            // default it then refuses to delete the session cluster while the job runs, and
            // `pulumi destroy` or a replacement waits forever. The job's retained checkpoints stay in
            // the bucket when the cluster goes (docs/operations.md, decision 0032).
            "kubernetes.operator.session.deletion.block-on-unmanaged-jobs": "false",
        };
        const s3Env = [
            { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: args.checkpoints.secretName, key: S3_ACCESS_KEY_ID } } },
            { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: args.checkpoints.secretName, key: S3_SECRET_ACCESS_KEY } } },
        ];
        const spread = (matchLabels: Record<string, string>, whenUnsatisfiable: string) => [
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable, labelSelector: { matchLabels } },
        ];

        this.flinkDeployment = new k8s.apiextensions.CustomResource(
            `${name}-cluster`,
            {
                apiVersion: "flink.apache.org/v1beta1",
                kind: "FlinkDeployment",
                metadata: { name, namespace: args.namespace, labels, annotations: waitForJsonPath(".status.jobManagerDeploymentStatus", "READY") },
                spec: {
                    image,
                    imagePullPolicy: "IfNotPresent",
                    flinkVersion: FLINK_VERSION_ENUM,
                    mode: "native",
                    serviceAccount: serviceAccount.metadata.name,
                    flinkConfiguration,
                    podTemplate: {
                        apiVersion: "v1",
                        kind: "Pod",
                        metadata: { labels },
                        spec: {
                            securityContext: restrictedPodSecurityContext(FLINK_UID),
                            ...(withConnectors ? { initContainers: libInit } : {}),
                            containers: [
                                {
                                    name: MAIN_CONTAINER,
                                    env: [...s3Env, { name: "ENABLE_BUILT_IN_PLUGINS", value: S3_PLUGIN_JAR }],
                                    securityContext: restrictedContainerSecurityContext(FLINK_UID),
                                    // Named so a PodMonitor finds the reporter; Flink adds its own ports next to it.
                                    ports: [{ name: "metrics", containerPort: FLINK_METRICS_PORT }],
                                    // The entrypoint links the S3 plugin jar into its own plugin folder, the only one that
                                    // must be writable: the image's other plugins (the Prometheus reporter) stay visible.
                                    volumeMounts: [...scratch, { name: "plugins", mountPath: S3_PLUGIN_DIR }, ...libMount, kafkaFiles.mount],
                                },
                            ],
                            volumes: [...scratchVolumes, { name: "plugins", emptyDir: { sizeLimit: "256Mi" } }, ...libVolume, kafkaFiles.volume],
                        },
                    },
                    jobManager: {
                        replicas: jmReplicas,
                        resource: { cpu: cores(jm.cpu), memory: flinkMemory(jm.memory) },
                        ...(ha ? { podTemplate: { spec: { topologySpreadConstraints: spread(nativeLabels("jobmanager"), "DoNotSchedule") } } } : {}),
                    },
                    taskManager: {
                        resource: { cpu: cores(tm.cpu), memory: flinkMemory(tm.memory) },
                        ...(ha ? { podTemplate: { spec: { topologySpreadConstraints: spread(nativeLabels("taskmanager"), "ScheduleAnyway") } } } : {}),
                    },
                },
            },
            {
                parent: this,
                // The FlinkDeployment kind and its validating webhook come from the operator release;
                // the JobManager needs its RBAC to start TaskManagers, and writes checkpoints and HA
                // metadata to buckets that must already exist.
                dependsOn: [args.operator, roleBinding, ...args.checkpoints.ready, ...args.savepoints.ready],
            },
        );
        this.clusterName = this.flinkDeployment.metadata.name;
        this.namespace = this.flinkDeployment.metadata.namespace;
        this.serviceAccountName = serviceAccount.metadata.name;
        const restService = pulumi.interpolate`${this.clusterName}-rest`;
        const restUrl = pulumi.interpolate`http://${restService}.${this.namespace}.svc.cluster.local:${REST_PORT}`;
        this.endpoint = { internal: restUrl, external: null, portForward: portForwardCommand(this.namespace, restService, REST_PORT, REST_PORT) };

        if (ha) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-jobmanager-pdb`,
                {
                    metadata: { name: `${name}-jobmanager`, namespace: args.namespace, labels },
                    spec: { minAvailable: 1, selector: { matchLabels: nativeLabels("jobmanager") } },
                },
                { parent: this },
            );
        }

        // SQL gateway.
        const gatewayService = new k8s.core.v1.Service(
            `${name}-sql-gateway`,
            {
                metadata: { name: `${name}-sql-gateway`, namespace: args.namespace, labels },
                spec: {
                    selector: gatewaySelector,
                    // Gateway sessions live in one gateway's memory: keep a client on one replica.
                    sessionAffinity: "ClientIP",
                    ports: [{ name: "rest", port: GATEWAY_PORT, targetPort: "rest" }],
                },
            },
            { parent: this },
        );
        const gatewayHost = pulumi.interpolate`${gatewayService.metadata.name}.${gatewayService.metadata.namespace}.svc.cluster.local`;
        const gatewayProbe = { httpGet: { path: "/v1/info", port: "rest" } };
        this.sqlGateway = new k8s.apps.v1.Deployment(
            `${name}-sql-gateway`,
            {
                metadata: { name: `${name}-sql-gateway`, namespace: args.namespace, labels },
                spec: {
                    replicas: gatewayReplicas,
                    selector: { matchLabels: gatewaySelector },
                    template: {
                        metadata: { labels: { ...labels, ...gatewaySelector } },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(FLINK_UID),
                            ...(ha ? { topologySpreadConstraints: spread(gatewaySelector, "ScheduleAnyway") } : {}),
                            ...(withConnectors ? { initContainers: libInit } : {}),
                            containers: [
                                {
                                    name: "sql-gateway",
                                    image,
                                    // Bypasses the image entrypoint, which rewrites conf/ (read-only here);
                                    // everything the gateway needs is passed as dynamic properties.
                                    command: [
                                        "/opt/flink/bin/sql-gateway.sh",
                                        "start-foreground",
                                        "-Dsql-gateway.endpoint.type=rest",
                                        "-Dsql-gateway.endpoint.rest.bind-address=0.0.0.0",
                                        pulumi.interpolate`-Dsql-gateway.endpoint.rest.address=${gatewayHost}`,
                                        `-Dsql-gateway.endpoint.rest.port=${GATEWAY_PORT}`,
                                        "-Dexecution.target=remote",
                                        pulumi.interpolate`-Drest.address=${restService}.${this.namespace}.svc.cluster.local`,
                                        `-Drest.port=${REST_PORT}`,
                                        // Checkpointing is set by the submitting client, so every session gets it here.
                                        `-Dexecution.checkpointing.interval=${interval}`,
                                        "-Dexecution.checkpointing.externalized-checkpoint-retention=RETAIN_ON_CANCELLATION",
                                    ],
                                    ports: [{ name: "rest", containerPort: GATEWAY_PORT }],
                                    resources: resourceRequirements(sizing.sqlGateway),
                                    securityContext: restrictedContainerSecurityContext(FLINK_UID),
                                    startupProbe: { ...gatewayProbe, periodSeconds: 5, failureThreshold: 36 },
                                    livenessProbe: { ...gatewayProbe, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
                                    readinessProbe: { ...gatewayProbe, periodSeconds: 10, timeoutSeconds: 5 },
                                    volumeMounts: [...scratch, ...libMount],
                                },
                            ],
                            volumes: [...scratchVolumes, ...libVolume],
                        },
                    },
                },
            },
            // Sessions plan SQL against the cluster's REST endpoint, which serves once the JobManager is READY.
            { parent: this, dependsOn: [this.flinkDeployment] },
        );
        if (ha && gatewayReplicas > 0) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-sql-gateway-pdb`,
                {
                    metadata: { name: `${name}-sql-gateway`, namespace: args.namespace, labels },
                    spec: { minAvailable: 1, selector: { matchLabels: gatewaySelector } },
                },
                { parent: this },
            );
        }
        const gatewayUrl = pulumi.interpolate`http://${gatewayHost}:${GATEWAY_PORT}`;
        this.sqlGatewayEndpoint = { internal: gatewayUrl, external: null, portForward: portForwardCommand(gatewayService.metadata.namespace, gatewayService.metadata.name, GATEWAY_PORT, GATEWAY_PORT) };

        const submit = (jobSql: string, sourceSecretName: pulumi.Input<string>): k8s.batch.v1.Job => {
            // The job is named after this version of its SQL: a re-run of the submission (after a
            // change of `restoreFromSavepoint` alone, such as clearing it) finds this version running
            // and submits nothing, while a new version refuses to start next to the old one.
            const pipelineName = cdcPipelineName(name, jobSql);
            // The SQL (no secrets: credentials are ${…} placeholders) and the session settings.
            const sessionSql = [
                "-- Generated by FlinkCdc: the job name, and the savepoint the job starts from (if any).",
                `SET 'pipeline.name' = '${pipelineName}';`,
                ...(args.restoreFromSavepoint === undefined ? [] : [`SET 'execution.savepoint.path' = '${args.restoreFromSavepoint}';`]),
                "",
            ].join("\n");
            const sqlConfigMap = new k8s.core.v1.ConfigMap(
                `${name}-sql`,
                { metadata: { name: `${name}-sql`, namespace: args.namespace, labels }, data: { "session.sql": sessionSql, "job.sql": jobSql } },
                { parent: this },
            );
            const sqlHash = createHash("sha256").update(sessionSql).update("\0").update(jobSql).digest("hex");

            const substituted = [...MSSQL_SECRET_KEYS, KAFKA_BOOTSTRAP_VAR, KAFKA_JAAS_VAR].map((v) => `\${${v}}`).join(" ");
            const script = [
                "set -eu -o pipefail",
                "# Never start a second copy of the job: two copies would write every change twice. Every job",
                "# that has not ended counts, not only a RUNNING one: a job restarting after a failure (RESTARTING),",
                "# starting (CREATED, INITIALIZING), failing, cancelling or suspended is still there.",
                'overview=$(wget -qO- "$FLINK_REST/jobs/overview")',
                'jobs=$(printf "%s" "$overview" | tr "{" "\\n" | grep "\\"state\\":\\"" | grep -Ev "\\"state\\":\\"(FINISHED|CANCELED|FAILED)\\"" || true)',
                'if printf "%s" "$jobs" | grep -qF "\\"name\\":\\"$PIPELINE_NAME\\""; then',
                '  echo "Job $PIPELINE_NAME (this version of the SQL) has not ended (running, starting or restarting); nothing to submit."',
                "  exit 0",
                "fi",
                'if printf "%s" "$jobs" | grep -qF "\\"name\\":\\"$PIPELINE_PREFIX"; then',
                '  echo "Another version of the job has not ended (running, starting or restarting). Stop it with a savepoint and set restoreFromSavepoint to submit this version." >&2',
                "  exit 1",
                "fi",
                'resolved="${TMPDIR:-/tmp}/job.sql"',
                `cat "$SQL_DIR/session.sql" "$SQL_DIR/job.sql" | envsubst '${substituted}' > "$resolved"`,
                "# The client echoes each statement: mask the source's and Kafka's passwords in its output.",
                'sql-client.sh gateway --endpoint "$SQL_GATEWAY" -f "$resolved" 2>&1 \\',
                "  | awk 'BEGIN { n = split(ENVIRON[\"MSSQL_PASSWORD\"] \"\\n\" ENVIRON[\"KAFKA_PASSWORD\"], ps, \"\\n\") } { s = $0; for (j = 1; j <= n; j++) { p = ps[j]; if (p == \"\") continue; out = \"\"; while ((i = index(s, p)) > 0) { out = out substr(s, 1, i - 1) \"******\"; s = substr(s, i + length(p)) } s = out s } print s }'",
            ].join("\n");
            return new k8s.batch.v1.Job(
                `${name}-bootstrap`,
                {
                    metadata: { name: `${name}-bootstrap`, namespace: args.namespace, labels },
                    spec: {
                        backoffLimit: 2,
                        activeDeadlineSeconds: 900,
                        // No TTL: a deleted Job would be re-created, and the job submitted again, by the next update.
                        template: {
                            metadata: { labels, annotations: { "analytics-platform/sql-sha256": sqlHash } },
                            spec: {
                                restartPolicy: "Never",
                                automountServiceAccountToken: false,
                                securityContext: restrictedPodSecurityContext(FLINK_UID),
                                containers: [
                                    {
                                        name: "submit",
                                        image,
                                        command: ["bash", "-c", script],
                                        env: [
                                            ...MSSQL_SECRET_KEYS.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: sourceSecretName, key } } })),
                                            { name: KAFKA_BOOTSTRAP_VAR, value: kafkaAccess.bootstrapServers },
                                            { name: KAFKA_JAAS_VAR, valueFrom: { secretKeyRef: { name: kafkaAccess.secretName, key: KAFKA_CLIENT_KEYS.jaas } } },
                                            // Only to mask it in the client's output.
                                            { name: "KAFKA_PASSWORD", valueFrom: { secretKeyRef: { name: kafkaAccess.secretName, key: KAFKA_CLIENT_KEYS.password } } },
                                            { name: "PIPELINE_NAME", value: pipelineName },
                                            { name: "PIPELINE_PREFIX", value: `${name}-` },
                                            { name: "FLINK_REST", value: restUrl },
                                            { name: "SQL_GATEWAY", value: gatewayUrl },
                                            { name: "SQL_DIR", value: "/sql" },
                                        ],
                                        resources: resourceRequirements({ cpu: "100m", memory: "512Mi", cpuLimit: "1", memoryLimit: "512Mi" }),
                                        securityContext: restrictedContainerSecurityContext(FLINK_UID),
                                        volumeMounts: [...scratch, { name: "sql", mountPath: "/sql", readOnly: true }],
                                    },
                                ],
                                volumes: [...scratchVolumes, { name: "sql", configMap: { name: sqlConfigMap.metadata.name } }],
                            },
                        },
                    },
                },
                // Submits through the serving gateway to the READY cluster, into topics that must exist.
                { parent: this, dependsOn: [this.flinkDeployment, this.sqlGateway, ...(args.kafkaReady ?? []), ...kafkaAccess.ready] },
            );
        };
        this.bootstrapJob = args.jobSql !== undefined && args.sourceSecretName !== undefined ? submit(args.jobSql, args.sourceSecretName) : undefined;

        this.ready = [this.flinkDeployment, this.sqlGateway, ...(this.bootstrapJob === undefined ? [] : [this.bootstrapJob])];
        this.metrics = [
            {
                name,
                namespace: args.namespace,
                kind: "pod",
                // JobManagers and TaskManagers, by the labels Flink's native mode gives them.
                selector: { app: name, type: "flink-native-kubernetes" },
                port: "metrics",
                containerPort: FLINK_METRICS_PORT,
                path: "/metrics",
            },
        ];
        this.footprint = sumFootprints([
            podsFootprint(jm, jmReplicas),
            podsFootprint(tm, tm.replicas),
            podsFootprint(sizing.sqlGateway, gatewayReplicas),
        ]);
        // The JobManagers, TaskManagers, SQL gateway and bootstrap Job all carry the component's labels.
        this.clients = { namespace: args.namespace, podLabels: { "app.kubernetes.io/name": labels["app.kubernetes.io/name"], "app.kubernetes.io/instance": labels["app.kubernetes.io/instance"] } };
        this.managed = { namespace: args.namespace, podLabels: nativeLabels("jobmanager"), ports: [REST_PORT] };
        this.registerOutputs({
            clusterName: this.clusterName,
            endpoint: this.endpoint,
            sqlGatewayEndpoint: this.sqlGatewayEndpoint,
            serviceAccountName: this.serviceAccountName,
        });
    }
}
