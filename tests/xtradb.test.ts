import * as assert from "assert";
import { charts, images } from "../components/catalog";
import { MinioOperator } from "../components/data/minioOperator";
import { ObjectStore } from "../components/data/objectStore";
import { PxcOperator } from "../components/data/pxcOperator";
import { XtraDbBackup, XtraDbCluster, XtraDbClusterArgs, XtraDbSizing } from "../components/data/xtradb";
import { Capture, Registered, SECRET_MARK, isSecret, resolve, settle, strings, useMocks, secretLeaks } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const PXC = "kubernetes:pxc.percona.com/v1:PerconaXtraDBCluster";
const SECRET = "kubernetes:core/v1:Secret";
const CHART_SOURCE = { mode: "upstream", location: "" } as const;

const DEV_SIZING: XtraDbSizing = {
    size: 1,
    storage: "5Gi",
    cpu: "250m",
    memory: "512Mi",
    cpuLimit: "1",
    memoryLimit: "1Gi",
    haproxy: { size: 1, cpu: "50m", memory: "64Mi", cpuLimit: "250m", memoryLimit: "128Mi" },
};
const HA_SIZING: XtraDbSizing = {
    size: 3,
    storage: "50Gi",
    cpu: "1",
    memory: "2Gi",
    cpuLimit: "2",
    memoryLimit: "4Gi",
    haproxy: { size: 3, cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" },
};
const BACKUP: XtraDbBackup = {
    endpoint: "http://minio.platform-data.svc.cluster.local",
    bucket: "backups",
    secretName: "minio-s3-credentials",
    ready: [],
    schedule: "0 2 * * *",
    keep: 7,
    pitr: true,
};

interface Built {
    capture: Capture;
    operator: PxcOperator;
    db: XtraDbCluster;
}

/** The operator and a cluster as the program wires them, dev unless `ha`. */
async function build(ha: boolean, overrides: Partial<XtraDbClusterArgs> = {}, imageRegistry = ""): Promise<Built> {
    const capture = await useMocks({ profile: ha ? "prod" : "dev" });
    const operator = new PxcOperator("pxc-operator", { namespace: "platform-operators", chartSource: CHART_SOURCE, imageRegistry, highAvailability: ha });
    const db = new XtraDbCluster("mysql", {
        namespace: "platform-data",
        operator: operator.release,
        imageRegistry,
        storageClass: "",
        sizing: ha ? HA_SIZING : DEV_SIZING,
        databases: ["app", "metastore"],
        highAvailability: ha,
        ...(ha ? { tlsIssuer: "platform-ca", protect: true } : {}),
        ...overrides,
    });
    await settle();
    return { capture, operator, db };
}

function cluster(capture: Capture): Registered {
    return capture.one(PXC, "mysql-cluster");
}

/** Constructs a cluster that must be refused; returns the error message. */
async function refusal(ha: boolean, sizing: XtraDbSizing, extra: Partial<XtraDbClusterArgs> = {}, name = "mysql"): Promise<string> {
    await useMocks({ profile: ha ? "prod" : "dev" });
    try {
        new XtraDbCluster(name, { namespace: "platform-data", operator: undefined as never, imageRegistry: "", storageClass: "", sizing, highAvailability: ha, ...extra });
    } catch (e) {
        return (e as Error).message;
    }
    throw new Error("the cluster was accepted");
}

describe("PxcOperator", () => {
    it("installs the pinned chart as release pxc-operator, cluster-wide, one replica in dev", async () => {
        const { capture } = await build(false);
        const release = capture.one(RELEASE, "pxc-operator-chart").inputs;
        assert.strictEqual(release.name, "pxc-operator");
        assert.strictEqual(release.chart, charts.pxcOperator.chart);
        assert.strictEqual(release.version, charts.pxcOperator.version);
        assert.deepStrictEqual(release.repositoryOpts, { repo: charts.pxcOperator.repository });
        assert.strictEqual(release.namespace, "platform-operators");
        const v = release.values;
        assert.strictEqual(v.replicaCount, 1);
        assert.strictEqual(v.image, `${images.pxcOperator.registry}/${images.pxcOperator.repository}:${images.pxcOperator.tag}`);
        assert.strictEqual(v.watchAllNamespaces, true);
        assert.strictEqual(v.disableTelemetry, true);
        assert.deepStrictEqual(v.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
    });

    it("runs the operator container under the restricted profile", async () => {
        const { capture } = await build(false);
        assert.deepStrictEqual(capture.one(RELEASE, "pxc-operator-chart").inputs.values.containerSecurityContext, {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: false,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        });
    });

    it("runs two operator replicas with highAvailability", async () => {
        const { capture } = await build(true);
        assert.strictEqual(capture.one(RELEASE, "pxc-operator-chart").inputs.values.replicaCount, 2);
    });

    it("counts its replicas' requests and limits in its footprint", async () => {
        const { operator } = await build(true);
        assert.deepStrictEqual(operator.footprint, { cpuMillis: 200, memoryMiB: 256, cpuLimitMillis: 1000, memoryLimitMiB: 1024, storageGiB: 0 });
    });
});

describe("XtraDbCluster", () => {
    it("dev runs one node and one HAProxy, accepted through the explicit unsafe flags", async () => {
        const { capture } = await build(false);
        const spec = cluster(capture).inputs.spec;
        assert.strictEqual(spec.crVersion, images.pxcOperator.tag);
        assert.strictEqual(spec.pxc.size, 1);
        assert.strictEqual(spec.haproxy.size, 1);
        assert.strictEqual(spec.haproxy.enabled, true);
        assert.deepStrictEqual(spec.unsafeFlags, { pxcSize: true, proxySize: true });
        assert.deepStrictEqual(spec.pxc.affinity, { antiAffinityTopologyKey: "none" });
        assert.deepStrictEqual(spec.tls, { enabled: true });
        assert.deepStrictEqual(spec.upgradeOptions, { apply: "disabled" });
        assert.deepStrictEqual(spec.pxc.volumeSpec, { persistentVolumeClaim: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } } } });
        assert.deepStrictEqual(spec.pxc.resources, { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } });
        assert.deepStrictEqual(spec.haproxy.resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } });
    });

    it("HA runs three nodes and three HAProxies, one per node, with PDBs and no unsafe flag", async () => {
        const { capture } = await build(true);
        const r = cluster(capture);
        const spec = r.inputs.spec;
        assert.deepStrictEqual([spec.pxc.size, spec.haproxy.size], [3, 3]);
        assert.strictEqual("unsafeFlags" in spec, false);
        for (const part of [spec.pxc, spec.haproxy]) {
            assert.deepStrictEqual(part.affinity, { antiAffinityTopologyKey: "kubernetes.io/hostname" });
            assert.deepStrictEqual(part.podDisruptionBudget, { maxUnavailable: 1 });
        }
        assert.strictEqual(r.protect, true);
    });

    it("HA has cert-manager issue the TLS certificates from the given ClusterIssuer", async () => {
        const { capture } = await build(true);
        assert.deepStrictEqual(cluster(capture).inputs.spec.tls, { enabled: true, issuerConf: { name: "platform-ca", kind: "ClusterIssuer", group: "cert-manager.io" } });
    });

    it("counts the nodes with their volumes and the HAProxies in its footprint", async () => {
        const { db } = await build(true);
        assert.deepStrictEqual(db.footprint, { cpuMillis: 3300, memoryMiB: 6528, cpuLimitMillis: 7500, memoryLimitMiB: 13056, storageGiB: 150 });
    });

    it("refuses an even node count with highAvailability", async () => {
        assert.strictEqual(
            await refusal(true, { ...HA_SIZING, size: 4 }),
            "XtraDbCluster mysql: highAvailability needs an odd sizing.size of 3 or more (Galera quorum), got 4",
        );
    });

    it("refuses fewer than three nodes with highAvailability", async () => {
        assert.match(await refusal(true, { ...HA_SIZING, size: 1 }), /highAvailability needs an odd sizing.size of 3 or more \(Galera quorum\), got 1$/);
    });

    it("refuses a single HAProxy with highAvailability", async () => {
        assert.match(await refusal(true, { ...HA_SIZING, haproxy: { ...HA_SIZING.haproxy, size: 1 } }), /highAvailability needs sizing.haproxy.size >= 2, got 1$/);
    });

    it("refuses a cluster name longer than the operator's 22 characters", async () => {
        assert.match(await refusal(false, DEV_SIZING, {}, "analytics-mysql-cluster"), /the name must be at most 22 lower-case letters/);
    });

    it("refuses a database whose owner would collide with a system user", async () => {
        assert.match(await refusal(false, DEV_SIZING, { databases: ["monitor"] }), /database "monitor" would need an owner user with a reserved system user name/);
    });

    it("refuses a database name the operator would not quote safely", async () => {
        assert.match(await refusal(false, DEV_SIZING, { databases: ["app-db"] }), /database "app-db" must be 1-32 lower-case letters/);
    });

    it("gates the cluster on the operator release and on state ready", async () => {
        const { capture, db } = await build(false);
        const r = cluster(capture);
        assert.ok(capture.dependencyNames(r).includes(`${RELEASE}::pxc-operator-chart`), `cluster deps: ${capture.dependencyNames(r).join(", ")}`);
        assert.strictEqual(r.inputs.metadata.annotations["pulumi.com/waitFor"], "jsonpath={.status.state}=ready");
        assert.strictEqual(r.inputs.metadata.namespace, "platform-data");
        assert.strictEqual(r.protect, false);
        assert.strictEqual(db.ready.length, 1);
        assert.strictEqual(db.ready[0], db.cluster);
    });

    it("generates every system user's password into the Secret named by secretsName", async () => {
        const { capture } = await build(false);
        const users = ["root", "xtrabackup", "monitor", "clustercheck", "proxyadmin", "operator", "replication"];
        assert.deepStrictEqual(capture.one(SECRET, "mysql-users").inputs.stringData, Object.fromEntries(users.map((u) => [u, `${SECRET_MARK}-mysql-${u}-password`])));
        assert.strictEqual(cluster(capture).inputs.spec.secretsName, "mysql-users");
    });

    it("declares one owner user per database, its password read from its own Secret", async () => {
        const { capture } = await build(false);
        assert.deepStrictEqual(cluster(capture).inputs.spec.users, [
            { name: "app", dbs: ["app"], hosts: ["%"], grants: ["ALL PRIVILEGES"], withGrantOption: false, passwordSecretRef: { name: "mysql-app-credentials", key: "password" } },
            { name: "metastore", dbs: ["metastore"], hosts: ["%"], grants: ["ALL PRIVILEGES"], withGrantOption: false, passwordSecretRef: { name: "mysql-metastore-credentials", key: "password" } },
        ]);
        const secret = capture.one(SECRET, "mysql-app-credentials").inputs;
        assert.strictEqual(secret.type, "kubernetes.io/basic-auth");
        assert.deepStrictEqual(secret.stringData, { username: "app", password: `${SECRET_MARK}-mysql-app-password` });
    });

    it("tells applications where their database is and what to wait for", async () => {
        const { db } = await build(false);
        const app = db.databases.app;
        assert.strictEqual(await resolve(app.host), "mysql-haproxy.platform-data.svc.cluster.local");
        assert.deepStrictEqual([app.port, app.database, app.username], [3306, "app", "app"]);
        assert.strictEqual(await resolve(app.secretName), "mysql-app-credentials");
        assert.strictEqual(await isSecret(app.password), true);
        assert.strictEqual(app.ready[0], db.cluster);
        assert.deepStrictEqual(Object.keys(db.databases), ["app", "metastore"]);
    });

    it("exposes the HAProxy Service and the root login by Secret name", async () => {
        const { db } = await build(false);
        assert.strictEqual(await resolve(db.host), "mysql-haproxy.platform-data.svc.cluster.local");
        assert.strictEqual(await resolve(db.endpoint.internal), "mysql://mysql-haproxy.platform-data.svc.cluster.local:3306");
        assert.strictEqual(db.endpoint.external, null);
        assert.strictEqual(await resolve(db.endpoint.portForward), "kubectl -n platform-data port-forward svc/mysql-haproxy 3306:3306");
        assert.strictEqual(await resolve(db.credential.secret), "mysql-users");
        assert.deepStrictEqual([db.credential.username, db.credential.passwordKey], ["root", "root"]);
        assert.strictEqual(await isSecret(db.credential.password), true);
        assert.strictEqual(await isSecret(db.endpoint.internal), false);
    });

    it("takes every image from the catalog through the registry override", async () => {
        const reg = "mirror.internal:5000";
        const { capture } = await build(false, { backup: BACKUP }, reg);
        const spec = cluster(capture).inputs.spec;
        assert.strictEqual(spec.pxc.image, `${reg}/${images.pxc.repository}:${images.pxc.tag}`);
        assert.strictEqual(spec.haproxy.image, `${reg}/${images.pxcHaproxy.repository}:${images.pxcHaproxy.tag}`);
        assert.strictEqual(spec.backup.image, `${reg}/${images.pxcBackup.repository}:${images.pxcBackup.tag}`);
        assert.strictEqual(spec.initContainer.image, `${reg}/${images.pxcOperator.repository}:${images.pxcOperator.tag}`);
        assert.strictEqual(capture.one(RELEASE, "pxc-operator-chart").inputs.values.image, `${reg}/${images.pxcOperator.repository}:${images.pxcOperator.tag}`);
    });

    it("runs the database pods under the restricted profile as the mysql user", async () => {
        const { capture } = await build(true);
        const spec = cluster(capture).inputs.spec;
        const pod = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" }, fsGroup: 1001, fsGroupChangePolicy: "OnRootMismatch", runAsUser: 1001, runAsGroup: 1001 };
        const container = {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: false,
            runAsNonRoot: true,
            runAsUser: 1001,
            runAsGroup: 1001,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        };
        for (const part of [spec.pxc, spec.haproxy]) {
            assert.deepStrictEqual(part.podSecurityContext, pod);
            assert.deepStrictEqual(part.containerSecurityContext, container);
        }
        assert.deepStrictEqual(spec.initContainer.containerSecurityContext, container);
    });

    it("has no backup section without a backup argument", async () => {
        const { capture } = await build(false);
        assert.strictEqual("backup" in cluster(capture).inputs.spec, false);
    });

    it("backs up to S3 on schedule with count retention, naming the credentials Secret", async () => {
        const { capture } = await build(false, { backup: { ...BACKUP, pitr: false } });
        const backup = cluster(capture).inputs.spec.backup;
        assert.deepStrictEqual(Object.keys(backup.storages), ["s3-full"]);
        assert.strictEqual(backup.storages["s3-full"].type, "s3");
        assert.deepStrictEqual(backup.storages["s3-full"].s3, {
            bucket: "backups/mysql/full",
            credentialsSecret: "minio-s3-credentials",
            endpointUrl: "http://minio.platform-data.svc.cluster.local",
            region: "us-east-1",
            forcePathStyle: true,
        });
        assert.deepStrictEqual(backup.schedule, [
            { name: "scheduled-full", schedule: "0 2 * * *", storageName: "s3-full", retention: { type: "count", count: 7, deleteFromStorage: true } },
        ]);
        assert.deepStrictEqual(backup.pitr, { enabled: false });
    });

    it("uploads binlogs to their own folder when point-in-time recovery is on", async () => {
        const { capture } = await build(false, { backup: BACKUP });
        const backup = cluster(capture).inputs.spec.backup;
        assert.deepStrictEqual(backup.pitr, { enabled: true, storageName: "s3-binlogs", timeBetweenUploads: 60 });
        assert.strictEqual(backup.storages["s3-binlogs"].s3.bucket, "backups/mysql/binlogs");
        assert.strictEqual(backup.storages["s3-binlogs"].s3.credentialsSecret, "minio-s3-credentials");
    });

    it("refuses a backup that keeps no copies", async () => {
        assert.match(await refusal(false, DEV_SIZING, { backup: { ...BACKUP, keep: 0 } }), /backup.keep must be a positive integer, got 0$/);
    });

    it("wires backups to the object store's S3 endpoint and credentials Secret by name", async () => {
        const capture = await useMocks({ profile: "dev" });
        const minioOperator = new MinioOperator("minio-operator", { namespace: "platform-operators", chartSource: CHART_SOURCE, imageRegistry: "" });
        const store = new ObjectStore("minio", {
            namespace: "platform-data",
            operator: minioOperator.release,
            imageRegistry: "",
            storageClass: "",
            sizing: { servers: 1, volumesPerServer: 1, volumeSize: "5Gi", cpu: "100m", memory: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" },
            buckets: ["backups"],
            clients: [{ name: "xtradb-backups", grants: [{ bucket: "backups", access: "readwrite", prefix: "mysql/" }] }],
        });
        const pxcOperator = new PxcOperator("pxc-operator", { namespace: "platform-operators", chartSource: CHART_SOURCE, imageRegistry: "" });
        new XtraDbCluster("mysql", {
            namespace: "platform-data",
            operator: pxcOperator.release,
            imageRegistry: "",
            storageClass: "",
            sizing: DEV_SIZING,
            backup: { ...store.location("backups", "xtradb-backups"), schedule: "0 3 * * *", keep: 3, pitr: false },
        });
        await settle();
        const r = cluster(capture);
        assert.deepStrictEqual(r.inputs.spec.backup.storages["s3-full"].s3, {
            bucket: "backups/mysql/full",
            credentialsSecret: "minio-s3-xtradb-backups",
            endpointUrl: "http://minio.platform-data.svc.cluster.local",
            region: "us-east-1",
            forcePathStyle: true,
        });
        const deps = capture.dependencyNames(r);
        // Binlog upload starts with the cluster, so it waits for the initialized tenant, its buckets and
        // its S3 user (the provisioning Job, which itself waits for the client's Secret).
        assert.ok(deps.includes("kubernetes:minio.min.io/v2:Tenant::minio-tenant"), `cluster deps: ${deps.join(", ")}`);
        assert.ok(deps.includes("kubernetes:batch/v1:Job::minio-s3-provision"), `cluster deps: ${deps.join(", ")}`);
    });

    for (const ha of [false, true]) {
        it(`keeps every generated value inside Secrets (${ha ? "HA" : "dev"})`, async () => {
            const { capture } = await build(ha, { backup: BACKUP });
            assert.deepStrictEqual(secretLeaks(capture), []);
            // 7 system users, and a password per database.
            const inSecrets = capture.ofType(SECRET).flatMap((r) => strings(r.inputs.stringData).filter(([, s]) => s.includes(SECRET_MARK)));
            assert.strictEqual(inSecrets.length, 9);
        });
    }
});
