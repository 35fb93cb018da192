import * as assert from "assert";
import { charts, images } from "../components/catalog";
import { Capture, Registered, SECRET_MARK, isSecret, resolve, runProgram, secretLeaks, stackConfig, strings, useMocks } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CR = {
    clusterIssuer: "kubernetes:cert-manager.io/v1:ClusterIssuer",
    pgCluster: "kubernetes:postgresql.cnpg.io/v1:Cluster",
    pgDatabase: "kubernetes:postgresql.cnpg.io/v1:Database",
    certificate: "kubernetes:cert-manager.io/v1:Certificate",
};
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

async function program(stack: string, override: Record<string, unknown> = {}): Promise<{ capture: Capture; exported: Record<string, any> }> {
    const capture = await useMocks({ ...stackConfig(stack), ...override });
    const exported = await runProgram();
    return { capture, exported };
}

function dependsOn(capture: Capture, r: Registered, type: string, name: string): boolean {
    return capture.dependencyNames(r).includes(`${type}::${name}`);
}

describe("program", () => {
    for (const stack of ["dev", "prod"]) {
        describe(`${stack} stack`, () => {
            let capture: Capture;
            let exported: Record<string, any>;
            before(async () => {
                ({ capture, exported } = await program(stack));
            });

            it("installs cert-manager once, pinned, with its CRDs and startup check", () => {
                const releases = capture.ofType(RELEASE).filter((r) => r.inputs.name === "cert-manager");
                assert.strictEqual(releases.length, 1);
                const cm = releases[0].inputs;
                assert.strictEqual(cm.chart, `${charts.certManager.repository}/${charts.certManager.chart}`);
                assert.strictEqual(cm.version, charts.certManager.version);
                assert.strictEqual(cm.namespace, "cert-manager");
                assert.deepStrictEqual(cm.values.crds, { enabled: true, keep: true });
                assert.strictEqual(cm.values.startupapicheck.enabled, true);
                assert.strictEqual(cm.waitForJobs, true);
            });

            it("gates the platform CA issuer on cert-manager and on its own readiness", () => {
                const issuer = capture.one(CR.clusterIssuer, "platform-ca-issuer");
                assert.ok(dependsOn(capture, issuer, RELEASE, "cert-manager-chart"), `issuer deps: ${capture.dependencyNames(issuer).join(", ")}`);
                assert.strictEqual(issuer.inputs.metadata.annotations["pulumi.com/waitFor"], "condition=Ready");
                assert.deepStrictEqual(issuer.inputs.spec, { ca: { secretName: "platform-ca-keypair" } });
            });

            it("gates the PostgreSQL cluster on its operator and on its Ready condition", () => {
                const cluster = capture.one(CR.pgCluster, "platform-pg-cluster");
                assert.ok(dependsOn(capture, cluster, RELEASE, "cnpg-operator-chart"), `cluster deps: ${capture.dependencyNames(cluster).join(", ")}`);
                assert.strictEqual(cluster.inputs.metadata.annotations["pulumi.com/waitFor"], "condition=Ready");
                assert.strictEqual(cluster.inputs.metadata.namespace, "platform-data");
            });

            it("creates Superset's database after the cluster is ready, gated on being applied", () => {
                const db = capture.one(CR.pgDatabase, "platform-pg-superset-database");
                assert.ok(dependsOn(capture, db, CR.pgCluster, "platform-pg-cluster"));
                assert.deepStrictEqual(db.inputs.spec, { name: "superset", owner: "superset", ensure: "present", databaseReclaimPolicy: "retain", cluster: { name: "platform-pg" } });
                assert.strictEqual(db.inputs.metadata.annotations["pulumi.com/waitFor"], "jsonpath={.status.applied}=true");
            });

            it("starts Superset only after its database and cache are ready", () => {
                const ss = capture.one(RELEASE, "superset-chart");
                const deps = capture.dependencyNames(ss);
                for (const want of [`${CR.pgCluster}::platform-pg-cluster`, `${CR.pgDatabase}::platform-pg-superset-database`, "kubernetes:apps/v1:StatefulSet::valkey-statefulset"]) {
                    assert.ok(deps.includes(want), `superset deps ${deps.join(", ")} lack ${want}`);
                }
            });

            it("registers Trino in Superset without making Superset wait for Trino", () => {
                const ss = capture.one(RELEASE, "superset-chart");
                const deps = capture.dependencyNames(ss);
                assert.ok(!deps.some((d) => d.includes("trino")), deps.join(", "));
                const env = capture.one("kubernetes:core/v1:Secret", "superset-env").inputs.stringData;
                assert.strictEqual(env.SUPERSET_TRINO_URI, "trino://superset@trino.platform-processing.svc.cluster.local:8080/iceberg");
            });

            it("keeps every generated secret inside Secrets", () => {
                assert.deepStrictEqual(secretLeaks(capture), []);
                // And the generated values do reach the Secrets (so the scan above can see them).
                const inSecrets = capture.ofType("kubernetes:core/v1:Secret").flatMap((r) => strings(r.inputs).filter(([, s]) => s.includes(SECRET_MARK)));
                assert.ok(inSecrets.length >= 6, `generated values in Secrets: ${inSecrets.length}`);
            });

            it("wires Superset to the platform Secret by name, with bundled databases off", () => {
                const values = capture.one(RELEASE, "superset-chart").inputs.values;
                assert.strictEqual(values.envFromSecret, "superset-env");
                assert.deepStrictEqual(values.secretEnv, { create: false });
                assert.deepStrictEqual(values.postgresql, { enabled: false });
                assert.deepStrictEqual(values.redis, { enabled: false });
                assert.strictEqual(values.init.createAdmin, false);
                const env = capture.one("kubernetes:core/v1:Secret", "superset-env").inputs.stringData;
                assert.strictEqual(env.DB_HOST, "platform-pg-rw.platform-data.svc.cluster.local");
                assert.strictEqual(env.DB_PASS, `${SECRET_MARK}-platform-pg-superset-password`);
                assert.strictEqual(env.REDIS_PASSWORD, `${SECRET_MARK}-valkey-password`);
            });

            it("enforces Pod Security restricted on every owned namespace", () => {
                const labels = Object.fromEntries(capture.ofType("kubernetes:core/v1:Namespace").map((n) => [n.inputs.metadata.name, n.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]]));
                assert.deepStrictEqual(labels, {
                    "cert-manager": "restricted",
                    "platform-operators": "restricted",
                    "platform-data": "restricted",
                    "platform-processing": "restricted",
                    "platform-apps": "restricted",
                    ...(stack === "prod" ? { "platform-monitoring": "restricted" } : {}),
                });
            });

            it("names where each login lives, with passwords as secrets", async () => {
                const creds = exported.credentials;
                assert.strictEqual(await resolve(creds.superset.secret), "superset-env");
                assert.strictEqual(creds.superset.passwordKey, "admin-password");
                assert.strictEqual(await isSecret(creds.superset.password), true);
                assert.strictEqual(await resolve(creds.postgres.superset.secret), "platform-pg-superset-credentials");
                assert.strictEqual(await isSecret(creds.postgres.superset.password), true);
                assert.strictEqual(await isSecret(creds.cache.password), true);
                assert.strictEqual(await isSecret(exported.endpoints.superset.internal), false);
            });

            it("makes every custom resource wait for the operator that serves its kind", () => {
                const operatorOf: Record<string, string> = {
                    "cert-manager.io": "cert-manager-chart",
                    "postgresql.cnpg.io": "cnpg-operator-chart",
                    "barmancloud.cnpg.io": "barman-cloud-chart",
                    "kafka.strimzi.io": "strimzi-chart",
                    "minio.min.io": "minio-operator-chart",
                    "pxc.percona.com": "pxc-operator-chart",
                    "flink.apache.org": "flink-operator-chart",
                    "sparkoperator.k8s.io": "spark-operator-chart",
                    "monitoring.coreos.com": "monitoring-chart",
                };
                // Kinds from API groups with a dot, except the built-in ones the API server serves itself.
                const builtIn = new Set(["networking.k8s.io", "rbac.authorization.k8s.io"]);
                const crs = capture.resources.filter((r) => r.custom && r.type !== RELEASE && /^kubernetes:[a-z0-9-]+\.[a-z0-9.-]+\//.test(r.type) && !builtIn.has(r.type.split(":")[1].split("/")[0]));
                assert.ok(crs.length >= 8, `custom resources: ${crs.length}`);
                for (const cr of crs) {
                    const group = cr.type.split(":")[1].split("/")[0];
                    const operator = operatorOf[group];
                    assert.ok(operator, `no operator known for ${cr.type}`);
                    // Directly, or through a parent custom resource that does.
                    const reaches = (r: Registered, seen: Set<string>): boolean =>
                        capture.dependencyNames(r).some((d) => {
                            if (d === `${RELEASE}::${operator}`) return true;
                            if (seen.has(d)) return false;
                            seen.add(d);
                            const [type, name] = d.split("::");
                            const next = capture.resources.find((x) => x.type === type && x.name === name);
                            return next !== undefined && next.type.split(":")[1].split("/")[0] === group && reaches(next, seen);
                        });
                    assert.ok(reaches(cr, new Set()), `${cr.type} ${cr.name} does not wait for ${operator}`);
                }
            });

            it("gates every custom resource that others use on its readiness", () => {
                const gated = ["ClusterIssuer", "Certificate", "Cluster", "Database", "Tenant", "PerconaXtraDBCluster", "Kafka", "KafkaTopic", "KafkaConnect", "KafkaConnector", "FlinkDeployment"];
                const missing = capture.resources
                    .filter((r) => r.custom && r.type.startsWith("kubernetes:") && gated.includes(r.type.split(":").pop() ?? ""))
                    .filter((r) => !r.inputs.metadata?.annotations?.["pulumi.com/waitFor"])
                    .map((r) => `${r.type} ${r.name}`);
                assert.deepStrictEqual(missing, []);
            });

            it("denies by default in every owned namespace, then allows DNS, the namespace itself and the API server", () => {
                const policies = capture.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy");
                const owned = ["cert-manager", "platform-operators", "platform-data", "platform-processing", "platform-apps", ...(stack === "prod" ? ["platform-monitoring"] : [])];
                assert.deepStrictEqual(capture.ofType("kubernetes:core/v1:Namespace").map((n) => n.inputs.metadata.name).sort(), [...owned].sort());
                for (const nsName of owned) {
                    const names = policies.filter((p) => p.inputs.metadata.namespace === nsName).map((p) => p.inputs.metadata.name);
                    for (const want of ["default-deny", "allow-dns", "allow-same-namespace", "allow-api-server"]) assert.ok(names.includes(want), `${nsName} lacks ${want}: ${names.join(", ")}`);
                }
                const deny = policies.find((p) => p.inputs.metadata.namespace === "platform-data" && p.inputs.metadata.name === "default-deny");
                assert.deepStrictEqual(deny?.inputs.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            });

            it("opens Superset's connection to PostgreSQL at both ends, on the database port only", () => {
                const policies = capture.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy");
                const ingress = policies.find((p) => p.inputs.metadata.name === "allow-from-superset-postgres");
                assert.deepStrictEqual(ingress?.inputs.metadata.namespace, "platform-data");
                const supersetPods = { matchLabels: { "analytics-platform/app": "superset" } };
                assert.deepStrictEqual(ingress?.inputs.spec, {
                    podSelector: { matchLabels: { "cnpg.io/cluster": "platform-pg" } },
                    policyTypes: ["Ingress"],
                    ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "platform-apps" } }, podSelector: supersetPods }], ports: [{ protocol: "TCP", port: 5432 }] }],
                });
                const egress = policies.find((p) => p.inputs.metadata.name === "allow-to-superset-postgres");
                assert.deepStrictEqual(egress?.inputs.spec.podSelector, supersetPods);
                assert.deepStrictEqual(egress?.inputs.metadata.namespace, "platform-apps");
                assert.deepStrictEqual(egress?.inputs.spec.egress[0].ports, [{ protocol: "TCP", port: 5432 }]);
            });

            it("lists an endpoint for every data service and app", () => {
                // Dev leaves NiFi and monitoring off to fit a laptop.
                const prodOnly = stack === "prod" ? ["grafana", "nifi", "prometheus"] : [];
                assert.deepStrictEqual(
                    Object.keys(exported.endpoints).sort(),
                    [
                        "airflow",
                        "cache",
                        "clickhouse",
                        "flink",
                        "flinkSqlGateway",
                        "icebergRestCatalog",
                        "kafka",
                        "kafkaConnect",
                        "nessie",
                        "objectStore",
                        "objectStoreConsole",
                        "postgres",
                        "schemaRegistry",
                        "superset",
                        "trino",
                        "xtradb",
                        ...prodOnly,
                    ].sort(),
                );
            });
        });
    }

    describe("dev and prod shapes", () => {
        it("dev runs one PostgreSQL instance without PDB or synchronous replication", async () => {
            const { capture } = await program("dev");
            const spec = capture.one(CR.pgCluster, "platform-pg-cluster").inputs.spec;
            assert.strictEqual(spec.instances, 1);
            assert.strictEqual(spec.enablePDB, false);
            assert.strictEqual(spec.postgresql, undefined);
            assert.strictEqual(spec.affinity.podAntiAffinityType, "preferred");
        });

        it("prod runs three PostgreSQL instances with synchronous replication, required anti-affinity and a PDB", async () => {
            const { capture } = await program("prod");
            const cluster = capture.one(CR.pgCluster, "platform-pg-cluster");
            assert.strictEqual(cluster.inputs.spec.instances, 3);
            assert.strictEqual(cluster.inputs.spec.enablePDB, true);
            assert.deepStrictEqual(cluster.inputs.spec.postgresql.synchronous, { method: "any", number: 1, dataDurability: "required", failoverQuorum: true });
            assert.strictEqual(cluster.inputs.spec.affinity.podAntiAffinityType, "required");
            assert.strictEqual(cluster.protect, true);
        });

        it("prod runs an odd XtraDB cluster of three with scheduled backups and point-in-time recovery", async () => {
            const { capture } = await program("prod");
            const spec = capture.one("kubernetes:pxc.percona.com/v1:PerconaXtraDBCluster", "xtradb-cluster").inputs.spec;
            assert.strictEqual(spec.pxc.size, 3);
            assert.strictEqual(spec.backup.schedule.length, 1);
            assert.strictEqual(spec.backup.schedule[0].schedule, "0 2 * * *");
            assert.strictEqual(spec.backup.pitr.enabled, true);
            assert.strictEqual(spec.backup.storages["s3-full"].s3.bucket, "backups/xtradb/full");
            assert.strictEqual(spec.backup.storages["s3-full"].s3.credentialsSecret, "object-store-s3-xtradb-backups");
        });

        it("prod runs Kafka on three controllers and three brokers with RF 3 and min ISR 2", async () => {
            const { capture } = await program("prod");
            const pools = capture.ofType("kubernetes:kafka.strimzi.io/v1:KafkaNodePool").map((p) => [p.inputs.metadata.name, p.inputs.spec.replicas, p.inputs.spec.roles]);
            assert.deepStrictEqual(pools.sort(), [
                ["brokers", 3, ["broker"]],
                ["controllers", 3, ["controller"]],
            ]);
            const config = capture.one("kubernetes:kafka.strimzi.io/v1:Kafka", "kafka-kafka").inputs.spec.kafka.config;
            assert.strictEqual(config["default.replication.factor"], 3);
            assert.strictEqual(config["min.insync.replicas"], 2);
        });

        it("prod runs a four-server erasure-coded object store with the platform buckets", async () => {
            const { capture } = await program("prod");
            const spec = capture.one("kubernetes:minio.min.io/v2:Tenant", "object-store-tenant").inputs.spec;
            assert.strictEqual(spec.pools[0].servers, 4);
            assert.deepStrictEqual(spec.buckets.map((b: { name: string }) => b.name), ["warehouse", "checkpoints", "savepoints", "backups", "spark-events"]);
        });

        it("prod schedules PostgreSQL backups to the object store; dev does not", async () => {
            const { capture: p } = await program("prod");
            assert.strictEqual(p.one("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", "platform-pg-scheduled-backup").inputs.spec.schedule, "0 0 2 * * *");
            assert.strictEqual(p.one("kubernetes:barmancloud.cnpg.io/v1:ObjectStore", "platform-pg-object-store").inputs.spec.configuration.destinationPath, "s3://backups/postgresql/");
            const { capture: d } = await program("dev");
            assert.deepStrictEqual(d.ofType("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup"), []);
        });

        it("the dev stack fits a 6-CPU, 12-GiB laptop node: at most 5 CPUs and 11 GiB requested, the rest for the control plane", async () => {
            const { exported } = await program("dev");
            const total = await resolve(exported.footprint.total);
            assert.match(total.cpuRequests, /^[0-9]+(\.[0-9]+|m)?$/);
            const cpu = total.cpuRequests.endsWith("m") ? Number(total.cpuRequests.slice(0, -1)) : Number(total.cpuRequests) * 1000;
            const mem = total.memoryRequests.endsWith("Gi") ? Number(total.memoryRequests.slice(0, -2)) * 1024 : Number(total.memoryRequests.slice(0, -2));
            // A kind node's control plane, CoreDNS and CNI request about 1 CPU and 0.3 GiB; the kubelet
            // keeps an eviction reserve on top.
            assert.ok(cpu > 0 && cpu <= 5000, `dev requests ${total.cpuRequests} CPU`);
            assert.ok(mem > 0 && mem <= 11 * 1024, `dev requests ${total.memoryRequests}`);
        });

        it("prod runs cert-manager's three deployments twice with PDBs", async () => {
            const { capture } = await program("prod");
            const v = capture.one(RELEASE, "cert-manager-chart").inputs.values;
            assert.deepStrictEqual([v.replicaCount, v.webhook.replicaCount, v.cainjector.replicaCount], [2, 2, 2]);
            assert.deepStrictEqual([v.podDisruptionBudget.enabled, v.webhook.podDisruptionBudget.enabled, v.cainjector.podDisruptionBudget.enabled], [true, true, true]);
        });

        it("prod exposes Superset through an Ingress of the configured class, not through the chart", async () => {
            const { capture, exported } = await program("prod");
            assert.deepStrictEqual(capture.one(RELEASE, "superset-chart").inputs.values.ingress, { enabled: false });
            const ingress = capture.one("kubernetes:networking.k8s.io/v1:Ingress", "exposure-superset").inputs;
            assert.deepStrictEqual(ingress.metadata.namespace, "platform-apps");
            assert.deepStrictEqual(ingress.spec, {
                ingressClassName: "nginx",
                tls: [{ hosts: ["superset.analytics.example.com"], secretName: "superset-edge-tls" }],
                rules: [
                    {
                        host: "superset.analytics.example.com",
                        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "superset", port: { number: 8088 } } } }] },
                    },
                ],
            });
            assert.strictEqual(await resolve(exported.endpoints.superset.external), "https://superset.analytics.example.com");
        });

        it("prod signs the published hosts with the platform CA, after cert-manager", async () => {
            const { capture } = await program("prod");
            const cert = capture.one(CR.certificate, "exposure-superset-certificate");
            assert.deepStrictEqual(cert.inputs.spec, {
                secretName: "superset-edge-tls",
                dnsNames: ["superset.analytics.example.com"],
                issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: "platform-ca" },
                privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            });
            assert.ok(capture.dependencyNames(cert).includes(`${RELEASE}::cert-manager-chart`));
        });

        it("prod publishes Grafana beside Superset and names its admin Secret", async () => {
            const { capture, exported } = await program("prod");
            assert.strictEqual(capture.one("kubernetes:networking.k8s.io/v1:Ingress", "exposure-grafana").inputs.spec.rules[0].host, "grafana.analytics.example.com");
            assert.strictEqual(await resolve(exported.endpoints.grafana.external), "https://grafana.analytics.example.com");
            assert.strictEqual(await resolve(exported.credentials.grafana.secret), "grafana-admin");
        });

        it("prod starts Airflow after its metadata database and the cache", async () => {
            const { capture } = await program("prod");
            const deps = capture.dependencyNames(capture.one(RELEASE, "airflow-chart"));
            for (const d of [`${CR.pgCluster}::platform-pg-cluster`, `${CR.pgDatabase}::platform-pg-airflow-database`, "kubernetes:apps/v1:StatefulSet::valkey-statefulset", "kubernetes:apps/v1:Deployment::valkey-proxy"]) {
                assert.ok(deps.includes(d), `airflow-chart lacks ${d}: ${deps.join(", ")}`);
            }
        });

        it("prod registers a monitor for every component that serves metrics", async () => {
            const { capture } = await program("prod");
            const monitors = capture.resources.filter((r) => /^kubernetes:monitoring\.coreos\.com\/v1:(Pod|Service)Monitor$/.test(r.type));
            assert.deepStrictEqual(monitors.map((m) => `${m.type.split(":").pop()} ${m.inputs.metadata.namespace}/${m.name}`).sort(), [
                "PodMonitor cert-manager/monitoring-cert-manager",
                "PodMonitor platform-apps/monitoring-airflow",
                "PodMonitor platform-apps/monitoring-iceberg-appender",
                "PodMonitor platform-data/monitoring-clickhouse",
                "PodMonitor platform-data/monitoring-kafka",
                "PodMonitor platform-data/monitoring-kafka-connect",
                "PodMonitor platform-data/monitoring-kafka-entity-operator",
                "PodMonitor platform-data/monitoring-nessie",
                "PodMonitor platform-data/monitoring-platform-pg",
                "PodMonitor platform-data/monitoring-valkey",
                "PodMonitor platform-data/monitoring-xtradb-haproxy",
                "PodMonitor platform-operators/monitoring-cnpg-operator",
                "PodMonitor platform-operators/monitoring-flink-operator",
                "PodMonitor platform-operators/monitoring-pxc-operator",
                "PodMonitor platform-operators/monitoring-spark-operator",
                "PodMonitor platform-operators/monitoring-strimzi",
                "PodMonitor platform-processing/monitoring-cdc",
                "PodMonitor platform-processing/monitoring-trino",
                "ServiceMonitor platform-data/monitoring-object-store",
            ]);
            // Prometheus reaches each one through a policy pair of its own.
            const names: string[] = capture.ofType(NETPOL).map((p) => p.inputs.metadata.name);
            for (const m of monitors) assert.ok(names.includes(`allow-from-${m.name}`), `no ingress allowance for ${m.name}`);
        });

        it("dev runs no monitoring and no JMX exporter next to Trino", async () => {
            const { capture } = await program("dev");
            assert.deepStrictEqual(capture.resources.filter((r) => /monitoring\.coreos\.com/.test(r.type) || r.name === "monitoring-chart"), []);
            assert.strictEqual(capture.one(RELEASE, "trino-chart").inputs.values.jmx, undefined);
        });

        it("DuckDB and the appender run in the apps namespace, each on its own copy of its own S3 key", async () => {
            const { capture, exported } = await program("dev");
            for (const [name, secret] of [["duckdb-deployment", "duckdb-s3-credentials"], ["iceberg-appender-deployment", "iceberg-appender-s3-credentials"]]) {
                const d = capture.one("kubernetes:apps/v1:Deployment", name);
                assert.strictEqual(d.inputs.metadata.namespace, "platform-apps");
                const refs = d.inputs.spec.template.spec.containers[0].env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.valueFrom.secretKeyRef.name);
                assert.ok(refs.includes(secret), `${name} reads ${refs.join(", ")}`);
            }
            const appenderDeps = capture.dependencyNames(capture.one("kubernetes:apps/v1:Deployment", "iceberg-appender-deployment"));
            for (const d of ["kubernetes:kafka.strimzi.io/v1:KafkaTopic::kafka-topic-telemetry-logs", `${RELEASE}::nessie-chart`]) assert.ok(appenderDeps.includes(d), `appender lacks ${d}`);
            assert.match(await resolve(exported.duckdbShell), /^kubectl -n platform-apps exec -it deploy\/duckdb -- /);
        });

        it("dev leaves Superset internal and gives the port-forward command", async () => {
            const { capture, exported } = await program("dev");
            assert.deepStrictEqual(capture.one(RELEASE, "superset-chart").inputs.values.ingress, { enabled: false });
            assert.strictEqual(exported.endpoints.superset.external, null);
            assert.strictEqual(await resolve(exported.endpoints.superset.internal), "http://superset.platform-apps.svc.cluster.local:8088");
            assert.strictEqual(await resolve(exported.endpoints.superset.portForward), "kubectl -n platform-apps port-forward svc/superset 8088:8088");
        });
    });

    describe("switches and mirrors", () => {
        it("a misspelt key fails before any resource is registered, naming the key", async () => {
            const capture = await useMocks({ ...stackConfig("dev"), sizng: {} });
            await assert.rejects(runProgram(), /config analytics-platform:sizng: got \{\} \(object\); allowed: no such key/);
            assert.deepStrictEqual(capture.resources, []);
        });

        it("a wrong type in the prod stack fails before any resource is registered", async () => {
            const capture = await useMocks({ ...stackConfig("prod"), protectData: "yes" });
            await assert.rejects(runProgram(), /config analytics-platform:protectData: got "yes" \(string\); allowed: true or false/);
            assert.deepStrictEqual(capture.resources, []);
        });

        it("disabling Superset drops its release and database but keeps the data services", async () => {
            const { capture, exported } = await program("dev", { components: { superset: false } });
            assert.deepStrictEqual(capture.ofType(RELEASE).map((r) => r.inputs.name).sort(), ["airflow", "cert-manager", "cnpg", "flink-operator", "minio-operator", "nessie", "pxc-operator", "spark-operator", "strimzi", "trino"]);
            assert.deepStrictEqual(capture.ofType(CR.pgDatabase).map((r) => r.inputs.spec.name), ["nessie", "analytics", "airflow"]);
            assert.strictEqual(exported.endpoints.superset, undefined);
            assert.strictEqual(exported.credentials.superset, undefined);
        });

        it("disabling the apps that use PostgreSQL, the cache and Trino opens none of those connections", async () => {
            // Superset and Airflow are the apps that use PostgreSQL and the cache.
            const { capture } = await program("dev", { components: { superset: false, airflow: false } });
            const names: string[] = capture.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((p) => p.inputs.metadata.name);
            assert.deepStrictEqual(names.filter((n) => /(superset|airflow)-(postgres|cache|trino)/.test(n)), []);
        });

        it("Airflow on XtraDB opens the MySQL port from the apps namespace and no PostgreSQL database for it", async () => {
            const { capture } = await program("dev", { components: { superset: false }, airflow: { metadataDatabase: "mysql" } });
            const names: string[] = capture.ofType(NETPOL).map((p) => p.inputs.metadata.name);
            assert.deepStrictEqual(names.filter((n) => /airflow-(postgres|xtradb)/.test(n)).sort(), ["allow-from-airflow-xtradb", "allow-to-airflow-xtradb"]);
            const mysql = [{ protocol: "TCP", port: 3306 }];
            assert.deepStrictEqual(capture.one(NETPOL, "network-policies-airflow-xtradb-ingress").inputs.spec.ingress[0].ports, mysql);
            assert.deepStrictEqual(capture.one(NETPOL, "network-policies-airflow-xtradb-egress").inputs.spec.egress[0].ports, mysql);
            assert.deepStrictEqual(capture.ofType(CR.pgDatabase).map((r) => r.inputs.spec.name), ["nessie", "analytics"]);
        });

        it("network policies can be turned off", async () => {
            const { capture } = await program("dev", { networkPolicies: { enabled: false } });
            assert.deepStrictEqual(capture.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy"), []);
        });

        it("an OCI mirror serves every chart at its pinned version", async () => {
            const { capture } = await program("dev", { chartSource: { mode: "oci", location: "oci://mirror.internal/charts" } });
            const pins = Object.values(charts);
            const releases = capture.ofType(RELEASE);
            assert.strictEqual(releases.length, 11);
            for (const r of releases) {
                const pin = pins.find((p) => r.inputs.chart === `oci://mirror.internal/charts/${p.chart}`);
                assert.ok(pin, `${r.name} charts from ${r.inputs.chart}`);
                assert.strictEqual(r.inputs.version, pin.version);
                assert.strictEqual(r.inputs.repositoryOpts, undefined);
            }
        });

        it("a local chart folder serves each chart from its versioned archive", async () => {
            const { capture } = await program("dev", { chartSource: { mode: "local", location: "/srv/charts/" } });
            const archives = new Set(Object.values(charts).map((p) => `/srv/charts/${p.chart}-${p.version}.tgz`));
            const releases = capture.ofType(RELEASE);
            assert.strictEqual(releases.length, 11);
            for (const r of releases) {
                assert.ok(archives.has(r.inputs.chart), `${r.name} charts from ${r.inputs.chart}`);
                assert.strictEqual(r.inputs.version, undefined);
            }
        });

        it("an image registry override reaches the charts' images and every image the program sets", async () => {
            const reg = "mirror.internal:5000";
            const { capture } = await program("dev", { imageRegistry: reg });
            assert.strictEqual(capture.one(RELEASE, "cert-manager-chart").inputs.values.imageRegistry, reg);
            assert.strictEqual(capture.one(RELEASE, "cnpg-operator-chart").inputs.values.image.repository, `${reg}/${images.cnpgOperator.repository}`);
            assert.strictEqual(capture.one(RELEASE, "superset-chart").inputs.values.image.repository, `${reg}/${images.superset.repository}`);
            assert.strictEqual(capture.one(CR.pgCluster, "platform-pg-cluster").inputs.spec.imageName, `${reg}/${images.postgres.repository}:${images.postgres.tag}`);
            const valkey = capture.one("kubernetes:apps/v1:StatefulSet", "valkey-statefulset").inputs.spec.template.spec.containers[0];
            assert.strictEqual(valkey.image, `${reg}/${images.valkey.repository}:${images.valkey.tag}`);
            // Every container of every workload the program writes itself, and every image a custom resource names.
            const pods = capture.resources.filter((r) => /^kubernetes:(apps\/v1:(Deployment|StatefulSet)|batch\/v1:Job)$/.test(r.type));
            assert.deepStrictEqual(pods.map((r) => r.name).sort(), [
                "cdc-sql-gateway",
                "clickhouse-statefulset",
                "duckdb-deployment",
                "iceberg-appender-deployment",
                "object-store-s3-provision",
                "schema-registry-deployment",
                "valkey-statefulset",
            ]);
            const outside = pods.flatMap((r) =>
                [...(r.inputs.spec.template.spec.initContainers ?? []), ...r.inputs.spec.template.spec.containers]
                    .filter((c: { image: string }) => !c.image.startsWith(`${reg}/`))
                    .map((c: { name: string; image: string }) => `${r.name}/${c.name}: ${c.image}`),
            );
            const named = strings(capture.resources.filter((r) => r.custom && r.type !== RELEASE).map((r) => r.inputs))
                .filter(([p]) => /(^|\.)(image|imageName)$/.test(p))
                .filter(([, v]) => !v.startsWith(`${reg}/`))
                .map(([p, v]) => `${p}: ${v}`);
            assert.deepStrictEqual([...outside, ...named], []);
        });

        it("a configured ClusterIssuer replaces the platform CA for ingress certificates", async () => {
            const { capture } = await program("prod", { exposure: { mode: "ingress", clusterIssuer: "letsencrypt" } });
            assert.strictEqual(capture.one(CR.certificate, "exposure-superset-certificate").inputs.spec.issuerRef.name, "letsencrypt");
        });

        it("an ACME issuer opens the HTTP-01 solver port to the edge and the ACME server to cert-manager", async () => {
            const { capture } = await program("prod", { exposure: { mode: "ingress", clusterIssuer: "letsencrypt" }, networkPolicies: { ingressNamespace: "ingress-nginx", apiServerCidrs: ["10.0.0.10/32"] } });
            const client = capture.one(NETPOL, "network-policies-acme-client").inputs;
            assert.strictEqual(client.metadata.namespace, "cert-manager");
            assert.deepStrictEqual(client.spec.egress, [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 80 }, { protocol: "TCP", port: 443 }] }]);
            const solvers = capture.ofType(NETPOL).filter((p) => p.inputs.metadata.name === "allow-acme-solver");
            assert.deepStrictEqual(solvers.map((p) => p.inputs.metadata.namespace).sort(), ["platform-apps", "platform-monitoring"]);
            assert.deepStrictEqual(solvers[0].inputs.spec.ingress, [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }], ports: [{ protocol: "TCP", port: 8089 }] }]);
        });

        it("prod lets the API server reach the Prometheus operator's admission webhook", async () => {
            const { capture } = await program("prod");
            const hooks = capture.ofType(NETPOL).filter((p) => p.inputs.metadata.name.startsWith("allow-webhooks-") && p.inputs.metadata.namespace === "platform-monitoring");
            assert.deepStrictEqual(hooks.map((h) => [h.inputs.metadata.name, h.inputs.spec.ingress]), [["allow-webhooks-prometheus-operator", [{ ports: [{ protocol: "TCP", port: 10250 }] }]]]);
        });

        it("the platform CA needs no ACME allowances", async () => {
            const { capture } = await program("prod");
            assert.deepStrictEqual(capture.ofType(NETPOL).filter((p) => /acme/.test(p.inputs.metadata.name)), []);
        });

        it("gateway mode publishes through one platform Gateway with a listener and certificate per host", async () => {
            const { capture } = await program("prod", { exposure: { mode: "gateway", gatewayClassName: "eg", gatewayNamespace: "gateway-system" } });
            assert.deepStrictEqual(capture.ofType("kubernetes:networking.k8s.io/v1:Ingress"), []);
            const gw = capture.one("kubernetes:gateway.networking.k8s.io/v1:Gateway", "exposure-gateway");
            assert.strictEqual(gw.inputs.spec.gatewayClassName, "eg");
            assert.deepStrictEqual(gw.inputs.spec.listeners.map((l: { name: string; hostname: string; tls: unknown }) => [l.name, l.hostname]), [
                ["superset", "superset.analytics.example.com"],
                ["airflow", "airflow.analytics.example.com"],
                ["nifi", "nifi.analytics.example.com"],
                ["grafana", "grafana.analytics.example.com"],
            ]);
            const route = capture.one("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "exposure-superset-route").inputs.spec;
            assert.strictEqual(gw.inputs.metadata.namespace, "gateway-system");
            assert.strictEqual(capture.one(CR.certificate, "exposure-superset-certificate").inputs.metadata.namespace, "gateway-system");
            assert.deepStrictEqual(route.parentRefs, [{ name: "platform", namespace: "gateway-system", sectionName: "superset" }]);
            assert.deepStrictEqual(route.rules[0].backendRefs, [{ name: "superset", port: 8088 }]);
            assert.ok(capture.dependencyNames(gw).includes(`${CR.certificate}::exposure-superset-certificate`));
        });
    });

    describe("openshift stack", () => {
        let capture: Capture;
        before(async () => {
            ({ capture } = await program("openshift"));
        });

        /** Paths under `value` where a fixed UID, GID or fsGroup is set (null asks Helm to drop one). */
        function fixedIds(value: unknown, at = ""): string[] {
            if (Array.isArray(value)) return value.flatMap((v, i) => fixedIds(v, `${at}[${i}]`));
            if (value === null || typeof value !== "object") return [];
            return Object.entries(value).flatMap(([k, v]) => [
                ...(["runAsUser", "runAsGroup", "fsGroup"].includes(k) && v !== null && v !== undefined ? [`${at}.${k}`] : []),
                ...fixedIds(v, `${at}.${k}`),
            ]);
        }

        it("sets no fixed UID, GID or fsGroup in any object or chart value it registers", () => {
            const fixed = capture.resources.filter((r) => r.type.startsWith("kubernetes:")).flatMap((r) => fixedIds(r.inputs).map((p) => `${r.type} ${r.name} ${p}`));
            assert.deepStrictEqual(fixed, []);
        });

        it("asks Helm to drop the IDs a chart's templates would set from the values it is given", () => {
            const superset = capture.one(RELEASE, "superset-chart").inputs.values;
            assert.strictEqual(superset.runAsUser, null);
            const trino = capture.one(RELEASE, "trino-chart").inputs.values;
            assert.deepStrictEqual([trino.securityContext.runAsUser, trino.securityContext.runAsGroup], [null, null]);
        });

        it("publishes Superset and Airflow as edge-terminated Routes, and no Ingress", () => {
            const routes = capture.ofType("kubernetes:route.openshift.io/v1:Route");
            assert.deepStrictEqual(routes.map((r) => [r.inputs.spec.host, r.inputs.spec.tls.termination]).sort(), [
                ["airflow.apps.ocp.example.com", "edge"],
                ["superset.apps.ocp.example.com", "edge"],
            ]);
            assert.deepStrictEqual(capture.ofType("kubernetes:networking.k8s.io/v1:Ingress"), []);
        });

        it("lets only the OpenShift router reach the published UIs, selected by its namespace's policy-group label", () => {
            const edges = capture.ofType(NETPOL).filter((p) => p.inputs.metadata.name.startsWith("allow-edge-"));
            assert.deepStrictEqual(edges.map((e) => e.inputs.metadata.name).sort(), ["allow-edge-airflow", "allow-edge-superset"]);
            for (const e of edges) {
                assert.deepStrictEqual(e.inputs.spec.ingress[0].from, [
                    { namespaceSelector: { matchLabels: { "network.openshift.io/policy-group": "ingress" } }, podSelector: {} },
                    { namespaceSelector: { matchLabels: { "policy-group.network.openshift.io/ingress": "" } }, podSelector: {} },
                ]);
            }
        });

        it("resolves names through OpenShift's DNS, on the Service port and the pods' port", () => {
            const dns = capture.one(NETPOL, "network-policies-apps-dns").inputs.spec.egress[0];
            assert.deepStrictEqual(dns.to, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "openshift-dns" } }, podSelector: { matchLabels: {} } }]);
            assert.deepStrictEqual(dns.ports, [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
                { protocol: "UDP", port: 5353 },
                { protocol: "TCP", port: 5353 },
            ]);
        });

        it("leaves Prometheus to OpenShift's user-workload monitoring: monitors only, opened at the targets' side", () => {
            assert.deepStrictEqual(capture.ofType(RELEASE).filter((r) => r.name === "monitoring-chart"), []);
            assert.deepStrictEqual(capture.ofType("kubernetes:core/v1:Namespace").filter((n) => n.inputs.metadata.name === "platform-monitoring"), []);
            const monitors = capture.resources.filter((r) => /^kubernetes:monitoring\.coreos\.com\/v1:(Pod|Service)Monitor$/.test(r.type));
            assert.strictEqual(monitors.length, 19);
            assert.ok(monitors.every((m) => capture.dependencyNames(m).every((d) => !d.startsWith(RELEASE))), "monitors wait for no chart");
            const trino = capture.one(NETPOL, "network-policies-monitoring-trino-ingress").inputs;
            assert.deepStrictEqual(trino.spec.ingress[0].from, [
                { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "openshift-user-workload-monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } },
            ]);
            // Nothing is written into OpenShift's namespace: an egress policy there would isolate its pods.
            assert.deepStrictEqual(capture.ofType(NETPOL).filter((p) => p.inputs.metadata.namespace === "openshift-user-workload-monitoring"), []);
        });

        it("charts every release from the OCI mirror", () => {
            const releases = capture.ofType(RELEASE);
            assert.strictEqual(releases.length, 12);
            assert.deepStrictEqual(releases.filter((r) => !String(r.inputs.chart).startsWith("oci://registry.internal:5000/charts/")).map((r) => r.name), []);
        });
    });
});
