import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { charts, images } from "../components/catalog";
import { ChartSource } from "../components/config";
import { ClickHouse } from "../components/data/clickhouse";
import { CnpgOperator } from "../components/data/cnpgOperator";
import { Nessie } from "../components/data/nessie";
import { PostgresBackupSchedule } from "../components/data/postgresBackupSchedule";
import { PostgresCluster } from "../components/data/postgresCluster";
import { S3Access } from "../components/data/s3Access";
import { Capture, SECRET_MARK, resolve, settle, strings, useMocks } from "./harness";

const upstream: ChartSource = { mode: "upstream", location: "" };
const small = { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" };
const RELEASE = "kubernetes:helm.sh/v3:Release";

function noSecretOutsideSecrets(capture: Capture): string[] {
    return capture.resources
        .filter((r) => r.type !== "kubernetes:core/v1:Secret" && !r.type.startsWith("random:"))
        .flatMap((r) => strings(r.inputs).filter(([, s]) => s.includes(SECRET_MARK)).map(([p]) => `${r.type} ${r.name} ${p}`));
}

/** A stand-in for the object store: a ConfigMap the tests can see dependencies on. */
function fakeObjectStore(): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap("object-store-ready", { metadata: { name: "object-store-ready", namespace: "platform-data" } });
}

function pg(withBackup: boolean): PostgresCluster {
    const operator = new CnpgOperator("cnpg-operator", { namespace: "platform-operators", chartSource: upstream, imageRegistry: "" });
    return new PostgresCluster("platform-pg", {
        namespace: "platform-data",
        operator: operator.release,
        sizing: { instances: 3, storage: "10Gi", ...small },
        storageClass: "",
        imageRegistry: "",
        databases: [{ name: "nessie" }],
        highAvailability: true,
        ...(withBackup
            ? {
                  backup: {
                      endpoint: "http://minio.platform-data.svc.cluster.local",
                      bucket: "backups",
                      secretName: "object-store-s3",
                      schedule: "0 2 * * *",
                      retention: "14d",
                      ready: [fakeObjectStore()],
                      plugin: new k8s.core.v1.ConfigMap("barman-plugin", { metadata: { name: "barman-plugin", namespace: "platform-operators" } }),
                  },
              }
            : {}),
    });
}

describe("data services", () => {
    describe("PostgreSQL backups", () => {
        let capture: Capture;
        before(async () => {
            capture = await useMocks({ profile: "prod" });
            const cluster = pg(true);
            new PostgresBackupSchedule("platform-pg-backups", { cluster, namespace: "platform-data", schedule: "0 2 * * *", bucketReady: [new k8s.core.v1.ConfigMap("bucket-ready", { metadata: { name: "bucket-ready" } })] });
            await settle();
        });

        it("archives WAL and base backups through the Barman Cloud plugin's ObjectStore, with credentials from a Secret", () => {
            const store = capture.one("kubernetes:barmancloud.cnpg.io/v1:ObjectStore", "platform-pg-object-store").inputs;
            assert.strictEqual(store.metadata.name, "platform-pg-backups");
            assert.deepStrictEqual(store.spec, {
                retentionPolicy: "14d",
                configuration: {
                    destinationPath: "s3://backups/postgresql/",
                    endpointURL: "http://minio.platform-data.svc.cluster.local",
                    s3Credentials: {
                        accessKeyId: { name: "object-store-s3", key: "AWS_ACCESS_KEY_ID" },
                        secretAccessKey: { name: "object-store-s3", key: "AWS_SECRET_ACCESS_KEY" },
                    },
                    wal: { compression: "gzip" },
                    data: { compression: "gzip" },
                },
                instanceSidecarConfiguration: { resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } } },
            });
            const spec = capture.one("kubernetes:postgresql.cnpg.io/v1:Cluster", "platform-pg-cluster").inputs.spec;
            assert.strictEqual(spec.backup, undefined);
            assert.deepStrictEqual(spec.plugins, [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: "platform-pg-backups" } }]);
        });

        it("starts the cluster after the operator, the plugin and its ObjectStore, not after the bucket's store", () => {
            const cluster = capture.one("kubernetes:postgresql.cnpg.io/v1:Cluster", "platform-pg-cluster");
            const deps = capture.dependencyNames(cluster);
            assert.ok(!deps.includes("kubernetes:core/v1:ConfigMap::object-store-ready"), deps.join(", "));
            for (const want of [`${RELEASE}::cnpg-operator-chart`, "kubernetes:core/v1:ConfigMap::barman-plugin", "kubernetes:barmancloud.cnpg.io/v1:ObjectStore::platform-pg-object-store"]) {
                assert.ok(deps.includes(want), `${want} missing from ${deps.join(", ")}`);
            }
        });

        it("schedules daily plugin base backups once the cluster is ready and the bucket's store is up", () => {
            const sb = capture.one("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", "platform-pg-scheduled-backup");
            assert.deepStrictEqual(sb.inputs.spec, {
                cluster: { name: "platform-pg" },
                schedule: "0 0 2 * * *",
                method: "plugin",
                pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" },
                backupOwnerReference: "self",
                immediate: true,
            });
            const deps = capture.dependencyNames(sb);
            for (const want of ["kubernetes:postgresql.cnpg.io/v1:Cluster::platform-pg-cluster", "kubernetes:core/v1:ConfigMap::bucket-ready"]) assert.ok(deps.includes(want), deps.join(", "));
        });

        it("registers no backup without a backup target", async () => {
            const c = await useMocks({ profile: "dev" });
            pg(false);
            await settle();
            assert.deepStrictEqual(c.ofType("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup"), []);
            assert.strictEqual(c.one("kubernetes:postgresql.cnpg.io/v1:Cluster", "platform-pg-cluster").inputs.spec.plugins, undefined);
            assert.deepStrictEqual(c.ofType("kubernetes:barmancloud.cnpg.io/v1:ObjectStore"), []);
        });
    });

    describe("Nessie", () => {
        let capture: Capture;
        let nessie: Nessie;
        before(async () => {
            capture = await useMocks({ profile: "prod" });
            const postgres = pg(false);
            nessie = new Nessie("nessie", {
                namespace: "platform-data",
                chartSource: upstream,
                imageRegistry: "",
                database: postgres.databases.nessie,
                warehouse: { endpoint: "http://minio.platform-data.svc.cluster.local", secretName: "object-store-s3", bucket: "warehouse", ready: [fakeObjectStore()] },
                resources: small,
                highAvailability: true,
            });
            await settle();
        });

        it("keeps its version store in its PostgreSQL database, credentials by Secret name", () => {
            const v = capture.one(RELEASE, "nessie-chart").inputs.values;
            assert.strictEqual(v.versionStoreType, "JDBC2");
            assert.deepStrictEqual(v.jdbc, {
                jdbcUrl: "jdbc:postgresql://platform-pg-rw.platform-data.svc.cluster.local:5432/nessie",
                secret: { name: "platform-pg-nessie-credentials", username: "username", password: "password" },
            });
        });

        it("serves the Iceberg REST catalog with its warehouse in the object store", async () => {
            const v = capture.one(RELEASE, "nessie-chart").inputs.values;
            assert.strictEqual(v.catalog.enabled, true);
            assert.deepStrictEqual(v.catalog.iceberg.warehouses, [{ name: "warehouse", location: "s3://warehouse/" }]);
            assert.deepStrictEqual(v.catalog.storage.s3.defaultOptions.accessKeySecret, { name: "object-store-s3", awsAccessKeyId: "AWS_ACCESS_KEY_ID", awsSecretAccessKey: "AWS_SECRET_ACCESS_KEY" });
            assert.strictEqual(await resolve(nessie.icebergRestUri), "http://nessie.platform-data.svc.cluster.local:19120/iceberg");
        });

        it("waits for its database and the object store", () => {
            const deps = capture.dependencyNames(capture.one(RELEASE, "nessie-chart"));
            for (const want of ["kubernetes:postgresql.cnpg.io/v1:Cluster::platform-pg-cluster", "kubernetes:postgresql.cnpg.io/v1:Database::platform-pg-nessie-database", "kubernetes:core/v1:ConfigMap::object-store-ready"]) {
                assert.ok(deps.includes(want), `${deps.join(", ")} lacks ${want}`);
            }
        });

        it("runs two replicas with a PodDisruptionBudget in the HA shape", () => {
            const v = capture.one(RELEASE, "nessie-chart").inputs.values;
            assert.strictEqual(v.replicaCount, 2);
            assert.deepStrictEqual(v.podDisruptionBudget, { enabled: true, policy: { maxUnavailable: 1 } });
            assert.strictEqual(capture.one(RELEASE, "nessie-chart").inputs.version, charts.nessie.version);
        });

        it("puts no generated secret outside Secrets", () => {
            assert.deepStrictEqual(noSecretOutsideSecrets(capture), []);
        });
    });

    describe("ClickHouse", () => {
        let capture: Capture;
        let ch: ClickHouse;
        before(async () => {
            capture = await useMocks({ profile: "dev" });
            ch = new ClickHouse("clickhouse", { namespace: "platform-data", sizing: { storage: "5Gi", ...small }, storageClass: "fast", imageRegistry: "mirror.internal" });
            await settle();
        });

        it("reads its admin login from the generated Secret", () => {
            const container = capture.one("kubernetes:apps/v1:StatefulSet", "clickhouse-statefulset").inputs.spec.template.spec.containers[0];
            assert.deepStrictEqual(container.env, [
                { name: "CLICKHOUSE_USER", valueFrom: { secretKeyRef: { name: "clickhouse-credentials", key: "username" } } },
                { name: "CLICKHOUSE_PASSWORD", valueFrom: { secretKeyRef: { name: "clickhouse-credentials", key: "password" } } },
                { name: "CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT", value: "1" },
                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                { name: "CH_INTERSERVER_HOST", value: "$(POD_NAME).clickhouse-headless.platform-data.svc.cluster.local" },
                { name: "CH_CLUSTER_SECRET", valueFrom: { secretKeyRef: { name: "clickhouse-cluster", key: "secret" } } },
                { name: "CH_INTERSERVER_PASSWORD", valueFrom: { secretKeyRef: { name: "clickhouse-cluster", key: "interserver-password" } } },
            ]);
            assert.strictEqual(capture.one("kubernetes:core/v1:Secret", "clickhouse-credentials").inputs.stringData.password, `${SECRET_MARK}-clickhouse-password`);
        });

        it("runs restricted with a read-only root filesystem, probes and limits", () => {
            const pod = capture.one("kubernetes:apps/v1:StatefulSet", "clickhouse-statefulset").inputs.spec.template.spec;
            const c = pod.containers[0];
            assert.strictEqual(c.image, `mirror.internal/${images.clickhouse.repository}:${images.clickhouse.tag}`);
            assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
            assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
            assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
            assert.strictEqual(pod.securityContext.runAsNonRoot, true);
            assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/ping", port: "http" });
            assert.deepStrictEqual(c.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
        });

        it("persists data on a claim of the configured class and size", () => {
            const claim = capture.one("kubernetes:apps/v1:StatefulSet", "clickhouse-statefulset").inputs.spec.volumeClaimTemplates[0];
            assert.deepStrictEqual(claim.spec, { accessModes: ["ReadWriteOnce"], storageClassName: "fast", resources: { requests: { storage: "5Gi" } } });
        });

        it("names the HTTP endpoint and keeps the password secret", async () => {
            assert.strictEqual(await resolve(ch.endpoint.internal), "http://clickhouse.platform-data.svc.cluster.local:8123");
            assert.deepStrictEqual(noSecretOutsideSecrets(capture), []);
        });
    });
});

describe("S3Access", () => {
    it("copies the application key into a Secret of the client's namespace and points the location at it", async () => {
        const capture = await useMocks({ profile: "dev" });
        const ready = fakeObjectStore();
        const keys = { accessKeyId: pulumi.secret(`${SECRET_MARK}-id`), secretAccessKey: pulumi.secret(`${SECRET_MARK}-key`) };
        const access = new S3Access("flink", {
            namespace: "platform-processing",
            location: { endpoint: "http://minio.platform-data.svc.cluster.local", secretName: "object-store-s3-credentials", bucket: "checkpoints", ready: [ready], keys },
        });
        await settle();
        const secret = capture.one("kubernetes:core/v1:Secret", "flink-credentials").inputs;
        assert.strictEqual(secret.metadata.namespace, "platform-processing");
        assert.deepStrictEqual(secret.stringData, { AWS_ACCESS_KEY_ID: `${SECRET_MARK}-id`, AWS_SECRET_ACCESS_KEY: `${SECRET_MARK}-key` });
        assert.strictEqual(await resolve(access.location.secretName), "flink-credentials");
        assert.strictEqual(access.location.bucket, "checkpoints");
        assert.deepStrictEqual(access.location.ready, [ready]);
    });

    it("refuses a location that carries no key", async () => {
        await useMocks({ profile: "dev" });
        assert.throws(
            () => new S3Access("flink", { namespace: "platform-processing", location: { endpoint: "http://minio", secretName: "s", bucket: "checkpoints", ready: [] } }),
            /the location of bucket "checkpoints" carries no access key to copy/,
        );
    });
});
