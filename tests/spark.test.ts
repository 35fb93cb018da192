import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { charts, images } from "../components/catalog";
import { ChartSource } from "../components/config";
import { SparkJobs, sparkApplicationSpec } from "../components/processing/sparkJobs";
import { SparkOperator } from "../components/processing/sparkOperator";
import { Capture, SECRET_MARK, resolve, settle, strings, useMocks, secretLeaks } from "./harness";

const upstream: ChartSource = { mode: "upstream", location: "" };
const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";

function operator(ha: boolean, imageRegistry = ""): SparkOperator {
    return new SparkOperator("spark-operator", { namespace: "platform-operators", chartSource: upstream, imageRegistry, highAvailability: ha, jobNamespaces: ["platform-apps"] });
}

/** A stand-in for the object store's ready resource. */
function objectStoreReady(): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap("object-store-ready", { metadata: { name: "object-store-ready", namespace: "platform-data" } });
}

function jobs(op: SparkOperator, withKeys: boolean): SparkJobs {
    return new SparkJobs("spark-jobs", {
        namespace: "platform-apps",
        operator: op,
        eventLog: { endpoint: "http://minio.platform-data.svc.cluster.local", secretName: "object-store-s3-credentials", bucket: "spark", ready: [objectStoreReady()] },
        ...(withKeys
            ? {
                  s3Keys: {
                      accessKeyId: new random.RandomPassword("s3-access-key", { length: 20, special: false }).result,
                      secretAccessKey: new random.RandomPassword("s3-secret-key", { length: 40, special: false }).result,
                  },
              }
            : {}),
        imageRegistry: "",
    });
}

describe("Spark", () => {
    describe("operator, dev shape", () => {
        let capture: Capture;
        let op: SparkOperator;
        before(async () => {
            capture = await useMocks({ profile: "dev" });
            op = operator(false);
            await settle();
        });

        it("installs the pinned chart as release spark-operator", () => {
            const r = capture.one(RELEASE, "spark-operator-chart").inputs;
            assert.strictEqual(r.name, "spark-operator");
            assert.strictEqual(r.chart, charts.sparkOperator.chart);
            assert.strictEqual(r.version, charts.sparkOperator.version);
            assert.deepStrictEqual(r.repositoryOpts, { repo: charts.sparkOperator.repository });
            assert.strictEqual(r.namespace, "platform-operators");
        });

        it("takes the image apart as the chart does and never runs the CRD hook", () => {
            const values = capture.one(RELEASE, "spark-operator-chart").inputs.values;
            assert.deepStrictEqual(values.image, { registry: "ghcr.io", repository: "kubeflow/spark-operator/controller", tag: "2.5.2" });
            assert.deepStrictEqual(values.hook, { upgradeCrd: false, image: { registry: "ghcr.io", repository: "kubeflow/spark-operator/kubectl", tag: "2.5.2" } });
        });

        it("watches only the job namespaces and creates the driver ServiceAccount there", () => {
            const values = capture.one(RELEASE, "spark-operator-chart").inputs.values;
            assert.deepStrictEqual(values.spark, { jobNamespaces: ["platform-apps"], serviceAccount: { create: true, name: "spark-operator-spark" }, rbac: { create: true } });
            assert.strictEqual(op.sparkServiceAccountName, "spark-operator-spark");
        });

        it("enables the webhook with its self-generated certificate, not cert-manager", () => {
            const values = capture.one(RELEASE, "spark-operator-chart").inputs.values;
            assert.strictEqual(values.webhook.enable, true);
            assert.strictEqual(values.webhook.failurePolicy, "Fail");
            assert.deepStrictEqual(values.certManager, { enable: false });
        });

        it("runs one controller and one webhook, without spread constraints or PDBs", () => {
            const values = capture.one(RELEASE, "spark-operator-chart").inputs.values;
            for (const part of ["controller", "webhook"]) {
                assert.strictEqual(values[part].replicas, 1, part);
                assert.deepStrictEqual(values[part].leaderElection, { enable: true }, part);
                assert.deepStrictEqual(values[part].topologySpreadConstraints, [], part);
                assert.deepStrictEqual(values[part].podDisruptionBudget, { enable: false, minAvailable: 1 }, part);
            }
        });

        it("runs both Deployments restricted as the spark user, with limits", () => {
            const values = capture.one(RELEASE, "spark-operator-chart").inputs.values;
            for (const part of ["controller", "webhook"]) {
                assert.deepStrictEqual(values[part].podSecurityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" }, fsGroup: 185, fsGroupChangePolicy: "OnRootMismatch" });
                assert.deepStrictEqual(values[part].securityContext, {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    runAsUser: 185,
                    runAsGroup: 185,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                    privileged: false,
                });
            }
            assert.deepStrictEqual(values.controller.resources, { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } });
            assert.deepStrictEqual(values.webhook.resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
        });

        it("counts the controller and webhook in its footprint", async () => {
            assert.deepStrictEqual(op.footprint, { cpuMillis: 150, memoryMiB: 320, cpuLimitMillis: 1500, memoryLimitMiB: 1280, storageGiB: 0 });
            assert.deepStrictEqual(await resolve(op.jobNamespaces), ["platform-apps"]);
        });
    });

    describe("operator, HA shape", () => {
        let capture: Capture;
        let op: SparkOperator;
        before(async () => {
            capture = await useMocks({ profile: "prod" });
            op = operator(true, "mirror.example.com");
            await settle();
        });

        it("runs two leader-elected replicas of each, spread over nodes, with PDBs", () => {
            const values = capture.one(RELEASE, "spark-operator-chart").inputs.values;
            for (const part of ["controller", "webhook"]) {
                assert.strictEqual(values[part].replicas, 2, part);
                assert.deepStrictEqual(values[part].leaderElection, { enable: true }, part);
                assert.deepStrictEqual(values[part].topologySpreadConstraints, [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule" }], part);
                assert.deepStrictEqual(values[part].podDisruptionBudget, { enable: true, minAvailable: 1 }, part);
            }
            assert.strictEqual(op.footprint.cpuMillis, 300);
        });

        it("pulls the operator image from the configured registry", () => {
            assert.deepStrictEqual(capture.one(RELEASE, "spark-operator-chart").inputs.values.image, { registry: "mirror.example.com", repository: "kubeflow/spark-operator/controller", tag: "2.5.2" });
        });
    });

    describe("jobs namespace", () => {
        let capture: Capture;
        let sj: SparkJobs;
        before(async () => {
            capture = await useMocks({ profile: "dev" });
            sj = jobs(operator(false), true);
            await settle();
        });

        it("creates the spark-submitter ServiceAccount", () => {
            const sa = capture.one("kubernetes:core/v1:ServiceAccount", "spark-jobs-submitter").inputs;
            assert.strictEqual(sa.metadata.name, "spark-submitter");
            assert.strictEqual(sa.metadata.namespace, "platform-apps");
        });

        it("lets the submitter manage SparkApplications, read their status, and read driver pods, logs and events, nothing more", () => {
            const role = capture.one("kubernetes:rbac.authorization.k8s.io/v1:Role", "spark-jobs-submitter").inputs;
            assert.strictEqual(role.metadata.name, "spark-submitter");
            assert.strictEqual(role.metadata.namespace, "platform-apps");
            assert.deepStrictEqual(role.rules, [
                { apiGroups: ["sparkoperator.k8s.io"], resources: ["sparkapplications", "scheduledsparkapplications"], verbs: ["create", "get", "list", "watch", "delete"] },
                { apiGroups: ["sparkoperator.k8s.io"], resources: ["sparkapplications/status", "scheduledsparkapplications/status"], verbs: ["get"] },
                { apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] },
                { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] },
            ]);
        });

        it("binds the Role to the submitter in its namespace", () => {
            const b = capture.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "spark-jobs-submitter").inputs;
            assert.deepStrictEqual(b.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "spark-submitter" });
            assert.deepStrictEqual(b.subjects, [{ kind: "ServiceAccount", name: "spark-submitter", namespace: "platform-apps" }]);
        });

        it("creates the submitter Role without waiting for the operator release", () => {
            const deps = capture.dependencyNames(capture.one("kubernetes:rbac.authorization.k8s.io/v1:Role", "spark-jobs-submitter"));
            assert.deepStrictEqual(deps.filter((d) => d.startsWith(RELEASE)), []);
        });

        it("writes the event-log and S3A defaults, without credentials, to the spark-defaults ConfigMap", () => {
            const cm = capture.one("kubernetes:core/v1:ConfigMap", "spark-jobs-defaults").inputs;
            assert.strictEqual(cm.metadata.name, "spark-defaults");
            assert.strictEqual(cm.metadata.namespace, "platform-apps");
            assert.strictEqual(
                cm.data["spark-defaults.conf"],
                [
                    "spark.eventLog.enabled true",
                    "spark.eventLog.dir s3a://spark/spark-events",
                    "spark.hadoop.fs.s3a.impl org.apache.hadoop.fs.s3a.S3AFileSystem",
                    "spark.hadoop.fs.s3a.endpoint http://minio.platform-data.svc.cluster.local",
                    "spark.hadoop.fs.s3a.endpoint.region us-east-1",
                    "spark.hadoop.fs.s3a.path.style.access true",
                    "spark.hadoop.fs.s3a.connection.ssl.enabled false",
                    "spark.hadoop.fs.s3a.aws.credentials.provider com.amazonaws.auth.EnvironmentVariableCredentialsProvider",
                    "",
                ].join("\n"),
            );
            assert.strictEqual(sj.eventLogDir, "s3a://spark/spark-events");
        });

        it("copies the S3 key pair into a Secret in the jobs namespace", async () => {
            const s = capture.one(SECRET, "spark-jobs-s3-credentials").inputs;
            assert.strictEqual(s.metadata.name, "spark-s3-credentials");
            assert.strictEqual(s.metadata.namespace, "platform-apps");
            assert.deepStrictEqual(s.stringData, { AWS_ACCESS_KEY_ID: `${SECRET_MARK}-s3-access-key`, AWS_SECRET_ACCESS_KEY: `${SECRET_MARK}-s3-secret-key` });
            assert.strictEqual(await resolve(sj.s3SecretName), "spark-s3-credentials");
        });

        it("keeps every generated secret inside Secrets", () => {
            assert.deepStrictEqual(secretLeaks(capture), []);
        });

        it("lists the operator release, the RBAC, the defaults and the Secret as ready", () => {
            const urns = sj.ready.map((r) => (r as any).__name as string);
            assert.deepStrictEqual(urns, ["spark-operator-chart", "spark-jobs-submitter", "spark-jobs-defaults", "spark-jobs-s3-credentials"]);
            assert.deepStrictEqual(sj.footprint, { cpuMillis: 0, memoryMiB: 0, cpuLimitMillis: 0, memoryLimitMiB: 0, storageGiB: 0 });
        });

        it("runs drivers as the operator's ServiceAccount, with the S3 keys from the Secret by name", async () => {
            const spec: any = await resolve(
                pulumi.output(sparkApplicationSpec(sj.applicationDefaults, { type: "Python", mainApplicationFile: "s3a://spark/jobs/etl.py", driver: { cores: 1, memory: "1g" }, executor: { instances: 1, cores: 1, memory: "2g" } })),
            );
            const env = [
                { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "spark-s3-credentials", key: "AWS_ACCESS_KEY_ID" } } },
                { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "spark-s3-credentials", key: "AWS_SECRET_ACCESS_KEY" } } },
            ];
            assert.strictEqual(spec.driver.serviceAccount, "spark-operator-spark");
            assert.deepStrictEqual(spec.driver.env, env);
            assert.deepStrictEqual(spec.executor.env, env);
            assert.strictEqual(spec.image, `localhost:5001/analytics-platform/spark:${images.spark.tag}`);
            assert.strictEqual(spec.sparkVersion, "3.5.7");
            assert.strictEqual(spec.sparkConf["spark.eventLog.dir"], "s3a://spark/spark-events");
            assert.strictEqual(spec.mainClass, undefined);
            assert.deepStrictEqual(strings(spec).filter(([, s]) => s.includes(SECRET_MARK)), []);
        });
    });

    describe("jobs namespace sharing the object store's Secret", () => {
        let capture: Capture;
        let sj: SparkJobs;
        before(async () => {
            capture = await useMocks({ profile: "dev" });
            sj = new SparkJobs("spark-jobs", {
                namespace: "platform-data",
                operator: operator(false),
                eventLog: { endpoint: "https://s3.example.com", secretName: "object-store-s3-credentials", bucket: "spark", ready: [] },
                eventLogPrefix: "",
                imageRegistry: "mirror.example.com",
            });
            await settle();
        });

        it("reads the S3 keys from the given Secret and copies nothing", async () => {
            assert.strictEqual(capture.ofType(SECRET).length, 0);
            assert.strictEqual(await resolve(sj.s3SecretName), "object-store-s3-credentials");
        });

        it("logs to the bucket root over TLS and pulls Spark from the mirror", async () => {
            const conf = await resolve(sj.applicationDefaults.sparkConf);
            // Two slashes: Spark strips one, and S3A refuses the bare bucket (tests/engines/spark.test.ts).
            assert.strictEqual(conf["spark.eventLog.dir"], "s3a://spark//");
            assert.strictEqual(sj.eventLogDir, "s3a://spark/");
            assert.strictEqual(conf["spark.hadoop.fs.s3a.connection.ssl.enabled"], "true");
            assert.strictEqual(sj.applicationDefaults.image, `mirror.example.com/analytics-platform/spark:${images.spark.tag}`);
        });
    });
});
