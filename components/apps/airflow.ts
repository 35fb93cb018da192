import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ImagePin, charts, images } from "../catalog";
import { AirflowDags, AirflowSizing, ChartSource, Resources } from "../config";
import { KAFKA_SASL_MECHANISM, KAFKA_SECURITY_PROTOCOL, KafkaClientUser, KafkaUserCluster, readWriteTopic, useGroup } from "../data/kafkaUser";
import { installChart } from "../lib/chart";
import { WebService } from "../lib/exposure";
import { Footprint, podsFootprint, sumFootprints } from "../lib/footprint";
import { ImageRegistry, repositoryRef, tagFor } from "../lib/images";
import { platformLabels } from "../lib/labels";
import { ScrapeTarget } from "../lib/monitoring";
import { ClientPods, ServedPorts } from "../lib/network";
import { CredentialRef, Endpoint, portForwardCommand } from "../lib/outputs";
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";

export { AirflowRoleSizing, AirflowSizing, airflowDevSizing, airflowProdSizing } from "../config";

/** Where the metadata database is and the login Airflow uses (a `DatabaseAccess` or `XtraDbDatabaseAccess` fits). */
export interface AirflowMetadataAccess {
    readonly host: pulumi.Input<string>;
    readonly port: number;
    readonly database: string;
    readonly username: string;
    /** The password, as a Pulumi secret: it is copied into the connection Secret only. */
    readonly password: pulumi.Input<string>;
    /** Resources Airflow waits for (the ready database). */
    readonly ready: pulumi.Resource[];
}

/** The metadata database: PostgreSQL (the platform PostgreSQL) or MySQL (the XtraDB cluster). */
export type AirflowMetadataDatabase = ({ readonly kind: "postgresql" } | { readonly kind: "mysql" }) & AirflowMetadataAccess;

/** The Redis-protocol Celery broker (the platform cache). */
export interface AirflowBroker {
    readonly host: pulumi.Input<string>;
    readonly port: number;
    /** The broker password, as a Pulumi secret: it is copied into the broker Secret only. */
    readonly password: pulumi.Input<string>;
    /** Database index. Default 2 (Superset uses 0 and 1 of the same cache). */
    readonly database?: number;
    /** Resources Airflow waits for (the cache workload). */
    readonly ready: pulumi.Resource[];
}

/** Connection `trino_default`. */
export interface AirflowTrinoConnection {
    readonly host: pulumi.Input<string>;
    readonly port: number;
    /** User queries run as. Default "airflow". */
    readonly user?: string;
    /** Default catalog. Default "iceberg". */
    readonly catalog?: string;
    /** "http" or "https". Default "http" (the platform's Trino has no authentication). */
    readonly protocol?: "http" | "https";
    /** Password, as a Pulumi secret (kept in the connections Secret only). Default none. */
    readonly password?: pulumi.Input<string>;
}

/**
 * Connection `kafka_default`: Airflow's own KafkaUser (SCRAM-SHA-512 over TLS), allowed to read and
 * write `topics` and to use consumer groups whose names start with "airflow".
 */
export interface AirflowKafkaConnection {
    readonly cluster: KafkaUserCluster;
    /** Topics DAGs may read and write. */
    readonly topics: readonly string[];
}

/**
 * Connection `spark_operator`: a `kubernetes` connection (in-cluster) to the namespace where the
 * Spark operator runs SparkApplications, for `SparkKubernetesOperator`.
 */
export interface AirflowSparkConnection {
    /** The Spark jobs namespace. */
    readonly namespace: pulumi.Input<string>;
    /** Role there that may submit SparkApplications, bound to Airflow's worker and triggerer ServiceAccounts. Default "spark-submitter". */
    readonly submitterRole?: pulumi.Input<string>;
}

export interface AirflowArgs {
    /** Namespace for Airflow and its Secrets. */
    readonly namespace: pulumi.Input<string>;
    /** Chart source (upstream, OCI mirror, local folder). */
    readonly chartSource: ChartSource;
    /** Registry replacing docker.io (Airflow) and quay.io (StatsD exporter); empty keeps upstream. */
    readonly imageRegistry: ImageRegistry;
    /** Pods and resources per role. */
    readonly sizing: AirflowSizing;
    /** StorageClass for the log volumes; empty for the cluster default. */
    readonly storageClass: string;
    /** The metadata database. */
    readonly metadata: AirflowMetadataDatabase;
    /** The Celery broker. */
    readonly broker: AirflowBroker;
    /** Trino connection; undefined omits it. */
    readonly trino?: AirflowTrinoConnection;
    /** Kafka connection; undefined omits it. */
    readonly kafka?: AirflowKafkaConnection;
    /** Spark operator connection and submit rights; undefined omits both. */
    readonly spark?: AirflowSparkConnection;
    /**
     * Airflow image; its tag must start with the Airflow version (e.g. "3.2.2" or "3.2.2-platform.1"
     * for an image with extra providers). Default `images.airflow`.
     */
    readonly image?: ImagePin;
    /** URL users reach the UI at (`[api] base_url`), e.g. https://airflow.example.com. Default none. */
    readonly publicUrl?: string;
    /** PodDisruptionBudgets and spread over nodes for roles with more than one pod. Default false. */
    readonly highAvailability?: boolean;
    /** Host name prefix the platform's exposure publishes the UI under (`<webHost>.<domain>`). Default "airflow". */
    readonly webHost?: string;
    /**
     * DAGs from a git repository, kept by a git-sync sidecar in every pod that parses or runs them
     * (decision 0015). Default none: the DAGs baked into the image's DAG folder.
     */
    readonly dags?: AirflowDags;
}

const RELEASE = "airflow";
/** git-sync's container resources: one small fetch per period. */
const GIT_SYNC_RESOURCES = { cpu: "10m", memory: "32Mi", cpuLimit: "200m", memoryLimit: "128Mi" };

/**
 * The chart's `dags` values for git-sync (chart 1.x, git-sync v4): the branch as `ref` (v4) and
 * `branch` (v3 images), a shallow clone, and credentials only through the Secret named.
 */
export function gitSyncValues(d: AirflowDags): Record<string, unknown> {
    return {
        persistence: { enabled: false },
        gitSync: {
            enabled: true,
            repo: d.repo,
            branch: d.branch,
            ref: d.branch,
            rev: "HEAD",
            depth: 1,
            subPath: d.subPath,
            period: `${d.periodSeconds}s`,
            ...(d.credentialsSecret === "" ? {} : { credentialsSecret: d.credentialsSecret }),
            resources: resourceRequirements(GIT_SYNC_RESOURCES),
            // No fixed UID (the pod's own applies, OpenShift included); git writes its config under HOME (/tmp) in the image.
            securityContexts: { container: { ...restrictedContainerSecurityContext(), readOnlyRootFilesystem: false } },
        },
    };
}
/** The chart's API server Service (`<fullname>-api-server`; fullname is the release name here) and port. */
const API_SERVICE = `${RELEASE}-api-server`;
const API_PORT = 8080;
const STATSD_SCRAPE_PORT = 9102;
const ADMIN_USER = "admin";
/** Database index of the shared cache Airflow's Celery queues use. */
const DEFAULT_BROKER_DB = 2;
/** The StatsD exporter image the chart runs (its default at the reference state), pinned as `images.statsdExporter`. */
export const STATSD_IMAGE: ImagePin = images.statsdExporter;
/** Log groomer sidecars the chart adds to schedulers, workers, triggerers and DAG processors. */
const LOG_GROOMER: Resources = { cpu: "10m", memory: "32Mi", cpuLimit: "100m", memoryLimit: "128Mi" };
/** User of the StatsD exporter image (`nobody`, named in the image, so set by number). */
const STATSD_UID = 65534;
/** Keys the chart reads from the Secrets it is given by name. */
const KEYS = { fernet: "fernet-key", webserver: "webserver-secret-key", api: "api-secret-key", jwt: "jwt-secret", connection: "connection" } as const;
const FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager";
const FAB_DB_MANAGER = "airflow.providers.fab.auth_manager.models.db.FABDBManager";
/** Consumer group of the `kafka_default` connection; the ACLs allow every group starting with it. */
const KAFKA_GROUP = "airflow";
const CONN = { trino: "AIRFLOW_CONN_TRINO_DEFAULT", kafka: "AIRFLOW_CONN_KAFKA_DEFAULT", spark: "AIRFLOW_CONN_SPARK_OPERATOR" } as const;

/**
 * Python that creates the admin (first install) or sets its password to the Secret's (later runs,
 * so a rotated password takes effect on the next upgrade), through the FAB auth manager's own
 * application builder. Login and password come from the environment (`ADMIN_USERNAME`,
 * `ADMIN_PASSWORD`), never from a command line (`airflow users create --password` would put the
 * password in /proc/<pid>/cmdline for every process on the node to read).
 */
export const AIRFLOW_ADMIN_PYTHON = [
    "import os",
    "from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder",
    "with get_application_builder() as appbuilder:",
    "    sm = appbuilder.sm",
    '    username = os.environ["ADMIN_USERNAME"]',
    '    password = os.environ["ADMIN_PASSWORD"]',
    "    user = sm.find_user(username=username)",
    "    if user is None:",
    '        if not sm.add_user(username, "Platform", "Admin", username + "@airflow.local", sm.find_role("Admin"), password=password):',
    '            raise SystemExit("the Airflow admin could not be created")',
    '        print("admin created")',
    "    else:",
    "        sm.reset_password(user.id, password)",
    '        print("admin password set")',
].join("\n");

/** The admin-user Job's script: waits for the schema, then runs {@link AIRFLOW_ADMIN_PYTHON} from stdin. */
const ADMIN_SCRIPT = ["set -eu", "airflow db check-migrations --migration-wait-timeout=600", "exec python - <<'PY'", AIRFLOW_ADMIN_PYTHON, "PY"].join("\n");

/** Pod labels the chart gives each role. */
function roleLabels(component: string): Record<string, string> {
    return { tier: "airflow", component, release: RELEASE };
}

/** The Airflow version an image tag starts with. */
export function airflowVersionOf(tag: string): string {
    const m = /^(\d+\.\d+\.\d+)/.exec(tag);
    if (!m) throw new Error(`Airflow: the image tag must start with the Airflow version (e.g. 3.2.2), got "${tag}"`);
    return m[1];
}

function validate(name: string, sizing: AirflowSizing, ha: boolean, publicUrl: string | undefined, brokerDb: number): void {
    const where = `Airflow ${name}`;
    const roles = [
        ["scheduler", sizing.scheduler],
        ["apiServer", sizing.apiServer],
        ["workers", sizing.workers],
        ["triggerer", sizing.triggerer],
        ["dagProcessor", sizing.dagProcessor],
    ] as const;
    for (const [role, r] of roles) {
        if (!Number.isInteger(r.replicas) || r.replicas < 1) throw new Error(`${where}: sizing.${role}.replicas must be an integer >= 1, got ${r.replicas}`);
    }
    for (const role of ["scheduler", "apiServer", "workers"] as const) {
        if (ha && sizing[role].replicas < 2) throw new Error(`${where}: highAvailability needs sizing.${role}.replicas >= 2, got ${sizing[role].replicas}`);
    }
    if (!Number.isInteger(sizing.apiServer.workers) || sizing.apiServer.workers < 1) {
        throw new Error(`${where}: sizing.apiServer.workers must be an integer >= 1, got ${sizing.apiServer.workers}`);
    }
    if (!Number.isInteger(sizing.workers.concurrency) || sizing.workers.concurrency < 1) {
        throw new Error(`${where}: sizing.workers.concurrency must be an integer >= 1, got ${sizing.workers.concurrency}`);
    }
    if (sizing.logStorage !== "" && !/^[0-9.]+(Ki|Mi|Gi|Ti)$/.test(sizing.logStorage)) {
        throw new Error(`${where}: sizing.logStorage must be "" or a binary quantity such as "10Gi", got "${sizing.logStorage}"`);
    }
    if (publicUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(publicUrl)) throw new Error(`${where}: publicUrl must be an http(s) URL, got "${publicUrl}"`);
    if (!Number.isInteger(brokerDb) || brokerDb < 0 || brokerDb > 15) throw new Error(`${where}: broker.database must be an integer from 0 to 15, got ${brokerDb}`);
}

/** SQLAlchemy URI of the metadata database, login URL-encoded. */
function metadataUri(db: AirflowMetadataDatabase): pulumi.Output<string> {
    const scheme = db.kind === "postgresql" ? "postgresql" : "mysql+mysqldb";
    const user = encodeURIComponent(db.username);
    const password = pulumi.output(db.password).apply(encodeURIComponent);
    return pulumi.interpolate`${scheme}://${user}:${password}@${db.host}:${db.port}/${db.database}`;
}

/**
 * Apache Airflow 3 from the official chart: CeleryExecutor with the platform cache as broker,
 * metadata in the platform PostgreSQL or the XtraDB cluster, FAB auth manager.
 *
 * - Secrets: the metadata and broker URLs, the fernet, API, JWT and webserver keys, the admin login
 *   and the connections live in Secrets created here and reach the chart by name; no generated
 *   value is in the Helm values (docs/decisions/0005-airflow.md).
 * - Install: the chart is a `helm.v3.Release` that waits for workloads and Jobs, so the migration
 *   and admin-user Jobs are ordinary release objects, not Helm hooks (post-install hooks would only
 *   run after the wait, which never ends while the pods wait for the migrations).
 * - Admin: the chart's create-user Job runs a script of ours that reads the password from the
 *   admin Secret (environment) and creates the user or resets its password in Python, so no
 *   password is on a command line.
 * - Connections `trino_default`, `kafka_default` and `spark_operator` come from a Secret as
 *   `AIRFLOW_CONN_*` variables (JSON form); the Trino and Kafka providers are not in the stock
 *   image (see `image`).
 * - HA: PodDisruptionBudgets (the chart's for scheduler and API server, ours for workers,
 *   triggerers and DAG processors) and spread over nodes and zones for roles with several pods.
 */
export class Airflow extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly endpoint: Endpoint;
    /** The admin login: the Secret and keys holding it, the password as a Pulumi secret. */
    public readonly credential: CredentialRef;
    public readonly footprint: Footprint;
    /** The API server pods and port (UI, REST API and the task execution API). */
    public readonly serves: ServedPorts;
    /** The pods that open this component's connections to other namespaces (for NetworkPolicies). */
    public readonly clients: ClientPods;
    /** The UI and REST API, for exposure at `airflow.<domain>`. */
    public readonly web: WebService;
    /** The StatsD exporter's Prometheus endpoint. */
    public readonly metrics: ScrapeTarget[];
    /** Resources a client waits for: the release (Helm waits for the pods and both Jobs). */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: AirflowArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:apps:Airflow", name, {}, opts);
        const ha = args.highAvailability ?? false;
        const sizing = args.sizing;
        const brokerDb = args.broker.database ?? DEFAULT_BROKER_DB;
        validate(name, sizing, ha, args.publicUrl, brokerDb);
        const image = args.image ?? images.airflow;
        const airflowVersion = airflowVersionOf(image.tag);
        const labels = platformLabels("airflow", name);
        const secret = (id: string, k8sName: string, stringData: Record<string, pulumi.Input<string>>, type = "Opaque") =>
            new k8s.core.v1.Secret(`${name}-${id}`, { metadata: { name: k8sName, namespace: args.namespace, labels }, type, stringData }, { parent: this });

        // Connection URLs: the chart reads key `connection` of the Secrets named in `data`.
        const metadataSecret = secret("metadata", `${RELEASE}-metadata-db`, { [KEYS.connection]: metadataUri(args.metadata) });
        const brokerPassword = pulumi.output(args.broker.password).apply(encodeURIComponent);
        const brokerSecret = secret("broker", `${RELEASE}-broker`, { [KEYS.connection]: pulumi.interpolate`redis://:${brokerPassword}@${args.broker.host}:${args.broker.port}/${brokerDb}` });

        // Fernet needs 32 random bytes in URL-safe base64 with its padding (RandomId gives it unpadded:
        // 43 characters, then one "="); its outputs are kept encrypted in the state like a password's.
        const fernet = new random.RandomId(`${name}-fernet-key`, { byteLength: 32 }, { parent: this, additionalSecretOutputs: ["b64Url", "b64Std", "hex", "dec"] });
        const webserverKey = new random.RandomPassword(`${name}-webserver-secret-key`, { length: 48, special: false }, { parent: this });
        const apiKey = new random.RandomPassword(`${name}-api-secret-key`, { length: 48, special: false }, { parent: this });
        const jwt = new random.RandomPassword(`${name}-jwt-secret`, { length: 64, special: false }, { parent: this });
        const keysSecret = secret("keys", `${RELEASE}-keys`, {
            [KEYS.fernet]: pulumi.secret(pulumi.interpolate`${fernet.b64Url}=`),
            [KEYS.webserver]: webserverKey.result,
            [KEYS.api]: apiKey.result,
            [KEYS.jwt]: jwt.result,
        });

        const adminPassword = new random.RandomPassword(`${name}-admin-password`, { length: 24, special: false }, { parent: this });
        const adminSecret = secret("admin", `${RELEASE}-admin`, { username: ADMIN_USER, password: adminPassword.result }, "kubernetes.io/basic-auth");

        // Connections in Airflow's JSON form, one environment variable each.
        const connections: Record<string, pulumi.Output<string>> = {};
        if (args.trino) {
            const t = args.trino;
            connections[CONN.trino] = pulumi.all([t.host, t.password]).apply(([host, password]) =>
                JSON.stringify({
                    conn_type: "trino",
                    host,
                    port: t.port,
                    login: t.user ?? "airflow",
                    ...(password === undefined ? {} : { password }),
                    extra: { catalog: t.catalog ?? "iceberg", protocol: t.protocol ?? "http" },
                }),
            );
        }
        if (args.kafka) {
            const kafka = new KafkaClientUser(
                `${name}-kafka-user`,
                {
                    username: RELEASE,
                    cluster: args.kafka.cluster,
                    clientNamespace: args.namespace,
                    acls: [...args.kafka.topics.map((t) => readWriteTopic(t)), useGroup(KAFKA_GROUP, true)],
                },
                { parent: this },
            ).access;
            // librdkafka settings (the Kafka provider uses confluent-kafka); the whole JSON lives in the connections Secret.
            connections[CONN.kafka] = pulumi.all([kafka.bootstrapServers, kafka.password, kafka.caCertPem]).apply(([servers, password, ca]) =>
                JSON.stringify({
                    conn_type: "kafka",
                    extra: {
                        "bootstrap.servers": servers,
                        "group.id": KAFKA_GROUP,
                        "security.protocol": KAFKA_SECURITY_PROTOCOL,
                        "sasl.mechanisms": KAFKA_SASL_MECHANISM,
                        "sasl.username": kafka.username,
                        "sasl.password": password,
                        "ssl.ca.pem": ca,
                    },
                }),
            );
        }
        if (args.spark) {
            connections[CONN.spark] = pulumi.output(args.spark.namespace).apply((namespace) => JSON.stringify({ conn_type: "kubernetes", extra: { in_cluster: true, namespace } }));
        }
        const connectionSecret = Object.keys(connections).length === 0 ? undefined : secret("connections", `${RELEASE}-connections`, connections);
        const connectionEnv = connectionSecret
            ? Object.keys(connections).map((envName) => ({ envName, secretName: connectionSecret.metadata.name, secretKey: envName }))
            : [];

        if (args.spark) {
            // SparkKubernetesOperator runs in workers (and defers to triggerers) with their ServiceAccounts,
            // which the chart creates; a binding may name subjects that do not exist yet.
            new k8s.rbac.v1.RoleBinding(
                `${name}-spark-submitter`,
                {
                    metadata: { name: `${RELEASE}-spark-submitter`, namespace: args.spark.namespace, labels },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: args.spark.submitterRole ?? "spark-submitter" },
                    subjects: ["worker", "triggerer"].map((role) => ({ kind: "ServiceAccount", name: `${RELEASE}-${role}`, namespace: args.namespace })),
                },
                { parent: this },
            );
        }

        // Airflow writes under $AIRFLOW_HOME and the user's cache at run time, so the root filesystem stays writable.
        const securityContexts = { pod: restrictedPodSecurityContext(0), container: { ...restrictedContainerSecurityContext(), readOnlyRootFilesystem: false } };
        const spread = (component: string, replicas: number) => {
            if (!ha || replicas < 2) return [];
            const labelSelector = { matchLabels: roleLabels(component) };
            return [
                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector },
                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector },
            ];
        };
        const chartPdb = (replicas: number) => ({ enabled: ha && replicas > 1, config: { maxUnavailable: 1 } });
        const logVolume =
            sizing.logStorage === ""
                ? { enabled: false }
                : { enabled: true, size: sizing.logStorage, ...(args.storageClass === "" ? {} : { storageClassName: args.storageClass }) };
        // The log groomer sidecar and the wait-for-migrations init container take their own
        // `securityContexts` (the chart falls back to its default, not the role's): stated here too.
        const sidecarContexts = { container: securityContexts.container };
        const groomer = { resources: resourceRequirements(LOG_GROOMER), securityContexts: sidecarContexts };
        const waitForMigrations = { securityContexts: sidecarContexts };
        const jobResources = resourceRequirements(sizing.jobs);

        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.airflow,
                source: args.chartSource,
                releaseName: RELEASE,
                namespace: args.namespace,
                timeoutSeconds: 900,
                values: {
                    airflowVersion,
                    defaultAirflowRepository: repositoryRef(image, args.imageRegistry),
                    defaultAirflowTag: tagFor(image, args.imageRegistry),
                    executor: "CeleryExecutor",
                    images: {
                        // The pods' wait-for-migrations init containers give up (and restart) after this many seconds.
                        migrationsWaitTimeout: 300,
                        statsd: { repository: repositoryRef(STATSD_IMAGE, args.imageRegistry), tag: tagFor(STATSD_IMAGE, args.imageRegistry) },
                        ...(args.dags === undefined ? {} : { gitSync: { repository: repositoryRef(images.gitSync, args.imageRegistry), tag: tagFor(images.gitSync, args.imageRegistry) } }),
                    },
                    ...(args.dags === undefined ? {} : { dags: gitSyncValues(args.dags) }),
                    postgresql: { enabled: false },
                    redis: { enabled: false },
                    data: { metadataSecretName: metadataSecret.metadata.name, brokerUrlSecretName: brokerSecret.metadata.name },
                    fernetKeySecretName: keysSecret.metadata.name,
                    webserverSecretKeySecretName: keysSecret.metadata.name,
                    apiSecretKeySecretName: keysSecret.metadata.name,
                    jwtSecretName: keysSecret.metadata.name,
                    config: {
                        core: {
                            auth_manager: FAB_AUTH_MANAGER,
                            load_examples: "False",
                            // Tasks report to the API server in the namespace, never through the public URL
                            // (which the workers' egress policy and trust store would not allow).
                            execution_api_server_url: `http://${API_SERVICE}:${API_PORT}/execution/`,
                        },
                        // `airflow db migrate` creates the FAB user tables only with this manager listed.
                        database: { external_db_managers: FAB_DB_MANAGER },
                        api: { workers: String(sizing.apiServer.workers), ...(args.publicUrl === undefined ? {} : { base_url: args.publicUrl }) },
                        celery: { worker_concurrency: String(sizing.workers.concurrency) },
                    },
                    secret: connectionEnv,
                    // The chart-wide default, and each role's own below: the roles' setting is the one its
                    // schema documents for containers, so both are set.
                    securityContexts,
                    migrateDatabaseJob: {
                        enabled: true,
                        securityContexts,
                        useHelmHooks: false,
                        applyCustomEnv: false,
                        // The finished Job is deleted after 5 minutes, so the next upgrade creates it afresh.
                        ttlSecondsAfterFinished: 300,
                        resources: jobResources,
                    },
                    createUserJob: {
                        securityContexts,
                        useHelmHooks: false,
                        applyCustomEnv: false,
                        ttlSecondsAfterFinished: 300,
                        args: ["bash", "-c", ADMIN_SCRIPT],
                        env: [
                            { name: "ADMIN_USERNAME", valueFrom: { secretKeyRef: { name: adminSecret.metadata.name, key: "username" } } },
                            { name: "ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: adminSecret.metadata.name, key: "password" } } },
                        ],
                        resources: jobResources,
                    },
                    scheduler: {
                        replicas: sizing.scheduler.replicas,
                        securityContexts,
                        waitForMigrations,
                        resources: resourceRequirements(sizing.scheduler),
                        startupProbe: { failureThreshold: 30, periodSeconds: 10, timeoutSeconds: 20 },
                        podDisruptionBudget: chartPdb(sizing.scheduler.replicas),
                        topologySpreadConstraints: spread("scheduler", sizing.scheduler.replicas),
                        logGroomerSidecar: groomer,
                    },
                    apiServer: {
                        replicas: sizing.apiServer.replicas,
                        securityContexts,
                        waitForMigrations,
                        resources: resourceRequirements(sizing.apiServer),
                        startupProbe: { failureThreshold: 30, periodSeconds: 10, timeoutSeconds: 20 },
                        podDisruptionBudget: chartPdb(sizing.apiServer.replicas),
                        topologySpreadConstraints: spread("api-server", sizing.apiServer.replicas),
                    },
                    workers: {
                        replicas: sizing.workers.replicas,
                        securityContexts,
                        waitForMigrations,
                        resources: resourceRequirements(sizing.workers),
                        persistence: logVolume,
                        topologySpreadConstraints: spread("worker", sizing.workers.replicas),
                        logGroomerSidecar: groomer,
                    },
                    triggerer: {
                        replicas: sizing.triggerer.replicas,
                        securityContexts,
                        waitForMigrations,
                        resources: resourceRequirements(sizing.triggerer),
                        persistence: logVolume,
                        topologySpreadConstraints: spread("triggerer", sizing.triggerer.replicas),
                        logGroomerSidecar: groomer,
                    },
                    dagProcessor: {
                        enabled: true,
                        securityContexts,
                        waitForMigrations,
                        replicas: sizing.dagProcessor.replicas,
                        resources: resourceRequirements(sizing.dagProcessor),
                        topologySpreadConstraints: spread("dag-processor", sizing.dagProcessor.replicas),
                        logGroomerSidecar: groomer,
                    },
                    statsd: {
                        enabled: true,
                        resources: resourceRequirements(sizing.statsd),
                        securityContexts: {
                            pod: { ...restrictedPodSecurityContext(), runAsUser: STATSD_UID, runAsGroup: STATSD_UID },
                            container: restrictedContainerSecurityContext(STATSD_UID),
                        },
                    },
                },
            },
            // The migration Job and every Airflow pod connect to the metadata database, and the scheduler
            // and workers to the broker, as soon as they start: both must be ready, not just created.
            { parent: this, dependsOn: [...args.metadata.ready, ...args.broker.ready] },
        );

        // The chart has no PodDisruptionBudget setting for these roles.
        for (const [component, replicas] of [
            ["worker", sizing.workers.replicas],
            ["triggerer", sizing.triggerer.replicas],
            ["dag-processor", sizing.dagProcessor.replicas],
        ] as const) {
            if (!ha || replicas < 2) continue;
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-${component}-pdb`,
                { metadata: { name: `${RELEASE}-${component}`, namespace: args.namespace, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: roleLabels(component) } } },
                { parent: this },
            );
        }

        const namespace = this.release.status.namespace.apply((ns) => ns ?? "");
        const apiLabels = roleLabels("api-server");
        this.endpoint = {
            internal: pulumi.interpolate`http://${API_SERVICE}.${namespace}.svc.cluster.local:${API_PORT}`,
            external: args.publicUrl === undefined ? null : pulumi.output(args.publicUrl),
            portForward: portForwardCommand(namespace, API_SERVICE, API_PORT, API_PORT),
        };
        this.credential = {
            namespace: args.namespace,
            secret: adminSecret.metadata.name,
            usernameKey: "username",
            username: ADMIN_USER,
            passwordKey: "password",
            password: pulumi.secret(adminPassword.result),
        };
        this.serves = { namespace: args.namespace, podLabels: apiLabels, ports: [API_PORT] };
        this.web = { host: args.webHost ?? "airflow", namespace: args.namespace, service: API_SERVICE, port: API_PORT, podLabels: apiLabels, containerPort: API_PORT };
        this.metrics = [
            { name: "airflow", namespace: args.namespace, kind: "pod", selector: roleLabels("statsd"), port: "statsd-scrape", containerPort: STATSD_SCRAPE_PORT, path: "/metrics" },
        ];
        const logStorage = sizing.logStorage === "" ? undefined : sizing.logStorage;
        const groomed = sizing.scheduler.replicas + sizing.workers.replicas + sizing.triggerer.replicas + sizing.dagProcessor.replicas;
        this.footprint = sumFootprints([
            podsFootprint(sizing.scheduler, sizing.scheduler.replicas),
            podsFootprint(sizing.apiServer, sizing.apiServer.replicas),
            podsFootprint(sizing.workers, sizing.workers.replicas, logStorage),
            podsFootprint(sizing.triggerer, sizing.triggerer.replicas, logStorage),
            podsFootprint(sizing.dagProcessor, sizing.dagProcessor.replicas),
            podsFootprint(sizing.statsd, 1),
            podsFootprint(LOG_GROOMER, groomed),
        ]);
        this.ready = [this.release];
        // Every pod of the chart (scheduler, workers, API server, jobs) carries the tier and release labels.
        this.clients = { namespace: args.namespace, podLabels: { tier: "airflow", release: RELEASE } };
        this.registerOutputs({ endpoint: this.endpoint, credential: this.credential });
    }
}
