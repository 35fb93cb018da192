/**
 * The platform's Prometheus alerting rules and Grafana dashboards, as data: the Alerting component
 * turns each group into a PrometheusRule and each dashboard into a ConfigMap, and the engine suite
 * runs the same groups through `promtool test rules`. Expressions use the metric names the pinned
 * releases serve: CloudNativePG 1.30's exporter and the Barman Cloud plugin's backup metrics,
 * Strimzi's metrics reporter, Flink's Prometheus reporter, MinIO's v2 cluster metrics,
 * cert-manager's controller metrics, the appender's own, ClickHouse's built-in Prometheus handler
 * (`ClickHouseMetrics_*`), kube-state-metrics' CronJob series for ClickHouse's backups, and
 * redis_exporter's `redis_*` series beside each Valkey server.
 */

export type Severity = "warning" | "critical";

export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    /** How long the condition must hold, e.g. "10m". */
    readonly for: string;
    readonly labels: { readonly severity: Severity };
    readonly annotations: { readonly summary: string; readonly description: string };
}

export interface RuleGroup {
    readonly name: string;
    readonly rules: readonly AlertRule[];
}

/** Which parts of the platform run, and what their rules depend on. */
export interface AlertScope {
    readonly certManager: boolean;
    readonly postgres: boolean;
    /** PostgreSQL backups are on: alert when the newest base backup is older than the schedule allows. */
    readonly postgresBackups: boolean;
    /** Five-field cron of the base backups. */
    readonly backupSchedule: string;
    readonly kafka: boolean;
    readonly flink: boolean;
    readonly objectStore: boolean;
    readonly appender: boolean;
    readonly clickhouse: boolean;
    /** Valkey with its exporter (redis_exporter's `redis_*` series). */
    readonly cache: boolean;
    /** Name of ClickHouse's backup CronJob; undefined without ClickHouse backups. */
    readonly clickhouseBackupCronJob?: string;
}

/** Extra time a backup may take beyond its schedule before the backup-age alert fires. */
export const BACKUP_SLACK_HOURS = 6;

/**
 * The longest gap between two runs of a five-field cron schedule, in hours, for the shapes the
 * platform's `backups.schedule` takes: hourly (`m * * * *`), daily (`m h * * *`), weekly
 * (`m h * * d`). Anything else is treated as daily, the platform's default.
 */
export function scheduleIntervalHours(cron: string): number {
    const [, hour, dom, month, dow] = cron.trim().split(/\s+/);
    if (hour === "*" && dom === "*" && month === "*" && dow === "*") return 1;
    if (dom === "*" && month === "*" && /^\d$/.test(dow ?? "")) return 24 * 7;
    return 24;
}

const rule = (alert: string, expr: string, forDuration: string, severity: Severity, summary: string, description: string): AlertRule => ({
    alert,
    expr,
    for: forDuration,
    labels: { severity },
    annotations: { summary, description },
});

/**
 * A critical alert when the newest backup (the timestamp series `newest`, aggregated per namespace)
 * is older than the schedule's longest gap plus {@link BACKUP_SLACK_HOURS}. With `createdAt` (the
 * backed-up object's creation timestamp), also when that object is older than the limit and
 * `newest` does not exist at all: a series that appears only after a first success would otherwise
 * leave a backup that never succeeded silent.
 */
function backupAgeRule(alert: string, newest: string, schedule: string, summary: string, description: string, createdAt?: string): AlertRule {
    const limit = (scheduleIntervalHours(schedule) + BACKUP_SLACK_HOURS) * 3600;
    const tooOld = `time() - max by (namespace) (${newest}) > ${limit}`;
    const expr = createdAt === undefined ? tooOld : `(${tooOld}) or ((time() - max by (namespace) (${createdAt}) > ${limit}) unless on (namespace) max by (namespace) (${newest}))`;
    return rule(alert, expr, "10m", "critical", summary, `${description} within the schedule's interval plus ${BACKUP_SLACK_HOURS}h (${limit}s).`);
}

/** The rule groups for the parts of the platform in `scope`, one group per component. */
export function alertRuleGroups(scope: AlertScope): RuleGroup[] {
    const groups: RuleGroup[] = [];
    if (scope.certManager) {
        groups.push({
            name: "cert-manager",
            rules: [
                rule("CertificateNotReady", 'max by (namespace, name) (certmanager_certificate_ready_status{condition="True"}) == 0', "15m", "warning", "Certificate {{ $labels.namespace }}/{{ $labels.name }} is not Ready", "cert-manager has not issued or renewed the certificate for 15 minutes."),
                rule("CertificateExpiresSoon", "min by (namespace, name) (certmanager_certificate_expiration_timestamp_seconds) - time() < 7 * 24 * 3600", "1h", "critical", "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires within 7 days", "Renewal is overdue: check the Certificate's events and its issuer."),
            ],
        });
    }
    if (scope.postgres) {
        groups.push({
            name: "postgresql",
            rules: [
                rule("PostgresInstanceDown", "cnpg_collector_up == 0", "5m", "critical", "PostgreSQL instance {{ $labels.pod }} is down", "The CloudNativePG exporter reports PostgreSQL not running on this instance."),
                rule("PostgresReplicationLagHigh", "max by (namespace, pod) (cnpg_pg_replication_lag) > 300", "10m", "warning", "Standby {{ $labels.pod }} is {{ $value }}s behind", "A standby lagging five minutes cannot take over without losing the quorum's guarantees."),
                ...(scope.postgresBackups
                    ? [
                          rule("PostgresWalArchivingFailing", "increase(cnpg_pg_stat_archiver_failed_count[15m]) > 0 and cnpg_pg_stat_archiver_seconds_since_last_archival > 900", "15m", "critical", "WAL archiving of {{ $labels.pod }} is failing", "No WAL segment has reached the object store for 15 minutes: point-in-time recovery stops at the last archived one."),
                          backupAgeRule(
                              "PostgresBackupTooOld",
                              "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp",
                              scope.backupSchedule,
                              "The newest PostgreSQL base backup in {{ $labels.namespace }} is older than its schedule allows",
                              "No base backup has completed",
                          ),
                      ]
                    : []),
            ],
        });
    }
    if (scope.kafka) {
        groups.push({
            name: "kafka",
            rules: [
                rule("KafkaUnderReplicatedPartitions", "sum by (namespace) (kafka_server_replicamanager_underreplicatedpartitions) > 0", "10m", "warning", "Kafka has under-replicated partitions", "Some partitions have fewer in-sync replicas than their replication factor."),
                rule("KafkaUnderMinIsrPartitions", "sum by (namespace) (kafka_cluster_partition_underminisr) > 0", "5m", "critical", "Kafka partitions are below min.insync.replicas", "Producers with acks=all are refused on these partitions."),
                rule("KafkaOfflinePartitions", "sum by (namespace) (kafka_controller_kafkacontroller_offlinepartitionscount) > 0", "2m", "critical", "Kafka has offline partitions", "Partitions without a leader can be neither read nor written."),
                rule("KafkaNoActiveController", "sum by (namespace) (kafka_controller_kafkacontroller_activecontrollercount) != 1", "5m", "critical", "Kafka has {{ $value }} active controllers", "A KRaft cluster has exactly one active controller."),
            ],
        });
    }
    if (scope.flink) {
        groups.push({
            name: "flink",
            rules: [
                rule("FlinkCheckpointsFailing", "increase(flink_jobmanager_job_numberOfFailedCheckpoints[15m]) > 0", "0m", "warning", "Flink job {{ $labels.job_name }} failed checkpoints", "A failed checkpoint widens the window of changes a restart replays."),
                rule("FlinkCheckpointsStalled", "increase(flink_jobmanager_job_numberOfCompletedCheckpoints[15m]) == 0", "15m", "critical", "Flink job {{ $labels.job_name }} completed no checkpoint for 30 minutes", "The job's recovery point is not advancing."),
                rule("FlinkJobRestarting", "increase(flink_jobmanager_job_numRestarts[10m]) > 2", "0m", "warning", "Flink job {{ $labels.job_name }} restarted {{ $value }} times in 10 minutes", "The job fails repeatedly: check the JobManager log."),
            ],
        });
    }
    if (scope.objectStore) {
        groups.push({
            name: "object-store",
            rules: [
                rule("ObjectStoreNodesOffline", "max by (namespace) (minio_cluster_nodes_offline_total) > 0", "5m", "critical", "{{ $value }} object-store servers are offline", "Erasure coding tolerates few losses: bring the servers back before another fails."),
                rule("ObjectStoreDrivesOffline", "max by (namespace) (minio_cluster_drive_offline_total) > 0", "5m", "warning", "{{ $value }} object-store drives are offline", "Data on the remaining drives is still readable while the erasure set has quorum."),
            ],
        });
    }
    if (scope.clickhouse) {
        groups.push({
            name: "clickhouse",
            rules: [
                rule("ClickHouseReplicaReadOnly", "max by (namespace, pod) (ClickHouseMetrics_ReadonlyReplica) > 0", "5m", "critical", "ClickHouse {{ $labels.pod }} has read-only replicated tables", "The server lost its Keeper session: inserts into replicated tables fail until it reconnects."),
                rule("ClickHouseKeeperSessionLost", "max by (namespace, pod) (ClickHouseMetrics_ZooKeeperSession) == 0", "5m", "critical", "ClickHouse {{ $labels.pod }} has no Keeper session", "Replication and ON CLUSTER DDL stop without Keeper: check the Keeper pods and their quorum."),
                ...(scope.clickhouseBackupCronJob === undefined
                    ? []
                    : [
                          backupAgeRule(
                              "ClickHouseBackupTooOld",
                              `kube_cronjob_status_last_successful_time{cronjob="${scope.clickhouseBackupCronJob}"}`,
                              scope.backupSchedule,
                              "The newest ClickHouse backup in {{ $labels.namespace }} is older than its schedule allows",
                              "The backup CronJob has not succeeded",
                              // kube-state-metrics emits the last-success series only after a first success.
                              `kube_cronjob_created{cronjob="${scope.clickhouseBackupCronJob}"}`,
                          ),
                      ]),
            ],
        });
    }
    if (scope.cache) {
        groups.push({
            name: "cache",
            rules: [
                rule("ValkeyDown", "max by (namespace, pod) (redis_up) == 0", "5m", "critical", "Valkey in {{ $labels.pod }} does not answer its exporter", "The server is down or refuses the exporter's login; in prod Sentinel fails a master over, a replica stays lost."),
                rule("ValkeySnapshotFailing", "max by (namespace, pod) (redis_rdb_last_bgsave_status) == 0", "15m", "warning", "Valkey in {{ $labels.pod }} fails to write RDB snapshots", "The last background save failed (disk full or not writable): no recent snapshot to restore from."),
                rule("ValkeyAppendOnlyFileFailing", "max by (namespace, pod) (redis_aof_last_write_status) == 0 or max by (namespace, pod) (redis_aof_last_bgrewrite_status) == 0", "5m", "critical", "Valkey in {{ $labels.pod }} fails to write its append-only file", "Writes since the failure are not durable; Valkey refuses writes while it cannot append."),
                rule(
                    "ValkeySnapshotTooOld",
                    "(time() - max by (namespace, pod) (redis_rdb_last_save_timestamp_seconds) > 7200) and max by (namespace, pod) (redis_rdb_changes_since_last_save) > 0",
                    "10m",
                    "warning",
                    "Valkey in {{ $labels.pod }} has unsaved changes and no snapshot for 2 hours",
                    "The schedule saves within an hour of a change: snapshots are not being taken.",
                ),
                rule("ValkeyReplicaLinkDown", "max by (namespace, pod) (redis_master_link_up) == 0", "5m", "warning", "Valkey replica {{ $labels.pod }} lost its master", "The replica does not follow the master: a failover to it would lose writes."),
            ],
        });
    }
    if (scope.appender) {
        groups.push({
            name: "iceberg-appender",
            rules: [
                rule(
                    "AppenderLagging",
                    "max by (namespace, pod) (appender_pending_records) > 0 and max by (namespace, pod) (time() - appender_last_commit_timestamp_seconds) > 900",
                    "5m",
                    "warning",
                    "Appender {{ $labels.pod }} has not committed for 15 minutes with records pending",
                    "Records are read but not reaching the Iceberg table: check the appender's log and Nessie.",
                ),
                rule("AppenderDeadLetters", "increase(appender_bad_records_total[1h]) > 0", "0m", "warning", "The appender dead-lettered records in the last hour", "Bad records wait in the dead-letter topic for inspection."),
            ],
        });
    }
    return groups;
}

/** A Grafana dashboard: one time-series panel per query. */
export interface DashboardSpec {
    /** Also the ConfigMap's name suffix and the dashboard's uid. */
    readonly name: string;
    readonly title: string;
    readonly panels: readonly { readonly title: string; readonly expr: string }[];
}

/** Dashboards for the same parts of the platform as the rules. */
export function dashboards(scope: AlertScope): DashboardSpec[] {
    const d: DashboardSpec[] = [];
    if (scope.postgres) {
        d.push({
            name: "postgresql",
            title: "Platform / PostgreSQL",
            panels: [
                { title: "Instances up", expr: "sum by (namespace) (cnpg_collector_up)" },
                { title: "Replication lag (s)", expr: "max by (pod) (cnpg_pg_replication_lag)" },
                { title: "Seconds since last WAL archived", expr: "max by (pod) (cnpg_pg_stat_archiver_seconds_since_last_archival)" },
                { title: "Age of newest base backup (s)", expr: "time() - max by (namespace) (barman_cloud_cloudnative_pg_io_last_available_backup_timestamp)" },
            ],
        });
    }
    if (scope.kafka) {
        d.push({
            name: "kafka",
            title: "Platform / Kafka",
            panels: [
                { title: "Under-replicated partitions", expr: "sum(kafka_server_replicamanager_underreplicatedpartitions)" },
                { title: "Partitions under min ISR", expr: "sum(kafka_cluster_partition_underminisr)" },
                { title: "Offline partitions", expr: "sum(kafka_controller_kafkacontroller_offlinepartitionscount)" },
                { title: "Active controllers", expr: "sum(kafka_controller_kafkacontroller_activecontrollercount)" },
            ],
        });
    }
    if (scope.flink) {
        d.push({
            name: "flink",
            title: "Platform / Flink",
            panels: [
                { title: "Completed checkpoints (15m)", expr: "increase(flink_jobmanager_job_numberOfCompletedCheckpoints[15m])" },
                { title: "Failed checkpoints (15m)", expr: "increase(flink_jobmanager_job_numberOfFailedCheckpoints[15m])" },
                { title: "Restarts", expr: "flink_jobmanager_job_numRestarts" },
            ],
        });
    }
    if (scope.objectStore) {
        d.push({
            name: "object-store",
            title: "Platform / Object store",
            panels: [
                { title: "Servers offline", expr: "max(minio_cluster_nodes_offline_total)" },
                { title: "Drives offline", expr: "max(minio_cluster_drive_offline_total)" },
            ],
        });
    }
    if (scope.clickhouse) {
        d.push({
            name: "clickhouse",
            title: "Platform / ClickHouse",
            panels: [
                { title: "Read-only replicated tables", expr: "max by (pod) (ClickHouseMetrics_ReadonlyReplica)" },
                { title: "Keeper sessions", expr: "max by (pod) (ClickHouseMetrics_ZooKeeperSession)" },
                { title: "Running queries", expr: "sum by (pod) (ClickHouseMetrics_Query)" },
                ...(scope.clickhouseBackupCronJob === undefined
                    ? []
                    : [{ title: "Age of newest backup (s)", expr: `time() - max by (namespace) (kube_cronjob_status_last_successful_time{cronjob="${scope.clickhouseBackupCronJob}"})` }]),
            ],
        });
    }
    if (scope.cache) {
        d.push({
            name: "cache",
            title: "Platform / Valkey",
            panels: [
                { title: "Up", expr: "max by (pod) (redis_up)" },
                { title: "Memory used (bytes)", expr: "max by (pod) (redis_memory_used_bytes)" },
                { title: "Seconds since last snapshot", expr: "max by (pod) (time() - redis_rdb_last_save_timestamp_seconds)" },
                { title: "Changes since last snapshot", expr: "max by (pod) (redis_rdb_changes_since_last_save)" },
            ],
        });
    }
    if (scope.appender) {
        d.push({
            name: "iceberg-appender",
            title: "Platform / Iceberg appender",
            panels: [
                { title: "Rows appended / s", expr: "sum(rate(appender_rows_appended_total[5m]))" },
                { title: "Pending records", expr: "sum(appender_pending_records)" },
                { title: "Seconds since last commit", expr: "max(time() - appender_last_commit_timestamp_seconds)" },
            ],
        });
    }
    if (scope.certManager) {
        d.push({
            name: "cert-manager",
            title: "Platform / Certificates",
            panels: [{ title: "Days to expiry", expr: "(certmanager_certificate_expiration_timestamp_seconds - time()) / 86400" }],
        });
    }
    return d;
}

/** The dashboard as Grafana's JSON model (schema 39), with Prometheus as the data source. */
export function dashboardJson(spec: DashboardSpec): string {
    return JSON.stringify({
        uid: `platform-${spec.name}`,
        title: spec.title,
        tags: ["analytics-platform"],
        schemaVersion: 39,
        time: { from: "now-6h", to: "now" },
        refresh: "1m",
        panels: spec.panels.map((p, i) => ({
            id: i + 1,
            type: "timeseries",
            title: p.title,
            datasource: { type: "prometheus", uid: "prometheus" },
            gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
            targets: [{ refId: "A", expr: p.expr, datasource: { type: "prometheus", uid: "prometheus" } }],
        })),
    });
}
