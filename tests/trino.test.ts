import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { charts } from "../components/catalog";
import { ChartSource } from "../components/config";
import { Trino, TrinoArgs, trinoMemory } from "../components/processing/trino";
import { Capture, SECRET_MARK, resolve, settle, useMocks, secretLeaks } from "./harness";
import { kafkaCluster } from "./kafkaFixture";

const upstream: ChartSource = { mode: "upstream", location: "" };
const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const coordinator = { cpu: "500m", memory: "2Gi", cpuLimit: "2", memoryLimit: "2Gi" };
const worker = { cpu: "1", memory: "4Gi", cpuLimit: "2", memoryLimit: "4Gi" };

/** A stand-in for a backend's ready resource, so dependencies on it can be seen. */
function readyStandIn(name: string): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(name, { metadata: { name, namespace: "platform-data" } });
}

function secretValue(name: string): random.RandomPassword {
    return new random.RandomPassword(name, { length: 20, special: false });
}

/** Trino with every catalog, wired as the program would (backends in platform-data, Trino in platform-apps). */
function fullTrino(ha: boolean, workers: number, imageRegistry = ""): Trino {
    const args: TrinoArgs = {
        namespace: "platform-apps",
        chartSource: upstream,
        imageRegistry,
        sizing: { workers, coordinator, worker },
        iceberg: {
            restUri: "http://nessie.platform-data.svc.cluster.local:19120/iceberg",
            s3Endpoint: "http://minio.platform-data.svc.cluster.local",
            s3AccessKeyId: secretValue("s3-access-key").result,
            s3SecretAccessKey: secretValue("s3-secret-key").result,
            ready: [readyStandIn("nessie-ready"), readyStandIn("object-store-ready")],
        },
        postgresql: {
            host: "platform-pg-rw.platform-data.svc.cluster.local",
            port: 5432,
            database: "analytics",
            username: "analytics",
            password: secretValue("pg-password").result,
            ready: [readyStandIn("pg-ready")],
        },
        clickhouse: {
            host: "clickhouse.platform-data.svc.cluster.local",
            port: 8123,
            username: "admin",
            password: secretValue("clickhouse-password").result,
            ready: [readyStandIn("clickhouse-ready")],
        },
        kafka: { cluster: kafkaCluster(), topics: ["orders", "payments"], ready: [readyStandIn("kafka-ready")] },
        highAvailability: ha,
    };
    return new Trino("trino", args);
}

describe("Trino", () => {
    describe("dev shape with every catalog", () => {
        let capture: Capture;
        let trino: Trino;
        before(async () => {
            capture = await useMocks({ profile: "dev" });
            trino = fullTrino(false, 1);
            await settle();
        });

        it("installs the pinned chart as release trino", () => {
            const r = capture.one(RELEASE, "trino-chart").inputs;
            assert.strictEqual(r.name, "trino");
            assert.strictEqual(r.chart, charts.trino.chart);
            assert.strictEqual(r.version, charts.trino.version);
            assert.deepStrictEqual(r.repositoryOpts, { repo: charts.trino.repository });
            assert.strictEqual(r.namespace, "platform-apps");
        });

        it("takes the image apart as the chart does: registry, repository, tag", () => {
            assert.deepStrictEqual(capture.one(RELEASE, "trino-chart").inputs.values.image, { registry: "docker.io", repository: "trinodb/trino", tag: "480" });
        });

        it("points the iceberg catalog at the Nessie REST catalog with native S3 and env-referenced keys", () => {
            assert.strictEqual(
                capture.one(RELEASE, "trino-chart").inputs.values.catalogs.iceberg,
                [
                    "connector.name=iceberg",
                    "iceberg.catalog.type=rest",
                    "iceberg.rest-catalog.uri=http://nessie.platform-data.svc.cluster.local:19120/iceberg",
                    "iceberg.rest-catalog.warehouse=warehouse",
                    "fs.native-s3.enabled=true",
                    "s3.endpoint=http://minio.platform-data.svc.cluster.local",
                    "s3.region=us-east-1",
                    "s3.path-style-access=true",
                    "s3.aws-access-key=${ENV:S3_ACCESS_KEY}",
                    "s3.aws-secret-key=${ENV:S3_SECRET_KEY}",
                    "",
                ].join("\n"),
            );
        });

        it("connects the postgresql catalog to the given database with env-referenced login", () => {
            assert.strictEqual(
                capture.one(RELEASE, "trino-chart").inputs.values.catalogs.postgresql,
                "connector.name=postgresql\nconnection-url=jdbc:postgresql://platform-pg-rw.platform-data.svc.cluster.local:5432/analytics\nconnection-user=${ENV:POSTGRES_USER}\nconnection-password=${ENV:POSTGRES_PASSWORD}\n",
            );
        });

        it("connects the clickhouse catalog over HTTP with env-referenced login", () => {
            assert.strictEqual(
                capture.one(RELEASE, "trino-chart").inputs.values.catalogs.clickhouse,
                "connector.name=clickhouse\nconnection-url=jdbc:clickhouse://clickhouse.platform-data.svc.cluster.local:8123/\nconnection-user=${ENV:CLICKHOUSE_USER}\nconnection-password=${ENV:CLICKHOUSE_PASSWORD}\n",
            );
        });

        it("exposes the given topics through the kafka catalog with internal columns visible", () => {
            assert.strictEqual(
                capture.one(RELEASE, "trino-chart").inputs.values.catalogs.kafka,
                [
                    "connector.name=kafka",
                    "kafka.nodes=events-kafka-bootstrap.platform-data.svc:9093",
                    // SASL_SSL with SCRAM-SHA-512 as Trino's own user, from its Secret mounted on every node.
                    "kafka.config.resources=/etc/kafka-client/client.properties",
                    "kafka.default-schema=default",
                    "kafka.table-names=orders,payments",
                    "kafka.hide-internal-columns=false",
                    "kafka.table-description-dir=/etc/trino/schemas",
                    "",
                ].join("\n"),
            );
            assert.deepStrictEqual(trino.catalogs, ["iceberg", "postgresql", "clickhouse", "kafka"]);
        });

        it("copies the backend credentials into one Secret in Trino's namespace", () => {
            const s = capture.one(SECRET, "trino-catalog-credentials").inputs;
            assert.strictEqual(s.metadata.name, "trino-catalog-credentials");
            assert.strictEqual(s.metadata.namespace, "platform-apps");
            assert.deepStrictEqual(s.stringData, {
                S3_ACCESS_KEY: `${SECRET_MARK}-s3-access-key`,
                S3_SECRET_KEY: `${SECRET_MARK}-s3-secret-key`,
                POSTGRES_USER: "analytics",
                POSTGRES_PASSWORD: `${SECRET_MARK}-pg-password`,
                CLICKHOUSE_USER: "admin",
                CLICKHOUSE_PASSWORD: `${SECRET_MARK}-clickhouse-password`,
            });
        });

        it("hands every credential to the pods as env from that Secret by name", () => {
            const env = capture.one(RELEASE, "trino-chart").inputs.values.env;
            const ref = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: "trino-catalog-credentials", key: name } } });
            assert.deepStrictEqual(env, ["S3_ACCESS_KEY", "S3_SECRET_KEY", "POSTGRES_USER", "POSTGRES_PASSWORD", "CLICKHOUSE_USER", "CLICKHOUSE_PASSWORD"].map(ref));
        });

        it("keeps every generated secret inside Secrets", () => {
            assert.deepStrictEqual(secretLeaks(capture), []);
        });

        it("starts only after every catalog backend is ready", () => {
            const deps = capture.dependencyNames(capture.one(RELEASE, "trino-chart"));
            for (const want of ["nessie-ready", "object-store-ready", "pg-ready", "clickhouse-ready", "kafka-ready"]) {
                assert.ok(deps.includes(`${CONFIGMAP}::${want}`), `trino deps ${deps.join(", ")} lack ${want}`);
            }
        });

        it("runs one worker without spread constraints or a PodDisruptionBudget", () => {
            const values = capture.one(RELEASE, "trino-chart").inputs.values;
            assert.strictEqual(values.server.workers, 1);
            assert.deepStrictEqual(values.worker.topologySpreadConstraints, []);
            assert.strictEqual(capture.ofType(PDB).length, 0);
        });

        it("sizes heap and query memory from the memory limits", () => {
            const values = capture.one(RELEASE, "trino-chart").inputs.values;
            // 2Gi limit: heap 1536M, per node 768MB, headroom 460MB; 4Gi: 3072M, 1536MB, 921MB.
            assert.deepStrictEqual(values.coordinator.jvm, { maxHeapSize: "1536M" });
            assert.deepStrictEqual(values.coordinator.config, { memory: { heapHeadroomPerNode: "460MB" }, query: { maxMemoryPerNode: "768MB" } });
            assert.deepStrictEqual(values.worker.jvm, { maxHeapSize: "3072M" });
            assert.deepStrictEqual(values.worker.config, { memory: { heapHeadroomPerNode: "921MB" }, query: { maxMemoryPerNode: "1536MB" } });
            assert.deepStrictEqual(values.server.config, { query: { maxMemory: "1536MB" } });
            assert.deepStrictEqual(values.coordinator.resources, { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "2Gi" } });
            assert.deepStrictEqual(values.worker.resources, { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } });
        });

        it("runs restricted, read-only, with scratch volumes for the data directory and /tmp", () => {
            const values = capture.one(RELEASE, "trino-chart").inputs.values;
            assert.deepStrictEqual(values.securityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" }, fsGroup: 1000, fsGroupChangePolicy: "OnRootMismatch", runAsUser: 1000, runAsGroup: 1000 });
            assert.deepStrictEqual(values.containerSecurityContext, {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                runAsUser: 1000,
                runAsGroup: 1000,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            });
            for (const role of ["coordinator", "worker"]) {
                assert.deepStrictEqual(values[role].additionalVolumes, [{ name: "trino-data", emptyDir: {} }, { name: "tmp", emptyDir: {} }]);
                assert.deepStrictEqual(values[role].additionalVolumeMounts, [{ name: "trino-data", mountPath: "/data/trino" }, { name: "tmp", mountPath: "/tmp" }]);
            }
            assert.strictEqual(values.server.node.dataDir, "/data/trino");
        });

        it("exposes the coordinator Service, and a secret-free SQLAlchemy URI for Superset", async () => {
            assert.strictEqual(await resolve(trino.host), "trino.platform-apps.svc.cluster.local");
            assert.strictEqual(trino.port, 8080);
            assert.strictEqual(await resolve(trino.endpoint.internal), "http://trino.platform-apps.svc.cluster.local:8080");
            assert.strictEqual(trino.endpoint.external, null);
            assert.strictEqual(await resolve(trino.endpoint.portForward), "kubectl -n platform-apps port-forward svc/trino 8080:8080");
            assert.strictEqual(await resolve(trino.sqlalchemyUri), "trino://superset@trino.platform-apps.svc.cluster.local:8080/iceberg");
            assert.deepStrictEqual(trino.ready.length, 1);
            assert.strictEqual(trino.ready[0], trino.release);
        });

        it("counts the coordinator, the workers and each pod's JMX exporter sidecar in its footprint", () => {
            // 500m/2Gi + 1/4Gi, plus two sidecars of 50m/128Mi (limits 250m/256Mi).
            assert.deepStrictEqual(trino.footprint, { cpuMillis: 1600, memoryMiB: 6400, cpuLimitMillis: 4500, memoryLimitMiB: 6656, storageGiB: 0 });
        });
    });

    describe("without catalogs", () => {
        let capture: Capture;
        let trino: Trino;
        before(async () => {
            capture = await useMocks({ profile: "dev" });
            trino = new Trino("trino", { namespace: "platform-apps", chartSource: upstream, imageRegistry: "registry.local", sizing: { workers: 1, coordinator, worker } });
            await settle();
        });

        it("omits every optional catalog, the credentials Secret and the env", () => {
            const values = capture.one(RELEASE, "trino-chart").inputs.values;
            assert.deepStrictEqual(values.catalogs, {});
            assert.deepStrictEqual(values.env, []);
            assert.strictEqual(capture.ofType(SECRET).length, 0);
            assert.deepStrictEqual(trino.catalogs, []);
        });

        it("has no dependencies on backends and points Superset at the system catalog", async () => {
            assert.deepStrictEqual(capture.dependencyNames(capture.one(RELEASE, "trino-chart")), []);
            assert.strictEqual(await resolve(trino.sqlalchemyUri), "trino://superset@trino.platform-apps.svc.cluster.local:8080/system");
        });

        it("pulls the image from the configured registry", () => {
            assert.deepStrictEqual(capture.one(RELEASE, "trino-chart").inputs.values.image, { registry: "registry.local", repository: "trinodb/trino", tag: "480" });
        });
    });

    describe("HA shape", () => {
        let capture: Capture;
        let trino: Trino;
        before(async () => {
            capture = await useMocks({ profile: "prod" });
            trino = fullTrino(true, 3);
            await settle();
        });

        it("runs the requested workers spread over nodes and zones", () => {
            const values = capture.one(RELEASE, "trino-chart").inputs.values;
            const selector = { matchLabels: { "app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": "trino", "app.kubernetes.io/component": "worker" } };
            assert.strictEqual(values.server.workers, 3);
            assert.deepStrictEqual(values.worker.topologySpreadConstraints, [
                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: selector },
                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: selector },
            ]);
        });

        it("lets drains take down one worker at a time", () => {
            const pdb = capture.one(PDB, "trino-worker-pdb").inputs;
            assert.strictEqual(pdb.metadata.name, "trino-worker");
            assert.strictEqual(pdb.metadata.namespace, "platform-apps");
            assert.deepStrictEqual(pdb.spec, {
                maxUnavailable: 1,
                selector: { matchLabels: { "app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": "trino", "app.kubernetes.io/component": "worker" } },
            });
        });

        it("sizes the cluster-wide query memory over all workers", () => {
            assert.deepStrictEqual(capture.one(RELEASE, "trino-chart").inputs.values.server.config, { query: { maxMemory: "4608MB" } });
            // Coordinator 500m, three workers of 1 CPU, four exporter sidecars of 50m.
            assert.strictEqual(trino.footprint.cpuMillis, 3700);
        });

        it("keeps every generated secret inside Secrets", () => {
            assert.deepStrictEqual(secretLeaks(capture), []);
        });
    });

    describe("validation", () => {
        before(async () => {
            await useMocks({ profile: "prod" });
        });

        it("rejects HA with fewer than two workers", () => {
            assert.throws(() => fullTrino(true, 1), /highAvailability needs workers >= 2, got 1/);
        });

        it("rejects zero workers", () => {
            assert.throws(() => fullTrino(false, 0), /workers must be an integer >= 1, got 0/);
        });

        it("rejects a memory limit too small for a Trino JVM", () => {
            assert.throws(
                () => new Trino("trino", { namespace: "ns", chartSource: upstream, imageRegistry: "", sizing: { workers: 1, coordinator, worker: { ...worker, memoryLimit: "512Mi" } } }),
                /worker memoryLimit must be at least 1Gi, got 512Mi/,
            );
        });

        it("derives heap and per-node memory so they fit the heap", () => {
            assert.deepStrictEqual(trinoMemory({ cpu: "1", memory: "8Gi", cpuLimit: "2", memoryLimit: "8Gi" }), {
                maxHeapSize: "6144M",
                maxMemoryPerNode: "3072MB",
                heapHeadroomPerNode: "1843MB",
                maxMemoryPerNodeMiB: 3072,
            });
        });
    });
});
