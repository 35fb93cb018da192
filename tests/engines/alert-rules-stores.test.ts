/**
 * The data stores' alerting rules (ClickHouse, Valkey), as the prod stack generates them,
 * unit-tested by promtool from the pinned Prometheus release (scripts/engines/install-promtool.sh):
 * the backup-age, replica and persistence alerts fire exactly when they should on synthetic series.
 *
 * Mutation tried (fails the test): the CronJob name in the ClickHouse backup-age rule changed to
 * "clickhouse-backups" makes "ClickHouseBackupTooOld fires 31 hours after the last success" find no alert;
 * dropping the creation-time branch of that rule makes the never-succeeded case find no alert.
 */
import { engines } from "./harness";
import { PromRules } from "./promRules";

describe("data store alert rules (promtool)", () => {
    const rules = new PromRules("store-alert-rules", ["platform-clickhouse", "platform-cache"]);
    before(async () => rules.load());
    const expect = (alert: string, labels: Record<string, string>) => rules.expect(alert, labels);
    const promtoolTest = (tests: unknown[]) => rules.test(tests);

    it("the store rule groups pass promtool check rules", async function () {
        engines(this, "promtool");
        await rules.check();
    });

    it("ClickHouse: the backup-age, read-only-replica and Keeper-session alerts fire when, and only when, they should", async function () {
        engines(this, "promtool");
        await promtoolTest([
            {
                // The CronJob last succeeded at time 0; the daily schedule plus 6 h of slack ends at 30 h.
                interval: "1m",
                input_series: [{ series: 'kube_cronjob_status_last_successful_time{namespace="platform-data",cronjob="clickhouse-backup"}', values: "0x2000" }],
                alert_rule_test: [
                    { eval_time: "29h", alertname: "ClickHouseBackupTooOld", exp_alerts: [] },
                    { eval_time: "31h", alertname: "ClickHouseBackupTooOld", exp_alerts: [expect("ClickHouseBackupTooOld", { namespace: "platform-data" })] },
                ],
            },
            {
                // Never succeeded: no last-success series (kube-state-metrics emits it only after a first
                // success); the CronJob was created at time 0, so the alert fires once it is 30 h old.
                interval: "1m",
                input_series: [{ series: 'kube_cronjob_created{namespace="platform-data",cronjob="clickhouse-backup"}', values: "0x2000" }],
                alert_rule_test: [
                    { eval_time: "29h", alertname: "ClickHouseBackupTooOld", exp_alerts: [] },
                    { eval_time: "31h", alertname: "ClickHouseBackupTooOld", exp_alerts: [expect("ClickHouseBackupTooOld", { namespace: "platform-data" })] },
                ],
            },
            {
                // An old CronJob that succeeded recently: its creation time does not count.
                interval: "1m",
                input_series: [
                    { series: 'kube_cronjob_created{namespace="platform-data",cronjob="clickhouse-backup"}', values: "0x2000" },
                    { series: 'kube_cronjob_status_last_successful_time{namespace="platform-data",cronjob="clickhouse-backup"}', values: "100000x2000" },
                ],
                alert_rule_test: [{ eval_time: "31h", alertname: "ClickHouseBackupTooOld", exp_alerts: [] }],
            },
            {
                // Another CronJob's age does not count.
                interval: "1m",
                input_series: [{ series: 'kube_cronjob_status_last_successful_time{namespace="platform-data",cronjob="other"}', values: "0x2000" }],
                alert_rule_test: [{ eval_time: "31h", alertname: "ClickHouseBackupTooOld", exp_alerts: [] }],
            },
            {
                interval: "1m",
                input_series: [
                    { series: 'ClickHouseMetrics_ReadonlyReplica{namespace="platform-data",pod="clickhouse-1"}', values: "0 0 0 2x20" },
                    { series: 'ClickHouseMetrics_ZooKeeperSession{namespace="platform-data",pod="clickhouse-1"}', values: "1 1 1 0x20" },
                ],
                alert_rule_test: [
                    { eval_time: "5m", alertname: "ClickHouseReplicaReadOnly", exp_alerts: [] },
                    { eval_time: "9m", alertname: "ClickHouseReplicaReadOnly", exp_alerts: [expect("ClickHouseReplicaReadOnly", { namespace: "platform-data", pod: "clickhouse-1" })] },
                    { eval_time: "5m", alertname: "ClickHouseKeeperSessionLost", exp_alerts: [] },
                    { eval_time: "9m", alertname: "ClickHouseKeeperSessionLost", exp_alerts: [expect("ClickHouseKeeperSessionLost", { namespace: "platform-data", pod: "clickhouse-1" })] },
                ],
            },
        ]);
    });

    it("Valkey: the down, persistence and replica-link alerts fire when, and only when, they should", async function () {
        engines(this, "promtool");
        const pod = { namespace: "platform-data", pod: "valkey-1" };
        const series = (metric: string, values: string) => ({ series: `${metric}{namespace="platform-data",pod="valkey-1"}`, values });
        await promtoolTest([
            {
                interval: "1m",
                input_series: [series("redis_up", "1 1 1 0x20"), series("redis_rdb_last_bgsave_status", "1 1 1 0x30"), series("redis_aof_last_write_status", "1x5 0x20"), series("redis_aof_last_bgrewrite_status", "1x40"), series("redis_master_link_up", "1 1 1 0x20")],
                alert_rule_test: [
                    { eval_time: "6m", alertname: "ValkeyDown", exp_alerts: [] },
                    { eval_time: "9m", alertname: "ValkeyDown", exp_alerts: [expect("ValkeyDown", pod)] },
                    { eval_time: "16m", alertname: "ValkeySnapshotFailing", exp_alerts: [] },
                    { eval_time: "19m", alertname: "ValkeySnapshotFailing", exp_alerts: [expect("ValkeySnapshotFailing", pod)] },
                    { eval_time: "9m", alertname: "ValkeyAppendOnlyFileFailing", exp_alerts: [] },
                    { eval_time: "11m", alertname: "ValkeyAppendOnlyFileFailing", exp_alerts: [expect("ValkeyAppendOnlyFileFailing", pod)] },
                    { eval_time: "9m", alertname: "ValkeyReplicaLinkDown", exp_alerts: [expect("ValkeyReplicaLinkDown", pod)] },
                ],
            },
            {
                // Last snapshot at time 0: with changes pending the alert fires 2 h + 10 min later; without changes, never.
                interval: "1m",
                input_series: [series("redis_rdb_last_save_timestamp_seconds", "0x300"), series("redis_rdb_changes_since_last_save", "5x300")],
                alert_rule_test: [
                    { eval_time: "125m", alertname: "ValkeySnapshotTooOld", exp_alerts: [] },
                    { eval_time: "135m", alertname: "ValkeySnapshotTooOld", exp_alerts: [expect("ValkeySnapshotTooOld", pod)] },
                ],
            },
            {
                interval: "1m",
                input_series: [series("redis_rdb_last_save_timestamp_seconds", "0x300"), series("redis_rdb_changes_since_last_save", "0x300")],
                alert_rule_test: [{ eval_time: "200m", alertname: "ValkeySnapshotTooOld", exp_alerts: [] }],
            },
        ]);
    });
});
