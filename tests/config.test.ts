import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ConfigError, KEYS, parseConfig } from "../components/config";

/** Raw config as Pulumi hands it over: strings, with structured values as JSON text. */
function raw(values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

function rejects(values: Record<string, unknown>, key: string, allowedPart: RegExp): void {
    assert.throws(
        () => parseConfig(raw(values)),
        (e: unknown) => {
            assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
            assert.strictEqual(e.key, key);
            assert.match(e.message, new RegExp(`^config analytics-platform:${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: got `));
            assert.match(e.allowed, allowedPart);
            return true;
        },
    );
}

describe("config", () => {
    describe("profiles", () => {
        it("dev defaults to one PostgreSQL instance, no exposure and every component but monitoring and NiFi on", () => {
            const cfg = parseConfig(raw({ profile: "dev" }));
            assert.strictEqual(cfg.profile, "dev");
            assert.strictEqual(cfg.sizing.postgres.instances, 1);
            assert.strictEqual(cfg.sizing.superset.replicas, 1);
            assert.deepStrictEqual(cfg.exposure, { mode: "none", ingressClassName: "", gatewayClassName: "", gatewayNamespace: "", clusterIssuer: "" });
            assert.deepStrictEqual(cfg.components, {
                postgres: true,
                cache: true,
                superset: true,
                objectStore: true,
                xtradb: true,
                kafka: true,
                schemaRegistry: true,
                kafkaConnect: true,
                nessie: true,
                clickhouse: true,
                flink: true,
                trino: true,
                spark: true,
                airflow: true,
                nifi: false,
                duckdb: true,
                appender: true,
                monitoring: false,
            });
            assert.strictEqual(cfg.platform, "kubernetes");
            assert.strictEqual(cfg.backups.enabled, false);
            assert.strictEqual(cfg.sizing.objectStore.servers, 1);
            assert.strictEqual(cfg.protectData, false);
            assert.deepStrictEqual(cfg.chartSource, { mode: "upstream", location: "" });
        });

        it("prod defaults to three PostgreSQL instances, ingress exposure and protected data", () => {
            const cfg = parseConfig(raw({ profile: "prod", platformImageRegistry: "registry.example.com", domain: "analytics.example.com", networkPolicies: { apiServerCidrs: ["10.0.0.10/32"] } }));
            assert.strictEqual(cfg.sizing.postgres.instances, 3);
            assert.strictEqual(cfg.sizing.superset.replicas, 2);
            assert.strictEqual(cfg.exposure.mode, "ingress");
            assert.strictEqual(cfg.protectData, true);
            assert.deepStrictEqual([cfg.sizing.objectStore.servers, cfg.sizing.xtradb.size, cfg.sizing.xtradb.haproxy.size], [4, 3, 3]);
            assert.deepStrictEqual(cfg.backups, { enabled: true, schedule: "0 2 * * *", retention: "14d", keep: 7, pitr: true, postgresRecovery: { sourceServerName: "", serverName: "", targetTime: "" }, target: { mode: "in-cluster", endpoint: "", bucket: "", credentialsSecret: "" } });
        });

        it("a nested HAProxy override keeps the other XtraDB defaults", () => {
            const cfg = parseConfig(raw({ profile: "dev", sizing: { xtradb: { storage: "8Gi", haproxy: { memory: "128Mi" } } } }));
            assert.deepStrictEqual(cfg.sizing.xtradb, {
                size: 1,
                storage: "8Gi",
                cpu: "200m",
                memory: "384Mi",
                cpuLimit: "1",
                memoryLimit: "1Gi",
                haproxy: { size: 1, cpu: "50m", memory: "128Mi", cpuLimit: "250m", memoryLimit: "256Mi" },
            });
        });

        it("reads the OpenShift platform, gateway exposure, external egress and monitoring settings", () => {
            const cfg = parseConfig(
                raw({
                    profile: "prod",
                    platform: "openshift",
                    platformImageRegistry: "registry.example.com",
                    domain: "data.example.com",
                    exposure: { mode: "gateway", gatewayClassName: "eg", gatewayNamespace: "envoy-gateway-system" },
                    components: { monitoring: false, nifi: false },
                    networkPolicies: { ingressNamespace: "envoy-gateway-system", apiServerCidrs: ["10.0.0.10/32"], externalEgress: [{ name: "cdc-source", from: "processing", cidr: "10.20.0.0/16", ports: [1433] }] },
                    monitoring: { retention: "30d" },
                    airflow: { metadataDatabase: "mysql" },
                }),
            );
            assert.strictEqual(cfg.platform, "openshift");
            assert.deepStrictEqual(cfg.exposure, { mode: "gateway", ingressClassName: "", gatewayClassName: "eg", gatewayNamespace: "envoy-gateway-system", clusterIssuer: "" });
            assert.deepStrictEqual(cfg.networkPolicies.externalEgress, [{ name: "cdc-source", from: "processing", cidr: "10.20.0.0/16", ports: [1433] }]);
            assert.strictEqual(cfg.networkPolicies.ingressNamespace, "envoy-gateway-system");
            assert.deepStrictEqual(cfg.monitoring, { retention: "30d", namespace: "platform-monitoring", alertmanagerConfigSecret: "" });
            assert.strictEqual(cfg.airflow.metadataDatabase, "mysql");
        });

        it("declares topics and connectors from config", () => {
            const cfg = parseConfig(
                raw({
                    profile: "dev",
                    lake: { appenderTopic: "orders_v1" },
                    kafka: {
                        topics: [{ name: "orders_v1", partitions: 6, config: { "retention.ms": "86400000" } }],
                        connectImage: "mirror.internal/connect-plugins:1.0",
                        connectors: [{ name: "orders-sink", class: "io.example.SinkConnector", tasksMax: 2, config: { topics: "orders_v1" } }],
                    },
                }),
            );
            assert.deepStrictEqual(cfg.kafka, {
                topics: [{ name: "orders_v1", partitions: 6, config: { "retention.ms": "86400000" } }],
                connectImage: "mirror.internal/connect-plugins:1.0",
                connectors: [{ name: "orders-sink", class: "io.example.SinkConnector", tasksMax: 2, config: { topics: "orders_v1" } }],
                rackAwareness: false,
            });
        });

        it("a sizing override replaces only the keys it names", () => {
            const cfg = parseConfig(raw({ profile: "dev", sizing: { superset: { replicas: 3, memoryLimit: "3Gi" } } }));
            assert.deepStrictEqual(cfg.sizing.superset, { replicas: 3, workerReplicas: 1, cpu: "200m", memory: "384Mi", cpuLimit: "1", memoryLimit: "3Gi" });
        });

        it("an Airflow role override keeps the other roles and keys at the profile's values", () => {
            const cfg = parseConfig(raw({ profile: "prod", platformImageRegistry: "registry.example.com", domain: "a.example.com", networkPolicies: { apiServerCidrs: ["10.0.0.10/32"] }, sizing: { airflow: { workers: { replicas: 5, concurrency: 16 }, logStorage: "20Gi" } } }));
            assert.deepStrictEqual(cfg.sizing.airflow.workers, { replicas: 5, concurrency: 16, cpu: "1", memory: "2Gi", cpuLimit: "2", memoryLimit: "4Gi" });
            assert.deepStrictEqual(cfg.sizing.airflow.scheduler, { replicas: 2, cpu: "500m", memory: "1Gi", cpuLimit: "2", memoryLimit: "2Gi" });
            assert.strictEqual(cfg.sizing.airflow.logStorage, "20Gi");
        });

        it("NiFi volume sizes are overridable one by one", () => {
            const cfg = parseConfig(raw({ profile: "dev", sizing: { nifi: { storage: { content: "50Gi" } } } }));
            assert.deepStrictEqual(cfg.sizing.nifi.storage, { data: "2Gi", content: "50Gi", provenance: "2Gi" });
        });

        it("accepts an OCI chart mirror and a registry with port and path", () => {
            const cfg = parseConfig(raw({ profile: "dev", chartSource: { mode: "oci", location: "oci://mirror.internal:5000/charts" }, imageRegistry: "mirror.internal:5000/images" }));
            assert.deepStrictEqual(cfg.chartSource, { mode: "oci", location: "oci://mirror.internal:5000/charts" });
            assert.strictEqual(cfg.imageRegistry, "mirror.internal:5000/images");
        });
    });

    describe("rejections", () => {
        it("a misspelt top-level key names the key and the known keys", () => {
            rejects({ profile: "dev", storgeClass: "fast" }, "storgeClass", /no such key; the keys are profile, platform, components,/);
        });

        it("a misspelt nested key names its full path", () => {
            rejects({ profile: "dev", sizing: { postgres: { instnces: 2 } } }, "sizing.postgres.instnces", /sizing\.postgres takes instances, storage, cpu/);
        });

        it("a missing profile is an error", () => {
            rejects({}, "profile", /"dev" or "prod" \(required\)/);
        });

        it("an unknown profile lists the allowed ones", () => {
            rejects({ profile: "staging" }, "profile", /^"dev" or "prod"$/);
        });

        it("a string where a boolean belongs is an error", () => {
            rejects({ profile: "dev", components: { superset: "yes" } }, "components.superset", /^true or false$/);
        });

        it("a fractional instance count is an error", () => {
            rejects({ profile: "dev", sizing: { postgres: { instances: 1.5 } } }, "sizing.postgres.instances", /an integer from 1 to 9/);
        });

        it("prod with fewer than three PostgreSQL instances is an error", () => {
            rejects({ profile: "prod", domain: "a.example.com", sizing: { postgres: { instances: 1 } } }, "sizing.postgres.instances", /3 or more in the prod profile/);
        });

        it("Superset without PostgreSQL is an impossible combination", () => {
            rejects({ profile: "dev", components: { postgres: false, nessie: false, duckdb: false, appender: false } }, "components.superset", /components\.postgres is false/);
        });

        it("Nessie without the object store is an impossible combination", () => {
            rejects({ profile: "dev", components: { objectStore: false, flink: false, spark: false } }, "components.nessie", /components\.objectStore is false: Nessie's Iceberg warehouse/);
        });

        it("the schema registry without Kafka is an impossible combination", () => {
            rejects({ profile: "dev", components: { kafka: false, kafkaConnect: false, flink: false } }, "components.schemaRegistry", /components\.kafka is false/);
        });

        it("backups without the object store are an impossible combination", () => {
            rejects({ profile: "dev", components: { objectStore: false, nessie: false, flink: false, spark: false, duckdb: false, appender: false }, backups: { enabled: true } }, "backups.enabled", /in-cluster backups are written to the object store/);
        });

        it("prod with fewer than four object store servers is an error", () => {
            rejects({ profile: "prod", domain: "a.example.com", sizing: { objectStore: { servers: 2 } } }, "sizing.objectStore.servers", /4 or more in the prod profile/);
        });

        it("prod with an even XtraDB size is an error", () => {
            rejects({ profile: "prod", domain: "a.example.com", sizing: { xtradb: { size: 4 } } }, "sizing.xtradb.size", /an odd number, 3 or more/);
        });

        it("prod with a single Airflow scheduler is an error", () => {
            rejects({ profile: "prod", domain: "a.example.com", sizing: { airflow: { scheduler: { replicas: 1 } } } }, "sizing.airflow.scheduler.replicas", /2 or more in the prod profile/);
        });

        it("a misspelt Airflow role names its full path", () => {
            rejects({ profile: "dev", sizing: { airflow: { webserver: { replicas: 2 } } } }, "sizing.airflow.webserver", /sizing\.airflow takes scheduler, apiServer, workers/);
        });

        it("a NiFi memory limit under 1Gi is an error (the heap is half of it)", () => {
            rejects({ profile: "dev", sizing: { nifi: { memoryLimit: "768Mi" } } }, "sizing.nifi.memoryLimit", /1Gi or more/);
        });

        it("an appender replica count of zero is an error", () => {
            rejects({ profile: "dev", sizing: { appender: { replicas: 0 } } }, "sizing.appender.replicas", /an integer from 1 to 64/);
        });

        it("gateway mode needs the Gateway implementation's namespace, not one the platform owns", () => {
            rejects({ profile: "prod", domain: "a.example.com", exposure: { mode: "gateway", gatewayClassName: "eg" } }, "exposure.gatewayNamespace", /namespace of the Gateway implementation/);
            rejects({ profile: "prod", domain: "a.example.com", exposure: { mode: "gateway", gatewayClassName: "eg", gatewayNamespace: "platform-apps" } }, "exposure.gatewayNamespace", /does not own/);
        });

        it("a ClusterIssuer with nothing to sign is an error", () => {
            rejects({ profile: "dev", exposure: { mode: "none", clusterIssuer: "letsencrypt" } }, "exposure.clusterIssuer", /nothing is published/);
        });

        it("OpenShift refuses NiFi, naming why", () => {
            rejects({ profile: "prod", platform: "openshift", domain: "apps.example.com", exposure: { mode: "route" } }, "components.nifi", /uid 1000/);
        });

        it("a NiFi volume in Ki is an error", () => {
            rejects({ profile: "dev", sizing: { nifi: { storage: { data: "512Ki" } } } }, "sizing.nifi.storage.data", /Mi, Gi or Ti/);
        });

        it("a connector password given as a value is an error that does not repeat it", () => {
            const kafka = (config: Record<string, string>) => ({ connectors: [{ name: "sink", class: "io.example.Sink", config }] });
            rejects({ profile: "dev", kafka: kafka({ "connection.password": "hunter2" }) }, "kafka.connectors[0].config.connection.password", /\$\{secrets:platform-data\/<secret>:<key>\}/);
            assert.throws(() => parseConfig(raw({ profile: "dev", kafka: kafka({ "connection.password": "hunter2" }) })), (e: unknown) => e instanceof Error && !e.message.includes("hunter2"));
            rejects({ profile: "dev", kafka: kafka({ "connection.password": "${secrets:platform-apps/db:password}" }) }, "kafka.connectors[0].config.connection.password", /in the data namespace/);
            // A value that only mentions a reference, or a JAAS config with an inline password, is still a literal.
            rejects({ profile: "dev", kafka: kafka({ "connection.password": "hunter2 ${secrets:platform-data/db:password}" }) }, "kafka.connectors[0].config.connection.password", /not the value itself/);
            const jaas = (password: string) => `org.apache.kafka.common.security.plain.PlainLoginModule required username="app" password="${password}";`;
            rejects({ profile: "dev", kafka: kafka({ "sasl.jaas.config": jaas("hunter2") }) }, "kafka.connectors[0].config.sasl.jaas.config", /not the value itself/);
            assert.strictEqual(parseConfig(raw({ profile: "dev", kafka: kafka({ "sasl.jaas.config": jaas("${secrets:platform-data/db:password}") }) })).kafka.connectors.length, 1);
            assert.strictEqual(parseConfig(raw({ profile: "dev", kafka: kafka({ "connection.password": "${secrets:platform-data/db:password}" }) })).kafka.connectors[0].config["connection.password"], "${secrets:platform-data/db:password}");
        });

        it("a topic replicated more than there are brokers is an error", () => {
            rejects({ profile: "dev", kafka: { topics: [{ name: "t", partitions: 1, replicas: 3 }] } }, "kafka.topics[0].replicas", /an integer from 1 to 1$/);
        });

        it("a topic declared twice is an error", () => {
            rejects({ profile: "dev", kafka: { topics: [{ name: "t", partitions: 1 }, { name: "t", partitions: 2 }] } }, "kafka.topics", /each topic name once/);
        });

        it("connectors without Kafka Connect are an impossible combination", () => {
            rejects({ profile: "dev", components: { kafkaConnect: false }, kafka: { connectors: [{ name: "c", class: "a.B" }] } }, "kafka.connectors", /components\.kafkaConnect is false/);
        });

        it("a backup schedule that is not five-field cron is an error", () => {
            rejects({ profile: "prod", domain: "a.example.com", backups: { schedule: "daily" } }, "backups.schedule", /five-field cron/);
        });

        it("Flink without Kafka is an impossible combination", () => {
            rejects({ profile: "dev", components: { kafka: false, kafkaConnect: false, schemaRegistry: false } }, "components.flink", /the CDC pipeline writes to Kafka/);
        });

        it("an enabled CDC job needs an existing SQL file", () => {
            rejects({ profile: "dev", flink: { jobEnabled: true, sqlFile: "sql/missing.sql" } }, "flink.sqlFile", /an existing \.sql file inside the project/);
        });

        it("an enabled CDC job reads its SQL from the project", () => {
            const cfg = parseConfig(raw({ profile: "dev", flink: { jobEnabled: true, connectorsImage: "registry.internal/analytics-platform/flink:1.20.3-0123456789ab" } }));
            assert.match(cfg.flink.sql, /\$\{MSSQL_PASSWORD\}/);
        });

        it("a savepoint that is not on S3 is an error", () => {
            rejects({ profile: "dev", flink: { restoreFromSavepoint: "/tmp/sp-1" } }, "flink.restoreFromSavepoint", /an s3:\/\/ savepoint path/);
        });

        it("Superset without the cache is an impossible combination", () => {
            rejects({ profile: "dev", components: { cache: false, airflow: false } }, "components.superset", /components\.cache is false/);
        });

        it("OpenShift Routes on vanilla Kubernetes are an impossible combination", () => {
            rejects({ profile: "dev", exposure: { mode: "route" } }, "exposure.mode", /unless platform is "openshift"/);
        });

        it("Routes take no ingress namespace: the router is selected by its namespace's label", () => {
            rejects(
                { profile: "prod", platform: "openshift", domain: "apps.example.com", exposure: { mode: "route" }, components: { monitoring: false, nifi: false }, networkPolicies: { ingressNamespace: "openshift-ingress" } },
                "networkPolicies.ingressNamespace",
                /policy-group label/,
            );
        });

        it("gateway exposure needs a GatewayClass", () => {
            rejects({ profile: "dev", exposure: { mode: "gateway" } }, "exposure.gatewayClassName", /a GatewayClass name when exposure.mode is "gateway"/);
        });

        it("an IngressClass outside ingress mode is an error", () => {
            rejects({ profile: "dev", exposure: { mode: "gateway", gatewayClassName: "eg", gatewayNamespace: "gateway-system", ingressClassName: "nginx" } }, "exposure.ingressClassName", /nothing unless exposure.mode is "ingress"/);
        });

        it("an unknown platform is rejected with the allowed ones", () => {
            rejects({ profile: "dev", platform: "k3s" }, "platform", /^"kubernetes" or "openshift"$/);
        });

        it("an external egress entry without ports names the entry", () => {
            rejects({ profile: "dev", networkPolicies: { externalEgress: [{ name: "cdc-source", from: "processing", cidr: "10.20.0.0/16", ports: [] }] } }, "networkPolicies.externalEgress[0].ports", /non-empty list of TCP ports/);
        });

        it("an external egress entry from an unknown namespace role is rejected", () => {
            rejects({ profile: "dev", networkPolicies: { externalEgress: [{ name: "cdc-source", from: "operators", cidr: "10.20.0.0/16", ports: [1433] }] } }, "networkPolicies.externalEgress[0].from", /"data" or "processing" or "apps"/);
        });

        it("the monitoring namespace may not reuse another role's namespace", () => {
            rejects({ profile: "dev", monitoring: { namespace: "platform-data" } }, "monitoring.namespace", /not used by any other role/);
        });

        it("Airflow on MySQL without XtraDB is an impossible combination", () => {
            rejects({ profile: "dev", components: { xtradb: false }, airflow: { metadataDatabase: "mysql" } }, "airflow.metadataDatabase", /components.xtradb true/);
        });

        it("an appender topic that Kafka does not declare is an error", () => {
            rejects({ profile: "dev", lake: { appenderTopic: "missing" } }, "lake.appenderTopic", /one of the topics in kafka.topics \(telemetry-logs\)/);
        });

        it("ingress exposure without a domain is an error", () => {
            rejects({ profile: "prod" }, "domain", /exposure\.mode "ingress" publishes hostnames/);
        });

        it("an OCI chart source needs an oci:// location", () => {
            rejects({ profile: "dev", chartSource: { mode: "oci", location: "https://charts.internal" } }, "chartSource.location", /oci:\/\/registry\.internal\/charts/);
        });

        it("a local chart source needs a folder", () => {
            rejects({ profile: "dev", chartSource: { mode: "local" } }, "chartSource.location", /<chart>-<version>\.tgz/);
        });

        it("an image registry with a scheme is an error", () => {
            rejects({ profile: "dev", imageRegistry: "https://mirror.internal" }, "imageRegistry", /no scheme/);
        });

        it("a malformed CPU quantity is an error", () => {
            rejects({ profile: "dev", sizing: { cache: { cpu: "half" } } }, "sizing.cache.cpu", /a CPU quantity/);
        });

        it("a namespace that is not a DNS label is an error", () => {
            rejects({ profile: "dev", namespaces: { data: "Platform_Data" } }, "namespaces.data", /a DNS label/);
        });

        it("a structured key given as plain text is an error", () => {
            assert.throws(() => parseConfig({ profile: "dev", sizing: "big" }), (e: unknown) => e instanceof ConfigError && e.key === "sizing" && /a structured value/.test(e.allowed));
        });
    });

    describe("project file", () => {
        it("declares exactly the keys the config module reads, each with a description", () => {
            const project = parse(fs.readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8")) as { config: Record<string, { description?: string }> };
            assert.deepStrictEqual(Object.keys(project.config).sort(), [...KEYS].sort());
            for (const [key, decl] of Object.entries(project.config)) assert.ok((decl.description ?? "").length > 20, `${key} has no description`);
        });
    });
});
