import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "../lib/labels";
import { BARMAN_CLOUD_PLUGIN } from "./barmanCloudPlugin";
import { PostgresCluster } from "./postgresCluster";

export interface PostgresBackupScheduleArgs {
    /** The cluster to back up; it archives through the Barman Cloud plugin. */
    readonly cluster: PostgresCluster;
    /** The cluster's namespace. */
    readonly namespace: pulumi.Input<string>;
    /** Five-field cron such as "0 2 * * *" (UTC), converted to CloudNativePG's six fields. */
    readonly schedule: string;
    /** The backup bucket's readiness: the first backup runs immediately and needs the bucket. */
    readonly bucketReady: pulumi.Resource[];
}

/**
 * The base backups of a PostgreSQL cluster: a `method: plugin` ScheduledBackup that also runs
 * once immediately. It is its own component so that only it waits for the backup bucket: the
 * cluster itself reaches Ready without the bucket (CloudNativePG's Ready follows the instances;
 * WAL archiving retries until the bucket exists), and applications waiting for PostgreSQL do not
 * wait for the object store.
 */
export class PostgresBackupSchedule extends pulumi.ComponentResource {
    public readonly scheduledBackup: k8s.apiextensions.CustomResource;

    constructor(name: string, args: PostgresBackupScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:PostgresBackupSchedule", name, {}, opts);
        const pg = args.cluster.name;
        this.scheduledBackup = new k8s.apiextensions.CustomResource(
            `${pg}-scheduled-backup`,
            {
                apiVersion: "postgresql.cnpg.io/v1",
                kind: "ScheduledBackup",
                metadata: { name: `${pg}-daily`, namespace: args.namespace, labels: platformLabels("postgresql", pg) },
                spec: {
                    cluster: { name: args.cluster.clusterName },
                    // CloudNativePG's cron has a leading seconds field.
                    schedule: `0 ${args.schedule}`,
                    method: "plugin",
                    pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
                    backupOwnerReference: "self",
                    immediate: true,
                },
            },
            // A backup of a cluster that is not Ready fails, and the first one runs immediately, so it
            // waits for the cluster and for the bucket it writes to. It used to be a child of the cluster's component.
            { parent: this, dependsOn: [args.cluster.cluster, ...args.bucketReady], aliases: [{ parent: args.cluster }] },
        );
        this.registerOutputs({});
    }
}
