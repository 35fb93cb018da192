import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { images } from "../catalog";
import { PostgresSizing, Resources } from "../config";
import { Footprint, podsFootprint } from "../lib/footprint";
import { ImageRegistry, imageRef } from "../lib/images";
import { platformLabels } from "../lib/labels";
import { ScrapeTarget } from "../lib/monitoring";
import { ServedPorts } from "../lib/network";
import { CredentialRef, Endpoint, portForwardCommand } from "../lib/outputs";
import { waitForCondition, waitForJsonPath } from "../lib/readiness";
import { resourceRequirements, restrictedContainerSecurityContext } from "../lib/security";
import { S3Location, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } from "../lib/storage";
import { BARMAN_CLOUD_API, BARMAN_CLOUD_PLUGIN } from "./barmanCloudPlugin";

/** The instance manager's status port on every PostgreSQL pod, which the operator polls. */
const INSTANCE_STATUS_PORT = 8000;

/** One application database: a login role that owns it. */
export interface AppDatabase {
    /** Database name, also the owning role's name. */
    readonly name: string;
}

/**
 * Continuous archiving (WAL) and scheduled base backups to an S3-compatible object store, through
 * CloudNativePG's Barman Cloud plugin.
 */
export interface PostgresBackup extends S3Location {
    /** Base backup schedule, five-field cron such as "0 2 * * *" (scheduled by {@link PostgresBackupSchedule}). */
    readonly schedule: string;
    /** How long backups are kept, e.g. "14d". Backups go under `s3://<bucket>/postgresql/<server name>/`. */
    readonly retention: string;
    /** The Barman Cloud plugin release: the ObjectStore kind and the backup sidecar come from it. */
    readonly plugin: pulumi.Resource;
}

/**
 * Bootstrap a new cluster from the backups of an earlier one (its base backup, then its WAL) instead
 * of an empty `initdb`. The source is read from the same object store the backups go to.
 */
export interface PostgresRecovery {
    /** The server name the source cluster archived under: its cluster name unless it was itself restored. */
    readonly sourceServerName: string;
    /** Recover up to this instant (RFC 3339, e.g. "2026-12-06T08:00:00Z"); undefined replays all archived WAL. */
    readonly targetTime?: string;
    /**
     * Server name the restored cluster archives under; must differ from the source, whose archive
     * stays untouched (CloudNativePG refuses to archive into a non-empty path anyway).
     */
    readonly serverName: string;
}

/** Sidecar the Barman Cloud plugin adds to each instance pod (WAL upload, base backups, retention). */
const BACKUP_SIDECAR: Resources = { cpu: "50m", memory: "128Mi", cpuLimit: "1", memoryLimit: "512Mi" };

/**
 * The plugin's `ObjectStore` spec for the backups: WAL and base backups under
 * `s3://<bucket>/postgresql/`, gzip-compressed, kept for `retention`.
 */
export function backupObjectStoreSpec(backup: Omit<PostgresBackup, "plugin" | "ready" | "schedule">): Record<string, unknown> {
    return {
        retentionPolicy: backup.retention,
        configuration: {
            destinationPath: `s3://${backup.bucket}/postgresql/`,
            endpointURL: backup.endpoint,
            s3Credentials: {
                accessKeyId: { name: backup.secretName, key: S3_ACCESS_KEY_ID },
                secretAccessKey: { name: backup.secretName, key: S3_SECRET_ACCESS_KEY },
            },
            wal: { compression: "gzip" },
            data: { compression: "gzip" },
        },
        instanceSidecarConfiguration: { resources: resourceRequirements(BACKUP_SIDECAR) },
    };
}

/**
 * The Cluster spec fields that bootstrap a new cluster from an object store: `bootstrap.recovery`
 * from an external cluster read through the plugin, and the plugin as WAL archiver under a new
 * server name.
 */
export function recoverySpec(objectStoreName: string, recovery: PostgresRecovery): Record<string, unknown> {
    if (recovery.serverName === recovery.sourceServerName) {
        throw new Error(`PostgreSQL recovery: the restored cluster must archive under a server name other than its source's ("${recovery.sourceServerName}")`);
    }
    const source = "backup-source";
    return {
        bootstrap: {
            recovery: {
                source,
                ...(recovery.targetTime === undefined ? {} : { recoveryTarget: { targetTime: recovery.targetTime } }),
            },
        },
        externalClusters: [
            {
                name: source,
                plugin: { name: BARMAN_CLOUD_PLUGIN, parameters: { barmanObjectName: objectStoreName, serverName: recovery.sourceServerName } },
            },
        ],
        plugins: [{ name: BARMAN_CLOUD_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: objectStoreName, serverName: recovery.serverName } }],
    };
}

export interface PostgresClusterArgs {
    /** Namespace for the cluster, its Secrets and Services. */
    readonly namespace: pulumi.Input<string>;
    /** The CloudNativePG operator release: the Cluster kind and its webhook come from it. */
    readonly operator: pulumi.Resource;
    /** Instances, storage and resources. */
    readonly sizing: PostgresSizing;
    /** StorageClass for the data volumes; empty for the cluster default. */
    readonly storageClass: string;
    /** Registry replacing ghcr.io for the PostgreSQL image; empty keeps ghcr.io. */
    readonly imageRegistry: ImageRegistry;
    /** Databases to create, each with its own owner role and generated password. Default none. */
    readonly databases?: readonly AppDatabase[];
    /** Synchronous replication and required anti-affinity (needs instances >= 2). Default false. */
    readonly highAvailability?: boolean;
    /** Protect the Cluster from deletion. Default false. */
    readonly protect?: boolean;
    /** Backups to the object store; undefined means no backups (dev). */
    readonly backup?: PostgresBackup;
    /** Create the cluster from the backups in `backup`'s store instead of empty. Default: a fresh `initdb`. */
    readonly recovery?: PostgresRecovery;
}

/** Port of the exporter every CloudNativePG instance runs, container port `metrics`. */
export const POSTGRES_METRICS_PORT = 9187;

/** How an application reaches its database. */
export interface DatabaseAccess {
    readonly host: pulumi.Output<string>;
    readonly port: number;
    readonly database: string;
    readonly username: string;
    /** Secret (type basic-auth) holding `username` and `password`. */
    readonly secretName: pulumi.Output<string>;
    /** The generated password, as a Pulumi secret (for the `credentials` output only). */
    readonly password: pulumi.Output<string>;
    /** The login as the `credentials` output shows it. */
    readonly credential: CredentialRef;
    /** Resources an application must wait for: the ready Cluster and its ready Database. */
    readonly ready: pulumi.Resource[];
}

/**
 * A PostgreSQL cluster managed by CloudNativePG. Dev runs one instance; with `highAvailability`
 * it runs quorum-based synchronous replication (one synchronous standby required) with
 * `failoverQuorum` (a standby is promoted only when a quorum shows it holds every acknowledged
 * commit), pod anti-affinity required across nodes, and the operator's PodDisruptionBudgets.
 * Backups go through the Barman Cloud plugin: an `ObjectStore` and the plugin as WAL archiver
 * here, the base backups by {@link PostgresBackupSchedule}; `recovery` bootstraps from them. Each application
 * database gets a managed role whose password is generated here and kept only in a Secret, and a
 * `Database` object; both the Cluster and each Database are readiness-gated.
 */
export class PostgresCluster extends pulumi.ComponentResource {
    /** The component's Pulumi name (its children's names start with it). */
    public readonly name: string;
    public readonly cluster: k8s.apiextensions.CustomResource;
    public readonly clusterName: pulumi.Output<string>;
    /** Read-write Service host (the primary). */
    public readonly host: pulumi.Output<string>;
    /** The pods and ports clients connect to (for NetworkPolicies). */
    public readonly serves: ServedPorts;
    /** The pods and ports the operator manages them through (for its NetworkPolicy flow). */
    public readonly managed: ServedPorts;
    public readonly endpoint: Endpoint;
    public readonly footprint: Footprint;
    public readonly databases: Readonly<Record<string, DatabaseAccess>>;
    /**
     * The instance pods' built-in exporter (`/metrics` on container port `metrics`, 9187, plain
     * HTTP), on by default; the operator's own PodMonitor option stays off.
     */
    public readonly metrics: ScrapeTarget[];

    constructor(name: string, args: PostgresClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:PostgresCluster", name, {}, opts);
        this.name = name;
        const ha = args.highAvailability ?? false;
        const dbs = args.databases ?? [];
        const labels = platformLabels("postgresql", name);

        const roleSecrets = dbs.map((db) => {
            const password = new random.RandomPassword(`${name}-${db.name}-password`, { length: 32, special: false }, { parent: this });
            const secret = new k8s.core.v1.Secret(
                `${name}-${db.name}-credentials`,
                {
                    metadata: {
                        name: `${name}-${db.name}-credentials`,
                        namespace: args.namespace,
                        // The operator re-reads the role password when this Secret changes.
                        labels: { ...labels, "cnpg.io/reload": "true" },
                    },
                    type: "kubernetes.io/basic-auth",
                    stringData: { username: db.name, password: password.result },
                },
                { parent: this },
            );
            return { db, password, secret };
        });

        if (args.recovery !== undefined && args.backup === undefined) {
            throw new Error(`PostgresCluster ${name}: recovery reads the backups' object store, so it needs backup`);
        }
        const objectStoreName = `${name}-backups`;
        const objectStore = args.backup
            ? new k8s.apiextensions.CustomResource(
                  `${name}-object-store`,
                  {
                      apiVersion: BARMAN_CLOUD_API,
                      kind: "ObjectStore",
                      metadata: { name: objectStoreName, namespace: args.namespace, labels },
                      spec: backupObjectStoreSpec(args.backup),
                  },
                  // The ObjectStore kind is served by the plugin release's CRD.
                  { parent: this, dependsOn: [args.backup.plugin] },
              )
            : undefined;
        const archiving = args.backup
            ? args.recovery
                ? recoverySpec(objectStoreName, args.recovery)
                : { plugins: [{ name: BARMAN_CLOUD_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: objectStoreName } }] }
            : {};

        this.cluster = new k8s.apiextensions.CustomResource(
            `${name}-cluster`,
            {
                apiVersion: "postgresql.cnpg.io/v1",
                kind: "Cluster",
                metadata: { name, namespace: args.namespace, labels, annotations: waitForCondition("Ready") },
                spec: {
                    instances: args.sizing.instances,
                    imageName: imageRef(images.postgres, args.imageRegistry),
                    storage: { size: args.sizing.storage, ...(args.storageClass === "" ? {} : { storageClass: args.storageClass }) },
                    resources: resourceRequirements(args.sizing),
                    enableSuperuserAccess: false,
                    // Every container restricted, stated in the resource (the operator's own default is the
                    // same, read-only root included); the pod context and its fsGroup stay the operator's.
                    securityContext: restrictedContainerSecurityContext(),
                    seccompProfile: { type: "RuntimeDefault" },
                    // A PDB on a single instance would block every node drain.
                    enablePDB: args.sizing.instances > 1,
                    affinity: {
                        enablePodAntiAffinity: true,
                        podAntiAffinityType: ha ? "required" : "preferred",
                        topologyKey: "kubernetes.io/hostname",
                    },
                    ...(ha ? { postgresql: { synchronous: { method: "any", number: 1, dataDurability: "required", failoverQuorum: true } } } : {}),
                    ...archiving,
                    managed: {
                        roles: roleSecrets.map(({ db, secret }) => ({
                            name: db.name,
                            ensure: "present",
                            login: true,
                            passwordSecret: { name: secret.metadata.name },
                        })),
                    },
                },
            },
            // The Cluster kind and its admission webhook are served by the operator release; the
            // plugin must serve and the ObjectStore exist when the instance pods are created (the
            // plugin injects its sidecar from it). Not the bucket: CloudNativePG reaches Ready
            // without it (Ready follows the instances, not archiving) and archives once it exists.
            {
                parent: this,
                dependsOn: [args.operator, ...(args.backup ? [args.backup.plugin] : []), ...(objectStore ? [objectStore] : []), ...(args.recovery ? (args.backup?.ready ?? []) : [])],
                protect: args.protect ?? false,
            },
        );
        this.clusterName = this.cluster.metadata.name;
        this.host = pulumi.interpolate`${this.clusterName}-rw.${this.cluster.metadata.namespace}.svc.cluster.local`;

        this.endpoint = {
            internal: pulumi.interpolate`postgresql://${this.host}:5432`,
            external: null,
            portForward: portForwardCommand(this.cluster.metadata.namespace, pulumi.interpolate`${this.clusterName}-rw`, 5432, 5432),
        };

        const databases: Record<string, DatabaseAccess> = {};
        for (const { db, password, secret } of roleSecrets) {
            const database = new k8s.apiextensions.CustomResource(
                `${name}-${db.name}-database`,
                {
                    apiVersion: "postgresql.cnpg.io/v1",
                    kind: "Database",
                    metadata: { name: `${name}-${db.name}`, namespace: args.namespace, labels, annotations: waitForJsonPath(".status.applied", "true") },
                    spec: { name: db.name, owner: db.name, ensure: "present", databaseReclaimPolicy: "retain", cluster: { name: this.clusterName } },
                },
                // The owner role is created by the Cluster's managed roles, so the Cluster must be Ready first.
                { parent: this, dependsOn: [this.cluster] },
            );
            databases[db.name] = {
                host: this.host,
                port: 5432,
                database: db.name,
                username: db.name,
                secretName: secret.metadata.name,
                password: pulumi.secret(password.result),
                credential: { namespace: args.namespace, secret: secret.metadata.name, usernameKey: "username", username: db.name, passwordKey: "password", password: pulumi.secret(password.result) },
                ready: [this.cluster, database],
            };
        }
        this.databases = databases;
        this.footprint = podsFootprint(args.sizing, args.sizing.instances, args.sizing.storage);
        this.serves = { namespace: args.namespace, podLabels: { "cnpg.io/cluster": name }, ports: [5432] };
        this.metrics = [
            {
                name,
                namespace: args.namespace,
                kind: "pod",
                // Instance pods only: the cluster's initdb/join Job pods carry the cluster label too.
                selector: { "cnpg.io/cluster": name, "cnpg.io/podRole": "instance" },
                port: "metrics",
                containerPort: POSTGRES_METRICS_PORT,
                path: "/metrics",
            },
        ];
        // CloudNativePG's operator reaches every instance on the status port and PostgreSQL's (its networking docs).
        this.managed = { namespace: args.namespace, podLabels: this.serves.podLabels, ports: [INSTANCE_STATUS_PORT, 5432] };
        this.registerOutputs({ clusterName: this.clusterName, host: this.host, endpoint: this.endpoint });
    }
}
