import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { AIRFLOW_ADMIN_PYTHON, Airflow, AirflowArgs, AirflowSizing, airflowDevSizing, airflowProdSizing, airflowVersionOf } from "../components/apps/airflow";
import { charts, images } from "../components/catalog";
import { ChartSource } from "../components/config";
import { Capture, SECRET_MARK, isSecret, resolve, settle, useMocks, secretLeaks } from "./harness";
import { kafkaCluster } from "./kafkaFixture";

const upstream: ChartSource = { mode: "upstream", location: "" };
const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const ROLEBINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";

/** A stand-in for a backend's ready resource, so dependencies on it can be seen. */
function readyStandIn(name: string): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(name, { metadata: { name, namespace: "platform-data" } });
}

function secretValue(name: string): random.RandomPassword {
    return new random.RandomPassword(name, { length: 20, special: false });
}

/** Airflow wired as the program would: backends in platform-data, Airflow in platform-apps. */
function airflowArgs(kind: "postgresql" | "mysql", ha: boolean, sizing: AirflowSizing, extra: Partial<AirflowArgs> = {}): AirflowArgs {
    const metadata =
        kind === "postgresql"
            ? { host: "platform-pg-rw.platform-data.svc.cluster.local", port: 5432 }
            : { host: "xtradb-haproxy.platform-data.svc.cluster.local", port: 3306 };
    return {
        namespace: "platform-apps",
        chartSource: upstream,
        imageRegistry: "",
        sizing,
        storageClass: ha ? "fast" : "",
        metadata: { kind, ...metadata, database: "airflow", username: "airflow", password: secretValue("db-password").result, ready: [readyStandIn("db-ready")] },
        broker: { host: "valkey.platform-data.svc.cluster.local", port: 6379, password: secretValue("cache-password").result, ready: [readyStandIn("cache-ready")] },
        trino: { host: "trino.platform-processing.svc.cluster.local", port: 8080 },
        kafka: { cluster: kafkaCluster(), topics: ["orders"] },
        spark: { namespace: "platform-apps" },
        highAvailability: ha,
        ...extra,
    };
}

function values(capture: Capture): any {
    return capture.one(RELEASE, "airflow-chart").inputs.values;
}

describe("Airflow", () => {
    describe("dev shape on PostgreSQL", () => {
        let capture: Capture;
        let airflow: Airflow;
        before(async () => {
            capture = await useMocks({ profile: "dev" });
            airflow = new Airflow("airflow", airflowArgs("postgresql", false, airflowDevSizing));
            await settle();
        });

        it("installs the pinned chart as release airflow with the catalog's Airflow and StatsD images", () => {
            const r = capture.one(RELEASE, "airflow-chart").inputs;
            assert.strictEqual(r.name, "airflow");
            assert.strictEqual(r.chart, charts.airflow.chart);
            assert.strictEqual(r.version, "1.22.0");
            assert.deepStrictEqual(r.repositoryOpts, { repo: "https://airflow.apache.org" });
            assert.strictEqual(r.namespace, "platform-apps");
            assert.strictEqual(r.waitForJobs, true);
            const v = values(capture);
            assert.strictEqual(v.airflowVersion, "3.2.2");
            assert.strictEqual(v.defaultAirflowRepository, `${images.airflow.registry}/${images.airflow.repository}`);
            assert.strictEqual(v.defaultAirflowTag, images.airflow.tag);
            assert.deepStrictEqual(v.images, { migrationsWaitTimeout: 300, statsd: { repository: "quay.io/prometheus/statsd-exporter", tag: "v0.28.0" } });
        });

        it("runs CeleryExecutor without the bundled PostgreSQL and Redis, every secret referenced by Secret name", () => {
            const v = values(capture);
            assert.strictEqual(v.executor, "CeleryExecutor");
            assert.deepStrictEqual(v.postgresql, { enabled: false });
            assert.deepStrictEqual(v.redis, { enabled: false });
            assert.deepStrictEqual(v.data, { metadataSecretName: "airflow-metadata-db", brokerUrlSecretName: "airflow-broker" });
            assert.strictEqual(v.fernetKeySecretName, "airflow-keys");
            assert.strictEqual(v.webserverSecretKeySecretName, "airflow-keys");
            assert.strictEqual(v.apiSecretKeySecretName, "airflow-keys");
            assert.strictEqual(v.jwtSecretName, "airflow-keys");
        });

        it("keeps the PostgreSQL connection URI and the broker URL (database 2) in Secrets", () => {
            const metadata = capture.one(SECRET, "airflow-metadata").inputs;
            assert.strictEqual(metadata.metadata.namespace, "platform-apps");
            assert.deepStrictEqual(metadata.stringData, { connection: `postgresql://airflow:${SECRET_MARK}-db-password@platform-pg-rw.platform-data.svc.cluster.local:5432/airflow` });
            assert.deepStrictEqual(capture.one(SECRET, "airflow-broker").inputs.stringData, {
                connection: `redis://:${SECRET_MARK}-cache-password@valkey.platform-data.svc.cluster.local:6379/2`,
            });
        });

        it("generates the fernet, webserver, API and JWT keys into one Secret under the chart's key names", () => {
            assert.deepStrictEqual(capture.one(SECRET, "airflow-keys").inputs.stringData, {
                "fernet-key": `${SECRET_MARK}-airflow-fernet-key=`,
                "webserver-secret-key": `${SECRET_MARK}-airflow-webserver-secret-key`,
                "api-secret-key": `${SECRET_MARK}-airflow-api-secret-key`,
                "jwt-secret": `${SECRET_MARK}-airflow-jwt-secret`,
            });
            assert.deepStrictEqual(capture.one("random:index/randomId:RandomId", "airflow-fernet-key").inputs, { byteLength: 32 });
        });

        it("runs migrations and admin creation as release Jobs, not Helm hooks", () => {
            const v = values(capture);
            const resources = { requests: { cpu: "100m", memory: "384Mi" }, limits: { cpu: "1", memory: "768Mi" } };
            assert.deepStrictEqual(v.migrateDatabaseJob, { enabled: true, securityContexts: v.securityContexts, useHelmHooks: false, applyCustomEnv: false, ttlSecondsAfterFinished: 300, resources });
            assert.strictEqual(v.createUserJob.useHelmHooks, false);
            assert.strictEqual(v.createUserJob.applyCustomEnv, false);
            assert.strictEqual(v.createUserJob.ttlSecondsAfterFinished, 300);
            assert.deepStrictEqual(v.createUserJob.resources, resources);
            assert.strictEqual(v.webserver, undefined, "the chart's defaultUser (a plain-value password) is not used");
        });

        it("creates the admin in Python with a password read from the admin Secret's environment, never on a command line", () => {
            const job = values(capture).createUserJob;
            assert.deepStrictEqual(job.env, [
                { name: "ADMIN_USERNAME", valueFrom: { secretKeyRef: { name: "airflow-admin", key: "username" } } },
                { name: "ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: "airflow-admin", key: "password" } } },
            ]);
            assert.deepStrictEqual(job.args.slice(0, 2), ["bash", "-c"]);
            const script: string = job.args[2];
            assert.strictEqual(script, ["set -eu", "airflow db check-migrations --migration-wait-timeout=600", "exec python - <<'PY'", AIRFLOW_ADMIN_PYTHON, "PY"].join("\n"));
            assert.match(AIRFLOW_ADMIN_PYTHON, /password = os\.environ\["ADMIN_PASSWORD"\]/);
            assert.doesNotMatch(script, /--password/);
            const admin = capture.one(SECRET, "airflow-admin").inputs;
            assert.strictEqual(admin.type, "kubernetes.io/basic-auth");
            assert.deepStrictEqual(admin.stringData, { username: "admin", password: `${SECRET_MARK}-airflow-admin-password` });
        });

        it("uses the FAB auth manager, lets migrations create its tables, and sizes API workers and Celery slots", () => {
            assert.deepStrictEqual(values(capture).config, {
                core: {
                    auth_manager: "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager",
                    load_examples: "False",
                    execution_api_server_url: "http://airflow-api-server:8080/execution/",
                },
                database: { external_db_managers: "airflow.providers.fab.auth_manager.models.db.FABDBManager" },
                api: { workers: "1" },
                celery: { worker_concurrency: "4" },
            });
        });

        it("provisions the Trino, Kafka and Spark connections from a Secret as AIRFLOW_CONN_ variables", () => {
            const s = capture.one(SECRET, "airflow-connections").inputs;
            assert.strictEqual(s.metadata.name, "airflow-connections");
            assert.deepStrictEqual(
                Object.fromEntries(Object.entries<string>(s.stringData).map(([k, j]) => [k, JSON.parse(j)])),
                {
                    AIRFLOW_CONN_TRINO_DEFAULT: { conn_type: "trino", host: "trino.platform-processing.svc.cluster.local", port: 8080, login: "airflow", extra: { catalog: "iceberg", protocol: "http" } },
                    AIRFLOW_CONN_KAFKA_DEFAULT: {
                        conn_type: "kafka",
                        extra: {
                            "bootstrap.servers": "events-kafka-bootstrap.platform-data.svc:9093",
                            "group.id": "airflow",
                            "security.protocol": "SASL_SSL",
                            "sasl.mechanisms": "SCRAM-SHA-512",
                            "sasl.username": "airflow",
                            "sasl.password": "GENERATED-SECRET-airflow-kafka-user-password",
                            "ssl.ca.pem": "-----BEGIN CERTIFICATE-----\nplatform-ca\n-----END CERTIFICATE-----\n",
                        },
                    },
                    AIRFLOW_CONN_SPARK_OPERATOR: { conn_type: "kubernetes", extra: { in_cluster: true, namespace: "platform-apps" } },
                },
            );
            const ref = (envName: string) => ({ envName, secretName: "airflow-connections", secretKey: envName });
            assert.deepStrictEqual(values(capture).secret, [ref("AIRFLOW_CONN_TRINO_DEFAULT"), ref("AIRFLOW_CONN_KAFKA_DEFAULT"), ref("AIRFLOW_CONN_SPARK_OPERATOR")]);
        });

        it("lets the worker and triggerer ServiceAccounts submit SparkApplications through the submitter Role", () => {
            const rb = capture.one(ROLEBINDING, "airflow-spark-submitter").inputs;
            assert.strictEqual(rb.metadata.namespace, "platform-apps");
            assert.deepStrictEqual(rb.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "spark-submitter" });
            assert.deepStrictEqual(rb.subjects, [
                { kind: "ServiceAccount", name: "airflow-worker", namespace: "platform-apps" },
                { kind: "ServiceAccount", name: "airflow-triggerer", namespace: "platform-apps" },
            ]);
        });

        it("waits for the ready metadata database and the ready broker", () => {
            const deps = capture.dependencyNames(capture.one(RELEASE, "airflow-chart"));
            assert.ok(deps.includes(`${CONFIGMAP}::db-ready`), `airflow deps ${deps.join(", ")} lack the database`);
            assert.ok(deps.includes(`${CONFIGMAP}::cache-ready`), `airflow deps ${deps.join(", ")} lack the broker`);
        });

        it("runs one pod per role without PodDisruptionBudgets, spread or log volumes", () => {
            const v = values(capture);
            for (const role of ["scheduler", "apiServer", "workers", "triggerer", "dagProcessor"]) {
                assert.strictEqual(v[role].replicas, 1, role);
                assert.deepStrictEqual(v[role].topologySpreadConstraints, [], role);
            }
            assert.deepStrictEqual(v.scheduler.podDisruptionBudget, { enabled: false, config: { maxUnavailable: 1 } });
            assert.deepStrictEqual(v.apiServer.podDisruptionBudget, { enabled: false, config: { maxUnavailable: 1 } });
            assert.deepStrictEqual(v.workers.persistence, { enabled: false });
            assert.deepStrictEqual(v.triggerer.persistence, { enabled: false });
            assert.strictEqual(capture.ofType(PDB).length, 0);
        });

        it("sets restricted security contexts for Airflow and StatsD pods through chart values", () => {
            const v = values(capture);
            assert.deepStrictEqual(v.securityContexts, {
                pod: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" }, fsGroup: 0, fsGroupChangePolicy: "OnRootMismatch" },
                container: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
            });
            for (const role of ["scheduler", "apiServer", "workers", "triggerer", "dagProcessor", "migrateDatabaseJob", "createUserJob"]) {
                assert.deepStrictEqual(v[role].securityContexts, v.securityContexts, role);
            }
            assert.deepStrictEqual(v.statsd.securityContexts, {
                pod: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" }, runAsUser: 65534, runAsGroup: 65534 },
                container: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    runAsUser: 65534,
                    runAsGroup: 65534,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                },
            });
        });

        it("keeps every generated secret inside Secrets", () => {
            assert.deepStrictEqual(secretLeaks(capture), []);
        });

        it("exposes the API server as endpoint, web service and served port, and StatsD as a scrape target", async () => {
            assert.strictEqual(await resolve(airflow.endpoint.internal), "http://airflow-api-server.platform-apps.svc.cluster.local:8080");
            assert.strictEqual(airflow.endpoint.external, null);
            assert.strictEqual(await resolve(airflow.endpoint.portForward), "kubectl -n platform-apps port-forward svc/airflow-api-server 8080:8080");
            const podLabels = { tier: "airflow", component: "api-server", release: "airflow" };
            assert.deepStrictEqual(airflow.serves, { namespace: "platform-apps", podLabels, ports: [8080] });
            assert.deepStrictEqual(airflow.web, { host: "airflow", namespace: "platform-apps", service: "airflow-api-server", port: 8080, podLabels, containerPort: 8080 });
            assert.deepStrictEqual(airflow.metrics, [
                {
                    name: "airflow",
                    namespace: "platform-apps",
                    kind: "pod",
                    selector: { tier: "airflow", component: "statsd", release: "airflow" },
                    port: "statsd-scrape",
                    containerPort: 9102,
                    path: "/metrics",
                },
            ]);
        });

        it("names the admin Secret and keys in its credential, the password as a Pulumi secret", async () => {
            assert.strictEqual(await resolve(airflow.credential.secret), "airflow-admin");
            assert.strictEqual(airflow.credential.usernameKey, "username");
            assert.strictEqual(airflow.credential.username, "admin");
            assert.strictEqual(airflow.credential.passwordKey, "password");
            assert.strictEqual(await isSecret(airflow.credential.password), true);
        });

        it("counts every role, StatsD and the log groomers in its footprint", () => {
            // Requests: 200+200+200+100+100+20 m and 4 groomers x 10m; 384*3+192+256+32 Mi and 4 x 32Mi; limits likewise.
            assert.deepStrictEqual(airflow.footprint, { cpuMillis: 860, memoryMiB: 1760, cpuLimitMillis: 4500, memoryLimitMiB: 5440, storageGiB: 0 });
        });
    });

    describe("prod shape on XtraDB", () => {
        let capture: Capture;
        let airflow: Airflow;
        before(async () => {
            capture = await useMocks({ profile: "prod" });
            airflow = new Airflow("airflow", airflowArgs("mysql", true, airflowProdSizing, { publicUrl: "https://airflow.analytics.example.com", imageRegistry: "registry.local" }));
            await settle();
        });

        it("connects to MySQL through mysqlclient", () => {
            assert.deepStrictEqual(capture.one(SECRET, "airflow-metadata").inputs.stringData, {
                connection: `mysql+mysqldb://airflow:${SECRET_MARK}-db-password@xtradb-haproxy.platform-data.svc.cluster.local:3306/airflow`,
            });
        });

        it("runs two schedulers and API servers with the chart's PodDisruptionBudgets, spread over nodes and zones", () => {
            const v = values(capture);
            const selector = (component: string) => ({ matchLabels: { tier: "airflow", component, release: "airflow" } });
            for (const [role, component] of [["scheduler", "scheduler"], ["apiServer", "api-server"]]) {
                assert.strictEqual(v[role].replicas, 2, role);
                assert.deepStrictEqual(v[role].podDisruptionBudget, { enabled: true, config: { maxUnavailable: 1 } }, role);
                assert.deepStrictEqual(v[role].topologySpreadConstraints, [
                    { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: selector(component) },
                    { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: selector(component) },
                ]);
            }
            assert.strictEqual(v.workers.replicas, 3);
            assert.strictEqual(v.workers.topologySpreadConstraints.length, 2);
        });

        it("adds PodDisruptionBudgets for workers, triggerers and DAG processors", () => {
            const pdbs = capture.ofType(PDB).map((p) => [p.inputs.metadata.name, p.inputs.metadata.namespace, p.inputs.spec]);
            assert.deepStrictEqual(
                pdbs,
                ["worker", "triggerer", "dag-processor"].map((component) => [
                    `airflow-${component}`,
                    "platform-apps",
                    { maxUnavailable: 1, selector: { matchLabels: { tier: "airflow", component, release: "airflow" } } },
                ]),
            );
        });

        it("keeps task logs on volumes of the configured class, pulls from the mirror and sets the public URL", async () => {
            const v = values(capture);
            assert.deepStrictEqual(v.workers.persistence, { enabled: true, size: "10Gi", storageClassName: "fast" });
            assert.deepStrictEqual(v.triggerer.persistence, { enabled: true, size: "10Gi", storageClassName: "fast" });
            assert.strictEqual(v.defaultAirflowRepository, `registry.local/${images.airflow.repository}`);
            assert.strictEqual(v.images.statsd.repository, "registry.local/prometheus/statsd-exporter");
            assert.deepStrictEqual(v.config.api, { workers: "2", base_url: "https://airflow.analytics.example.com" });
            assert.strictEqual(await resolve(airflow.endpoint.external!), "https://airflow.analytics.example.com");
            assert.strictEqual(airflow.footprint.storageGiB, 50);
        });

        it("keeps every generated secret inside Secrets", () => {
            assert.deepStrictEqual(secretLeaks(capture), []);
        });
    });

    describe("without optional connections", () => {
        let capture: Capture;
        before(async () => {
            capture = await useMocks({ profile: "dev" });
            const args = airflowArgs("postgresql", false, airflowDevSizing);
            new Airflow("airflow", { ...args, trino: undefined, kafka: undefined, spark: undefined });
            await settle();
        });

        it("creates no connections Secret, no connection env and no Spark binding", () => {
            assert.deepStrictEqual(values(capture).secret, []);
            assert.strictEqual(capture.ofType(SECRET).filter((s) => s.name === "airflow-connections").length, 0);
            assert.strictEqual(capture.ofType(ROLEBINDING).length, 0);
        });
    });

    describe("validation", () => {
        before(async () => {
            await useMocks({ profile: "prod" });
        });

        it("rejects HA with a single scheduler", () => {
            const sizing = { ...airflowProdSizing, scheduler: { ...airflowProdSizing.scheduler, replicas: 1 } };
            assert.throws(() => new Airflow("airflow", airflowArgs("postgresql", true, sizing)), /highAvailability needs sizing.scheduler.replicas >= 2, got 1/);
        });

        it("rejects zero workers", () => {
            const sizing = { ...airflowDevSizing, workers: { ...airflowDevSizing.workers, replicas: 0 } };
            assert.throws(() => new Airflow("airflow", airflowArgs("postgresql", false, sizing)), /sizing.workers.replicas must be an integer >= 1, got 0/);
        });

        it("rejects an image tag that does not start with the Airflow version", () => {
            assert.strictEqual(airflowVersionOf("3.2.2-platform.1"), "3.2.2");
            assert.throws(
                () => new Airflow("airflow", airflowArgs("postgresql", false, airflowDevSizing, { image: { registry: "r", repository: "a", tag: "latest" } })),
                /image tag must start with the Airflow version \(e.g. 3.2.2\), got "latest"/,
            );
        });

        it("rejects a log volume size that is not a quantity, and a public URL without scheme", () => {
            assert.throws(() => new Airflow("airflow", airflowArgs("postgresql", false, { ...airflowDevSizing, logStorage: "10GB" })), /sizing.logStorage must be "" or a binary quantity/);
            assert.throws(() => new Airflow("airflow", airflowArgs("postgresql", false, airflowDevSizing, { publicUrl: "airflow.example.com" })), /publicUrl must be an http\(s\) URL/);
        });
    });
});

describe("Airflow DAG delivery by git-sync", () => {
    let capture: Capture;
    before(async () => {
        capture = await useMocks({ profile: "dev" });
        new Airflow("airflow", airflowArgs("postgresql", false, airflowDevSizing, { dags: { repo: "https://git.example.com/data/dags.git", branch: "release", subPath: "airflow/dags", credentialsSecret: "dags-git", periodSeconds: 30 } }));
        await settle();
    });

    it("follows the configured repository, branch and folder with credentials from the Secret by name", () => {
        const git = values(capture).dags.gitSync;
        assert.deepStrictEqual(
            [values(capture).dags.persistence, git.enabled, git.repo, git.branch, git.ref, git.subPath, git.depth, git.period, git.credentialsSecret],
            [{ enabled: false }, true, "https://git.example.com/data/dags.git", "release", "release", "airflow/dags", 1, "30s", "dags-git"],
        );
    });

    it("runs the pinned git-sync image, restricted, with requests and limits", () => {
        const v = values(capture);
        assert.deepStrictEqual(v.images.gitSync, { repository: `${images.gitSync.registry}/${images.gitSync.repository}`, tag: images.gitSync.tag });
        assert.deepStrictEqual(v.dags.gitSync.resources, { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } });
        assert.deepStrictEqual(v.dags.gitSync.securityContexts.container, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } });
    });
});

describe("Airflow without a DAG repository", () => {
    it("sets no git-sync values: the DAGs are those baked into the image", async () => {
        const capture = await useMocks({ profile: "dev" });
        new Airflow("airflow", airflowArgs("postgresql", false, airflowDevSizing));
        await settle();
        assert.deepStrictEqual([values(capture).dags, values(capture).images.gitSync], [undefined, undefined]);
    });
});
