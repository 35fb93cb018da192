import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { images } from "../components/catalog";
import { ChartSource } from "../components/config";
import { ClickHouse, PROMETHEUS_CONFIG } from "../components/data/clickhouse";
import { CnpgOperator } from "../components/data/cnpgOperator";
import { Kafka } from "../components/data/kafka";
import { MinioOperator } from "../components/data/minioOperator";
import { Nessie } from "../components/data/nessie";
import { ObjectStore } from "../components/data/objectStore";
import { PostgresCluster } from "../components/data/postgresCluster";
import { PxcOperator } from "../components/data/pxcOperator";
import { StrimziOperator } from "../components/data/strimziOperator";
import { XtraDbCluster } from "../components/data/xtradb";
import { CertManager } from "../components/foundation/certManager";
import { ScrapeTarget } from "../components/lib/monitoring";
import { FlinkCdc } from "../components/processing/flinkCdc";
import { FlinkOperator } from "../components/processing/flinkOperator";
import { JMX_EXPORTER_CONFIG, Trino } from "../components/processing/trino";
import { SparkOperator } from "../components/processing/sparkOperator";
import { Capture, resolve, settle, useMocks } from "./harness";
import { kafkaCluster } from "./kafkaFixture";

const upstream: ChartSource = { mode: "upstream", location: "" };
const RELEASE = "kubernetes:helm.sh/v3:Release";
const STATEFULSET = "kubernetes:apps/v1:StatefulSet";
const small = { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" };
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A target with its namespace resolved, for exact comparison. */
type Plain = Omit<ScrapeTarget, "namespace"> & { namespace: string };

async function plain(targets: readonly ScrapeTarget[]): Promise<Plain[]> {
    return Promise.all(targets.map(async (t) => ({ ...t, namespace: await resolve(t.namespace) })));
}

/** A stand-in for a dependency that only needs to be waited for. */
function marker(name: string): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(name, { metadata: { name, namespace: "platform-data" } });
}

function values(capture: Capture, release: string): any {
    return capture.one(RELEASE, release).inputs.values;
}

describe("metrics endpoints", () => {
    describe("operators", () => {
        let capture: Capture;
        let certManager: CertManager;
        let cnpg: CnpgOperator;
        let strimzi: StrimziOperator;
        let pxc: PxcOperator;
        let minio: MinioOperator;
        let flink: FlinkOperator;
        let spark: SparkOperator;
        before(async () => {
            capture = await useMocks({ profile: "dev" });
            const common = { namespace: "platform-operators", chartSource: upstream, imageRegistry: "" };
            certManager = new CertManager("cert-manager", { ...common, namespace: "cert-manager" });
            cnpg = new CnpgOperator("cnpg-operator", common);
            strimzi = new StrimziOperator("strimzi", common);
            pxc = new PxcOperator("pxc-operator", common);
            minio = new MinioOperator("minio-operator", common);
            flink = new FlinkOperator("flink-operator", { ...common, certManager: certManager.release });
            spark = new SparkOperator("spark-operator", { ...common, jobNamespaces: ["platform-apps"] });
            await settle();
        });

        it("cert-manager: the controller, webhook and cainjector pods of the release on http-metrics 9402", async () => {
            assert.deepStrictEqual(await plain(certManager.metrics), [
                { name: "cert-manager", namespace: "cert-manager", kind: "pod", selector: { "app.kubernetes.io/instance": "cert-manager" }, port: "http-metrics", containerPort: 9402, path: "/metrics" },
            ]);
        });

        it("cert-manager: opens the metrics ports without the chart's own monitors", () => {
            assert.deepStrictEqual(values(capture, "cert-manager-chart").prometheus, { enabled: true, servicemonitor: { enabled: false }, podmonitor: { enabled: false } });
        });

        it("CloudNativePG operator: its pods on metrics 8080", async () => {
            assert.deepStrictEqual(await plain(cnpg.metrics), [
                {
                    name: "cnpg-operator",
                    namespace: "platform-operators",
                    kind: "pod",
                    selector: { "app.kubernetes.io/name": "cloudnative-pg", "app.kubernetes.io/instance": "cnpg" },
                    port: "metrics",
                    containerPort: 8080,
                    path: "/metrics",
                },
            ]);
            assert.strictEqual(capture.one(RELEASE, "cnpg-operator-chart").inputs.name, "cnpg");
        });

        it("Strimzi operator: its pods on http 8080", async () => {
            assert.deepStrictEqual(await plain(strimzi.metrics), [
                {
                    name: "strimzi",
                    namespace: "platform-operators",
                    kind: "pod",
                    selector: { name: "strimzi-cluster-operator", "strimzi.io/kind": "cluster-operator" },
                    port: "http",
                    containerPort: 8080,
                    path: "/metrics",
                },
            ]);
        });

        it("PXC operator: its pods on metrics 8080", async () => {
            assert.deepStrictEqual(await plain(pxc.metrics), [
                {
                    name: "pxc-operator",
                    namespace: "platform-operators",
                    kind: "pod",
                    selector: { "app.kubernetes.io/component": "operator", "app.kubernetes.io/name": "pxc-operator", "app.kubernetes.io/instance": "pxc-operator" },
                    port: "metrics",
                    containerPort: 8080,
                    path: "/metrics",
                },
            ]);
            assert.strictEqual(capture.one(RELEASE, "pxc-operator-chart").inputs.name, "pxc-operator");
        });

        it("MinIO operator: describes nothing, it serves no metrics", () => {
            assert.deepStrictEqual(minio.metrics, []);
        });

        it("Flink operator: its pods on metrics 9999, where the chart opens the reporter's port", async () => {
            assert.deepStrictEqual(await plain(flink.metrics), [
                {
                    name: "flink-operator",
                    namespace: "platform-operators",
                    kind: "pod",
                    selector: { "app.kubernetes.io/name": "flink-kubernetes-operator" },
                    port: "metrics",
                    containerPort: 9999,
                    path: "/metrics",
                },
            ]);
            const v = values(capture, "flink-operator-chart");
            assert.deepStrictEqual(v.metrics, { port: 9999 });
            const conf: string = v.defaultConfiguration["flink-conf.yaml"];
            assert.ok(conf.includes("kubernetes.operator.metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory\n"), conf);
            assert.ok(conf.includes("kubernetes.operator.metrics.reporter.prom.port: 9999\n"), conf);
        });

        it("Spark operator: controller and webhook pods on metrics 8080", async () => {
            assert.deepStrictEqual(await plain(spark.metrics), [
                {
                    name: "spark-operator",
                    namespace: "platform-operators",
                    kind: "pod",
                    selector: { "app.kubernetes.io/name": "spark-operator", "app.kubernetes.io/instance": "spark-operator" },
                    port: "metrics",
                    containerPort: 8080,
                    path: "/metrics",
                },
            ]);
        });

        it("Spark operator: sets the chart's metrics port, name and path, without its PodMonitor", () => {
            assert.deepStrictEqual(values(capture, "spark-operator-chart").prometheus, {
                metrics: { enable: true, port: 8080, portName: "metrics", endpoint: "/metrics" },
                podMonitor: { create: false },
            });
        });
    });

    describe("PostgreSQL, Nessie and ClickHouse", () => {
        let capture: Capture;
        let pg: PostgresCluster;
        let nessie: Nessie;
        let clickhouse: ClickHouse;
        before(async () => {
            capture = await useMocks({ profile: "dev" });
            const operator = new CnpgOperator("cnpg-operator", { namespace: "platform-operators", chartSource: upstream, imageRegistry: "" });
            pg = new PostgresCluster("platform-pg", {
                namespace: "platform-data",
                operator: operator.release,
                sizing: { instances: 1, storage: "5Gi", ...small },
                storageClass: "",
                imageRegistry: "",
                databases: [{ name: "nessie" }],
            });
            nessie = new Nessie("nessie", {
                namespace: "platform-data",
                chartSource: upstream,
                imageRegistry: "",
                database: pg.databases.nessie,
                warehouse: { endpoint: "http://minio.platform-data.svc.cluster.local", secretName: "object-store-s3", bucket: "warehouse", ready: [marker("object-store-ready")] },
                resources: small,
            });
            clickhouse = new ClickHouse("clickhouse", { namespace: "platform-data", sizing: { storage: "5Gi", ...small }, storageClass: "", imageRegistry: "" });
            await settle();
        });

        it("PostgreSQL: the cluster's instance pods on the exporter's metrics 9187", async () => {
            assert.deepStrictEqual(await plain(pg.metrics), [
                {
                    name: "platform-pg",
                    namespace: "platform-data",
                    kind: "pod",
                    selector: { "cnpg.io/cluster": "platform-pg", "cnpg.io/podRole": "instance" },
                    port: "metrics",
                    containerPort: 9187,
                    path: "/metrics",
                },
            ]);
        });

        it("Nessie: Quarkus's /q/metrics on the management port nessie-mgmt 9000", async () => {
            assert.deepStrictEqual(await plain(nessie.metrics), [
                {
                    name: "nessie",
                    namespace: "platform-data",
                    kind: "pod",
                    selector: { "app.kubernetes.io/name": "nessie", "app.kubernetes.io/instance": "nessie" },
                    port: "nessie-mgmt",
                    containerPort: 9000,
                    path: "/q/metrics",
                },
            ]);
        });

        it("Nessie: enables metrics on its named management port and turns the chart's ServiceMonitor off", () => {
            const v = values(capture, "nessie-chart");
            assert.deepStrictEqual(v.metrics, { enabled: true });
            assert.deepStrictEqual(v.serviceMonitor, { enabled: false });
            assert.deepStrictEqual(v.managementService, { portName: "nessie-mgmt", portNumber: 9000 });
        });

        it("ClickHouse: its pod on metrics 9363", async () => {
            assert.deepStrictEqual(await plain(clickhouse.metrics), [
                {
                    name: "clickhouse",
                    namespace: "platform-data",
                    kind: "pod",
                    selector: { "app.kubernetes.io/name": "clickhouse", "app.kubernetes.io/instance": "clickhouse" },
                    port: "metrics",
                    containerPort: 9363,
                    path: "/metrics",
                },
            ]);
        });

        it("ClickHouse: turns the Prometheus handler on in a config.d file of its own ConfigMap", () => {
            const cm = capture.one("kubernetes:core/v1:ConfigMap", "clickhouse-config").inputs;
            // Next to the replication settings and the single server's embedded Keeper.
            assert.deepStrictEqual(Object.keys(cm.data), ["cluster.xml", "keeper.xml", "prometheus.xml"]);
            assert.strictEqual(cm.data["prometheus.xml"], PROMETHEUS_CONFIG);
            for (const line of ["<endpoint>/metrics</endpoint>", "<port>9363</port>", "<metrics>true</metrics>", "<events>true</events>", "<asynchronous_metrics>true</asynchronous_metrics>"]) {
                assert.ok(PROMETHEUS_CONFIG.includes(line), line);
            }
            const pod = capture.one(STATEFULSET, "clickhouse-statefulset").inputs.spec.template.spec;
            assert.deepStrictEqual(pod.volumes.find((v: any) => v.name === "config"), { name: "config", configMap: { name: "clickhouse-config" } });
            assert.deepStrictEqual(pod.containers[0].volumeMounts.find((m: any) => m.name === "config" && m.subPath === "prometheus.xml"), {
                name: "config",
                mountPath: "/etc/clickhouse-server/config.d/prometheus.xml",
                subPath: "prometheus.xml",
                readOnly: true,
            });
        });

        it("ClickHouse: names the container port the target scrapes and the pod carries the target's labels", () => {
            const template = capture.one(STATEFULSET, "clickhouse-statefulset").inputs.spec.template;
            const [target] = clickhouse.metrics;
            assert.deepStrictEqual(template.spec.containers[0].ports.find((p: any) => p.name === target.port), { name: "metrics", containerPort: target.containerPort });
            for (const [k, v] of Object.entries(target.selector)) assert.strictEqual(template.metadata.labels[k], v, k);
        });

        it("ClickHouse: rolls the pod when the Prometheus configuration changes", () => {
            const annotations = capture.one(STATEFULSET, "clickhouse-statefulset").inputs.spec.template.metadata.annotations;
            assert.match(annotations["analytics-platform/config-sha256"], /^[0-9a-f]{64}$/);
        });
    });

    describe("Kafka", () => {
        let capture: Capture;
        let withConnect: Kafka;
        let plainKafka: Kafka;
        before(async () => {
            capture = await useMocks({ profile: "dev" });
            const operator = new StrimziOperator("strimzi", { namespace: "platform-operators", chartSource: upstream, imageRegistry: "" });
            const node = { storage: "10Gi", cpu: "500m", memory: "2Gi", cpuLimit: "2", memoryLimit: "2Gi" };
            const base = { operator: operator.release, sizing: { brokers: node, controllers: node }, storageClass: "", clusterIssuer: "platform-ca", caCertPem: "ca" };
            withConnect = new Kafka("events", { ...base, namespace: "platform-data", connect: { replicas: 1, connectors: [] } });
            plainKafka = new Kafka("plain", { ...base, namespace: "other-data" });
            await settle();
        });

        it("describes the nodes, the Topic Operator and the Connect workers", async () => {
            assert.deepStrictEqual(await plain(withConnect.metrics), [
                {
                    name: "events",
                    namespace: "platform-data",
                    kind: "pod",
                    selector: { "strimzi.io/cluster": "events", "strimzi.io/kind": "Kafka" },
                    port: "tcp-prometheus",
                    containerPort: 9404,
                    path: "/metrics",
                },
                {
                    name: "events-entity-operator",
                    namespace: "platform-data",
                    kind: "pod",
                    selector: { "strimzi.io/cluster": "events", "strimzi.io/name": "events-entity-operator" },
                    port: "healthcheck-to",
                    containerPort: 8080,
                    path: "/metrics",
                },
                {
                    name: "events-connect",
                    namespace: "platform-data",
                    kind: "pod",
                    selector: { "strimzi.io/cluster": "events-connect", "strimzi.io/kind": "KafkaConnect" },
                    port: "tcp-prometheus",
                    containerPort: 9404,
                    path: "/metrics",
                },
            ]);
        });

        it("describes no Connect target without Connect", async () => {
            assert.deepStrictEqual(
                (await plain(plainKafka.metrics)).map((t) => [t.name, t.namespace]),
                [
                    ["plain", "other-data"],
                    ["plain-entity-operator", "other-data"],
                ],
            );
        });

        it("turns on the Strimzi Metrics Reporter in the Kafka nodes and the Connect workers", () => {
            assert.deepStrictEqual(capture.one("kubernetes:kafka.strimzi.io/v1:Kafka", "events-kafka").inputs.spec.kafka.metricsConfig, { type: "strimziMetricsReporter" });
            assert.deepStrictEqual(capture.one("kubernetes:kafka.strimzi.io/v1:KafkaConnect", "events-connect").inputs.spec.metricsConfig, { type: "strimziMetricsReporter" });
        });
    });

    describe("object store", () => {
        let capture: Capture;
        let store: ObjectStore;
        before(async () => {
            capture = await useMocks({ profile: "dev" });
            const operator = new MinioOperator("minio-operator", { namespace: "platform-operators", chartSource: upstream, imageRegistry: "" });
            store = new ObjectStore("object-store", {
                namespace: "platform-data",
                operator: operator.release,
                imageRegistry: "",
                storageClass: "",
                sizing: { servers: 1, volumesPerServer: 1, volumeSize: "5Gi", ...small },
                buckets: ["warehouse"],
            });
            await settle();
        });

        it("scrapes MinIO's cluster metrics through its own metrics Service, on the server port", async () => {
            assert.deepStrictEqual(await plain(store.metrics), [
                {
                    name: "object-store",
                    namespace: "platform-data",
                    kind: "service",
                    selector: { "app.kubernetes.io/name": "minio", "app.kubernetes.io/instance": "object-store", "app.kubernetes.io/component": "metrics" },
                    port: "http-metrics",
                    containerPort: 9000,
                    path: "/minio/v2/metrics/cluster",
                    podLabels: { "v1.min.io/tenant": "object-store" },
                },
            ]);
        });

        it("creates a headless Service that carries the target's labels and selects the tenant's pods", () => {
            const svc = capture.one("kubernetes:core/v1:Service", "object-store-metrics").inputs;
            const [target] = store.metrics;
            for (const [k, v] of Object.entries(target.selector)) assert.strictEqual(svc.metadata.labels[k], v, k);
            assert.strictEqual(svc.metadata.namespace, "platform-data");
            assert.deepStrictEqual(svc.spec, {
                clusterIP: "None",
                selector: target.podLabels,
                ports: [{ name: target.port, port: 9000, targetPort: target.containerPort }],
            });
        });

        it("lets Prometheus read the metrics without a bearer token", () => {
            assert.deepStrictEqual(capture.one("kubernetes:minio.min.io/v2:Tenant", "object-store-tenant").inputs.spec.env, [{ name: "MINIO_PROMETHEUS_AUTH_TYPE", value: "public" }]);
        });
    });

    describe("XtraDB", () => {
        it("scrapes the HAProxy pods' stats port 8404, the only Prometheus endpoint without PMM", async () => {
            await useMocks({ profile: "dev" });
            const operator = new PxcOperator("pxc-operator", { namespace: "platform-operators", chartSource: upstream, imageRegistry: "" });
            const db = new XtraDbCluster("xtradb", {
                namespace: "platform-data",
                operator: operator.release,
                imageRegistry: "",
                storageClass: "",
                sizing: { size: 1, storage: "5Gi", ...small, haproxy: { size: 1, ...small } },
            });
            await settle();
            assert.deepStrictEqual(await plain(db.metrics), [
                {
                    name: "xtradb-haproxy",
                    namespace: "platform-data",
                    kind: "pod",
                    selector: { "app.kubernetes.io/instance": "xtradb", "app.kubernetes.io/component": "haproxy" },
                    port: "stats",
                    containerPort: 8404,
                    path: "/metrics",
                },
            ]);
        });
    });

    describe("Flink session cluster", () => {
        let capture: Capture;
        let cdc: FlinkCdc;
        before(async () => {
            capture = await useMocks({ profile: "dev" });
            const s3 = { endpoint: "http://minio.platform-data.svc.cluster.local", secretName: "flink-s3", ready: [marker("object-store-ready")] };
            cdc = new FlinkCdc("cdc", {
                namespace: "platform-processing",
                operator: marker("flink-operator-ready"),
                imageRegistry: "",
                checkpoints: { ...s3, bucket: "checkpoints" },
                savepoints: { ...s3, bucket: "savepoints" },
                kafka: kafkaCluster(),
            });
            await settle();
        });

        it("describes the JobManager and TaskManager pods on metrics 9249", async () => {
            assert.deepStrictEqual(await plain(cdc.metrics), [
                {
                    name: "cdc",
                    namespace: "platform-processing",
                    kind: "pod",
                    selector: { app: "cdc", type: "flink-native-kubernetes" },
                    port: "metrics",
                    containerPort: 9249,
                    path: "/metrics",
                },
            ]);
        });

        it("configures the Prometheus reporter on that port", () => {
            const conf = capture.one("kubernetes:flink.apache.org/v1beta1:FlinkDeployment", "cdc-cluster").inputs.spec.flinkConfiguration;
            assert.strictEqual(conf["metrics.reporter.prom.factory.class"], "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            assert.strictEqual(conf["metrics.reporter.prom.port"], "9249");
        });

        it("names the reporter's port on the main container through the pod template", () => {
            const containers = capture.one("kubernetes:flink.apache.org/v1beta1:FlinkDeployment", "cdc-cluster").inputs.spec.podTemplate.spec.containers;
            assert.deepStrictEqual(
                containers.map((c: any) => [c.name, c.ports]),
                [["flink-main-container", [{ name: "metrics", containerPort: 9249 }]]],
            );
        });

        it("mounts a writable folder over the S3 plugin's folder only, leaving the image's reporter plugins visible", () => {
            const main = capture.one("kubernetes:flink.apache.org/v1beta1:FlinkDeployment", "cdc-cluster").inputs.spec.podTemplate.spec.containers[0];
            const version = images.flink.tag.split("-")[0];
            assert.deepStrictEqual(main.volumeMounts.find((m: any) => m.name === "plugins"), { name: "plugins", mountPath: `/opt/flink/plugins/flink-s3-fs-hadoop-${version}` });
            assert.ok(main.volumeMounts.every((m: any) => m.mountPath !== "/opt/flink/plugins"));
        });
    });

    describe("Trino", () => {
        const base = {
            namespace: "platform-apps",
            chartSource: upstream,
            sizing: {
                workers: 2,
                coordinator: { cpu: "500m", memory: "2Gi", cpuLimit: "2", memoryLimit: "2Gi" },
                worker: { cpu: "1", memory: "4Gi", cpuLimit: "2", memoryLimit: "4Gi" },
            },
        };

        it("describes the coordinator and worker pods' JMX exporter on jmx-exporter 5556", async () => {
            await useMocks({ profile: "dev" });
            const trino = new Trino("trino", { ...base, imageRegistry: "" });
            await settle();
            assert.deepStrictEqual(await plain(trino.metrics), [
                {
                    name: "trino",
                    namespace: "platform-apps",
                    kind: "pod",
                    selector: { "app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": "trino" },
                    port: "jmx-exporter",
                    containerPort: 5556,
                    path: "/metrics",
                },
            ]);
        });

        it("enables JMX and the chart's exporter sidecar, restricted, pinned and pulled through the registry override", async () => {
            const capture = await useMocks({ profile: "dev" });
            new Trino("trino", { ...base, imageRegistry: "mirror.internal" });
            await settle();
            assert.deepStrictEqual(values(capture, "trino-chart").jmx, {
                enabled: true,
                registryPort: 9080,
                serverPort: 9081,
                exporter: {
                    enabled: true,
                    image: "mirror.internal/bitnamilegacy/jmx-exporter:1.4.0",
                    pullPolicy: "IfNotPresent",
                    port: 5556,
                    configProperties: JMX_EXPORTER_CONFIG,
                    securityContext: {
                        allowPrivilegeEscalation: false,
                        readOnlyRootFilesystem: true,
                        runAsNonRoot: true,
                        runAsUser: 1001,
                        runAsGroup: 1001,
                        capabilities: { drop: ["ALL"] },
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
                },
            });
        });

        it("has the exporter read Trino's JMX on localhost's registry port", () => {
            assert.strictEqual(JMX_EXPORTER_CONFIG.split("\n")[0], "hostPort: localhost:9080");
            assert.ok(JMX_EXPORTER_CONFIG.includes('  - "trino.execution:*"\n'));
        });

        it("runs no exporter and describes no target with metrics off", async () => {
            const capture = await useMocks({ profile: "dev" });
            const trino = new Trino("trino", { ...base, imageRegistry: "", metrics: false });
            await settle();
            assert.deepStrictEqual(trino.metrics, []);
            assert.strictEqual("jmx" in values(capture, "trino-chart"), false);
            // Coordinator 500m and two workers of 1 CPU, no sidecars.
            assert.strictEqual(trino.footprint.cpuMillis, 2500);
        });
    });

    describe("every target", () => {
        it("has a DNS-label name, unique across the components, and selects pods by label for pod targets", async () => {
            await useMocks({ profile: "dev" });
            const common = { namespace: "platform-operators", chartSource: upstream, imageRegistry: "" };
            const certManager = new CertManager("cert-manager", { ...common, namespace: "cert-manager" });
            const strimzi = new StrimziOperator("strimzi", common);
            const kafka = new Kafka("kafka", {
                namespace: "platform-data",
                clusterIssuer: "platform-ca",
                caCertPem: "ca",
                operator: strimzi.release,
                sizing: { brokers: { storage: "1Gi", ...small }, controllers: { storage: "1Gi", ...small } },
                storageClass: "",
                connect: { replicas: 1, connectors: [] },
            });
            const targets = [
                ...certManager.metrics,
                ...new CnpgOperator("cnpg-operator", common).metrics,
                ...strimzi.metrics,
                ...kafka.metrics,
                ...new PxcOperator("pxc-operator", common).metrics,
                ...new FlinkOperator("flink-operator", { ...common, certManager: certManager.release }).metrics,
                ...new SparkOperator("spark-operator", { ...common, jobNamespaces: ["platform-apps"] }).metrics,
                ...new ClickHouse("clickhouse", { namespace: "platform-data", sizing: { storage: "1Gi", ...small }, storageClass: "", imageRegistry: "" }).metrics,
            ];
            await settle();
            const names = targets.map((t) => t.name);
            assert.deepStrictEqual([...new Set(names)], names);
            for (const t of targets) {
                assert.match(t.name, DNS_LABEL);
                assert.ok(Object.keys(t.selector).length > 0, t.name);
                assert.ok(Number.isInteger(t.containerPort) && t.containerPort > 0 && t.containerPort < 65536, t.name);
                if (t.kind === "pod") assert.strictEqual(t.podLabels, undefined, t.name);
            }
        });
    });
});
