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
import { waitForJsonPath } from "../lib/readiness";
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";
import { S3Location } from "../lib/storage";

/** HAProxy pods in front of the cluster. */
export interface HaproxySizing extends Resources {
    /** HAProxy pods: 1 in dev, 2 or more with highAvailability. */
    readonly size: number;
}

/** Nodes, storage and resources of the cluster. */
export interface XtraDbSizing extends Resources {
    /** PXC (Galera) nodes: 1 in dev, an odd number >= 3 with highAvailability. */
    readonly size: number;
    /** Data volume per node, e.g. "20Gi". */
    readonly storage: string;
    readonly haproxy: HaproxySizing;
}

/**
 * Scheduled backups (and optionally binlogs for point-in-time recovery) to S3-compatible storage:
 * full backups under `<bucket>/<cluster>/full`, binlogs under `<bucket>/<cluster>/binlogs`.
 */
export interface XtraDbBackup extends S3Location {
    /** Cron schedule of full backups, e.g. "0 2 * * *". */
    readonly schedule: string;
    /** Full backups to keep (older ones are deleted from storage). */
    readonly keep: number;
    /** Also upload binlogs continuously for point-in-time recovery. */
    readonly pitr: boolean;
}

export interface XtraDbClusterArgs {
    /** Namespace for the cluster, its Secrets and Services. */
    readonly namespace: pulumi.Input<string>;
    /** The PXC operator release: the PerconaXtraDBCluster kind comes from it. */
    readonly operator: pulumi.Resource;
    /** Nodes, storage and resources. */
    readonly sizing: XtraDbSizing;
    /** StorageClass for the data volumes; empty for the cluster default. */
    readonly storageClass: string;
    /** Registry replacing docker.io for the PXC, HAProxy, backup and init images; empty keeps docker.io. */
    readonly imageRegistry: ImageRegistry;
    /** Databases to create, each with an owner user of the same name and a generated password. Default none. */
    readonly databases?: readonly string[];
    /** ClusterIssuer (cert-manager) that signs the cluster's TLS certificates. Default: the operator's own CA. */
    readonly tlsIssuer?: pulumi.Input<string>;
    /** Scheduled backups to S3. Default none. */
    readonly backup?: XtraDbBackup;
    /** >= 3 nodes, required anti-affinity per node, no unsafe flags. Default false. */
    readonly highAvailability?: boolean;
    /** Protect the cluster from deletion. Default false. */
    readonly protect?: boolean;
}

/** How an application reaches its database. */
export interface XtraDbDatabaseAccess {
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
    /** Resources an application must wait for: the ready cluster. */
    readonly ready: pulumi.Resource[];
}

const PORT = 3306;
/** The PXC nodes' MySQL admin port, where the operator manages system users. */
const PXC_ADMIN_PORT = 33062;
/** The operator's HAProxy configuration serves HAProxy's Prometheus exporter here, container port `stats`. */
export const HAPROXY_METRICS_PORT = 8404;
/** The mysql user of the PXC and HAProxy images. */
const MYSQL_UID = 1001;
/** Keys the operator requires in the users Secret (it generates any that are missing). */
const SYSTEM_USERS = ["root", "xtrabackup", "monitor", "clustercheck", "proxyadmin", "operator", "replication"] as const;
/** Names the operator refuses for custom users. */
const RESERVED_USERS = new Set<string>([...SYSTEM_USERS, "pmmserver", "pmmserverkey"]);
/** The operator creates databases unquoted and MySQL user names have at most 32 characters. */
const DATABASE_NAME = /^[a-z][a-z0-9_]{0,31}$/;
/** Cluster names: at most 22 characters, starting with a letter (the operator's limit). */
const CLUSTER_NAME = /^[a-z]([-a-z0-9]{0,20}[a-z0-9])?$/;
const FULL_STORAGE = "s3-full";
const BINLOG_STORAGE = "s3-binlogs";

/**
 * A MySQL-compatible Percona XtraDB Cluster (synchronous Galera replication) behind HAProxy,
 * managed by the Percona operator.
 *
 * - Dev runs one node and one HAProxy, which the operator only accepts with the explicit
 *   `unsafeFlags.pxcSize`/`proxySize`; with `highAvailability` it runs an odd number (>= 3) of
 *   nodes, >= 2 HAProxy pods, anti-affinity per node and PodDisruptionBudgets, and no unsafe flag.
 * - TLS is always on: with `tlsIssuer` the operator has cert-manager issue the certificates from
 *   that ClusterIssuer, otherwise it creates its own CA.
 * - The system users' passwords are generated here and kept only in the Secret named by
 *   `spec.secretsName`. Each application database gets an owner user through the operator's
 *   declarative `spec.users` (it runs CREATE DATABASE IF NOT EXISTS, CREATE USER and GRANT ALL on
 *   that database), with its password read from its own Secret. The operator reconciles users
 *   after the cluster reports `ready`, so an application may have to retry its first connection.
 * - Readiness: the cluster is created only once `status.state` is `ready`.
 */
export class XtraDbCluster extends pulumi.ComponentResource {
    public readonly cluster: k8s.apiextensions.CustomResource;
    public readonly clusterName: pulumi.Output<string>;
    /** The HAProxy Service host, which routes writes to one node at a time. */
    public readonly host: pulumi.Output<string>;
    public readonly port = PORT;
    /** Secret holding the system users' passwords (key = user name). */
    public readonly usersSecretName: pulumi.Output<string>;
    /** The pods and ports clients connect to (for NetworkPolicies). */
    public readonly serves: ServedPorts;
    /** The pods and ports the operator manages them through (for its NetworkPolicy flow). */
    public readonly managed: Readonly<Record<string, ServedPorts>>;
    public readonly endpoint: Endpoint;
    /** The root login: maintenance only, applications use their database's user. */
    public readonly credential: CredentialRef;
    public readonly databases: Readonly<Record<string, XtraDbDatabaseAccess>>;
    /** Requests and volumes of the PXC and HAProxy pods (operator-added sidecars are not counted). */
    public readonly footprint: Footprint;
    /** Resources a client must wait for: the ready cluster. */
    public readonly ready: pulumi.Resource[];
    /**
     * The HAProxy pods' `/metrics` on container port `stats` (8404), which the operator's HAProxy
     * configuration always serves: connections, and each PXC node's state as a backend server.
     * The PXC nodes themselves serve no Prometheus endpoint: the operator only adds a MySQL
     * exporter as part of Percona Monitoring and Management (a PMM client sidecar that reports to a
     * PMM server), which the platform does not run, so database-internal metrics are not collected.
     */
    public readonly metrics: ScrapeTarget[];

    constructor(name: string, args: XtraDbClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:XtraDbCluster", name, {}, opts);
        const ha = args.highAvailability ?? false;
        const dbs = args.databases ?? [];
        validate(name, args.sizing, ha, dbs, args.backup);
        const labels = platformLabels("percona-xtradb-cluster", name);

        const systemPasswords = SYSTEM_USERS.map(
            (user) => [user, new random.RandomPassword(`${name}-${user}-password`, { length: 32, special: false }, { parent: this })] as const,
        );
        const usersSecret = new k8s.core.v1.Secret(
            `${name}-users`,
            {
                metadata: { name: `${name}-users`, namespace: args.namespace, labels },
                type: "Opaque",
                stringData: Object.fromEntries(systemPasswords.map(([user, password]) => [user, password.result])),
            },
            { parent: this },
        );
        const rootPassword = systemPasswords[0][1];

        const dbSecrets = dbs.map((db) => {
            const password = new random.RandomPassword(`${name}-${db}-password`, { length: 32, special: false }, { parent: this });
            const secret = new k8s.core.v1.Secret(
                `${name}-${db}-credentials`,
                {
                    metadata: { name: `${name}-${db}-credentials`, namespace: args.namespace, labels },
                    type: "kubernetes.io/basic-auth",
                    stringData: { username: db, password: password.result },
                },
                { parent: this },
            );
            return { db, password, secret };
        });

        const podSecurityContext = { ...restrictedPodSecurityContext(MYSQL_UID), runAsUser: MYSQL_UID, runAsGroup: MYSQL_UID };
        // The images write their generated configuration inside the container, so the root filesystem stays writable.
        const containerSecurityContext = { ...restrictedContainerSecurityContext(MYSQL_UID), readOnlyRootFilesystem: false };
        const affinity = { antiAffinityTopologyKey: ha ? "kubernetes.io/hostname" : "none" };
        const podDisruptionBudget = { maxUnavailable: 1 };

        this.cluster = new k8s.apiextensions.CustomResource(
            `${name}-cluster`,
            {
                apiVersion: "pxc.percona.com/v1",
                kind: "PerconaXtraDBCluster",
                metadata: { name, namespace: args.namespace, labels, annotations: waitForJsonPath(".status.state", "ready") },
                spec: {
                    crVersion: images.pxcOperator.tag,
                    secretsName: usersSecret.metadata.name,
                    updateStrategy: "SmartUpdate",
                    // Versions are pinned here; the operator must not fetch or apply others.
                    upgradeOptions: { apply: "disabled" },
                    ...(ha ? {} : { unsafeFlags: { pxcSize: args.sizing.size < 3, proxySize: args.sizing.haproxy.size < 2 } }),
                    tls: { enabled: true, ...(args.tlsIssuer === undefined ? {} : { issuerConf: { name: args.tlsIssuer, kind: "ClusterIssuer", group: "cert-manager.io" } }) },
                    initContainer: {
                        image: imageRef(images.pxcOperator, args.imageRegistry),
                        containerSecurityContext,
                        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
                    },
                    pxc: {
                        size: args.sizing.size,
                        image: imageRef(images.pxc, args.imageRegistry),
                        autoRecovery: true,
                        resources: resourceRequirements(args.sizing),
                        volumeSpec: {
                            persistentVolumeClaim: {
                                accessModes: ["ReadWriteOnce"],
                                ...(args.storageClass === "" ? {} : { storageClassName: args.storageClass }),
                                resources: { requests: { storage: args.sizing.storage } },
                            },
                        },
                        affinity,
                        podDisruptionBudget,
                        podSecurityContext,
                        containerSecurityContext,
                    },
                    haproxy: {
                        enabled: true,
                        size: args.sizing.haproxy.size,
                        image: imageRef(images.pxcHaproxy, args.imageRegistry),
                        resources: resourceRequirements(args.sizing.haproxy),
                        affinity,
                        podDisruptionBudget,
                        podSecurityContext,
                        containerSecurityContext,
                    },
                    ...(args.backup === undefined ? {} : { backup: backupSpec(name, args.backup, args.imageRegistry, podSecurityContext, containerSecurityContext) }),
                    users: dbSecrets.map(({ db, secret }) => ({
                        name: db,
                        dbs: [db],
                        hosts: ["%"],
                        grants: ["ALL PRIVILEGES"],
                        withGrantOption: false,
                        passwordSecretRef: { name: secret.metadata.name, key: "password" },
                    })),
                },
            },
            {
                parent: this,
                // The PerconaXtraDBCluster kind and its controller are served by the operator release;
                // binlog upload for point-in-time recovery starts with the cluster and needs the bucket.
                dependsOn: [args.operator, ...(args.backup?.ready ?? [])],
                protect: args.protect ?? false,
                customTimeouts: { create: "30m", update: "30m" },
            },
        );

        this.clusterName = this.cluster.metadata.name;
        const namespace = this.cluster.metadata.namespace;
        const serviceName = pulumi.interpolate`${this.clusterName}-haproxy`;
        this.host = pulumi.interpolate`${serviceName}.${namespace}.svc.cluster.local`;
        this.usersSecretName = usersSecret.metadata.name;
        this.endpoint = {
            internal: pulumi.interpolate`mysql://${this.host}:${PORT}`,
            external: null,
            portForward: portForwardCommand(namespace, serviceName, PORT, PORT),
        };
        this.credential = {
            namespace,
            secret: this.usersSecretName,
            username: "root",
            passwordKey: "root",
            password: pulumi.secret(rootPassword.result),
        };
        this.footprint = sumFootprints([podsFootprint(args.sizing, args.sizing.size, args.sizing.storage), podsFootprint(args.sizing.haproxy, args.sizing.haproxy.size)]);
        this.ready = [this.cluster];

        const databases: Record<string, XtraDbDatabaseAccess> = {};
        for (const { db, password, secret } of dbSecrets) {
            databases[db] = {
                host: this.host,
                port: PORT,
                database: db,
                username: db,
                secretName: secret.metadata.name,
                password: pulumi.secret(password.result),
                credential: { namespace, secret: secret.metadata.name, usernameKey: "username", username: db, passwordKey: "password", password: pulumi.secret(password.result) },
                ready: [this.cluster],
            };
        }
        this.databases = databases;
        const haproxyLabels = { "app.kubernetes.io/instance": name, "app.kubernetes.io/component": "haproxy" };
        this.serves = { namespace: args.namespace, podLabels: haproxyLabels, ports: [PORT] };
        this.metrics = [
            {
                name: `${name}-haproxy`,
                namespace: args.namespace,
                kind: "pod",
                selector: haproxyLabels,
                port: "stats",
                containerPort: HAPROXY_METRICS_PORT,
                path: "/metrics",
            },
        ];
        // The PXC operator manages users over MySQL on the PXC pods, on the admin port (33062) or 3306. A
        // SmartUpdate (any change to the cluster's pods) first asks HAProxy, on 3306, which node is the
        // primary, so the operator reaches the HAProxy pods too.
        this.managed = {
            xtradb: { namespace: args.namespace, podLabels: { "app.kubernetes.io/instance": name, "app.kubernetes.io/component": "pxc" }, ports: [PORT, PXC_ADMIN_PORT] },
            "xtradb-haproxy": { namespace: args.namespace, podLabels: haproxyLabels, ports: [PORT] },
        };
        this.registerOutputs({ clusterName: this.clusterName, host: this.host, endpoint: this.endpoint, usersSecretName: this.usersSecretName });
    }
}

/** `spec.backup`: a full-backup storage with a count-based schedule, plus a binlog storage for PITR. */
function backupSpec(
    cluster: string,
    backup: XtraDbBackup,
    imageRegistry: ImageRegistry,
    podSecurityContext: k8s.types.input.core.v1.PodSecurityContext,
    containerSecurityContext: k8s.types.input.core.v1.SecurityContext,
): pulumi.Inputs {
    const storage = (folder: string): pulumi.Inputs => ({
        type: "s3",
        s3: {
            // `bucket/folder` keeps each cluster's backups and binlogs apart, as PITR requires.
            bucket: `${backup.bucket}/${cluster}/${folder}`,
            credentialsSecret: backup.secretName,
            endpointUrl: backup.endpoint,
            region: "us-east-1",
            forcePathStyle: true,
        },
        podSecurityContext,
        containerSecurityContext,
    });
    return {
        image: imageRef(images.pxcBackup, imageRegistry),
        storages: { [FULL_STORAGE]: storage("full"), ...(backup.pitr ? { [BINLOG_STORAGE]: storage("binlogs") } : {}) },
        schedule: [{ name: "scheduled-full", schedule: backup.schedule, storageName: FULL_STORAGE, retention: { type: "count", count: backup.keep, deleteFromStorage: true } }],
        pitr: backup.pitr ? { enabled: true, storageName: BINLOG_STORAGE, timeBetweenUploads: 60 } : { enabled: false },
    };
}

/** Rejects shapes the operator refuses or that cannot keep quorum, before any resource exists. */
function validate(name: string, sizing: XtraDbSizing, ha: boolean, dbs: readonly string[], backup: XtraDbBackup | undefined): void {
    const where = `XtraDbCluster ${name}`;
    if (!CLUSTER_NAME.test(name)) throw new Error(`${where}: the name must be at most 22 lower-case letters, digits and '-', starting with a letter`);
    if (!Number.isInteger(sizing.size) || sizing.size < 1) throw new Error(`${where}: sizing.size must be a positive integer, got ${sizing.size}`);
    if (!Number.isInteger(sizing.haproxy.size) || sizing.haproxy.size < 1) {
        throw new Error(`${where}: sizing.haproxy.size must be a positive integer, got ${sizing.haproxy.size}`);
    }
    if (ha && (sizing.size < 3 || sizing.size % 2 === 0)) {
        throw new Error(`${where}: highAvailability needs an odd sizing.size of 3 or more (Galera quorum), got ${sizing.size}`);
    }
    if (ha && sizing.haproxy.size < 2) throw new Error(`${where}: highAvailability needs sizing.haproxy.size >= 2, got ${sizing.haproxy.size}`);
    const seen = new Set<string>();
    for (const db of dbs) {
        if (!DATABASE_NAME.test(db)) throw new Error(`${where}: database "${db}" must be 1-32 lower-case letters, digits and '_', starting with a letter`);
        if (RESERVED_USERS.has(db)) throw new Error(`${where}: database "${db}" would need an owner user with a reserved system user name`);
        if (seen.has(db)) throw new Error(`${where}: database "${db}" is listed twice`);
        seen.add(db);
    }
    if (backup !== undefined) {
        if (!Number.isInteger(backup.keep) || backup.keep < 1) throw new Error(`${where}: backup.keep must be a positive integer, got ${backup.keep}`);
        if (backup.bucket === "" || backup.bucket.includes("/")) throw new Error(`${where}: backup.bucket must be a bucket name without '/', got "${backup.bucket}"`);
    }
}
