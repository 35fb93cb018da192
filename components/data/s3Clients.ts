import { buckets, names } from "../names";
import { S3Client } from "../lib/s3Policy";

/** The platform's S3 users, one per client component of the object store (decision 0043). */
export const s3Users = {
    postgresBackups: "postgres-backups",
    xtradbBackups: "xtradb-backups",
    /** ClickHouse's `BACKUP … TO S3`, under `clickhouse/` in the backups bucket. */
    clickhouseBackups: "clickhouse-backups",
    nessie: "nessie",
    trino: "trino",
    flink: "flink",
    spark: "spark",
    duckdb: "duckdb",
    appender: "iceberg-appender",
} as const;

/** Key prefixes of the database backups inside the backups bucket: each database writes only its own. */
export const backupPrefixes = {
    /** CloudNativePG's Barman Cloud destination `s3://<bucket>/postgresql/` (PostgresCluster). */
    postgres: "postgresql/",
    /** The XtraDB cluster's `<bucket>/<cluster>/full` and `…/binlogs` (XtraDbCluster; the cluster is named after the component). */
    xtradb: `${names.xtradb}/`,
    clickhouse: "clickhouse/",
} as const;

/** Which client components run, and whether the databases back up into the platform's own store. */
export interface S3ClientsEnabled {
    readonly postgres: boolean;
    readonly xtradb: boolean;
    readonly clickhouse: boolean;
    /** Backups on, into the in-cluster store (not `backups.target.mode: external`). */
    readonly inClusterBackups: boolean;
    readonly nessie: boolean;
    readonly trino: boolean;
    readonly flink: boolean;
    readonly spark: boolean;
    readonly duckdb: boolean;
    readonly appender: boolean;
}

/**
 * Every client of the store with its grants:
 * - the backups bucket: only the database backups, each in its own prefix;
 * - the warehouse: the lake's writers (Nessie writes table metadata, Trino and the appender write
 *   tables) read-write, DuckDB read-only (the platform uses it as a reader);
 * - Flink's checkpoints and savepoints, Spark's event logs: their one writer each.
 */
export function platformS3Clients(on: S3ClientsEnabled): S3Client[] {
    const backup = (prefix: string) => [{ bucket: buckets.backups, access: "readwrite" as const, prefix }];
    const warehouse = (access: "read" | "readwrite") => [{ bucket: buckets.warehouse, access }];
    return [
        ...(on.postgres && on.inClusterBackups ? [{ name: s3Users.postgresBackups, grants: backup(backupPrefixes.postgres) }] : []),
        ...(on.xtradb && on.inClusterBackups ? [{ name: s3Users.xtradbBackups, grants: backup(backupPrefixes.xtradb) }] : []),
        ...(on.clickhouse && on.inClusterBackups ? [{ name: s3Users.clickhouseBackups, grants: backup(backupPrefixes.clickhouse) }] : []),
        ...(on.nessie ? [{ name: s3Users.nessie, grants: warehouse("readwrite") }] : []),
        ...(on.trino ? [{ name: s3Users.trino, grants: warehouse("readwrite") }] : []),
        ...(on.appender ? [{ name: s3Users.appender, grants: warehouse("readwrite") }] : []),
        ...(on.duckdb ? [{ name: s3Users.duckdb, grants: warehouse("read") }] : []),
        ...(on.flink
            ? [
                  {
                      name: s3Users.flink,
                      grants: [
                          { bucket: buckets.checkpoints, access: "readwrite" as const },
                          { bucket: buckets.savepoints, access: "readwrite" as const },
                      ],
                  },
              ]
            : []),
        ...(on.spark ? [{ name: s3Users.spark, grants: [{ bucket: buckets.sparkEvents, access: "readwrite" as const }] }] : []),
    ];
}

/**
 * Days in a `backups.retention` ("14d", "4w", "3m"; a month counted as 31 days, so never shorter
 * than the backups themselves are kept): how long the backups bucket keeps a deleted or overwritten
 * object as a noncurrent version.
 */
export function retentionDays(retention: string): number {
    const m = /^([1-9][0-9]*)([dwm])$/.exec(retention);
    if (m === null) throw new Error(`backups.retention "${retention}" is not a number of days, weeks or months such as "14d"`);
    return Number(m[1]) * { d: 1, w: 7, m: 31 }[m[2] as "d" | "w" | "m"];
}
