import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { chartImages, charts, images } from "../catalog";
import { ChartSource, SupersetSizing } from "../config";
import { DatabaseAccess } from "../data/postgresCluster";
import { installChart } from "../lib/chart";
import { WebService } from "../lib/exposure";
import { ClientPods, ServedPorts } from "../lib/network";
import { Footprint, podsFootprint } from "../lib/footprint";
import { ImageRegistry, repositoryRef, tagFor } from "../lib/images";
import { platformLabels } from "../lib/labels";
import { CredentialRef, Endpoint, portForwardCommand } from "../lib/outputs";
import { resourceRequirements, restrictedContainerSecurityContext } from "../lib/security";

/** What Superset needs to know about the Redis-compatible cache. */
export interface CacheAccess {
    readonly host: pulumi.Output<string>;
    readonly port: number;
    /** The cache password, as a Pulumi secret; it is copied into Superset's own env Secret only. */
    readonly password: pulumi.Output<string>;
    /** Resources Superset must wait for (the cache workload). */
    readonly ready: pulumi.Resource[];
}

export interface SupersetArgs {
    /** Namespace for Superset. */
    readonly namespace: pulumi.Input<string>;
    /** Chart source (upstream, OCI mirror, local folder). */
    readonly chartSource: ChartSource;
    /** Registry replacing docker.io for the Superset image; empty keeps docker.io. */
    readonly imageRegistry: ImageRegistry;
    /** Web and worker replicas and resources. */
    readonly sizing: SupersetSizing;
    /** The metadata database (created for Superset in the platform PostgreSQL). */
    readonly database: DatabaseAccess;
    /** The cache used for results, query cache and the Celery broker. */
    readonly cache: CacheAccess;
    /**
     * SQLAlchemy URI of the platform's Trino (no credentials in it), registered as the "Trino"
     * database at install so the lake is queryable at first login. Default none.
     */
    readonly trinoUri?: pulumi.Input<string>;
    /** Host name prefix under the platform domain when exposed. Default "superset". */
    readonly webHost?: string;
    /** PodDisruptionBudgets and spread across nodes for the web and worker pods. Default false. */
    readonly highAvailability?: boolean;
}

const RELEASE = "superset";
const PORT = 8088;
/** The `superset` user of the official image. */
const SUPERSET_UID = 1000;
const ADMIN_USER = "admin";
/** The wait-for init containers only open TCP connections. */
const WAIT_RESOURCES = { cpu: "50m", memory: "32Mi", cpuLimit: "200m", memoryLimit: "64Mi" };

/**
 * Labels the platform sets on every pod the chart renders (`podLabels` of the web, worker and init
 * pods, which every chart version renders beside its own labels). The chart's own pod labels moved
 * from `app`/`release` to the Kubernetes recommended labels (apache/superset#39350), and its init
 * Job's pods carried only `app`, `release` and `job` before that; the policies and spread
 * constraints select these instead, whatever the chart version sets.
 */
export const SUPERSET_POD_LABELS: Readonly<Record<string, string>> = { "analytics-platform/app": "superset" };
/** A role's pods: "web" serves the UI, "worker" runs Celery, "init" migrates and creates the admin. */
export const supersetRoleLabels = (role: "web" | "worker" | "init"): Record<string, string> => ({ ...SUPERSET_POD_LABELS, "analytics-platform/superset-role": role });

/**
 * Appended to the chart's superset_config.py (`configOverrides.platform`). The chart's own results
 * backend and Celery broker carry the cache password only when `supersetNode.connections.redis_password`
 * is a Helm value (a secret in the values); here both read it from the environment instead. The
 * Celery settings keep Superset's defaults (task modules, beat schedule) and only point the broker
 * and result backend at the cache's Celery database.
 */
export const SUPERSET_CONFIG_OVERRIDES = [
    "import os",
    "from urllib.parse import quote",
    "from flask_caching.backends.rediscache import RedisCache",
    "from superset.config import CeleryConfig as _SupersetCeleryConfig",
    "RESULTS_BACKEND = RedisCache(host=os.environ['REDIS_HOST'], port=int(os.environ['REDIS_PORT']), password=os.environ['REDIS_PASSWORD'], db=int(os.environ['REDIS_DB']), key_prefix='superset_results')",
    "_CELERY_URL = f\"redis://:{quote(os.environ['REDIS_PASSWORD'], safe='')}@{os.environ['REDIS_HOST']}:{os.environ['REDIS_PORT']}/{os.environ['REDIS_CELERY_DB']}\"",
    "class CeleryConfig(_SupersetCeleryConfig):",
    "    broker_url = _CELERY_URL",
    "    result_backend = _CELERY_URL",
    "CELERY_CONFIG = CeleryConfig",
].join("\n");

/**
 * Apache Superset from its official chart, wired to the platform PostgreSQL and cache. Every
 * credential (database and cache passwords, SECRET_KEY, the admin password) lives in one Secret
 * that the chart reads through `envFromSecret`; the chart's own env Secret and bundled PostgreSQL
 * and Redis are off, and no secret reaches the Helm values. The init Job (a Helm post-install hook)
 * migrates the database and creates or resets the admin user from that Secret.
 */
export class Superset extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** The pods and ports clients connect to (for NetworkPolicies). */
    public readonly serves: ServedPorts;
    /** The pods that open this component's connections to other namespaces (for NetworkPolicies). */
    public readonly clients: ClientPods;
    /** The web UI, for the platform's exposure. */
    public readonly web: WebService;
    public readonly endpoint: Endpoint;
    public readonly footprint: Footprint;
    /** The admin login: the Secret and keys holding it, the password as a Pulumi secret. */
    public readonly credential: CredentialRef;

    constructor(name: string, args: SupersetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:apps:Superset", name, {}, opts);
        const ha = args.highAvailability ?? false;
        const labels = platformLabels("superset", name);

        const secretKey = new random.RandomPassword(`${name}-secret-key`, { length: 64, special: false }, { parent: this });
        const adminPassword = new random.RandomPassword(`${name}-admin-password`, { length: 24, special: false }, { parent: this });
        const env = new k8s.core.v1.Secret(
            `${name}-env`,
            {
                metadata: { name: `${name}-env`, namespace: args.namespace, labels },
                type: "Opaque",
                stringData: {
                    DB_HOST: args.database.host,
                    DB_PORT: String(args.database.port),
                    DB_NAME: args.database.database,
                    DB_USER: args.database.username,
                    DB_PASS: args.database.password,
                    REDIS_HOST: args.cache.host,
                    REDIS_PORT: String(args.cache.port),
                    REDIS_PASSWORD: args.cache.password,
                    REDIS_PROTO: "redis",
                    REDIS_DB: "1",
                    REDIS_CELERY_DB: "0",
                    // The chart's superset_config sets SECRET_KEY from this variable (falling back to a
                    // key published in the chart); Superset's own default reads SUPERSET_SECRET_KEY.
                    SECRET_KEY: secretKey.result,
                    SUPERSET_SECRET_KEY: secretKey.result,
                    "admin-username": ADMIN_USER,
                    "admin-password": adminPassword.result,
                    SUPERSET_ADMIN_PASSWORD: adminPassword.result,
                    SUPERSET_TRINO_URI: args.trinoUri ?? "",
                },
            },
            { parent: this },
        );

        const podSecurityContext = { runAsNonRoot: true, runAsUser: SUPERSET_UID, runAsGroup: SUPERSET_UID, fsGroup: SUPERSET_UID, seccompProfile: { type: "RuntimeDefault" } };
        const containerSecurityContext = {
            allowPrivilegeEscalation: false,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        };
        const resources = resourceRequirements(args.sizing);
        // Spread each role's pods by the labels the chart gives them.
        const spread = (component: "web" | "worker") =>
            ha
                ? [
                      {
                          maxSkew: 1,
                          topologyKey: "kubernetes.io/hostname",
                          whenUnsatisfiable: "ScheduleAnyway",
                          labelSelector: { matchLabels: supersetRoleLabels(component) },
                      },
                  ]
                : [];
        const initScript = [
            ". /app/pythonpath/superset_bootstrap.sh",
            ". /app/pythonpath/superset_init.sh",
            // Registering Trino needs the `trino` driver in the image; without it Superset still starts.
            'if [ -n "${SUPERSET_TRINO_URI:-}" ]; then superset set-database-uri -d Trino -u "$SUPERSET_TRINO_URI" || echo "Trino was not registered: the image lacks the trino driver (see docs/operations.md)" >&2; fi',
            "python - <<'PY'",
            supersetAdminScript(ADMIN_USER),
            "PY",
        ].join("\n");

        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.superset,
                source: args.chartSource,
                releaseName: RELEASE,
                namespace: args.namespace,
                timeoutSeconds: 900,
                values: {
                    image: { repository: repositoryRef(images.superset, args.imageRegistry), tag: tagFor(images.superset, args.imageRegistry) },
                    // The chart's init containers (waiting for the database and the cache) run this image.
                    initImage: { repository: repositoryRef(chartImages.supersetInit, args.imageRegistry), tag: tagFor(chartImages.supersetInit, args.imageRegistry) },
                    runAsUser: SUPERSET_UID,
                    postgresql: { enabled: false },
                    redis: { enabled: false },
                    secretEnv: { create: false },
                    envFromSecret: env.metadata.name,
                    configOverrides: { platform: SUPERSET_CONFIG_OVERRIDES },
                    service: { type: "ClusterIP", port: PORT },
                    supersetNode: {
                        replicas: { enabled: true, replicaCount: args.sizing.replicas },
                        resources,
                        podSecurityContext,
                        containerSecurityContext,
                        initContainers: waitContainers(env.metadata.name, false),
                        podLabels: supersetRoleLabels("web"),
                        podDisruptionBudget: { enabled: ha && args.sizing.replicas > 1, minAvailable: 1 },
                        topologySpreadConstraints: spread("web"),
                    },
                    supersetWorker: {
                        replicas: { enabled: true, replicaCount: args.sizing.workerReplicas },
                        resources,
                        podSecurityContext,
                        containerSecurityContext,
                        initContainers: waitContainers(env.metadata.name, true),
                        podLabels: supersetRoleLabels("worker"),
                        podDisruptionBudget: { enabled: ha && args.sizing.workerReplicas > 1, minAvailable: 1 },
                        topologySpreadConstraints: spread("worker"),
                    },
                    init: {
                        enabled: true,
                        createAdmin: false,
                        loadExamples: false,
                        command: ["/bin/sh", "-c", initScript],
                        resources,
                        podSecurityContext,
                        containerSecurityContext,
                        initContainers: waitContainers(env.metadata.name, false),
                        podLabels: supersetRoleLabels("init"),
                    },
                    // Published by the platform's Exposure component (ingress, gateway or route), not the chart.
                    ingress: { enabled: false },
                },
            },
            // Superset migrates its metadata database in the init hook and connects to the cache at
            // start: both must be ready, not just created.
            { parent: this, dependsOn: [...args.database.ready, ...args.cache.ready] },
        );

        const namespace = this.release.status.namespace.apply((ns) => ns ?? "");
        const service = this.release.status.name.apply((n) => n ?? RELEASE);
        this.endpoint = {
            internal: pulumi.interpolate`http://${service}.${namespace}.svc.cluster.local:${PORT}`,
            external: null,
            portForward: portForwardCommand(namespace, service, PORT, PORT),
        };
        this.footprint = podsFootprint(args.sizing, args.sizing.replicas + args.sizing.workerReplicas);
        this.credential = {
            namespace: args.namespace,
            secret: env.metadata.name,
            usernameKey: "admin-username",
            username: ADMIN_USER,
            passwordKey: "admin-password",
            password: pulumi.secret(adminPassword.result),
        };
        this.serves = { namespace: args.namespace, podLabels: supersetRoleLabels("web"), ports: [PORT] };
        this.web = { host: args.webHost ?? "superset", namespace: args.namespace, service, port: PORT, podLabels: this.serves.podLabels, containerPort: PORT };
        this.clients = { namespace: args.namespace, podLabels: SUPERSET_POD_LABELS };
        this.registerOutputs({ endpoint: this.endpoint, credential: this.credential });
    }
}

/**
 * The chart's init containers (0.22.8 `supersetNode`, `supersetWorker` and `init` defaults: dockerize
 * waiting for the database, and for the cache too on workers), given again because the chart renders
 * the list verbatim and its defaults carry no security context or resources: each container here
 * is restricted and sized. The image and the database and cache addresses come as in the chart's
 * defaults (`initImage`, the env Secret).
 */
export function waitContainers(envSecret: pulumi.Input<string>, withCache: boolean): object[] {
    const waits = ['-wait "tcp://$DB_HOST:$DB_PORT"', ...(withCache ? ['-wait "tcp://$REDIS_HOST:$REDIS_PORT"'] : [])];
    return [
        {
            name: withCache ? "wait-for-postgres-redis" : "wait-for-postgres",
            image: "{{ .Values.initImage.repository }}:{{ .Values.initImage.tag }}",
            imagePullPolicy: "{{ .Values.initImage.pullPolicy }}",
            envFrom: [{ secretRef: { name: envSecret } }],
            command: ["/bin/sh", "-c", `dockerize ${waits.join(" ")} -timeout 120s`],
            securityContext: restrictedContainerSecurityContext(),
            resources: resourceRequirements(WAIT_RESOURCES),
        },
    ];
}

/**
 * Python run by the init Job (`python -` with the script on stdin): creates the admin on first
 * install and on later runs resets its password to the Secret's, so rotating the password
 * (replacing the RandomPassword) takes effect on the next upgrade. It goes through Superset's own
 * security manager, reading the password from the environment (`SUPERSET_ADMIN_PASSWORD`), so the
 * password is never on a command line (`superset fab create-admin --password` would put it in
 * /proc/<pid>/cmdline for every process on the node to read).
 */
export function supersetAdminScript(username: string): string {
    return [
        "import os",
        "from superset.app import create_app",
        "app = create_app()",
        "with app.app_context():",
        "    from superset.extensions import appbuilder",
        "    sm = appbuilder.sm",
        `    username = ${JSON.stringify(username)}`,
        '    password = os.environ["SUPERSET_ADMIN_PASSWORD"]',
        "    user = sm.find_user(username=username)",
        "    if user is None:",
        `        if not sm.add_user(username, "Platform", "Admin", username + "@superset.local", sm.find_role(sm.auth_role_admin), password=password):`,
        '            raise SystemExit("the Superset admin could not be created")',
        '        print("admin created")',
        "    else:",
        "        sm.reset_password(user.id, password)",
        '        print("admin password set")',
    ].join("\n");
}
