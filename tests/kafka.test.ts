import * as assert from "assert";
import { charts, images } from "../components/catalog";
import { ChartSource } from "../components/config";
import { Kafka, KafkaArgs, topicObjectName } from "../components/data/kafka";
import { SchemaRegistry } from "../components/data/schemaRegistry";
import { StrimziOperator } from "../components/data/strimziOperator";
import { Capture, Registered, resolve, secretLeaks, settle, useMocks } from "./harness";

const upstream: ChartSource = { mode: "upstream", location: "" };
const RELEASE = "kubernetes:helm.sh/v3:Release";
const V1 = "kubernetes:kafka.strimzi.io/v1";
const CR = {
    kafka: `${V1}:Kafka`,
    pool: `${V1}:KafkaNodePool`,
    topic: `${V1}:KafkaTopic`,
    connect: `${V1}:KafkaConnect`,
    connector: `${V1}:KafkaConnector`,
    user: `${V1}:KafkaUser`,
};
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const OPERATOR_RELEASE = `${RELEASE}::strimzi-operator-chart`;
const WAIT_READY = "condition=Ready";
const node = { storage: "10Gi", cpu: "500m", memory: "2Gi", cpuLimit: "2", memoryLimit: "2Gi" };
const controller = { storage: "5Gi", cpu: "250m", memory: "1Gi", cpuLimit: "1", memoryLimit: "1Gi" };
const CA_PEM = "-----BEGIN CERTIFICATE-----\nplatform-ca\n-----END CERTIFICATE-----\n";
const small = { cpu: "100m", memory: "256Mi", cpuLimit: "500m", memoryLimit: "512Mi" };
/** The container context every Strimzi container gets in the resources (restricted, root filesystem writable). */
const STRIMZI_RESTRICTED = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };

interface Stack {
    capture: Capture;
    kafka: Kafka;
    plain?: Kafka;
    registry: SchemaRegistry;
}

/** Operator, a Kafka cluster with topics and Connect, and the schema registry, as the program would wire them. */
async function stack(ha: boolean): Promise<Stack> {
    const capture = await useMocks({ profile: "dev" });
    const operator = new StrimziOperator("strimzi-operator", { namespace: "platform-operators", chartSource: upstream, imageRegistry: "", highAvailability: ha });
    const base: Omit<KafkaArgs, "namespace"> = {
        operator: operator.release,
        sizing: { brokers: node, controllers: controller },
        storageClass: ha ? "fast-ssd" : "",
        highAvailability: ha,
        clusterIssuer: "platform-ca",
        caCertPem: CA_PEM,
    };
    const kafka = new Kafka("events", {
        ...base,
        namespace: "platform-data",
        topics: [
            { name: "orders", partitions: 6 },
            { name: "Audit_Log", partitions: 1, replicas: 2, config: { "cleanup.policy": "compact" } },
        ],
        connect: {
            image: "registry.internal/connect-plugins:1.0",
            replicas: ha ? 2 : 1,
            connectors: [
                { name: "orders-sink", class: "org.example.OrdersSink", tasksMax: 2, config: { topics: "orders" } },
                {
                    name: "audit-jdbc",
                    class: "org.example.JdbcSink",
                    tasksMax: 1,
                    config: { topics: "Audit_Log", "connection.user": "${secrets:platform-data/audit-db:username}", "connection.password": "${secrets:platform-data/audit-db:password}" },
                },
                { name: "orders-s3", class: "org.example.S3Sink", tasksMax: 1, config: { topics: "orders", "aws.secret.access.key": "${secrets:platform-data/connect-s3:secret-key}" } },
            ],
        },
    });
    const plain = ha ? new Kafka("plain", { ...base, namespace: "other-data" }) : undefined;
    const registry = new SchemaRegistry("schema-registry", { namespace: "platform-data", kafka, imageRegistry: "", resources: small, highAvailability: ha });
    await settle();
    return { capture, kafka, plain, registry };
}

function deps(capture: Capture, r: Registered): string[] {
    return capture.dependencyNames(r);
}

describe("Kafka data layer", () => {
    describe("Strimzi operator", () => {
        it("installs the pinned chart as release strimzi, watching every namespace with restricted operand pods", async () => {
            const capture = await useMocks({ profile: "dev" });
            new StrimziOperator("strimzi-operator", { namespace: "platform-operators", chartSource: upstream, imageRegistry: "" });
            await settle();
            const r = capture.one(RELEASE, "strimzi-operator-chart").inputs;
            assert.strictEqual(r.name, "strimzi");
            assert.strictEqual(r.namespace, "platform-operators");
            assert.strictEqual(r.chart, `${charts.strimzi.repository}/${charts.strimzi.chart}`);
            assert.strictEqual(r.version, charts.strimzi.version);
            assert.strictEqual(r.values.watchAnyNamespace, true);
            assert.strictEqual(r.values.replicas, 1);
            assert.deepStrictEqual(r.values.extraEnvs, [{ name: "STRIMZI_POD_SECURITY_PROVIDER_CLASS", value: "restricted" }]);
            // The chart then sets STRIMZI_NETWORK_POLICY_GENERATION=false: no Strimzi policy opens the listeners to every namespace.
            assert.strictEqual(r.values.generateNetworkPolicy, false);
            // Every image named from the catalog pin: quay.io/strimzi/<name>:1.2.0 (Kafka: 1.2.0-kafka-<version>).
            assert.deepStrictEqual(
                [r.values.defaultImageRegistry, r.values.defaultImageRepository, r.values.defaultImageTag, r.values.image, r.values.kafka],
                ["quay.io", "strimzi", "1.2.0", { name: "operator" }, { image: { name: "kafka", tagPrefix: "1.2.0" } }],
            );
            assert.strictEqual(r.values.podDisruptionBudget, undefined);
            assert.deepStrictEqual(r.values.resources, { requests: { cpu: "200m", memory: "384Mi" }, limits: { cpu: "1", memory: "512Mi" } });
        });

        it("HA runs two replicas with a PDB, and a registry override replaces the default image registry", async () => {
            const capture = await useMocks({ profile: "dev" });
            new StrimziOperator("strimzi-operator", { namespace: "platform-operators", chartSource: upstream, imageRegistry: "mirror.internal:5000", highAvailability: true });
            await settle();
            const v = capture.one(RELEASE, "strimzi-operator-chart").inputs.values;
            assert.strictEqual(v.replicas, 2);
            assert.deepStrictEqual(v.podDisruptionBudget, { enabled: true });
            assert.strictEqual(v.defaultImageRegistry, "mirror.internal:5000");
            assert.strictEqual(v.topologySpreadConstraints[0].topologyKey, "kubernetes.io/hostname");
            assert.notStrictEqual(images.strimzi.registry, "mirror.internal:5000");
        });
    });

    describe("dev shape", () => {
        let s: Stack;
        before(async () => {
            s = await stack(false);
        });

        it("runs one node pool whose single node is both controller and broker", () => {
            const pools = s.capture.ofType(CR.pool);
            assert.deepStrictEqual(
                pools.map((p) => p.name),
                ["events-pool-dual-role"],
            );
            const pool = pools[0].inputs;
            assert.strictEqual(pool.metadata.name, "dual-role");
            assert.strictEqual(pool.metadata.labels["strimzi.io/cluster"], "events");
            assert.deepStrictEqual(pool.spec, {
                replicas: 1,
                roles: ["controller", "broker"],
                storage: { type: "persistent-claim", size: "10Gi", deleteClaim: false },
                resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "2Gi" } },
                template: { kafkaContainer: { securityContext: STRIMZI_RESTRICTED }, initContainer: { securityContext: STRIMZI_RESTRICTED } },
            });
        });

        it("configures replication factor 1 and min ISR 1, without rack awareness", () => {
            const k = s.capture.one(CR.kafka, "events-kafka").inputs.spec.kafka;
            assert.deepStrictEqual(k.config, {
                "default.replication.factor": 1,
                "offsets.topic.replication.factor": 1,
                "transaction.state.log.replication.factor": 1,
                "transaction.state.log.min.isr": 1,
                "min.insync.replicas": 1,
                "auto.create.topics.enable": false,
            });
            assert.strictEqual(k.rack, undefined);
        });

        it("serves one internal listener on 9093: TLS with the platform CA's certificate, SCRAM-SHA-512, simple authorization", () => {
            const k = s.capture.one(CR.kafka, "events-kafka").inputs.spec.kafka;
            assert.deepStrictEqual(k.listeners, [
                {
                    name: "tls",
                    port: 9093,
                    type: "internal",
                    tls: true,
                    authentication: { type: "scram-sha-512" },
                    configuration: { brokerCertChainAndKey: { secretName: "events-listener-tls", certificate: "tls.crt", key: "tls.key" } },
                },
            ]);
            assert.deepStrictEqual(k.authorization, { type: "simple" });
            assert.ok(s.capture.one(CR.kafka, "events-kafka").inputs.spec.entityOperator.userOperator, "the User Operator turns KafkaUsers into credentials and ACLs");
        });

        it("has the platform CA issue the listener certificate for the bootstrap Service and every broker, PKCS #8, before the cluster", () => {
            const cert = s.capture.one("kubernetes:cert-manager.io/v1:Certificate", "events-listener-certificate").inputs;
            assert.deepStrictEqual(cert.spec.issuerRef, { group: "cert-manager.io", kind: "ClusterIssuer", name: "platform-ca" });
            assert.deepStrictEqual(cert.spec.dnsNames, [
                "events-kafka-bootstrap",
                "events-kafka-bootstrap.platform-data.svc",
                "events-kafka-bootstrap.platform-data.svc.cluster.local",
                "*.events-kafka-brokers.platform-data.svc",
                "*.events-kafka-brokers.platform-data.svc.cluster.local",
            ]);
            assert.strictEqual(cert.spec.privateKey.encoding, "PKCS8");
            assert.strictEqual(cert.metadata.annotations["pulumi.com/waitFor"], WAIT_READY);
            assert.ok(deps(s.capture, s.capture.one(CR.kafka, "events-kafka")).includes("kubernetes:cert-manager.io/v1:Certificate::events-listener-certificate"));
        });

        it("gates the Kafka cluster on Ready and needs no KRaft or node-pool annotations", () => {
            const meta = s.capture.one(CR.kafka, "events-kafka").inputs.metadata;
            assert.deepStrictEqual(meta.annotations, { "pulumi.com/waitFor": WAIT_READY });
            assert.strictEqual(meta.namespace, "platform-data");
        });

        it("creates the node pools and the Kafka cluster after the operator, and the cluster after its pools", () => {
            const pool = s.capture.one(CR.pool, "events-pool-dual-role");
            assert.ok(deps(s.capture, pool).includes(OPERATOR_RELEASE), deps(s.capture, pool).join(", "));
            const kafkaDeps = deps(s.capture, s.capture.one(CR.kafka, "events-kafka"));
            assert.ok(kafkaDeps.includes(OPERATOR_RELEASE), kafkaDeps.join(", "));
            assert.ok(kafkaDeps.includes(`${CR.pool}::events-pool-dual-role`), kafkaDeps.join(", "));
        });

        it("creates each topic after the Ready cluster and the operator, gated on its own readiness", () => {
            for (const name of ["events-topic-orders", "events-topic-audit-log"]) {
                const t = s.capture.one(CR.topic, name);
                const d = deps(s.capture, t);
                assert.ok(d.includes(`${CR.kafka}::events-kafka`), `${name}: ${d.join(", ")}`);
                assert.ok(d.includes(OPERATOR_RELEASE), `${name}: ${d.join(", ")}`);
                assert.strictEqual(t.inputs.metadata.annotations["pulumi.com/waitFor"], WAIT_READY);
                assert.strictEqual(t.inputs.metadata.labels["strimzi.io/cluster"], "events");
            }
        });

        it("keeps the Kafka topic name while giving the object a valid name, replicas defaulting to the profile", () => {
            const audit = s.capture.one(CR.topic, "events-topic-audit-log").inputs;
            assert.strictEqual(audit.metadata.name, "audit-log");
            assert.deepStrictEqual(audit.spec, { topicName: "Audit_Log", partitions: 1, replicas: 2, config: { "cleanup.policy": "compact" } });
            assert.deepStrictEqual(s.capture.one(CR.topic, "events-topic-orders").inputs.spec, { topicName: "orders", partitions: 6, replicas: 1 });
        });

        it("runs Kafka Connect over TLS with connector resources, replication factor 1, gated and after the cluster and its user", () => {
            const c = s.capture.one(CR.connect, "events-connect");
            assert.deepStrictEqual(c.inputs.metadata.annotations, { "strimzi.io/use-connector-resources": "true", "pulumi.com/waitFor": WAIT_READY });
            const spec = c.inputs.spec;
            assert.strictEqual(spec.image, "registry.internal/connect-plugins:1.0");
            assert.strictEqual(spec.bootstrapServers, "events-kafka-bootstrap:9093");
            assert.deepStrictEqual(spec.tls, { trustedCertificates: [{ secretName: "kafka-events-connect", certificate: "ca.crt" }] });
            assert.deepStrictEqual(spec.authentication, { type: "scram-sha-512", username: "events-connect", passwordSecret: { secretName: "kafka-events-connect", password: "password" } });
            assert.deepStrictEqual([spec.groupId, spec.configStorageTopic, spec.offsetStorageTopic, spec.statusStorageTopic], [
                "events-connect",
                "events-connect-configs",
                "events-connect-offsets",
                "events-connect-status",
            ]);
            assert.deepStrictEqual(spec.config, {
                "config.storage.replication.factor": 1,
                "offset.storage.replication.factor": 1,
                "status.storage.replication.factor": 1,
                "config.providers": "secrets",
                "config.providers.secrets.class": "io.strimzi.kafka.KubernetesSecretConfigProvider",
            });
            const d = deps(s.capture, c);
            assert.ok(d.includes(`${CR.kafka}::events-kafka`) && d.includes(OPERATOR_RELEASE), d.join(", "));
            assert.ok(d.includes(`${CR.user}::events-connect-user-user`), d.join(", "));
        });

        it("lets Connect use its group, its internal topics, the platform's topics and the connectors' groups, nothing else", () => {
            const user = s.capture.one(CR.user, "events-connect-user-user").inputs;
            assert.deepStrictEqual(user.spec.authorization.acls, [
                { resource: { type: "group", name: "events-connect", patternType: "literal" }, operations: ["Read", "Describe"] },
                { resource: { type: "topic", name: "events-connect-", patternType: "prefix" }, operations: ["Read", "Write", "Describe", "DescribeConfigs"] },
                { resource: { type: "topic", name: "orders", patternType: "literal" }, operations: ["Read", "Write", "Describe"] },
                { resource: { type: "topic", name: "Audit_Log", patternType: "literal" }, operations: ["Read", "Write", "Describe"] },
                { resource: { type: "group", name: "connect-", patternType: "prefix" }, operations: ["Read", "Describe"] },
            ]);
        });

        it("lets the Connect workers read exactly the Secrets the connectors reference", () => {
            const role = s.capture.one("kubernetes:rbac.authorization.k8s.io/v1:Role", "events-connect-secrets").inputs;
            // Each referenced Secret once, sorted; nothing the connectors do not name.
            assert.deepStrictEqual(role.rules, [{ apiGroups: [""], resources: ["secrets"], resourceNames: ["audit-db", "connect-s3"], verbs: ["get"] }]);
            const binding = s.capture.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "events-connect-secrets").inputs;
            assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: "events-connect-connect", namespace: "platform-data" }]);
            assert.deepStrictEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "events-connect-secrets" });

        });

        it("creates each connector after the Connect cluster, labelled with it and gated on Ready", () => {
            const conn = s.capture.one(CR.connector, "events-connector-orders-sink");
            const d = deps(s.capture, conn);
            assert.ok(d.includes(`${CR.connect}::events-connect`) && d.includes(OPERATOR_RELEASE), d.join(", "));
            assert.strictEqual(conn.inputs.metadata.labels["strimzi.io/cluster"], "events-connect");
            assert.strictEqual(conn.inputs.metadata.annotations["pulumi.com/waitFor"], WAIT_READY);
            assert.deepStrictEqual(conn.inputs.spec, { class: "org.example.OrdersSink", tasksMax: 2, config: { topics: "orders" }, autoRestart: { enabled: true } });
        });

        it("uses kafka.strimzi.io/v1 for every Strimzi object", () => {
            const strimzi = s.capture.resources.filter((r) => r.type.includes("strimzi.io"));
            assert.deepStrictEqual([...new Set(strimzi.map((r) => r.type))].sort(), Object.values(CR).sort());
            for (const r of strimzi) assert.strictEqual(r.inputs.apiVersion, "kafka.strimzi.io/v1", `${r.type} ${r.name}`);
        });

        it("exposes the bootstrap addresses, the cluster endpoint and the Connect REST endpoint", async () => {
            assert.strictEqual(await resolve(s.kafka.bootstrapServers), "events-kafka-bootstrap.platform-data.svc:9093");
            assert.strictEqual(await resolve(s.kafka.endpoint.internal), "events-kafka-bootstrap.platform-data.svc:9093");
            assert.strictEqual(s.kafka.endpoint.external, null);
            assert.strictEqual(await resolve(s.kafka.endpoint.portForward), "kubectl -n platform-data port-forward svc/events-kafka-bootstrap 9093:9093");
            assert.ok(s.kafka.connectEndpoint);
            assert.strictEqual(await resolve(s.kafka.connectEndpoint.internal), "http://events-connect-connect-api.platform-data.svc.cluster.local:8083");
            assert.deepStrictEqual(s.kafka.ready, [s.kafka.kafka, s.kafka.topics.orders, s.kafka.topics.Audit_Log]);
        });

        it("runs one schema registry replica without a PDB or spread constraints", () => {
            const spec = s.capture.one(DEPLOYMENT, "schema-registry-deployment").inputs.spec;
            assert.strictEqual(spec.replicas, 1);
            assert.strictEqual(spec.template.spec.topologySpreadConstraints, undefined);
            assert.deepStrictEqual(s.capture.ofType(PDB), []);
        });

        it("runs Karapace under the restricted profile with a writable /tmp and runtime directory", () => {
            const pod = s.capture.one(DEPLOYMENT, "schema-registry-deployment").inputs.spec.template.spec;
            assert.strictEqual(pod.automountServiceAccountToken, false);
            assert.deepStrictEqual(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" }, fsGroup: 1000, fsGroupChangePolicy: "OnRootMismatch" });
            const c = pod.containers[0];
            assert.strictEqual(c.image, imageRefString());
            assert.deepStrictEqual(c.command, ["python3", "-m", "karapace"]);
            assert.deepStrictEqual(c.securityContext, {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                runAsUser: 1000,
                runAsGroup: 1000,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.deepStrictEqual(c.resources, { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
            assert.deepStrictEqual(c.volumeMounts, [
                { name: "tmp", mountPath: "/tmp" },
                { name: "runtime", mountPath: "/opt/karapace/runtime" },
                { name: "kafka-client", mountPath: "/etc/kafka-client", readOnly: true },
            ]);
            assert.deepStrictEqual(pod.volumes, [
                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                { name: "runtime", emptyDir: { sizeLimit: "64Mi" } },
                { name: "kafka-client", secret: { secretName: "kafka-schema-registry", defaultMode: 0o444 } },
            ]);
        });

        it("probes Karapace on /_health (startup, liveness) and /subjects (readiness) on port 8081", () => {
            const c = s.capture.one(DEPLOYMENT, "schema-registry-deployment").inputs.spec.template.spec.containers[0];
            assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 8081 }]);
            assert.deepStrictEqual(c.startupProbe.httpGet, { path: "/_health", port: "http" });
            assert.deepStrictEqual(c.livenessProbe.httpGet, { path: "/_health", port: "http" });
            assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/subjects", port: "http" });
        });

        it("configures Karapace through its environment: its own user over TLS, the password from its Secret, the _schemas topic", () => {
            const env = s.capture.one(DEPLOYMENT, "schema-registry-deployment").inputs.spec.template.spec.containers[0].env;
            const byName = Object.fromEntries(env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
            assert.deepStrictEqual(byName, {
                KARAPACE_KARAPACE_REGISTRY: "true",
                KARAPACE_BOOTSTRAP_URI: "events-kafka-bootstrap.platform-data.svc:9093",
                KARAPACE_SECURITY_PROTOCOL: "SASL_SSL",
                KARAPACE_SASL_MECHANISM: "SCRAM-SHA-512",
                KARAPACE_SASL_PLAIN_USERNAME: { secretKeyRef: { name: "kafka-schema-registry", key: "username" } },
                KARAPACE_SASL_PLAIN_PASSWORD: { secretKeyRef: { name: "kafka-schema-registry", key: "password" } },
                KARAPACE_SSL_CAFILE: "/etc/kafka-client/ca.crt",
                KARAPACE_HOST: "0.0.0.0",
                KARAPACE_PORT: "8081",
                KARAPACE_ADVERTISED_HOSTNAME: { fieldRef: { fieldPath: "status.podIP" } },
                KARAPACE_CLIENT_ID: { fieldRef: { fieldPath: "metadata.name" } },
                KARAPACE_GROUP_ID: "schema-registry",
                KARAPACE_MASTER_ELIGIBILITY: "true",
                KARAPACE_TOPIC_NAME: "_schemas",
                KARAPACE_REPLICATION_FACTOR: "1",
                KARAPACE_COMPATIBILITY: "BACKWARD",
                KARAPACE_LOG_LEVEL: "INFO",
                KARAPACE_PROTOBUF_RUNTIME_DIRECTORY: "/opt/karapace/runtime",
            });
        });

        it("creates the compacted single-partition _schemas topic after the Ready cluster, gated on Ready", () => {
            const t = s.capture.one(CR.topic, "schema-registry-topic");
            assert.strictEqual(t.inputs.metadata.name, "schema-registry-schemas");
            assert.strictEqual(t.inputs.metadata.namespace, "platform-data");
            assert.strictEqual(t.inputs.metadata.labels["strimzi.io/cluster"], "events");
            assert.strictEqual(t.inputs.metadata.annotations["pulumi.com/waitFor"], WAIT_READY);
            assert.deepStrictEqual(t.inputs.spec, { topicName: "_schemas", partitions: 1, replicas: 1, config: { "cleanup.policy": "compact" } });
            const d = deps(s.capture, t);
            assert.ok(d.includes(`${CR.kafka}::events-kafka`) && d.includes(OPERATOR_RELEASE), d.join(", "));
        });

        it("does not hold the _schemas topic or the registry back for the platform's own topics", () => {
            for (const r of [s.capture.one(CR.topic, "schema-registry-topic"), s.capture.one(DEPLOYMENT, "schema-registry-deployment")]) {
                const d = deps(s.capture, r);
                assert.deepStrictEqual(d.filter((x) => x.startsWith(`${CR.topic}::events-`)), [], d.join(", "));
            }
        });

        it("starts the schema registry only after the Ready Kafka cluster and its _schemas topic", () => {
            const d = deps(s.capture, s.capture.one(DEPLOYMENT, "schema-registry-deployment"));
            for (const want of [`${CR.kafka}::events-kafka`, `${CR.topic}::schema-registry-topic`]) assert.ok(d.includes(want), `${want} missing from ${d.join(", ")}`);
        });

        it("exposes the schema registry at its Service on 8081", async () => {
            const svc = s.capture.one("kubernetes:core/v1:Service", "schema-registry-service").inputs;
            assert.deepStrictEqual(svc.spec.ports, [{ name: "http", port: 8081, targetPort: "http" }]);
            assert.strictEqual(await resolve(s.registry.endpoint.internal), "http://schema-registry.platform-data.svc.cluster.local:8081");
            assert.strictEqual(await resolve(s.registry.endpoint.portForward), "kubectl -n platform-data port-forward svc/schema-registry 8081:8081");
        });

        it("generates only the Kafka users' passwords, and leaks no generated value outside Secrets", () => {
            assert.deepStrictEqual(s.capture.ofType("random:index/randomPassword:RandomPassword").map((r) => r.name).sort(), ["events-connect-user-password", "schema-registry-kafka-user-password"]);
            assert.deepStrictEqual(secretLeaks(s.capture), []);
        });
    });

    describe("HA shape", () => {
        let s: Stack;
        before(async () => {
            s = await stack(true);
        });

        it("runs three dedicated controllers and three brokers on the given StorageClass, spread across nodes", () => {
            const pools = Object.fromEntries(s.capture.ofType(CR.pool).filter((p) => p.inputs.metadata.namespace === "platform-data").map((p) => [p.inputs.metadata.name, p.inputs.spec]));
            assert.deepStrictEqual(Object.keys(pools).sort(), ["brokers", "controllers"]);
            assert.deepStrictEqual([pools.controllers.replicas, pools.controllers.roles], [3, ["controller"]]);
            assert.deepStrictEqual([pools.brokers.replicas, pools.brokers.roles], [3, ["broker"]]);
            assert.deepStrictEqual(pools.controllers.storage, { type: "persistent-claim", size: "5Gi", deleteClaim: false, class: "fast-ssd" });
            assert.deepStrictEqual(pools.brokers.storage, { type: "persistent-claim", size: "10Gi", deleteClaim: false, class: "fast-ssd" });
            assert.deepStrictEqual(pools.brokers.template.pod.topologySpreadConstraints, [
                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { "strimzi.io/cluster": "events", "strimzi.io/pool-name": "brokers" } } },
            ]);
        });

        it("configures replication factor 3 and min ISR 2, rack awareness left to its own switch", () => {
            const k = s.capture.one(CR.kafka, "events-kafka").inputs.spec.kafka;
            assert.deepStrictEqual(k.config, {
                "default.replication.factor": 3,
                "offsets.topic.replication.factor": 3,
                "transaction.state.log.replication.factor": 3,
                "transaction.state.log.min.isr": 2,
                "min.insync.replicas": 2,
                "auto.create.topics.enable": false,
            });
            assert.strictEqual(k.rack, undefined);
        });

        it("creates the cluster after both pools and the operator", () => {
            const d = deps(s.capture, s.capture.one(CR.kafka, "events-kafka"));
            for (const want of [OPERATOR_RELEASE, `${CR.pool}::events-pool-controllers`, `${CR.pool}::events-pool-brokers`]) assert.ok(d.includes(want), `${want} missing from ${d.join(", ")}`);
        });

        it("defaults topics and Connect's internal topics to replication factor 3", () => {
            assert.strictEqual(s.capture.one(CR.topic, "events-topic-orders").inputs.spec.replicas, 3);
            assert.deepStrictEqual(s.capture.one(CR.connect, "events-connect").inputs.spec.config, {
                "config.storage.replication.factor": 3,
                "offset.storage.replication.factor": 3,
                "status.storage.replication.factor": 3,
                "config.providers": "secrets",
                "config.providers.secrets.class": "io.strimzi.kafka.KubernetesSecretConfigProvider",
            });
            assert.strictEqual(s.capture.one(CR.topic, "schema-registry-topic").inputs.spec.replicas, 3);
        });

        it("exposes no Connect endpoint and creates no Connect objects when Connect is off", () => {
            assert.ok(s.plain);
            assert.strictEqual(s.plain.connectEndpoint, undefined);
            assert.strictEqual(s.plain.connect, undefined);
            assert.deepStrictEqual(s.capture.ofType(CR.connect).map((r) => r.name), ["events-connect"]);
            assert.deepStrictEqual(s.capture.resources.filter((r) => r.name.startsWith("plain-connect")).map((r) => r.name), []);
            assert.deepStrictEqual(s.plain.connectors, []);
        });

        it("runs two schema registry replicas spread across nodes, with a PDB keeping one", () => {
            const spec = s.capture.one(DEPLOYMENT, "schema-registry-deployment").inputs.spec;
            const selector = { "app.kubernetes.io/name": "karapace", "app.kubernetes.io/instance": "schema-registry" };
            assert.strictEqual(spec.replicas, 2);
            assert.deepStrictEqual(spec.template.spec.topologySpreadConstraints, [
                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: selector } },
                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
            ]);
            assert.deepStrictEqual(s.capture.one(PDB, "schema-registry-pdb").inputs.spec, { minAvailable: 1, selector: { matchLabels: selector } });
        });
    });

    describe("topic names", () => {
        it("maps topic names to valid object names", () => {
            assert.deepStrictEqual(["_schemas", "Audit_Log", "a.b-c"].map(topicObjectName), ["schemas", "audit-log", "a.b-c"]);
        });

        it("rejects two topics that map to the same object name", async () => {
            await useMocks({ profile: "dev" });
            const operator = new StrimziOperator("strimzi-operator", { namespace: "platform-operators", chartSource: upstream, imageRegistry: "" });
            assert.throws(
                () =>
                    new Kafka("dup", {
                        namespace: "platform-data",
                        operator: operator.release,
                        sizing: { brokers: node, controllers: controller },
                        storageClass: "",
                        clusterIssuer: "platform-ca",
                        caCertPem: CA_PEM,
                        topics: [
                            { name: "audit_log", partitions: 1 },
                            { name: "Audit-Log", partitions: 1 },
                        ],
                    }),
                /topic "Audit-Log" maps to the Kubernetes name "audit-log"/,
            );
            await settle();
        });
    });
});

function imageRefString(): string {
    return `${images.karapace.registry}/${images.karapace.repository}:${images.karapace.tag}`;
}
