import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { charts, images } from "../components/catalog";
import { ChartSource } from "../components/config";
import { CertManager } from "../components/foundation/certManager";
import { CDC_JOB_SQL_FILE, FlinkCdc, cdcPipelineName, FlinkCdcArgs, KAFKA_BOOTSTRAP_VAR, KAFKA_JAAS_VAR, MSSQL_SECRET_KEYS } from "../components/processing/flinkCdc";
import { FlinkOperator } from "../components/processing/flinkOperator";
import { Capture, PROJECT_DIR, Registered, SECRET_MARK, resolve, settle, strings, useMocks } from "./harness";
import { kafkaCluster } from "./kafkaFixture";

const upstream: ChartSource = { mode: "upstream", location: "" };
const RELEASE = "kubernetes:helm.sh/v3:Release";
const FLINK_DEPLOYMENT = "kubernetes:flink.apache.org/v1beta1:FlinkDeployment";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const JOB = "kubernetes:batch/v1:Job";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const NS = "platform-processing";
const JOB_SQL = fs.readFileSync(path.join(PROJECT_DIR, CDC_JOB_SQL_FILE), "utf8");
const SAVEPOINT = "s3://flink-savepoints/cdc/savepoints/savepoint-0a1b2c-3d4e5f";

/** Every resource input string that carries a generated secret, outside Secrets and the generators. */
function secretLeaks(capture: Capture): string[] {
    return capture.resources
        .filter((r) => r.type !== "kubernetes:core/v1:Secret" && !r.type.startsWith("random:"))
        .flatMap((r) => strings(r.inputs).filter(([, s]) => s.includes(SECRET_MARK)).map(([p]) => `${r.type} ${r.name} ${p}`));
}

/** Every `env` entry of every container anywhere in a resource's inputs. */
function envEntries(value: unknown): Array<{ name: string; value?: unknown; valueFrom?: unknown }> {
    if (Array.isArray(value)) return value.flatMap(envEntries);
    if (value && typeof value === "object") {
        return Object.entries(value).flatMap(([k, v]) => (k === "env" && Array.isArray(v) ? [...v, ...envEntries(v)] : envEntries(v)));
    }
    return [];
}

/** A stand-in for a dependency that only needs to be waited for. */
function marker(name: string): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(name, { metadata: { name, namespace: "platform-data" } });
}

interface Stack {
    capture: Capture;
    cdc: FlinkCdc;
    operator: FlinkOperator;
}

async function stack(ha: boolean, extra: Partial<FlinkCdcArgs> = {}): Promise<Stack> {
    const capture = await useMocks({ profile: "dev" });
    const certManager = new CertManager("cert-manager", { namespace: "cert-manager", chartSource: upstream, imageRegistry: "" });
    const operator = new FlinkOperator("flink-operator", {
        namespace: "platform-operators",
        chartSource: upstream,
        imageRegistry: ha ? "mirror.internal" : "",
        certManager: certManager.release,
        highAvailability: ha,
    });
    const store = marker("object-store-ready");
    const s3 = { endpoint: "http://minio.platform-data.svc.cluster.local", secretName: "flink-s3", ready: [store] };
    const cdc = new FlinkCdc("cdc", {
        namespace: NS,
        operator: operator.release,
        imageRegistry: "",
        checkpoints: { ...s3, bucket: "flink-checkpoints" },
        savepoints: { ...s3, bucket: "flink-savepoints" },
        kafka: kafkaCluster(),
        kafkaTopics: ["mssql.dbo.orders"],
        kafkaReady: [marker("kafka-ready")],
        sourceSecretName: "mssql-source",
        jobSql: JOB_SQL,
        highAvailability: ha,
        ...extra,
    });
    await settle();
    return { capture, cdc, operator };
}

function cluster(capture: Capture): Registered {
    return capture.one(FLINK_DEPLOYMENT, "cdc-cluster");
}

function mainContainer(capture: Capture): any {
    const containers: any[] = cluster(capture).inputs.spec.podTemplate.spec.containers;
    assert.strictEqual(containers.length, 1);
    return containers[0];
}

function gatewayPod(capture: Capture): any {
    return capture.one(DEPLOYMENT, "cdc-sql-gateway").inputs.spec.template.spec;
}

function bootstrapContainer(capture: Capture): any {
    return capture.one(JOB, "cdc-bootstrap").inputs.spec.template.spec.containers[0];
}

describe("Flink", () => {
    describe("operator", () => {
        let capture: Capture;
        before(async () => {
            ({ capture } = await stack(false));
        });

        it("installs the pinned chart as release flink-operator with the pinned image, never the chart's latest tag", () => {
            const r = capture.one(RELEASE, "flink-operator-chart").inputs;
            assert.strictEqual(r.name, "flink-operator");
            assert.strictEqual(r.namespace, "platform-operators");
            assert.strictEqual(r.chart, charts.flinkOperator.chart);
            assert.strictEqual(r.version, charts.flinkOperator.version);
            assert.deepStrictEqual(r.repositoryOpts, { repo: charts.flinkOperator.repository });
            assert.deepStrictEqual(r.values.image, { repository: "ghcr.io/apache/flink-kubernetes-operator", tag: images.flinkOperator.tag, pullPolicy: "IfNotPresent" });
            assert.notStrictEqual(r.values.image.tag, "latest");
        });

        it("watches every namespace and runs its admission webhook", () => {
            const v = capture.one(RELEASE, "flink-operator-chart").inputs.values;
            assert.deepStrictEqual(v.watchNamespaces, []);
            assert.strictEqual(v.webhook.create, true);
        });

        it("waits for cert-manager, which issues the webhook certificate", () => {
            const deps = capture.dependencyNames(capture.one(RELEASE, "flink-operator-chart"));
            assert.ok(deps.includes(`${RELEASE}::cert-manager-chart`), deps.join(", "));
        });

        it("keeps the webhook keystore password generated in a Secret, referenced by name", () => {
            const v = capture.one(RELEASE, "flink-operator-chart").inputs.values;
            assert.deepStrictEqual(v.webhook.keystore, { useDefaultPassword: false, passwordSecretRef: { name: "flink-operator-webhook-keystore", key: "password" } });
            const secret = capture.one("kubernetes:core/v1:Secret", "flink-operator-webhook-keystore").inputs;
            assert.deepStrictEqual(secret.stringData, { password: `${SECRET_MARK}-flink-operator-webhook-keystore-password` });
            assert.strictEqual(secret.metadata.namespace, "platform-operators");
        });

        it("runs one replica with Recreate and no leader election in the dev shape", () => {
            const v = capture.one(RELEASE, "flink-operator-chart").inputs.values;
            assert.strictEqual(v.replicas, 1);
            assert.deepStrictEqual(v.strategy, { type: "Recreate" });
            assert.ok(!v.defaultConfiguration["flink-conf.yaml"].includes("leader-election"));
            assert.deepStrictEqual(v.operatorPod.topologySpreadConstraints, []);
            assert.deepStrictEqual(capture.ofType(PDB), []);
        });

        it("runs restricted, with a writable /tmp for the operator and its resources set", () => {
            const v = capture.one(RELEASE, "flink-operator-chart").inputs.values;
            assert.deepStrictEqual(v.podSecurityContext, { runAsNonRoot: true, runAsUser: 9999, runAsGroup: 9999, seccompProfile: { type: "RuntimeDefault" } });
            assert.strictEqual(v.operatorSecurityContext.readOnlyRootFilesystem, true);
            assert.deepStrictEqual(v.operatorSecurityContext.capabilities, { drop: ["ALL"] });
            assert.strictEqual(v.webhookSecurityContext.allowPrivilegeEscalation, false);
            assert.deepStrictEqual(v.webhookSecurityContext.capabilities, { drop: ["ALL"] });
            assert.deepStrictEqual(v.operatorVolumeMounts.data, [
                { name: "flink-artifacts", mountPath: "/opt/flink/artifacts" },
                { name: "tmp", mountPath: "/tmp" },
            ]);
            assert.deepStrictEqual(v.operatorPod.resources, { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } });
            assert.deepStrictEqual(v.operatorPod.webhook.resources, { requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
        });

        it("exposes Prometheus metrics on port 9999", () => {
            const v = capture.one(RELEASE, "flink-operator-chart").inputs.values;
            assert.deepStrictEqual(v.metrics, { port: 9999 });
            assert.ok(v.defaultConfiguration["flink-conf.yaml"].includes("kubernetes.operator.metrics.reporter.prom.port: 9999\n"));
            assert.strictEqual(v.defaultConfiguration.append, true);
        });

        it("puts no generated secret outside Secrets", () => {
            assert.deepStrictEqual(secretLeaks(capture), []);
        });
    });

    describe("operator, HA shape", () => {
        let s: Stack;
        before(async () => {
            s = await stack(true);
        });

        it("runs two leader-elected replicas with rolling updates, spread over nodes", () => {
            const v = s.capture.one(RELEASE, "flink-operator-chart").inputs.values;
            assert.strictEqual(v.replicas, 2);
            assert.deepStrictEqual(v.strategy, { type: "RollingUpdate" });
            const conf: string = v.defaultConfiguration["flink-conf.yaml"];
            assert.ok(conf.includes("kubernetes.operator.leader-election.enabled: true\n"), conf);
            assert.ok(conf.includes("kubernetes.operator.leader-election.lease-name: flink-operator-lease\n"), conf);
            assert.deepStrictEqual(v.operatorPod.topologySpreadConstraints, [
                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { "app.kubernetes.io/name": "flink-kubernetes-operator" } } },
            ]);
        });

        it("keeps one operator pod through voluntary disruptions", () => {
            const pdb = s.capture.one(PDB, "flink-operator-pdb").inputs;
            assert.deepStrictEqual(pdb.spec, { minAvailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "flink-kubernetes-operator" } } });
            assert.strictEqual(pdb.metadata.namespace, "platform-operators");
        });

        it("pulls the operator image from the mirror", () => {
            const v = s.capture.one(RELEASE, "flink-operator-chart").inputs.values;
            assert.strictEqual(v.image.repository, "mirror.internal/apache/flink-kubernetes-operator");
        });

        it("sums both containers of both replicas in its footprint", () => {
            assert.deepStrictEqual(s.operator.footprint, { cpuMillis: 300, memoryMiB: 1536, cpuLimitMillis: 3000, memoryLimitMiB: 3072, storageGiB: 0 });
        });
    });

    describe("CDC session cluster, dev shape", () => {
        let s: Stack;
        before(async () => {
            s = await stack(false);
        });

        it("creates a FlinkDeployment after the operator, its RBAC and the buckets", () => {
            const deps = s.capture.dependencyNames(cluster(s.capture));
            for (const want of [`${RELEASE}::flink-operator-chart`, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding::cdc-flink", `${CONFIGMAP}::object-store-ready`]) {
                assert.ok(deps.includes(want), `${deps.join(", ")} lacks ${want}`);
            }
        });

        it("is ready once the operator reports the JobManager deployment READY", () => {
            const fd = cluster(s.capture).inputs;
            assert.strictEqual(fd.apiVersion, "flink.apache.org/v1beta1");
            assert.strictEqual(fd.kind, "FlinkDeployment");
            assert.deepStrictEqual(fd.metadata.annotations, { "pulumi.com/waitFor": "jsonpath={.status.jobManagerDeploymentStatus}=READY" });
        });

        it("runs a native session cluster of the pinned Flink 1.20 image under its own service account", () => {
            const spec = cluster(s.capture).inputs.spec;
            assert.strictEqual(spec.image, `docker.io/flink:${images.flink.tag}`);
            assert.strictEqual(spec.flinkVersion, "v1_20");
            assert.strictEqual(spec.mode, "native");
            assert.strictEqual(spec.serviceAccount, "cdc-flink");
            assert.strictEqual(spec.job, undefined);
        });

        it("keeps RocksDB state with checkpoints and savepoints in their S3 buckets", () => {
            const conf = cluster(s.capture).inputs.spec.flinkConfiguration;
            assert.strictEqual(conf["state.backend.type"], "rocksdb");
            assert.strictEqual(conf["state.backend.incremental"], "true");
            assert.strictEqual(conf["state.checkpoints.dir"], "s3://flink-checkpoints/cdc/checkpoints");
            assert.strictEqual(conf["state.savepoints.dir"], "s3://flink-savepoints/cdc/savepoints");
            assert.strictEqual(conf["execution.checkpointing.interval"], "30s");
            assert.strictEqual(conf["execution.checkpointing.externalized-checkpoint-retention"], "RETAIN_ON_CANCELLATION");
            assert.strictEqual(conf["s3.endpoint"], "http://minio.platform-data.svc.cluster.local");
            assert.strictEqual(conf["s3.path.style.access"], "true");
        });

        it("reads the S3 key from the bucket's Secret and enables the S3 plugin of its Flink version", () => {
            const c = mainContainer(s.capture);
            assert.strictEqual(c.name, "flink-main-container");
            assert.deepStrictEqual(c.env, [
                { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "flink-s3", key: "AWS_ACCESS_KEY_ID" } } },
                { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "flink-s3", key: "AWS_SECRET_ACCESS_KEY" } } },
                { name: "ENABLE_BUILT_IN_PLUGINS", value: `flink-s3-fs-hadoop-${images.flink.tag.split("-")[0]}.jar` },
            ]);
        });

        it("runs JobManager and TaskManagers restricted with writable scratch, log and S3 plugin directories", () => {
            const pod = cluster(s.capture).inputs.spec.podTemplate.spec;
            const c = mainContainer(s.capture);
            assert.deepStrictEqual(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" }, fsGroup: 9999, fsGroupChangePolicy: "OnRootMismatch" });
            assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
            assert.strictEqual(c.securityContext.runAsUser, 9999);
            assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
            assert.deepStrictEqual(
                c.volumeMounts.map((m: any) => m.mountPath),
                ["/tmp", "/opt/flink/log", `/opt/flink/plugins/flink-s3-fs-hadoop-${images.flink.tag.split("-")[0]}`, "/etc/kafka-client"],
            );
            assert.strictEqual(pod.initContainers, undefined);
        });

        it("holds exactly the configured slots and sizes pods from the sizing", () => {
            const spec = cluster(s.capture).inputs.spec;
            const conf = spec.flinkConfiguration;
            assert.strictEqual(conf["taskmanager.numberOfTaskSlots"], "2");
            assert.strictEqual(conf["slotmanager.number-of-slots.min"], "2");
            assert.strictEqual(conf["slotmanager.number-of-slots.max"], "2");
            assert.deepStrictEqual(spec.jobManager, { replicas: 1, resource: { cpu: 0.5, memory: "1536m" } });
            assert.deepStrictEqual(spec.taskManager, { resource: { cpu: 1, memory: "2048m" } });
            assert.strictEqual(conf["kubernetes.jobmanager.cpu.limit-factor"], "2");
            assert.strictEqual(conf["kubernetes.taskmanager.memory.limit-factor"], "1");
        });

        it("runs one JobManager with Kubernetes HA metadata on S3, without PDBs", () => {
            const spec = cluster(s.capture).inputs.spec;
            assert.strictEqual(spec.jobManager.replicas, 1);
            assert.strictEqual(spec.flinkConfiguration["high-availability.type"], "kubernetes");
            assert.strictEqual(spec.flinkConfiguration["high-availability.storageDir"], "s3://flink-checkpoints/cdc/ha");
            assert.deepStrictEqual(s.capture.ofType(PDB), []);
        });

        it("lets the session cluster be deleted while the unmanaged CDC job runs", () => {
            assert.strictEqual(cluster(s.capture).inputs.spec.flinkConfiguration["kubernetes.operator.session.deletion.block-on-unmanaged-jobs"], "false");
        });

        it("grants the cluster's service account the operator chart's job rules", () => {
            const role = s.capture.one("kubernetes:rbac.authorization.k8s.io/v1:Role", "cdc-flink").inputs;
            const verbs = ["get", "list", "watch", "create", "update", "patch", "delete"];
            assert.deepStrictEqual(role.rules, [
                { apiGroups: [""], resources: ["pods", "configmaps"], verbs },
                { apiGroups: ["apps"], resources: ["deployments", "deployments/finalizers"], verbs },
            ]);
            const binding = s.capture.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "cdc-flink").inputs;
            assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: "cdc-flink", namespace: NS }]);
        });

        it("names the Flink UI and SQL gateway endpoints", async () => {
            assert.strictEqual(await resolve(s.cdc.endpoint.internal), `http://cdc-rest.${NS}.svc.cluster.local:8081`);
            assert.strictEqual(await resolve(s.cdc.endpoint.portForward), `kubectl -n ${NS} port-forward svc/cdc-rest 8081:8081`);
            assert.strictEqual(await resolve(s.cdc.sqlGatewayEndpoint.internal), `http://cdc-sql-gateway.${NS}.svc.cluster.local:8083`);
            assert.strictEqual(await resolve(s.cdc.sqlGatewayEndpoint.portForward), `kubectl -n ${NS} port-forward svc/cdc-sql-gateway 8083:8083`);
            assert.strictEqual(s.cdc.endpoint.external, null);
        });

        it("sums JobManager, TaskManager and gateway requests in its footprint", () => {
            assert.deepStrictEqual(s.cdc.footprint, { cpuMillis: 1750, memoryMiB: 1536 + 2048 + 1024, cpuLimitMillis: 4000, memoryLimitMiB: 1536 + 2048 + 1024, storageGiB: 0 });
        });
    });

    describe("SQL gateway", () => {
        let s: Stack;
        before(async () => {
            s = await stack(false);
        });

        it("runs restricted, without a service account token, with resources", () => {
            const pod = gatewayPod(s.capture);
            const c = pod.containers[0];
            assert.strictEqual(pod.automountServiceAccountToken, false);
            assert.deepStrictEqual(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" }, fsGroup: 9999, fsGroupChangePolicy: "OnRootMismatch" });
            assert.deepStrictEqual(c.securityContext, {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                runAsUser: 9999,
                runAsGroup: 9999,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.deepStrictEqual(c.resources, { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } });
            assert.deepStrictEqual(c.volumeMounts, [
                { name: "tmp", mountPath: "/tmp" },
                { name: "log", mountPath: "/opt/flink/log" },
            ]);
        });

        it("probes the REST API's /v1/info for startup, liveness and readiness", () => {
            const c = gatewayPod(s.capture).containers[0];
            for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
                assert.deepStrictEqual(probe.httpGet, { path: "/v1/info", port: "rest" });
            }
            assert.deepStrictEqual(c.ports, [{ name: "rest", containerPort: 8083 }]);
        });

        it("serves on 8083 and submits to the session cluster's REST Service", () => {
            const c = gatewayPod(s.capture).containers[0];
            assert.deepStrictEqual(c.command.slice(0, 2), ["/opt/flink/bin/sql-gateway.sh", "start-foreground"]);
            for (const want of [
                "-Dsql-gateway.endpoint.rest.bind-address=0.0.0.0",
                "-Dsql-gateway.endpoint.rest.port=8083",
                `-Dsql-gateway.endpoint.rest.address=cdc-sql-gateway.${NS}.svc.cluster.local`,
                "-Dexecution.target=remote",
                `-Drest.address=cdc-rest.${NS}.svc.cluster.local`,
                "-Drest.port=8081",
                "-Dexecution.checkpointing.interval=30s",
            ]) {
                assert.ok(c.command.includes(want), `${c.command.join(" ")} lacks ${want}`);
            }
            const svc = s.capture.one("kubernetes:core/v1:Service", "cdc-sql-gateway").inputs.spec;
            assert.deepStrictEqual(svc.ports, [{ name: "rest", port: 8083, targetPort: "rest" }]);
            assert.strictEqual(svc.sessionAffinity, "ClientIP");
        });

        it("starts after the session cluster is ready", () => {
            const deps = s.capture.dependencyNames(s.capture.one(DEPLOYMENT, "cdc-sql-gateway"));
            assert.ok(deps.includes(`${FLINK_DEPLOYMENT}::cdc-cluster`), deps.join(", "));
        });
    });

    describe("bootstrap Job and SQL", () => {
        let s: Stack;
        before(async () => {
            s = await stack(false);
        });

        it("reads the source credentials from the user's Secret by name, never as values", () => {
            const env: any[] = bootstrapContainer(s.capture).env;
            for (const key of MSSQL_SECRET_KEYS) {
                assert.deepStrictEqual(
                    env.find((e) => e.name === key),
                    { name: key, valueFrom: { secretKeyRef: { name: "mssql-source", key } } },
                );
            }
            assert.deepStrictEqual(env.find((e) => e.name === KAFKA_BOOTSTRAP_VAR), { name: KAFKA_BOOTSTRAP_VAR, value: "events-kafka-bootstrap.platform-data.svc:9093" });
            // Flink's own Kafka user: its JAAS line (and, for masking, its password) from its Secret by name.
            assert.deepStrictEqual(env.find((e) => e.name === KAFKA_JAAS_VAR), { name: KAFKA_JAAS_VAR, valueFrom: { secretKeyRef: { name: "kafka-cdc", key: "sasl.jaas.config" } } });
            assert.deepStrictEqual(env.find((e) => e.name === "KAFKA_PASSWORD"), { name: "KAFKA_PASSWORD", valueFrom: { secretKeyRef: { name: "kafka-cdc", key: "password" } } });
        });

        it("keeps the SQL in a ConfigMap with credentials only as placeholders", () => {
            const data = s.capture.one(CONFIGMAP, "cdc-sql").inputs.data;
            assert.strictEqual(data["job.sql"], JOB_SQL);
            assert.ok(data["job.sql"].includes("'password' = '${MSSQL_PASSWORD}'"));
            assert.strictEqual(data["session.sql"], `-- Generated by FlinkCdc: the job name, and the savepoint the job starts from (if any).\nSET 'pipeline.name' = '${cdcPipelineName("cdc", JOB_SQL)}';\n`);
        });

        it("uses only the placeholders the bootstrap substitutes in the example job", () => {
            const used = new Set([...JOB_SQL.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]));
            assert.deepStrictEqual([...used].sort(), [...MSSQL_SECRET_KEYS, KAFKA_BOOTSTRAP_VAR, KAFKA_JAAS_VAR].sort());
        });

        it("submits through the gateway after the cluster, the gateway and Kafka are ready", () => {
            const job = s.capture.one(JOB, "cdc-bootstrap");
            const deps = s.capture.dependencyNames(job);
            for (const want of [`${FLINK_DEPLOYMENT}::cdc-cluster`, `${DEPLOYMENT}::cdc-sql-gateway`, `${CONFIGMAP}::kafka-ready`]) {
                assert.ok(deps.includes(want), `${deps.join(", ")} lacks ${want}`);
            }
            const env: any[] = bootstrapContainer(s.capture).env;
            assert.deepStrictEqual(env.find((e) => e.name === "SQL_GATEWAY"), { name: "SQL_GATEWAY", value: `http://cdc-sql-gateway.${NS}.svc.cluster.local:8083` });
            assert.strictEqual(job.inputs.spec.ttlSecondsAfterFinished, undefined);
        });

        it("runs restricted without a service account token", () => {
            const pod = s.capture.one(JOB, "cdc-bootstrap").inputs.spec.template.spec;
            assert.strictEqual(pod.automountServiceAccountToken, false);
            assert.strictEqual(pod.restartPolicy, "Never");
            assert.strictEqual(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
            assert.deepStrictEqual(pod.containers[0].securityContext.capabilities, { drop: ["ALL"] });
        });

        it("puts no generated secret outside Secrets, and passes no credential as a plain env value", () => {
            assert.deepStrictEqual(secretLeaks(s.capture), []);
            const plain = s.capture.resources.flatMap((r) =>
                envEntries(r.inputs)
                    .filter((e) => /PASSWORD|SECRET|USER|ACCESS_KEY/.test(e.name) && e.value !== undefined)
                    .map((e) => `${r.type} ${r.name} ${e.name}`),
            );
            assert.deepStrictEqual(plain, []);
            const credentialEnv = s.capture.resources.flatMap((r) => envEntries(r.inputs)).filter((e) => /PASSWORD|SECRET_ACCESS_KEY/.test(e.name));
            assert.strictEqual(credentialEnv.length, 3, "the S3 secret key on the cluster pods, the SQL Server and Kafka passwords on the bootstrap pod");
        });

        it("rejects a literal password in the SQL", async () => {
            await useMocks({ profile: "dev" });
            const sql = JOB_SQL.replace("'password' = '${MSSQL_PASSWORD}'", "'password' = 'hunter2'");
            assert.throws(() => cdcWith({ jobSql: sql }), /literal 'password'/);
        });

        it("without a job runs the session cluster and the SQL gateway and submits nothing", async () => {
            const s = await stack(false, { jobSql: undefined, sourceSecretName: undefined });
            assert.deepStrictEqual(s.capture.ofType(JOB), []);
            assert.deepStrictEqual(s.capture.ofType("kubernetes:core/v1:ConfigMap").filter((c) => c.name === "cdc-sql"), []);
            assert.strictEqual(s.cdc.bootstrapJob, undefined);
            assert.deepStrictEqual(s.cdc.ready, [s.cdc.flinkDeployment, s.cdc.sqlGateway]);
        });

        it("refuses a job without the Secret holding the source credentials", async () => {
            await useMocks({ profile: "dev" });
            assert.throws(() => cdcWith({ sourceSecretName: undefined }), /jobSql needs sourceSecretName/);
        });

        it("rejects a savepoint path that is not on S3", async () => {
            await useMocks({ profile: "dev" });
            assert.throws(() => cdcWith({ restoreFromSavepoint: "/tmp/savepoint-1" }), /restoreFromSavepoint/);
        });
    });

    describe("bootstrap script", () => {
        let script: string;
        let dir: string;
        before(async function () {
            if (spawnSync("envsubst", ["--version"]).status !== 0) this.skip();
            const s = await stack(false);
            const c = bootstrapContainer(s.capture);
            assert.deepStrictEqual(c.command.slice(0, 2), ["bash", "-c"]);
            script = c.command[2];
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "flink-bootstrap-"));
            const data = s.capture.one(CONFIGMAP, "cdc-sql").inputs.data;
            fs.mkdirSync(path.join(dir, "sql"));
            fs.writeFileSync(path.join(dir, "sql", "session.sql"), data["session.sql"]);
            fs.writeFileSync(path.join(dir, "sql", "job.sql"), data["job.sql"]);
            // Stand-ins for the image's wget and sql-client.sh: the REST answer comes from $OVERVIEW,
            // the client echoes the statements it runs, as the real one does.
            fs.writeFileSync(path.join(dir, "wget"), '#!/bin/sh\nprintf "%s" "$OVERVIEW"\n', { mode: 0o755 });
            fs.writeFileSync(path.join(dir, "sql-client.sh"), '#!/bin/sh\nwhile [ "$1" != "-f" ]; do shift; done\ncat "$2"\n', { mode: 0o755 });
        });
        after(() => {
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });

        function run(overview: string): { status: number | null; stdout: string; stderr: string } {
            const env = {
                PATH: `${dir}:${process.env.PATH ?? ""}`,
                TMPDIR: dir,
                SQL_DIR: path.join(dir, "sql"),
                OVERVIEW: overview,
                PIPELINE_NAME: cdcPipelineName("cdc", JOB_SQL),
                PIPELINE_PREFIX: "cdc-",
                FLINK_REST: "http://cdc-rest:8081",
                SQL_GATEWAY: "http://cdc-sql-gateway:8083",
                MSSQL_HOST: "mssql.example",
                MSSQL_PORT: "1433",
                MSSQL_DATABASE: "sales",
                MSSQL_USER: "cdc_reader",
                MSSQL_PASSWORD: "s3cr/et&pw",
                KAFKA_BOOTSTRAP: "kafka:9093",
                KAFKA_SASL_JAAS_CONFIG: 'org.apache.kafka.common.security.scram.ScramLoginModule required username="cdc" password="kafka-pw-1";',
                KAFKA_PASSWORD: "kafka-pw-1",
            };
            const r = spawnSync("bash", ["-c", script], { env, encoding: "utf8" });
            return { status: r.status, stdout: r.stdout, stderr: r.stderr };
        }

        it("substitutes the placeholders and masks the password in the client's output", () => {
            const r = run('{"jobs":[]}');
            assert.strictEqual(r.status, 0, r.stderr);
            assert.ok(r.stdout.includes("'hostname' = 'mssql.example'"), r.stdout);
            assert.ok(r.stdout.includes("'properties.bootstrap.servers' = 'kafka:9093'"), r.stdout);
            assert.ok(r.stdout.includes("'password' = '******'"), r.stdout);
            assert.ok(!r.stdout.includes("s3cr/et&pw"));
            assert.ok(r.stdout.includes(`'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="cdc" password="******";'`), r.stdout);
            assert.ok(!r.stdout.includes("kafka-pw-1"));
            assert.ok(r.stdout.includes(`SET 'pipeline.name' = '${cdcPipelineName("cdc", JOB_SQL)}';`));
        });

        const job = (jobName: string, state: string) => `{"jobs":[{"jid":"a1","name":"${jobName}","start-time":1,"end-time":-1,"duration":5,"state":"${state}","last-modification":2,"tasks":{"running":2}}]}`;
        const runningJob = (jobName: string) => job(jobName, "RUNNING");
        /** Flink's job states other than the globally terminal FINISHED, CANCELED and FAILED. */
        const NOT_ENDED = ["INITIALIZING", "CREATED", "RUNNING", "FAILING", "CANCELLING", "RESTARTING", "SUSPENDED", "RECONCILING"];

        for (const state of NOT_ENDED) {
            it(`submits nothing, successfully, while this version of the job is ${state}`, () => {
                const version = cdcPipelineName("cdc", JOB_SQL);
                const r = run(job(version, state));
                assert.strictEqual(r.status, 0, r.stderr);
                assert.strictEqual(r.stdout, `Job ${version} (this version of the SQL) has not ended (running, starting or restarting); nothing to submit.\n`);
            });
        }

        it("refuses to submit while another version of the job runs", () => {
            const r = run(runningJob("cdc-000000000000"));
            assert.strictEqual(r.status, 1);
            assert.ok(r.stderr.includes("Another version of the job has not ended (running, starting or restarting)."), r.stderr);
            assert.strictEqual(r.stdout, "");
        });

        it("refuses to submit while another version of the job restarts", () => {
            const r = run(job("cdc-000000000000", "RESTARTING"));
            assert.strictEqual(r.status, 1);
            assert.ok(r.stderr.includes("Another version of the job has not ended"), r.stderr);
            assert.strictEqual(r.stdout, "");
        });

        for (const state of ["FINISHED", "CANCELED", "FAILED"]) {
            it(`submits when this version of the job has ${state}`, () => {
                const r = run(job(cdcPipelineName("cdc", JOB_SQL), state));
                assert.strictEqual(r.status, 0, r.stderr);
                assert.ok(r.stdout.includes(`SET 'pipeline.name' = '${cdcPipelineName("cdc", JOB_SQL)}';`), r.stdout);
            });
        }

        it("submits when the job of that name has finished", () => {
            const cancelled = '{"jobs":[{"jid":"a1","name":"cdc-000000000000","start-time":1,"end-time":3,"duration":2,"state":"CANCELED","last-modification":3,"tasks":{"running":0}}]}';
            assert.strictEqual(run(cancelled).status, 0);
        });

        it("is valid bash", () => {
            execFileSync("bash", ["-n", "-c", script]);
        });
    });

    describe("CDC session cluster, HA shape with a restore and connectors", () => {
        let s: Stack;
        before(async () => {
            s = await stack(true, { restoreFromSavepoint: SAVEPOINT, connectorsImage: "registry.internal/flink-connectors:1.0", imageRegistry: "mirror.internal" });
        });

        it("runs two JobManagers with Kubernetes HA metadata on S3", () => {
            const spec = cluster(s.capture).inputs.spec;
            assert.strictEqual(spec.jobManager.replicas, 2);
            assert.strictEqual(spec.flinkConfiguration["high-availability.type"], "kubernetes");
            assert.strictEqual(spec.flinkConfiguration["high-availability.storageDir"], "s3://flink-checkpoints/cdc/ha");
        });

        it("spreads JobManagers over nodes and keeps one through disruptions", () => {
            const spec = cluster(s.capture).inputs.spec;
            const jmLabels = { app: "cdc", component: "jobmanager", type: "flink-native-kubernetes" };
            assert.deepStrictEqual(spec.jobManager.podTemplate.spec.topologySpreadConstraints, [
                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: jmLabels } },
            ]);
            assert.deepStrictEqual(s.capture.one(PDB, "cdc-jobmanager-pdb").inputs.spec, { minAvailable: 1, selector: { matchLabels: jmLabels } });
        });

        it("runs two SQL gateways with a PDB", () => {
            assert.strictEqual(s.capture.one(DEPLOYMENT, "cdc-sql-gateway").inputs.spec.replicas, 2);
            assert.deepStrictEqual(s.capture.one(PDB, "cdc-sql-gateway-pdb").inputs.spec.minAvailable, 1);
        });

        it("starts the job from the given savepoint", () => {
            const session: string = s.capture.one(CONFIGMAP, "cdc-sql").inputs.data["session.sql"];
            assert.ok(session.endsWith(`SET 'execution.savepoint.path' = '${SAVEPOINT}';\n`), session);
        });

        it("copies Flink's lib and the connector jars into the lib of cluster and gateway pods", () => {
            const image = `mirror.internal/${images.flink.repository}:${images.flink.tag}`;
            for (const pod of [cluster(s.capture).inputs.spec.podTemplate.spec, gatewayPod(s.capture)]) {
                assert.deepStrictEqual(
                    pod.initContainers.map((c: any) => [c.name, c.image, c.command]),
                    [
                        ["flink-lib", image, ["sh", "-c", "cp -R /opt/flink/lib/. /lib-out/"]],
                        ["connectors", "registry.internal/flink-connectors:1.0", ["sh", "-c", "cp /connectors/*.jar /lib-out/"]],
                    ],
                );
                assert.ok(pod.initContainers.every((c: any) => c.securityContext.allowPrivilegeEscalation === false));
                assert.deepStrictEqual(pod.volumes.find((v: any) => v.name === "lib"), { name: "lib", emptyDir: { sizeLimit: "2Gi" } });
            }
            assert.ok(mainContainer(s.capture).volumeMounts.some((m: any) => m.name === "lib" && m.mountPath === "/opt/flink/lib"));
            assert.strictEqual(cluster(s.capture).inputs.spec.image, image);
        });

        it("puts no generated secret outside Secrets", () => {
            assert.deepStrictEqual(secretLeaks(s.capture), []);
        });
    });
});

/** A FlinkCdc with test defaults; for argument validation only. */
function cdcWith(extra: Partial<FlinkCdcArgs>): FlinkCdc {
    const operator = marker("operator");
    const s3 = { endpoint: "http://minio", secretName: "s3", ready: [] };
    return new FlinkCdc("bad", {
        namespace: NS,
        operator,
        imageRegistry: "",
        checkpoints: { ...s3, bucket: "c" },
        savepoints: { ...s3, bucket: "s" },
        kafka: kafkaCluster(),
        sourceSecretName: "mssql-source",
        jobSql: JOB_SQL,
        ...extra,
    });
}
