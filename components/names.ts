import { PodSecurityLevel } from "./foundation/namespaces";

/**
 * Logical names of the platform's parts: Pulumi resource names (stable: renaming one replaces
 * the resource unless an alias is added), host name prefixes and database names.
 */
export const names = {
    namespaces: "namespaces",
    certManager: "cert-manager",
    platformCa: "platform-ca",
    cnpgOperator: "cnpg-operator",
    barmanCloudPlugin: "barman-cloud",
    postgres: "platform-pg",
    postgresBackups: "platform-pg-backups",
    cache: "valkey",
    superset: "superset",
    strimzi: "strimzi",
    kafka: "kafka",
    schemaRegistry: "schema-registry",
    minioOperator: "minio-operator",
    objectStore: "object-store",
    pxcOperator: "pxc-operator",
    xtradb: "xtradb",
    nessie: "nessie",
    clickhouse: "clickhouse",
    networkPolicies: "network-policies",
    flinkOperator: "flink-operator",
    flinkS3: "flink-s3",
    flink: "cdc",
    flinkSavepointGuard: "cdc-savepoint-guard",
    trino: "trino",
    sparkOperator: "spark-operator",
    sparkJobs: "spark-jobs",
    exposure: "exposure",
    monitoring: "monitoring",
    alerting: "alerting",
    airflow: "airflow",
    nifi: "nifi",
    duckdb: "duckdb",
    appender: "iceberg-appender",
    /** DuckDB's and the appender's S3 keys, copied into the apps namespace (each its own user). */
    duckdbS3: "duckdb-s3",
    appenderS3: "iceberg-appender-s3",
} as const;

/** Buckets created in the object store: the Iceberg warehouse, Flink state, and backups. */
export const buckets = {
    warehouse: "warehouse",
    checkpoints: "checkpoints",
    savepoints: "savepoints",
    backups: "backups",
    sparkEvents: "spark-events",
} as const;

/** Databases created in the platform PostgreSQL, one per application that uses it. */
export const databases = {
    superset: "superset",
    nessie: "nessie",
    /** The general-purpose database Trino's `postgresql` catalog reads and writes. */
    analytics: "analytics",
    /** Airflow's metadata, when it lives in PostgreSQL (or in XtraDB, under the same name). */
    airflow: "airflow",
} as const;

/** Host name prefixes under the configured domain. */
export const hosts = {
    superset: "superset",
    grafana: "grafana",
    airflow: "airflow",
    nifi: "nifi",
} as const;

/**
 * Pod Security level each namespace enforces: restricted everywhere. Every pod the platform runs,
 * its own, the charts' and the operators', is given restricted security contexts through its
 * values, pod templates or custom resources (docs/security.md, decision 0040); a namespace at a
 * lower level would need its own decision record.
 */
export const podSecurity: Readonly<Record<"certManager" | "operators" | "data" | "processing" | "apps" | "monitoring", PodSecurityLevel>> = {
    certManager: "restricted",
    // kube-prometheus-stack without node exporter runs under the restricted profile.
    monitoring: "restricted",
    operators: "restricted",
    data: "restricted",
    processing: "restricted",
    apps: "restricted",
};

/** Ports the API server calls for admission webhooks: cert-manager's, the operators' (all on 9443), the Prometheus operator's. */
export const webhookPorts = {
    certManager: [10250],
    operators: [9443],
    monitoring: [10250],
} as const;

/** Prometheus scrapes cAdvisor on every kubelet; node addresses are not known in advance. */
export const kubelets = { cidr: "0.0.0.0/0", ports: [10250] } as const;

/** What OpenShift's network policies must name. */
export const openShift = {
    /** The `dns-default` Service in openshift-dns forwards port 53 to CoreDNS pods listening on 5353. */
    dns: { namespace: "openshift-dns", podLabels: {}, ports: [53, 5353] },
    /**
     * Labels the ingress operator sets on the router's namespace: the first is the one OpenShift's
     * network policy examples select, the second the one OVN-Kubernetes also matches for a router on
     * the host network. Either admits the router.
     */
    /** Where the user-workload Prometheus runs, which scrapes the platform's monitors. */
    userWorkloadMonitoringNamespace: "openshift-user-workload-monitoring",
    /** The user-workload Prometheus pods: the Prometheus operator labels every Prometheus pod it runs so. */
    userWorkloadPrometheusPodLabels: { "app.kubernetes.io/name": "prometheus" },
    routerNamespaceSelectors: [{ "network.openshift.io/policy-group": "ingress" }, { "policy-group.network.openshift.io/ingress": "" }],
} as const;
