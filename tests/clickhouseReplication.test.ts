import * as assert from "assert";
import {
    BACKUP_COLLECTION,
    EMBEDDED_KEEPER_CONFIG,
    HA_REPLICAS,
    KEEPER_REPLICAS,
    backupConfig,
    backupScript,
    clusterConfig,
    keeperConfig,
} from "../components/data/clickhouse";
import { AlertScope, alertRuleGroups, dashboards } from "../components/lib/alertRules";
import { Capture, SECRET_MARK, runProgram, secretLeaks, stackConfig, useMocks } from "./harness";

const STATEFULSET = "kubernetes:apps/v1:StatefulSet";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const CRONJOB = "kubernetes:batch/v1:CronJob";
const EXTERNAL = { mode: "external", endpoint: "https://s3.eu-central-1.amazonaws.com", bucket: "analytics-prod-backups", credentialsSecret: "offsite-backup-credentials" };
const host = (pod: string, svc: string) => `${pod}.${svc}.platform-data.svc.cluster.local`;

describe("ClickHouse replication and backups", () => {
    describe("generated configuration", () => {
        it("names every replica in one shard of the platform cluster, and every Keeper", () => {
            const xml = clusterConfig({ replicas: ["ch-0.h", "ch-1.h"], keepers: ["k-0.k", "k-1.k", "k-2.k"] });
            assert.deepStrictEqual(
                xml.split("\n").filter((l) => l.includes("<host>")).map((l) => l.trim()),
                [
                    "<node><host>k-0.k</host><port>9181</port></node>",
                    "<node><host>k-1.k</host><port>9181</port></node>",
                    "<node><host>k-2.k</host><port>9181</port></node>",
                    "<replica><host>ch-0.h</host><port>9000</port></replica>",
                    "<replica><host>ch-1.h</host><port>9000</port></replica>",
                ],
            );
        });

        it("defines the macros the default replica path and name use, the replica being the pod name", () => {
            const xml = clusterConfig({ replicas: ["ch-0.h"], keepers: [] });
            const macros = xml.slice(xml.indexOf("<macros>"), xml.indexOf("</macros>") + "</macros>".length);
            assert.strictEqual(macros, '<macros>\n        <cluster>platform</cluster>\n        <shard>1</shard>\n        <replica from_env="POD_NAME"/>\n    </macros>');
        });

        it("reads the cluster secret and the interserver password from the environment and keeps them out of the preprocessed file", () => {
            const xml = clusterConfig({ replicas: ["ch-0.h"], keepers: [] });
            assert.ok(xml.includes('<secret hide_in_preprocessed="true" from_env="CH_CLUSTER_SECRET"/>'));
            assert.ok(xml.includes('<interserver_http_credentials hide_in_preprocessed="true">\n        <user>interserver</user>\n        <password from_env="CH_INTERSERVER_PASSWORD"/>'));
            assert.ok(xml.includes('<interserver_http_host from_env="CH_INTERSERVER_HOST"/>'));
        });

        it("points the single server at its embedded one-node Keeper", () => {
            assert.ok(clusterConfig({ replicas: ["ch-0.h"], keepers: [] }).includes("<node><host>localhost</host><port>9181</port></node>"));
            assert.ok(EMBEDDED_KEEPER_CONFIG.includes("<server_id>1</server_id>"));
            assert.ok(EMBEDDED_KEEPER_CONFIG.includes("<server><id>1</id><hostname>localhost</hostname><port>9234</port></server>"));
            assert.ok(EMBEDDED_KEEPER_CONFIG.includes("<log_storage_path>/var/lib/clickhouse/coordination/log</log_storage_path>"));
        });

        it("numbers the standalone Keepers' Raft members 1..n and takes the own id from the environment", () => {
            const xml = keeperConfig(["k-0.k", "k-1.k", "k-2.k"]);
            assert.deepStrictEqual(
                xml.split("\n").filter((l) => l.includes("<server>")).map((l) => l.trim()),
                [
                    "<server><id>1</id><hostname>k-0.k</hostname><port>9234</port></server>",
                    "<server><id>2</id><hostname>k-1.k</hostname><port>9234</port></server>",
                    "<server><id>3</id><hostname>k-2.k</hostname><port>9234</port></server>",
                ],
            );
            assert.ok(xml.includes('<server_id from_env="KEEPER_SERVER_ID"/>'));
            assert.ok(xml.includes("<readiness><endpoint>/ready</endpoint></readiness>"));
        });

        it("keeps the backup key in the environment, out of the preprocessed file", () => {
            assert.strictEqual(
                backupConfig("http://s3.example/backups/clickhouse/"),
                [
                    "<clickhouse>",
                    "    <named_collections>",
                    `        <${BACKUP_COLLECTION} hide_in_preprocessed="true">`,
                    "            <url>http://s3.example/backups/clickhouse/</url>",
                    '            <access_key_id from_env="CH_BACKUP_ACCESS_KEY_ID"/>',
                    '            <secret_access_key from_env="CH_BACKUP_SECRET_ACCESS_KEY"/>',
                    `        </${BACKUP_COLLECTION}>`,
                    "    </named_collections>",
                    "</clickhouse>",
                    "",
                ].join("\n"),
            );
        });

        it("backs up every non-system database on the whole cluster through the named collection, under a time-stamped name", () => {
            const script = backupScript("ch.ns.svc");
            assert.ok(
                script.includes(
                    `clickhouse-client --host ch.ns.svc --port 9000 --receive_timeout=21600 --query "BACKUP ALL EXCEPT DATABASES system, INFORMATION_SCHEMA, information_schema ON CLUSTER 'platform' TO S3(platform_backups, '\${name}')"`,
                ),
            );
            assert.ok(script.includes('name="$(date -u +%Y-%m-%dT%H-%M-%SZ)"'));
            assert.ok(!/--password|--user/.test(script));
        });
    });

    describe("prod", () => {
        let capture: Capture;
        before(async function () {
            this.timeout(120000);
            capture = await useMocks(stackConfig("prod"));
            await runProgram();
        });

        it(`runs ${HA_REPLICAS} server replicas and ${KEEPER_REPLICAS} Keepers, each set spread over nodes`, () => {
            const server = capture.one(STATEFULSET, "clickhouse-statefulset").inputs.spec;
            const keeper = capture.one(STATEFULSET, "clickhouse-keeper-statefulset").inputs.spec;
            assert.deepStrictEqual([server.replicas, keeper.replicas], [2, 3]);
            assert.deepStrictEqual(server.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution, [
                { labelSelector: { matchLabels: { "app.kubernetes.io/name": "clickhouse", "app.kubernetes.io/instance": "clickhouse" } }, topologyKey: "kubernetes.io/hostname" },
            ]);
            assert.deepStrictEqual(keeper.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution, [
                { labelSelector: { matchLabels: { "app.kubernetes.io/name": "clickhouse-keeper", "app.kubernetes.io/instance": "clickhouse-keeper" } }, topologyKey: "kubernetes.io/hostname" },
            ]);
        });

        it("lets drains take one server and one Keeper at a time", () => {
            assert.deepStrictEqual(
                capture.ofType(PDB).filter((p) => p.name.startsWith("clickhouse")).map((p) => [p.name, p.inputs.spec.maxUnavailable, p.inputs.spec.selector.matchLabels["app.kubernetes.io/name"]]),
                [
                    ["clickhouse-pdb", 1, "clickhouse"],
                    ["clickhouse-keeper-pdb", 1, "clickhouse-keeper"],
                ],
            );
        });

        it("points the servers at the three Keepers and names both replicas in the cluster", () => {
            const xml: string = capture.one(CONFIGMAP, "clickhouse-config").inputs.data["cluster.xml"];
            assert.strictEqual(
                xml,
                clusterConfig({
                    replicas: [host("clickhouse-0", "clickhouse-headless"), host("clickhouse-1", "clickhouse-headless")],
                    keepers: [host("clickhouse-keeper-0", "clickhouse-keeper"), host("clickhouse-keeper-1", "clickhouse-keeper"), host("clickhouse-keeper-2", "clickhouse-keeper")],
                }),
            );
            assert.ok(!("keeper.xml" in capture.one(CONFIGMAP, "clickhouse-config").inputs.data));
        });

        it("publishes replica and Keeper names before the pods are ready", () => {
            const headless = capture.one("kubernetes:core/v1:Service", "clickhouse-headless").inputs.spec;
            const keeper = capture.one("kubernetes:core/v1:Service", "clickhouse-keeper-headless").inputs.spec;
            assert.deepStrictEqual([headless.clusterIP, headless.publishNotReadyAddresses, keeper.clusterIP, keeper.publishNotReadyAddresses], ["None", true, "None", true]);
            assert.strictEqual(capture.one(STATEFULSET, "clickhouse-statefulset").inputs.spec.serviceName, "clickhouse-headless");
        });

        it("starts each Keeper with its ordinal plus one as Raft id, ready only in the quorum", () => {
            const c = capture.one(STATEFULSET, "clickhouse-keeper-statefulset").inputs.spec.template.spec.containers[0];
            assert.deepStrictEqual(c.command, ["sh", "-c", "export KEEPER_SERVER_ID=$(( ${POD_NAME##*-} + 1 )); exec clickhouse keeper --config-file=/etc/clickhouse-keeper/keeper_config.xml"]);
            assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/ready", port: "control" });
            assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
        });

        it("backs up on the backup schedule to the platform's backups bucket, with the store's key from its Secret", () => {
            const cron = capture.one(CRONJOB, "clickhouse-backup").inputs.spec;
            assert.deepStrictEqual([cron.schedule, cron.timeZone, cron.concurrencyPolicy], ["0 2 * * *", "Etc/UTC", "Forbid"]);
            const data = capture.one(CONFIGMAP, "clickhouse-config").inputs.data;
            assert.ok(data["backups.xml"].includes("<url>http://minio.platform-data.svc.cluster.local/backups/clickhouse/</url>"));
            const env = capture.one(STATEFULSET, "clickhouse-statefulset").inputs.spec.template.spec.containers[0].env;
            const backupEnv = env.filter((e: { name: string }) => e.name.startsWith("CH_BACKUP_"));
            assert.deepStrictEqual(
                backupEnv.map((e: { name: string; valueFrom: { secretKeyRef: { key: string } } }) => [e.name, e.valueFrom.secretKeyRef.key]),
                [
                    ["CH_BACKUP_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"],
                    ["CH_BACKUP_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"],
                ],
            );
        });

        it("logs the backup Job in from the admin Secret, not from its command line", () => {
            const c = capture.one(CRONJOB, "clickhouse-backup").inputs.spec.jobTemplate.spec.template.spec.containers[0];
            assert.deepStrictEqual(
                c.env.map((e: { name: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }) => [e.name, e.valueFrom?.secretKeyRef.name ?? "", e.valueFrom?.secretKeyRef.key ?? ""]),
                [
                    ["CLICKHOUSE_USER", "clickhouse-credentials", "username"],
                    ["CLICKHOUSE_PASSWORD", "clickhouse-credentials", "password"],
                    ["HOME", "", ""],
                ],
            );
            assert.ok(!c.command.join(" ").includes(SECRET_MARK));
        });

        it("keeps the cluster's internal secrets in a Secret", () => {
            const s = capture.one("kubernetes:core/v1:Secret", "clickhouse-cluster").inputs.stringData;
            assert.deepStrictEqual(s, { secret: `${SECRET_MARK}-clickhouse-cluster-secret`, "interserver-password": `${SECRET_MARK}-clickhouse-interserver-password` });
            assert.deepStrictEqual(secretLeaks(capture), []);
        });

        it("ships the replication and backup-age alerts with monitoring on", () => {
            const groups = capture.ofType("kubernetes:monitoring.coreos.com/v1:PrometheusRule").flatMap((r) => r.inputs.spec.groups);
            const ch = groups.find((g: { name: string }) => g.name === "platform-clickhouse");
            assert.deepStrictEqual(
                ch.rules.map((r: { alert: string }) => r.alert),
                ["ClickHouseReplicaReadOnly", "ClickHouseKeeperSessionLost", "ClickHouseBackupTooOld"],
            );
        });
    });

    describe("dev", () => {
        let capture: Capture;
        before(async function () {
            this.timeout(120000);
            capture = await useMocks(stackConfig("dev"));
            await runProgram();
        });

        it("stays one server with an embedded Keeper, no standalone Keeper, no PodDisruptionBudget and no backup", () => {
            assert.strictEqual(capture.one(STATEFULSET, "clickhouse-statefulset").inputs.spec.replicas, 1);
            assert.deepStrictEqual(capture.ofType(STATEFULSET).filter((s) => s.name.startsWith("clickhouse-keeper")), []);
            assert.deepStrictEqual(capture.ofType(PDB).filter((p) => p.name.startsWith("clickhouse")), []);
            assert.deepStrictEqual(capture.ofType(CRONJOB).filter((c) => c.name.startsWith("clickhouse")), []);
            assert.strictEqual(capture.one(CONFIGMAP, "clickhouse-config").inputs.data["keeper.xml"], EMBEDDED_KEEPER_CONFIG);
        });
    });

    describe("external backup target", () => {
        let capture: Capture;
        before(async function () {
            this.timeout(120000);
            capture = await useMocks({ ...stackConfig("prod"), backups: { target: EXTERNAL } });
            await runProgram();
        });

        it("writes to the external endpoint and bucket with the user's Secret", () => {
            assert.ok(capture.one(CONFIGMAP, "clickhouse-config").inputs.data["backups.xml"].includes("<url>https://s3.eu-central-1.amazonaws.com/analytics-prod-backups/clickhouse/</url>"));
            const env = capture.one(STATEFULSET, "clickhouse-statefulset").inputs.spec.template.spec.containers[0].env;
            assert.deepStrictEqual(
                env.filter((e: { name: string }) => e.name.startsWith("CH_BACKUP_")).map((e: { valueFrom: { secretKeyRef: { name: string } } }) => e.valueFrom.secretKeyRef.name),
                ["offsite-backup-credentials", "offsite-backup-credentials"],
            );
        });
    });

    describe("alert rules", () => {
        const scope: AlertScope = { certManager: false, postgres: false, postgresBackups: false, backupSchedule: "0 2 * * *", kafka: false, flink: false, objectStore: false, appender: false, clickhouse: true, cache: false, clickhouseBackupCronJob: "clickhouse-backup" };

        it("alerts when the backup CronJob last succeeded more than a day plus six hours ago, or never did and is that old", () => {
            const rule = alertRuleGroups(scope)[0].rules.find((r) => r.alert === "ClickHouseBackupTooOld");
            assert.strictEqual(
                rule?.expr,
                '(time() - max by (namespace) (kube_cronjob_status_last_successful_time{cronjob="clickhouse-backup"}) > 108000) or ((time() - max by (namespace) (kube_cronjob_created{cronjob="clickhouse-backup"}) > 108000) unless on (namespace) max by (namespace) (kube_cronjob_status_last_successful_time{cronjob="clickhouse-backup"}))',
            );
            assert.strictEqual(rule?.labels.severity, "critical");
        });

        it("follows a weekly schedule", () => {
            const rule = alertRuleGroups({ ...scope, backupSchedule: "0 3 * * 0" })[0].rules.find((r) => r.alert === "ClickHouseBackupTooOld");
            assert.strictEqual(rule?.expr.match(/> 626400\b/g)?.length, 2);
        });

        it("has no backup rule or panel without backups", () => {
            const noBackups: AlertScope = { ...scope, clickhouseBackupCronJob: undefined };
            assert.deepStrictEqual(alertRuleGroups(noBackups)[0].rules.map((r) => r.alert), ["ClickHouseReplicaReadOnly", "ClickHouseKeeperSessionLost"]);
            assert.deepStrictEqual(dashboards(noBackups)[0].panels.map((p) => p.title), ["Read-only replicated tables", "Keeper sessions", "Running queries"]);
        });
    });
});
