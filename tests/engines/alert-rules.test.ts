/**
 * The platform's alerting rules, as the prod stack generates them (one PrometheusRule per
 * component), checked and unit-tested by promtool from the pinned Prometheus release
 * (scripts/engines/install-promtool.sh): the rules parse, and the platform-health alerts fire
 * exactly when they should on synthetic series (backup age, Flink checkpoint failures, appender lag).
 *
 * Mutation tried (fails the test): the backup slack in components/lib/alertRules.ts raised from 6
 * to 12 hours makes "PostgresBackupTooOld fires 31 hours after the last backup" find no alert.
 */
import { engines } from "./harness";
import { PromRules } from "./promRules";

describe("alert rules (promtool)", () => {
    const rules = new PromRules("alert-rules");
    before(async () => rules.load());
    const expect = (alert: string, labels: Record<string, string>) => rules.expect(alert, labels);

    it("every generated rule group passes promtool check rules", async function () {
        engines(this, "promtool");
        await rules.check();
    });

    it("the backup-age, checkpoint-failure and appender-lag alerts fire when, and only when, they should", async function () {
        engines(this, "promtool");
        await rules.test([
                {
                    // The last backup finished at time 0; the daily schedule plus 6 h of slack ends at 30 h.
                    interval: "1m",
                    input_series: [{ series: 'barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{namespace="platform-data",pod="platform-pg-1"}', values: "0x2000" }],
                    alert_rule_test: [
                        { eval_time: "29h", alertname: "PostgresBackupTooOld", exp_alerts: [] },
                        { eval_time: "31h", alertname: "PostgresBackupTooOld", exp_alerts: [expect("PostgresBackupTooOld", { namespace: "platform-data" })] },
                    ],
                },
                {
                    interval: "1m",
                    input_series: [{ series: 'flink_jobmanager_job_numberOfFailedCheckpoints{job_name="cdc-0123456789ab"}', values: "0 0 0 0 0 1 1 1 1 1" }],
                    alert_rule_test: [
                        { eval_time: "4m", alertname: "FlinkCheckpointsFailing", exp_alerts: [] },
                        { eval_time: "6m", alertname: "FlinkCheckpointsFailing", exp_alerts: [expect("FlinkCheckpointsFailing", { job_name: "cdc-0123456789ab" })] },
                    ],
                },
                {
                    // Records pending, last commit at time 0: over 15 minutes from 15m, alerting 5m later.
                    interval: "1m",
                    input_series: [
                        { series: 'appender_pending_records{namespace="platform-apps",pod="iceberg-appender-0"}', values: "10x40" },
                        { series: 'appender_last_commit_timestamp_seconds{namespace="platform-apps",pod="iceberg-appender-0"}', values: "0x40" },
                    ],
                    alert_rule_test: [
                        { eval_time: "14m", alertname: "AppenderLagging", exp_alerts: [] },
                        { eval_time: "25m", alertname: "AppenderLagging", exp_alerts: [expect("AppenderLagging", { namespace: "platform-apps", pod: "iceberg-appender-0" })] },
                    ],
                },
        ]);
    });
});
