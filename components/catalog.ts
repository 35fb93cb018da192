/**
 * The one place where chart versions, chart repositories and default images are pinned.
 *
 * Versions are the newest stable releases of each chart when pinned; a chart upgrade is a one-line change here
 * (see docs/operations.md). Every chart can be redirected to an OCI mirror or a local folder of
 * `.tgz` files through the `chartSource` config key, and every image registry through
 * `imageRegistry`, so the same program runs air-gapped.
 */

/** A chart as published upstream. */
export interface ChartPin {
    /** The chart's name in its repository (and the `.tgz` file prefix in a local mirror). */
    readonly chart: string;
    /** The exact chart version; never a range. */
    readonly version: string;
    /** Upstream location: an HTTP(S) Helm repository URL, or an `oci://` registry path holding the chart. */
    readonly repository: string;
}

export const charts = {
    certManager: { chart: "cert-manager", version: "v1.21.1", repository: "oci://quay.io/jetstack/charts" },
    cloudnativePg: { chart: "cloudnative-pg", version: "0.29.0", repository: "https://cloudnative-pg.github.io/charts" },
    /** CloudNativePG's Barman Cloud plugin (CNPG-I), app v0.13.0: the ObjectStore CRD and the backup sidecar injector. */
    barmanCloudPlugin: { chart: "plugin-barman-cloud", version: "0.7.0", repository: "https://cloudnative-pg.github.io/charts" },
    superset: { chart: "superset", version: "0.22.8", repository: "https://apache.github.io/superset" },
    pxcOperator: { chart: "pxc-operator", version: "1.20.0", repository: "https://percona.github.io/percona-helm-charts/" },
    strimzi: { chart: "strimzi-kafka-operator", version: "1.2.0", repository: "oci://quay.io/strimzi-helm" },
    minioOperator: { chart: "operator", version: "7.1.1", repository: "https://operator.min.io" },
    nessie: { chart: "nessie", version: "0.108.4", repository: "https://charts.projectnessie.org" },
    flinkOperator: { chart: "flink-kubernetes-operator", version: "1.15.0", repository: "https://downloads.apache.org/flink/flink-kubernetes-operator-1.15.0/" },
    sparkOperator: { chart: "spark-operator", version: "2.5.2", repository: "https://kubeflow.github.io/spark-operator" },
    trino: { chart: "trino", version: "1.42.2", repository: "https://trinodb.github.io/charts" },
    airflow: { chart: "airflow", version: "1.22.0", repository: "https://airflow.apache.org" },
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "88.5.3", repository: "https://prometheus-community.github.io/helm-charts" },
} as const satisfies Record<string, ChartPin>;

export type ChartKey = keyof typeof charts;

// ---- Platform images (owner: images) ------------------------------------------------------------
/**
 * Registry of the images the platform builds (`build` set): the local registry `npm run deploy:dev`
 * runs beside its kind cluster (kind's documented `localhost:5001` pattern). Other stacks push them
 * with `npm run images -- build --push <registry>` and set `imageRegistry` (or `images.<name>`).
 */
export const PLATFORM_REGISTRY = "localhost:5001";

/**
 * Images the program runs itself or sets explicitly in chart values. Each is `registry/repository:tag`
 * so that `imageRegistry` can replace the registry part alone.
 */
export const images = {
    /** PostgreSQL operand image for CloudNativePG clusters (the operator's own image comes from its chart). */
    postgres: { registry: "ghcr.io", repository: "cloudnative-pg/postgresql", tag: "17.10-standard-trixie" },
    /** CloudNativePG operator. */
    cnpgOperator: { registry: "ghcr.io", repository: "cloudnative-pg/cloudnative-pg", tag: "1.30.0" },
    /** The Barman Cloud plugin and the sidecar it injects into every PostgreSQL instance pod (WAL archiving, base backups, restore). */
    barmanCloudPlugin: { registry: "ghcr.io", repository: "cloudnative-pg/plugin-barman-cloud", tag: "v0.13.0" },
    barmanCloudSidecar: { registry: "ghcr.io", repository: "cloudnative-pg/plugin-barman-cloud-sidecar", tag: "v0.13.0" },
    /** Valkey: the BSD-licensed, actively maintained Redis fork, used as cache and Celery broker. */
    valkey: { registry: "docker.io", repository: "valkey/valkey", tag: "8.1.3" },
    /** Prometheus exporter beside each Valkey server (with monitoring on); reads Valkey's INFO. */
    redisExporter: { registry: "docker.io", repository: "oliver006/redis_exporter", tag: "v1.75.0" },
    /** Built from images/superset: Apache Superset 6.1.0 (the chart's appVersion) with the PostgreSQL, MySQL and Trino drivers. */
    superset: { registry: PLATFORM_REGISTRY, repository: "analytics-platform/superset", tag: "6.1.0-6269de722fc8", build: "superset" },
    /** Percona XtraDB Cluster operator and operands, as pxc-operator/pxc-db 1.20.0 name them. */
    pxcOperator: { registry: "docker.io", repository: "percona/percona-xtradb-cluster-operator", tag: "1.20.0" },
    pxc: { registry: "docker.io", repository: "percona/percona-xtradb-cluster", tag: "8.4.8-8.1" },
    pxcHaproxy: { registry: "docker.io", repository: "percona/haproxy", tag: "2.8.18-1" },
    pxcBackup: { registry: "docker.io", repository: "percona/percona-xtrabackup", tag: "8.4.0-5.1" },
    /** Strimzi's operator and Kafka images all live under quay.io/strimzi; the chart takes the registry apart. */
    strimzi: { registry: "quay.io", repository: "strimzi/operator", tag: "1.2.0" },
    /** Confluent-compatible schema registry (Apache-2.0). */
    karapace: { registry: "ghcr.io", repository: "aiven-open/karapace", tag: "6.2.2" },
    /** MinIO operator: its last release (the project is archived, decision 0011); mirror it. */
    minioOperator: { registry: "quay.io", repository: "minio/operator", tag: "v7.1.1" },
    /**
     * Init container and sidecar the MinIO operator adds to every tenant pod. Not v7.1.1: that tag was
     * never published (minio/operator#2484); v7.0.1 is the operator v7.1.1's own default and unchanged since.
     */
    minioSidecar: { registry: "quay.io", repository: "minio/operator-sidecar", tag: "v7.0.1" },
    /**
     * Built from images/minio: the MinIO server and `mc` from the Go module's last commit (2026-02-12),
     * which MinIO publishes as source only (decision 0011); the server of the tenant and the client of
     * its provisioning Job.
     */
    minio: { registry: PLATFORM_REGISTRY, repository: "analytics-platform/minio", tag: "2026-02-12-59f40871f395", build: "minio" },
    nessie: { registry: "ghcr.io", repository: "projectnessie/nessie", tag: "0.108.4" },
    /** Official ClickHouse server image (the Bitnami images are no longer updated publicly). */
    clickhouse: { registry: "docker.io", repository: "clickhouse/clickhouse-server", tag: "25.8.3.66" },
    flinkOperator: { registry: "ghcr.io", repository: "apache/flink-kubernetes-operator", tag: "1.15.0" },
    /** Flink runtime for the CDC pipeline and the SQL gateway. */
    flink: { registry: "docker.io", repository: "flink", tag: "1.20.3-java17" },
    /** Built from images/flink: Flink with the CDC job's connectors; what `flink.connectorsImage` names when the job runs. */
    flinkConnectors: { registry: PLATFORM_REGISTRY, repository: "analytics-platform/flink", tag: "1.20.3-193d4bd08734", build: "flink" },
    sparkOperator: { registry: "ghcr.io", repository: "kubeflow/spark-operator/controller", tag: "2.5.2" },
    /** Built from images/spark: apache/spark with S3A (see the platform images block below). */
    spark: { registry: PLATFORM_REGISTRY, repository: "analytics-platform/spark", tag: "3.5.7-a26806f89ff6", build: "spark" },
    trino: { registry: "docker.io", repository: "trinodb/trino", tag: "480" },
    /** Built from images/airflow: apache/airflow with the providers of every connection the platform registers. */
    airflow: { registry: PLATFORM_REGISTRY, repository: "analytics-platform/airflow", tag: "3.2.2-859b1ece9b38", build: "airflow" },
    nifi: { registry: "docker.io", repository: "apache/nifi", tag: "1.23.2" },
    /** git-sync sidecar keeping Airflow's DAGs from a repository (airflow.dags; the chart's reference default). */
    gitSync: { registry: "registry.k8s.io", repository: "git-sync/git-sync", tag: "v4.4.2" },
    /** Airflow's StatsD-to-Prometheus bridge (the chart's statsd deployment). */
    statsdExporter: { registry: "quay.io", repository: "prometheus/statsd-exporter", tag: "v0.28.0" },
    /** HAProxy 3.2 LTS in front of the Valkey Sentinel group (prod). */
    haproxy: { registry: "docker.io", repository: "library/haproxy", tag: "3.2.19" },
    /** JMX exporter sidecar for Trino's metrics. */
    jmxExporter: { registry: "docker.io", repository: "bitnamilegacy/jmx-exporter", tag: "1.4.0" },
    /** Built from images/duckdb: the DuckDB CLI with its iceberg and httpfs extensions baked in. */
    duckdb: { registry: PLATFORM_REGISTRY, repository: "analytics-platform/duckdb", tag: "1.5.5-8e078c15e1c5", build: "duckdb" },
    /** Built from images/appender: the Kafka-to-Iceberg appender. */
    icebergAppender: { registry: PLATFORM_REGISTRY, repository: "analytics-platform/iceberg-appender", tag: "0.2.0-c0db065df3a0", build: "appender" },
} as const satisfies Record<string, ImagePin>;

export type ImageKey = keyof typeof images;

export interface ImagePin {
    readonly registry: string;
    readonly repository: string;
    readonly tag: string;
    /**
     * Set for the platform's own images: the folder under `images/` holding the Dockerfile and its
     * content lists. The tag is then `<version>-<hash of the folder's build inputs>` (decision 0014).
     */
    readonly build?: string;
}

/**
 * The Kafka version Strimzi runs, and the KRaft metadata version it is held at. Strimzi 1.2.0 supports
 * Kafka 4.2.0, 4.2.1, 4.3.0 and 4.3.1 (its `kafka-versions.yaml`; 4.3.1 is its default, metadata
 * `4.3-IV0`). Pinning both keeps an operator upgrade from rolling the brokers to a newer Kafka and
 * raising the metadata version, which cannot be lowered again. The broker image is
 * `quay.io/strimzi/kafka:<operator tag>-kafka-<version>`.
 */
export const kafkaVersion = { version: "4.3.1", metadataVersion: "4.3-IV0" } as const;

/**
 * Images the charts run, named explicitly in each chart's values (repository and tag) so that
 * `imageRegistry` reaches them and `npm run artifacts` lists them without the charts' default
 * values. Each tag is the one the pinned chart version runs by default (its appVersion, or the
 * subchart's); a chart bump updates these with it (docs/operations.md).
 */
export const chartImages = {
    /** cert-manager v1.21.1: controller, webhook, CA injector, the startup API check Job and ACME HTTP-01 solver pods. */
    certManagerController: { registry: "quay.io", repository: "jetstack/cert-manager-controller", tag: "v1.21.1" },
    certManagerWebhook: { registry: "quay.io", repository: "jetstack/cert-manager-webhook", tag: "v1.21.1" },
    certManagerCainjector: { registry: "quay.io", repository: "jetstack/cert-manager-cainjector", tag: "v1.21.1" },
    certManagerStartupapicheck: { registry: "quay.io", repository: "jetstack/cert-manager-startupapicheck", tag: "v1.21.1" },
    certManagerAcmesolver: { registry: "quay.io", repository: "jetstack/cert-manager-acmesolver", tag: "v1.21.1" },
    /** kube-prometheus-stack 88.5.3 (operator appVersion v0.93.1) and its grafana 12.11.1 and kube-state-metrics 8.4.0 subcharts. */
    prometheusOperator: { registry: "quay.io", repository: "prometheus-operator/prometheus-operator", tag: "v0.93.1" },
    prometheusConfigReloader: { registry: "quay.io", repository: "prometheus-operator/prometheus-config-reloader", tag: "v0.93.1" },
    prometheus: { registry: "quay.io", repository: "prometheus/prometheus", tag: "v3.14.0-distroless" },
    alertmanager: { registry: "quay.io", repository: "prometheus/alertmanager", tag: "v0.34.0" },
    /** Only when a Prometheus runs the Thanos sidecar (the platform's do not). */
    thanos: { registry: "quay.io", repository: "thanos/thanos", tag: "v0.42.4" },
    grafana: { registry: "docker.io", repository: "grafana/grafana", tag: "13.2.0" },
    /** Grafana's sidecar that loads dashboards and datasources from labelled ConfigMaps. */
    grafanaSidecar: { registry: "quay.io", repository: "kiwigrid/k8s-sidecar", tag: "2.10.1" },
    kubeStateMetrics: { registry: "registry.k8s.io", repository: "kube-state-metrics/kube-state-metrics", tag: "v2.20.0" },
    /** spark-operator 2.5.2's CRD upgrade hook (only with hook.upgradeCrd). */
    sparkOperatorHook: { registry: "ghcr.io", repository: "kubeflow/spark-operator/kubectl", tag: "2.5.2" },
    /** The superset chart's init containers that wait for the database and the cache (`dockerize`). */
    supersetInit: { registry: "docker.io", repository: "apache/superset", tag: "dockerize" },
} as const satisfies Record<string, ImagePin>;
