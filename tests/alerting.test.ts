import * as assert from "assert";
import { AlertScope, alertRuleGroups, dashboardJson, dashboards, scheduleIntervalHours } from "../components/lib/alertRules";
import { stackCapture } from "./configHelpers";
import { runProgram, stackConfig, useMocks } from "./harness";

const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const ALL: AlertScope = { certManager: true, postgres: true, postgresBackups: true, backupSchedule: "0 2 * * *", kafka: true, flink: true, objectStore: true, appender: true, clickhouse: false, cache: false };

describe("alerting", () => {
    describe("rules", () => {
        it("reads the gap between backups from hourly, daily and weekly schedules", () => {
            assert.deepStrictEqual(["15 * * * *", "0 2 * * *", "0 3 * * 0", "0 */6 * * *"].map(scheduleIntervalHours), [1, 24, 168, 24]);
        });

        it("has one group per running component", () => {
            assert.deepStrictEqual(
                alertRuleGroups(ALL).map((g) => g.name),
                ["cert-manager", "postgresql", "kafka", "flink", "object-store", "iceberg-appender"],
            );
            assert.deepStrictEqual(
                alertRuleGroups({ ...ALL, kafka: false, flink: false, appender: false }).map((g) => g.name),
                ["cert-manager", "postgresql", "object-store"],
            );
        });

        it("alerts when the newest PostgreSQL base backup is older than a day plus six hours", () => {
            const pg = alertRuleGroups(ALL).find((g) => g.name === "postgresql");
            const backup = pg?.rules.find((r) => r.alert === "PostgresBackupTooOld");
            assert.strictEqual(backup?.expr, "time() - max by (namespace) (barman_cloud_cloudnative_pg_io_last_available_backup_timestamp) > 108000");
            assert.strictEqual(backup?.labels.severity, "critical");
        });

        it("has no backup rules without backups", () => {
            const pg = alertRuleGroups({ ...ALL, postgresBackups: false }).find((g) => g.name === "postgresql");
            assert.deepStrictEqual(pg?.rules.map((r) => r.alert), ["PostgresInstanceDown", "PostgresReplicationLagHigh"]);
        });

        it("names every alert once", () => {
            const names = alertRuleGroups(ALL).flatMap((g) => g.rules.map((r) => r.alert));
            assert.strictEqual(new Set(names).size, names.length);
        });
    });

    describe("dashboards", () => {
        it("renders a Grafana dashboard with one Prometheus panel per query", () => {
            const spec = dashboards(ALL).find((d) => d.name === "kafka");
            assert.ok(spec);
            const json = JSON.parse(dashboardJson(spec));
            assert.strictEqual(json.uid, "platform-kafka");
            assert.deepStrictEqual(json.panels.map((p: { targets: { expr: string }[] }) => p.targets[0].expr), spec.panels.map((p) => p.expr));
            assert.deepStrictEqual(json.panels[0].datasource, { type: "prometheus", uid: "prometheus" });
        });
    });

    describe("prod stack", () => {
        it("ships a PrometheusRule per component and dashboard ConfigMaps for Grafana's sidecar", async function () {
            this.timeout(120000);
            const prod = await stackCapture("prod");
            assert.deepStrictEqual(prod.ofType(RULE).map((r) => r.inputs.metadata.name).sort(), [
                "platform-cache",
                "platform-cert-manager",
                "platform-clickhouse",
                "platform-flink",
                "platform-iceberg-appender",
                "platform-kafka",
                "platform-object-store",
                "platform-postgresql",
            ]);
            const boards = prod.ofType(CONFIGMAP).filter((c) => c.inputs.metadata.labels?.grafana_dashboard === "1");
            assert.deepStrictEqual(boards.map((b) => b.inputs.metadata.name).sort(), [
                "platform-dashboard-cache",
                "platform-dashboard-cert-manager",
                "platform-dashboard-clickhouse",
                "platform-dashboard-flink",
                "platform-dashboard-iceberg-appender",
                "platform-dashboard-kafka",
                "platform-dashboard-object-store",
                "platform-dashboard-postgresql",
            ]);
            assert.ok(boards.every((b) => b.inputs.metadata.namespace === "platform-monitoring"));
            for (const r of prod.ofType(RULE)) assert.ok(prod.dependencyNames(r).includes("kubernetes:helm.sh/v3:Release::monitoring-chart"));
            const am = prod.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === "monitoring")?.inputs.values.alertmanager.alertmanagerSpec;
            assert.strictEqual(am.configSecret, undefined);
        });

        it("hands Alertmanager the receivers Secret named in monitoring.alertmanagerConfigSecret", async function () {
            this.timeout(120000);
            const capture = await useMocks({ ...stackConfig("prod"), monitoring: { alertmanagerConfigSecret: "alertmanager-receivers" } });
            await runProgram();
            const am = capture.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === "monitoring")?.inputs.values.alertmanager.alertmanagerSpec;
            assert.deepStrictEqual([am.useExistingSecret, am.configSecret], [true, "alertmanager-receivers"]);
        });
    });

    it("dev (monitoring off) ships no rules", async function () {
        this.timeout(120000);
        assert.deepStrictEqual((await stackCapture("dev")).ofType(RULE), []);
    });
});
