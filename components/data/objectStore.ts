import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "crypto";
import { images } from "../catalog";
import { Resources } from "../config";
import { Footprint, mebibytes, podsFootprint } from "../lib/footprint";
import { ImageRegistry, imageRef } from "../lib/images";
import { platformLabels } from "../lib/labels";
import { ScrapeTarget } from "../lib/monitoring";
import { ServedPorts } from "../lib/network";
import { CredentialRef, Endpoint, portForwardCommand } from "../lib/outputs";
import { waitForJsonPath } from "../lib/readiness";
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";
import { PROVISION_FILES, PROVISION_SCRIPT, S3Client, VersionedBucket, clientPolicy, lifecycleConfiguration, validateClients } from "../lib/s3Policy";
import { S3Location, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } from "../lib/storage";

/** Servers, volumes and resources of the tenant's single pool. */
export interface ObjectStoreSizing extends Resources {
    /** MinIO server pods: 1 (standalone) or 4 and more (distributed, erasure-coded). Cannot change after creation. */
    readonly servers: number;
    /** Volumes per server. */
    readonly volumesPerServer: number;
    /** Size of each volume, e.g. "10Gi". */
    readonly volumeSize: string;
}

export interface ObjectStoreArgs {
    /** Namespace for the tenant; the MinIO operator allows one tenant per namespace. */
    readonly namespace: pulumi.Input<string>;
    /** The MinIO operator release: the Tenant kind comes from it. */
    readonly operator: pulumi.Resource;
    /** Registry replacing quay.io for the MinIO server image; empty keeps quay.io. */
    readonly imageRegistry: ImageRegistry;
    /** StorageClass for the data volumes; empty for the cluster default. */
    readonly storageClass: string;
    /** Servers, volumes and resources. */
    readonly sizing: ObjectStoreSizing;
    /** Buckets the operator creates when it first initializes the tenant. Default none. */
    readonly buckets?: readonly string[];
    /** Erasure-coded distributed pool (needs sizing.servers >= 4), one server per node. Default false. */
    readonly highAvailability?: boolean;
    /** Protect the Tenant from deletion. Default false. */
    readonly protect?: boolean;
    /**
     * The store's clients: one S3 user each, with a policy naming only its grants (decision 0043).
     * Default none (then only the root login can use the store).
     */
    readonly clients?: readonly S3Client[];
    /** Buckets kept versioned, with the lifecycle rule that ends their noncurrent versions. Default none. */
    readonly versionedBuckets?: readonly VersionedBucket[];
}

/** The MinIO image's conventional non-root user (the tenant chart's default). */
const MINIO_UID = 1000;
/** Port of the operator-created `minio` Service when TLS is off (443 with TLS). */
const S3_PORT = 80;
/** Port of the operator-created `<tenant>-console` Service when TLS is off (9443 with TLS). */
const CONSOLE_PORT = 9090;
/** The operator's pod label naming the tenant, used for anti-affinity and spreading. */
const TENANT_LABEL = "v1.min.io/tenant";
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** The MinIO server's S3 port, which also serves its Prometheus metrics. */
export const MINIO_PORT = 9000;
/** Cluster-wide metrics (capacity, usage, health, with a `server` label per node), MinIO's v2 API. */
export const MINIO_METRICS_PATH = "/minio/v2/metrics/cluster";
/** Name of the metrics Service's port, the one its ServiceMonitor scrapes. */
const METRICS_PORT_NAME = "http-metrics";

/**
 * S3-compatible object storage: a MinIO `Tenant` managed by the MinIO operator.
 *
 * - Credentials: the root user and password are generated and kept only in the Secret named by
 *   `spec.configuration` (key `config.env`, `export MINIO_ROOT_USER=…` lines, as the operator reads
 *   it); it is the only login with admin rights. Each client gets its own user (generated access and
 *   secret key) in the Secret `<name>-s3-<client>`, and a policy `platform-s3-<client>` naming only
 *   its buckets (decision 0043). Not through the Tenant's `users`: the operator attaches
 *   `consoleAdmin` to every user listed there (operator v7.1.1, `Tenant.CreateUsers`). A Job
 *   (`<name>-s3-provision`, the server image's `mc`) creates the policies and users, removes any
 *   other user holding `consoleAdmin` or a `platform-s3-` policy, and turns on versioning and the lifecycle rule of
 *   `versionedBuckets`. Buckets are created by the operator at first initialization.
 * - TLS is off (`requestAutoCert: false`): in-cluster clients use plain HTTP on the `minio`
 *   Service, port 80, and need no extra CA. The operator's automatic certificates would be signed
 *   by the Kubernetes cluster CA, which clients (Nessie, Flink, backup jobs) do not trust.
 * - HA: one pool of >= 4 servers, erasure-coded, with required pod anti-affinity across nodes and
 *   zone spreading, and a PodDisruptionBudget of this component's (the MinIO operator has created
 *   none since v5.0.18/v7.0.0) letting one server go at a time, so a drain never takes the erasure
 *   set below its write quorum. Dev's single server gets none: it would block every node drain.
 * - Readiness: the Tenant is created only once `status.currentState` is `Initialized`, which the
 *   operator sets after the pool is up and users and buckets are provisioned.
 */
export class ObjectStore extends pulumi.ComponentResource {
    public readonly tenant: k8s.apiextensions.CustomResource;
    public readonly namespace: pulumi.Output<string>;
    /** The S3 API inside the cluster, `http://minio.<namespace>.svc.cluster.local`. */
    public readonly s3Endpoint: pulumi.Output<string>;
    /** Each client's Secret (in the store's namespace) by client name: `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`. */
    public readonly clientSecretNames: Readonly<Record<string, string>>;
    /** The Job creating the clients' users and policies, versioning and lifecycle rules; clients wait for it. */
    public readonly provisioning: k8s.batch.v1.Job;
    /** Each client's keys, as Pulumi secrets (for copies into other namespaces' Secrets). */
    private readonly clientKeys: Record<string, { readonly accessKeyId: pulumi.Output<string>; readonly secretAccessKey: pulumi.Output<string> }>;
    private readonly clients: readonly S3Client[];
    public readonly buckets: readonly string[];
    /** The pods and ports clients connect to (for NetworkPolicies). */
    public readonly serves: ServedPorts;
    /** The S3 API endpoint. */
    public readonly endpoint: Endpoint;
    /** The web console (embedded in the MinIO server). */
    public readonly consoleEndpoint: Endpoint;
    /** The root login (console and admin API). */
    public readonly credential: CredentialRef;
    /** Requests and volumes of the MinIO server pods (the operator's sidecar is not counted). */
    public readonly footprint: Footprint;
    /** Resources a client must wait for: the initialized Tenant. */
    public readonly ready: pulumi.Resource[];
    /**
     * MinIO's cluster metrics on the server port (9000), readable without a token
     * (`MINIO_PROMETHEUS_AUTH_TYPE=public`). The operator's own Services each select every MinIO
     * pod under the same labels and it did not name the container port in every release, so a
     * dedicated headless Service (`<name>-metrics`, port `http-metrics`) is scraped instead.
     */
    public readonly metrics: ScrapeTarget[];

    /**
     * One of the store's buckets as a client needs it: the client's own Secret (in the store's
     * namespace; S3Access copies it elsewhere) and keys. The client must hold a grant on the bucket.
     */
    public location(bucket: string, client: string): S3Location {
        if (!this.buckets.includes(bucket)) throw new Error(`object store: no bucket "${bucket}"; it has ${this.buckets.join(", ")}`);
        const c = this.clients.find((x) => x.name === client);
        if (c === undefined) throw new Error(`object store: no S3 client "${client}"; it has ${this.clients.map((x) => x.name).join(", ")}`);
        if (!c.grants.some((g) => g.bucket === bucket)) throw new Error(`object store: S3 client "${client}" has no grant on bucket "${bucket}"`);
        return { endpoint: this.s3Endpoint, secretName: this.clientSecretNames[client], bucket, ready: this.ready, keys: this.clientKeys[client] };
    }

    constructor(name: string, args: ObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:ObjectStore", name, {}, opts);
        const ha = args.highAvailability ?? false;
        const buckets = args.buckets ?? [];
        const clients = args.clients ?? [];
        const versioned = args.versionedBuckets ?? [];
        validate(name, args.sizing, ha, buckets);
        validateClients(`ObjectStore ${name}`, clients, buckets, versioned);
        const labels = platformLabels("minio", name);

        const rootUser = new random.RandomPassword(`${name}-root-user`, { length: 20, special: false }, { parent: this });
        const rootPassword = new random.RandomPassword(`${name}-root-password`, { length: 40, special: false }, { parent: this });
        const rootSecret = new k8s.core.v1.Secret(
            `${name}-root-credentials`,
            {
                metadata: { name: `${name}-root-credentials`, namespace: args.namespace, labels },
                type: "Opaque",
                stringData: {
                    // What the operator reads (spec.configuration): shell exports of MinIO's environment.
                    "config.env": pulumi.interpolate`export MINIO_ROOT_USER="${rootUser.result}"\nexport MINIO_ROOT_PASSWORD="${rootPassword.result}"\n`,
                    // The same login, readable by people and tools.
                    username: rootUser.result,
                    password: rootPassword.result,
                },
            },
            { parent: this },
        );

        const poolSelector = { matchLabels: { [TENANT_LABEL]: name } };
        this.tenant = new k8s.apiextensions.CustomResource(
            `${name}-tenant`,
            {
                apiVersion: "minio.min.io/v2",
                kind: "Tenant",
                metadata: { name, namespace: args.namespace, labels, annotations: waitForJsonPath(".status.currentState", "Initialized") },
                spec: {
                    image: imageRef(images.minio, args.imageRegistry),
                    configuration: { name: rootSecret.metadata.name },
                    buckets: buckets.map((bucket) => ({ name: bucket })),
                    requestAutoCert: false,
                    // Lets Prometheus read the metrics endpoints without a bearer token. They show usage and
                    // health, never objects, and port 9000 is reachable only by the store's NetworkPolicy peers.
                    env: [{ name: "MINIO_PROMETHEUS_AUTH_TYPE", value: "public" }],
                    podManagementPolicy: "Parallel",
                    pools: [
                        {
                            name: "pool-0",
                            servers: args.sizing.servers,
                            volumesPerServer: args.sizing.volumesPerServer,
                            volumeClaimTemplate: {
                                metadata: { name: "data" },
                                spec: {
                                    accessModes: ["ReadWriteOnce"],
                                    ...(args.storageClass === "" ? {} : { storageClassName: args.storageClass }),
                                    resources: { requests: { storage: args.sizing.volumeSize } },
                                },
                            },
                            resources: resourceRequirements(args.sizing),
                            securityContext: { ...restrictedPodSecurityContext(MINIO_UID), runAsUser: MINIO_UID, runAsGroup: MINIO_UID },
                            // MinIO's root filesystem stays writable: it was not verified that the server and the
                            // operator's sidecar write only to their mounted volumes.
                            containerSecurityContext: { ...restrictedContainerSecurityContext(MINIO_UID), readOnlyRootFilesystem: false },
                            ...(ha
                                ? {
                                      affinity: {
                                          podAntiAffinity: {
                                              requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: poolSelector, topologyKey: "kubernetes.io/hostname" }],
                                          },
                                      },
                                      topologySpreadConstraints: [
                                          { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: poolSelector },
                                      ],
                                  }
                                : {}),
                        },
                    ],
                },
            },
            {
                parent: this,
                // The Tenant kind and its controller are served by the operator release.
                dependsOn: [args.operator],
                protect: args.protect ?? false,
                customTimeouts: { create: "30m", update: "30m" },
            },
        );

        this.namespace = this.tenant.metadata.namespace;
        this.buckets = buckets;
        // From the namespace given, not the Tenant's: an address is known before the store is up, and
        // clients that must wait for it name `ready` (a PostgreSQL cluster, for one, need not).
        this.s3Endpoint = pulumi.interpolate`http://minio.${args.namespace}.svc.cluster.local`;
        this.endpoint = {
            internal: this.s3Endpoint,
            external: null,
            portForward: portForwardCommand(this.namespace, "minio", MINIO_PORT, S3_PORT),
        };
        if (ha) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-pdb`,
                {
                    metadata: { name: `${name}-servers`, namespace: args.namespace, labels: platformLabels("object-store", name) },
                    spec: { maxUnavailable: 1, selector: { matchLabels: { [TENANT_LABEL]: name } } },
                },
                { parent: this },
            );
        }
        const consoleService = pulumi.interpolate`${this.tenant.metadata.name}-console`;
        this.consoleEndpoint = {
            internal: pulumi.interpolate`http://${consoleService}.${this.namespace}.svc.cluster.local:${CONSOLE_PORT}`,
            external: null,
            portForward: portForwardCommand(this.namespace, consoleService, CONSOLE_PORT, CONSOLE_PORT),
        };
        this.credential = {
            namespace: this.namespace,
            secret: rootSecret.metadata.name,
            usernameKey: "username",
            passwordKey: "password",
            password: pulumi.secret(rootPassword.result),
        };
        const volumesGiB = (mebibytes(args.sizing.volumeSize) / 1024) * args.sizing.volumesPerServer * args.sizing.servers;
        this.footprint = { ...podsFootprint(args.sizing, args.sizing.servers), storageGiB: volumesGiB };
        this.serves = { namespace: args.namespace, podLabels: { [TENANT_LABEL]: name }, ports: [MINIO_PORT] };

        const metricsLabels = { ...labels, "app.kubernetes.io/component": "metrics" };
        new k8s.core.v1.Service(
            `${name}-metrics`,
            {
                metadata: { name: `${name}-metrics`, namespace: args.namespace, labels: metricsLabels },
                spec: {
                    clusterIP: "None",
                    selector: { [TENANT_LABEL]: name },
                    ports: [{ name: METRICS_PORT_NAME, port: MINIO_PORT, targetPort: MINIO_PORT }],
                },
            },
            { parent: this },
        );
        this.metrics = [
            {
                name,
                namespace: args.namespace,
                kind: "service",
                selector: { "app.kubernetes.io/name": "minio", "app.kubernetes.io/instance": name, "app.kubernetes.io/component": "metrics" },
                port: METRICS_PORT_NAME,
                containerPort: MINIO_PORT,
                path: MINIO_METRICS_PATH,
                podLabels: { [TENANT_LABEL]: name },
            },
        ];
        this.clients = clients;
        const secretNames: Record<string, string> = {};
        const clientSecrets: k8s.core.v1.Secret[] = [];
        this.clientKeys = {};
        for (const client of clients) {
            // The access key is random too, and kept as secret as the secret key: with MinIO's unpatched
            // CVE-2026-41145 a known access key is enough to write with its rights (decision 0011).
            const accessKey = new random.RandomPassword(`${name}-s3-${client.name}-access-key`, { length: 20, special: false }, { parent: this });
            const secretKey = new random.RandomPassword(`${name}-s3-${client.name}-secret-key`, { length: 40, special: false }, { parent: this });
            secretNames[client.name] = `${name}-s3-${client.name}`;
            const secret = new k8s.core.v1.Secret(
                `${name}-s3-${client.name}`,
                {
                    metadata: { name: secretNames[client.name], namespace: args.namespace, labels: { ...labels, [S3_CLIENT_LABEL]: client.name } },
                    type: "Opaque",
                    stringData: { [S3_ACCESS_KEY_ID]: accessKey.result, [S3_SECRET_ACCESS_KEY]: secretKey.result },
                },
                { parent: this },
            );
            clientSecrets.push(secret);
            this.clientKeys[client.name] = { accessKeyId: pulumi.secret(accessKey.result), secretAccessKey: pulumi.secret(secretKey.result) };
        }
        this.clientSecretNames = secretNames;
        this.provisioning = this.provision(name, args, labels, rootSecret.metadata.name, clients, versioned, clientSecrets);
        this.ready = [this.tenant, this.provisioning];
        this.registerOutputs({ s3Endpoint: this.s3Endpoint, clientSecretNames: this.clientSecretNames, endpoint: this.endpoint, consoleEndpoint: this.consoleEndpoint });
    }

    /** The ConfigMap of policies and lifecycle rules, and the Job applying them with `mc` as the root login. */
    private provision(
        name: string,
        args: ObjectStoreArgs,
        labels: Record<string, string>,
        rootSecretName: pulumi.Input<string>,
        clients: readonly S3Client[],
        versioned: readonly VersionedBucket[],
        clientSecrets: readonly k8s.core.v1.Secret[],
    ): k8s.batch.v1.Job {
        const data: Record<string, string> = provisioningFiles(clients, versioned);
        const config = new k8s.core.v1.ConfigMap(`${name}-s3-provision`, { metadata: { name: `${name}-s3-provision`, namespace: args.namespace, labels }, data }, { parent: this });
        const digest = createHash("sha256").update(JSON.stringify(data)).digest("hex");
        // A replaced key (a rotation) changes this digest too, so the Job runs again and resets the user's
        // secret in MinIO. A digest of 40 random characters tells nothing about them.
        const keysDigest = pulumi.unsecret(
            pulumi
                .all(clients.map((c) => [this.clientKeys[c.name].accessKeyId, this.clientKeys[c.name].secretAccessKey]))
                .apply((pairs) => createHash("sha256").update(JSON.stringify(pairs)).digest("hex")),
        );
        const jobLabels = { ...labels, "app.kubernetes.io/component": "s3-provision" };
        return new k8s.batch.v1.Job(
            `${name}-s3-provision`,
            {
                metadata: { name: `${name}-s3-provision`, namespace: args.namespace, labels: jobLabels },
                spec: {
                    backoffLimit: 6,
                    activeDeadlineSeconds: 900,
                    template: {
                        // A changed policy, client, rule or key changes the template, which replaces the Job.
                        metadata: { labels: jobLabels, annotations: { "analytics-platform/s3-provision-sha256": digest, "analytics-platform/s3-keys-sha256": keysDigest } },
                        spec: {
                            restartPolicy: "Never",
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(MINIO_UID),
                            containers: [
                                {
                                    name: "provision",
                                    image: imageRef(images.minio, args.imageRegistry),
                                    command: ["bash", `${PROVISION_DIR}/${PROVISION_FILES.script}`],
                                    env: [
                                        { name: "S3_ENDPOINT", value: pulumi.interpolate`http://minio.${args.namespace}.svc.cluster.local` },
                                        { name: "MINIO_ROOT_USER", valueFrom: { secretKeyRef: { name: rootSecretName, key: "username" } } },
                                        { name: "MINIO_ROOT_PASSWORD", valueFrom: { secretKeyRef: { name: rootSecretName, key: "password" } } },
                                        { name: "POLICY_DIR", value: PROVISION_DIR },
                                        { name: "KEYS_DIR", value: KEYS_DIR },
                                        { name: "TMPDIR", value: "/tmp" },
                                        { name: "HOME", value: "/tmp" },
                                    ],
                                    resources: resourceRequirements({ cpu: "50m", memory: "64Mi", cpuLimit: "500m", memoryLimit: "256Mi" }),
                                    securityContext: restrictedContainerSecurityContext(MINIO_UID),
                                    volumeMounts: [
                                        { name: "config", mountPath: PROVISION_DIR, readOnly: true },
                                        { name: "keys", mountPath: KEYS_DIR, readOnly: true },
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "config", configMap: { name: config.metadata.name } },
                                {
                                    name: "keys",
                                    projected: {
                                        sources: clients.map((c) => ({
                                            secret: {
                                                name: `${name}-s3-${c.name}`,
                                                items: [S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY].map((key) => ({ key, path: `${c.name}/${key}` })),
                                            },
                                        })),
                                    },
                                },
                                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                            ],
                        },
                    },
                },
            },
            // Users and rules go into the running, initialized tenant; its buckets must exist. The pod
            // mounts every client's Secret.
            { parent: this, dependsOn: [this.tenant, ...clientSecrets], customTimeouts: { create: "20m", update: "20m" } },
        );
    }
}

/** Where the provisioning Job finds its files and each client's keys. */
const PROVISION_DIR = "/etc/s3-provision";
const KEYS_DIR = "/var/run/s3-users";
/** Label naming the client on its credentials Secret. */
export const S3_CLIENT_LABEL = "analytics-platform/s3-client";

/** The provisioning ConfigMap's files: the script, the client list, one policy per client, one lifecycle per versioned bucket. */
export function provisioningFiles(clients: readonly S3Client[], versioned: readonly VersionedBucket[]): Record<string, string> {
    return {
        [PROVISION_FILES.script]: PROVISION_SCRIPT,
        [PROVISION_FILES.users]: clients.map((c) => `${c.name}\n`).join(""),
        [PROVISION_FILES.versioned]: versioned.map((v) => `${v.bucket}\n`).join(""),
        ...Object.fromEntries(clients.map((c) => [PROVISION_FILES.policy(c.name), `${JSON.stringify(clientPolicy(c), null, 2)}\n`])),
        ...Object.fromEntries(versioned.map((v) => [PROVISION_FILES.lifecycle(v.bucket), `${JSON.stringify(lifecycleConfiguration(v), null, 2)}\n`])),
    };
}

/** Rejects shapes MinIO or the operator cannot run, before any resource exists. */
function validate(name: string, sizing: ObjectStoreSizing, ha: boolean, buckets: readonly string[]): void {
    const where = `ObjectStore ${name}`;
    if (!Number.isInteger(sizing.servers) || sizing.servers < 1) throw new Error(`${where}: sizing.servers must be a positive integer, got ${sizing.servers}`);
    if (!Number.isInteger(sizing.volumesPerServer) || sizing.volumesPerServer < 1) {
        throw new Error(`${where}: sizing.volumesPerServer must be a positive integer, got ${sizing.volumesPerServer}`);
    }
    if (ha && sizing.servers < 4) {
        throw new Error(`${where}: highAvailability needs sizing.servers >= 4 (an erasure-coded distributed pool), got ${sizing.servers}`);
    }
    if (sizing.servers > 1 && sizing.servers < 4) {
        throw new Error(`${where}: sizing.servers must be 1 (standalone) or 4 and more (distributed), got ${sizing.servers}`);
    }
    const seen = new Set<string>();
    for (const bucket of buckets) {
        if (!BUCKET_NAME.test(bucket) || bucket.includes("..")) {
            throw new Error(`${where}: bucket "${bucket}" is not a valid S3 bucket name (3-63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit)`);
        }
        if (seen.has(bucket)) throw new Error(`${where}: bucket "${bucket}" is listed twice`);
        seen.add(bucket);
    }
}
