import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { charts, images } from "../components/catalog";
import { ChartSource, parseConfig } from "../components/config";
import { BarmanCloudPlugin } from "../components/data/barmanCloudPlugin";
import { CnpgOperator } from "../components/data/cnpgOperator";
import { PostgresCluster, recoverySpec } from "../components/data/postgresCluster";
import { configError, raw, stackCapture } from "./configHelpers";
import { Capture, settle, stackConfig, useMocks } from "./harness";

const upstream: ChartSource = { mode: "upstream", location: "" };
const RELEASE = "kubernetes:helm.sh/v3:Release";
const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const SCHEDULED = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const PLUGIN = "barman-cloud.cloudnative-pg.io";
const small = { cpu: "100m", memory: "256Mi", cpuLimit: "500m", memoryLimit: "512Mi" };

/** A PostgreSQL cluster with backups, restored from the backups of server `platform-pg`. */
async function restored(): Promise<Capture> {
    const capture = await useMocks({ profile: "prod" });
    const operator = new CnpgOperator("cnpg-operator", { namespace: "platform-operators", chartSource: upstream, imageRegistry: "" });
    const bucketReady = new k8s.core.v1.ConfigMap("object-store-ready", { metadata: { name: "object-store-ready" } });
    const plugin = new k8s.core.v1.ConfigMap("barman-plugin", { metadata: { name: "barman-plugin" } });
    new PostgresCluster("platform-pg", {
        namespace: "platform-data",
        operator: operator.release,
        sizing: { instances: 3, storage: "10Gi", ...small },
        storageClass: "",
        imageRegistry: "",
        highAvailability: true,
        backup: { endpoint: "http://minio.platform-data.svc.cluster.local", bucket: "backups", secretName: "object-store-s3", schedule: "0 2 * * *", retention: "14d", ready: [bucketReady], plugin },
        recovery: { sourceServerName: "platform-pg", serverName: "platform-pg-r1", targetTime: "2026-12-06T08:00:00Z" },
    });
    await settle();
    return capture;
}

describe("PostgreSQL durability", () => {
    describe("recovery spec", () => {
        it("bootstraps from the source server's backups read through the plugin, up to the target time, and archives under the new server name", () => {
            assert.deepStrictEqual(recoverySpec("platform-pg-backups", { sourceServerName: "platform-pg", serverName: "platform-pg-r1", targetTime: "2026-12-06T08:00:00Z" }), {
                bootstrap: { recovery: { source: "backup-source", recoveryTarget: { targetTime: "2026-12-06T08:00:00Z" } } },
                externalClusters: [{ name: "backup-source", plugin: { name: PLUGIN, parameters: { barmanObjectName: "platform-pg-backups", serverName: "platform-pg" } } }],
                plugins: [{ name: PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: "platform-pg-backups", serverName: "platform-pg-r1" } }],
            });
        });

        it("replays all archived WAL without a target time", () => {
            const spec = recoverySpec("s", { sourceServerName: "a", serverName: "b" }) as { bootstrap: unknown };
            assert.deepStrictEqual(spec.bootstrap, { recovery: { source: "backup-source" } });
        });

        it("refuses to archive the restored cluster over its source", () => {
            assert.throws(() => recoverySpec("s", { sourceServerName: "platform-pg", serverName: "platform-pg" }), /server name other than its source's \("platform-pg"\)/);
        });

        it("puts the recovery into the new Cluster and waits for the bucket's store before creating it", async () => {
            const capture = await restored();
            const cluster = capture.one(CLUSTER, "platform-pg-cluster");
            assert.deepStrictEqual(cluster.inputs.spec.bootstrap, { recovery: { source: "backup-source", recoveryTarget: { targetTime: "2026-12-06T08:00:00Z" } } });
            assert.deepStrictEqual(cluster.inputs.spec.externalClusters[0].plugin.parameters, { barmanObjectName: "platform-pg-backups", serverName: "platform-pg" });
            assert.deepStrictEqual(cluster.inputs.spec.plugins[0].parameters, { barmanObjectName: "platform-pg-backups", serverName: "platform-pg-r1" });
            assert.ok(capture.dependencyNames(cluster).includes("kubernetes:core/v1:ConfigMap::object-store-ready"), capture.dependencyNames(cluster).join(", "));
        });
    });

    describe("recovery config", () => {
        it("reads backups.postgresRecovery", () => {
            const cfg = parseConfig(raw({ ...stackConfig("prod"), backups: { postgresRecovery: { sourceServerName: "platform-pg", serverName: "platform-pg-r1", targetTime: "2026-12-06T08:00:00+01:00" } } }));
            assert.deepStrictEqual(cfg.backups.postgresRecovery, { sourceServerName: "platform-pg", serverName: "platform-pg-r1", targetTime: "2026-12-06T08:00:00+01:00" });
        });

        it("defaults to no recovery", () => {
            assert.deepStrictEqual(parseConfig(raw({ profile: "dev" })).backups.postgresRecovery, { sourceServerName: "", serverName: "", targetTime: "" });
        });

        it("refuses a recovery that would archive over its source", () => {
            const e = configError({ ...stackConfig("prod"), backups: { postgresRecovery: { sourceServerName: "platform-pg", serverName: "platform-pg" } } });
            assert.strictEqual(e.key, "backups.postgresRecovery.serverName");
        });

        it("refuses a target time that is not RFC 3339", () => {
            const e = configError({ ...stackConfig("prod"), backups: { postgresRecovery: { sourceServerName: "platform-pg", serverName: "r1", targetTime: "yesterday" } } });
            assert.strictEqual(e.key, "backups.postgresRecovery.targetTime");
        });

        it("refuses a recovery while backups are off", () => {
            const e = configError({ profile: "dev", backups: { postgresRecovery: { sourceServerName: "platform-pg", serverName: "r1" } } });
            assert.strictEqual(e.key, "backups.postgresRecovery.sourceServerName");
        });
    });

    describe("Barman Cloud plugin", () => {
        it("installs the pinned plugin chart with pinned, mirrorable plugin and sidecar images, after cert-manager", async () => {
            const capture = await useMocks({ profile: "prod" });
            const certManager = new k8s.core.v1.ConfigMap("cert-manager-ready", { metadata: { name: "cert-manager-ready" } });
            new BarmanCloudPlugin("barman-cloud", { namespace: "platform-operators", chartSource: upstream, imageRegistry: "mirror.internal", highAvailability: true, certManager });
            await settle();
            const release = capture.one(RELEASE, "barman-cloud-chart");
            assert.deepStrictEqual([release.inputs.chart, release.inputs.version, release.inputs.repositoryOpts.repo], ["plugin-barman-cloud", "0.7.0", "https://cloudnative-pg.github.io/charts"]);
            assert.strictEqual(release.inputs.namespace, "platform-operators");
            assert.deepStrictEqual(release.inputs.values, {
                replicaCount: 2,
                image: { registry: "mirror.internal", repository: "cloudnative-pg/plugin-barman-cloud", tag: "v0.13.0" },
                sidecarImage: { registry: "mirror.internal", repository: "cloudnative-pg/plugin-barman-cloud-sidecar", tag: "v0.13.0" },
                crds: { create: true },
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
            });
            assert.ok(capture.dependencyNames(release).includes("kubernetes:core/v1:ConfigMap::cert-manager-ready"));
        });

        it("pins the chart and images together (chart 0.7.0 ships app v0.13.0)", () => {
            assert.deepStrictEqual([charts.barmanCloudPlugin.version, images.barmanCloudPlugin.tag, images.barmanCloudSidecar.tag], ["0.7.0", "v0.13.0", "v0.13.0"]);
        });
    });

    describe("prod stack", () => {
        let prod: Capture;
        before(async function () {
            this.timeout(120000);
            prod = await stackCapture("prod");
        });

        it("installs the plugin next to the CloudNativePG operator", () => {
            assert.strictEqual(prod.one(RELEASE, "barman-cloud-chart").inputs.namespace, "platform-operators");
        });

        it("archives through the plugin and runs quorum replication with failoverQuorum", () => {
            const spec = prod.one(CLUSTER, "platform-pg-cluster").inputs.spec;
            assert.deepStrictEqual(spec.plugins, [{ name: PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: "platform-pg-backups" } }]);
            assert.deepStrictEqual(spec.postgresql.synchronous, { method: "any", number: 1, dataDurability: "required", failoverQuorum: true });
            assert.strictEqual(spec.backup, undefined);
            assert.strictEqual(spec.bootstrap, undefined);
        });

        it("takes plugin base backups", () => {
            assert.strictEqual(prod.one(SCHEDULED, "platform-pg-scheduled-backup").inputs.spec.method, "plugin");
            assert.strictEqual(prod.one(STORE, "platform-pg-object-store").inputs.spec.configuration.destinationPath, "s3://backups/postgresql/");
        });

        it("runs the PostgreSQL 17.10 operand image", () => {
            assert.strictEqual(prod.one(CLUSTER, "platform-pg-cluster").inputs.spec.imageName, "ghcr.io/cloudnative-pg/postgresql:17.10-standard-trixie");
        });

        it("no longer starts PostgreSQL after the object store; only the backup schedule waits for it", () => {
            const deps = prod.dependencyNames(prod.one(CLUSTER, "platform-pg-cluster"));
            assert.deepStrictEqual(deps.filter((d) => d.includes("minio.min.io")), []);
            const scheduleDeps = prod.dependencyNames(prod.one(SCHEDULED, "platform-pg-scheduled-backup"));
            assert.ok(scheduleDeps.some((d) => d.startsWith("kubernetes:minio.min.io/v2:Tenant::")), scheduleDeps.join(", "));
        });
    });
});
