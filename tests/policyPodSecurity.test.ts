import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ChartSource } from "../components/config";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../components/lib/security";
import { SparkJobs, sparkApplicationSpec } from "../components/processing/sparkJobs";
import { SparkOperator } from "../components/processing/sparkOperator";
import { waitContainers } from "../components/apps/superset";
import { policies } from "../policy/pack";
import { CR } from "../policy/lib/customResources";
import { CR_WITH_PODS, podViewsOf } from "../policy/lib/pods";
import { PolicyResource } from "../policy/lib/values";
import { helmPodSecurityViolations, valuesPodSecurityViolations } from "../policy/policies/helmPodSecurity";
import { appArmor, hostProcess, podSecurityViolations, procMount, seLinux, sysctls } from "../policy/policies/podSecurity";
import { stackCapture } from "./configHelpers";
import { Capture, resolve, settle, useMocks } from "./harness";

// Every baseline control the first policy tests did not cover, every custom resource whose pods
// the pack now reads, and the pod security of Helm values: each fails on a violating input and
// passes the compliant one.

const RELEASE = "kubernetes:helm.sh/v3:Release";
const restrictedContainer = restrictedContainerSecurityContext();
const restrictedPod = restrictedPodSecurityContext();

function res(type: string, name: string, props: Record<string, any>): PolicyResource {
    return { type, name, urn: `urn:pulumi:prod::analytics-platform::${type}::${name}`, props };
}

/** A restricted pod spec with one container; `container` and `pod` entries override. */
function pod(container: Record<string, any> = {}, podSpec: Record<string, any> = {}): Record<string, any> {
    return { securityContext: restrictedPod, containers: [{ name: "app", securityContext: restrictedContainer, ...container }], ...podSpec };
}

function deployment(name: string, spec: Record<string, any>, annotations: Record<string, string> = {}): PolicyResource {
    return res("kubernetes:apps/v1:Deployment", name, { metadata: { name }, spec: { template: { metadata: { annotations }, spec } } });
}

describe("pod-security-restricted: baseline controls", () => {
    it("refuses Windows HostProcess on the pod or a container", () => {
        assert.deepStrictEqual(hostProcess(pod()), []);
        assert.deepStrictEqual(hostProcess(pod({ securityContext: { ...restrictedContainer, windowsOptions: { hostProcess: true } } }, { securityContext: { ...restrictedPod, windowsOptions: { hostProcess: true } } })), [
            "securityContext.windowsOptions.hostProcess must not be true",
            'container "app": securityContext.windowsOptions.hostProcess must not be true',
        ]);
    });

    it("refuses an unconfined AppArmor profile, as a field or as the legacy annotation, and allows RuntimeDefault and Localhost", () => {
        const fine = pod({ securityContext: { ...restrictedContainer, appArmorProfile: { type: "Localhost", localhostProfile: "k8s-app" } } }, { securityContext: { ...restrictedPod, appArmorProfile: { type: "RuntimeDefault" } } });
        assert.deepStrictEqual(appArmor(fine, { "container.apparmor.security.beta.kubernetes.io/app": "runtime/default" }), []);
        const bad = pod({ securityContext: { ...restrictedContainer, appArmorProfile: { type: "Unconfined" } } });
        assert.deepStrictEqual(appArmor(bad, { "container.apparmor.security.beta.kubernetes.io/app": "unconfined", "other/annotation": "unconfined" }), [
            'container "app": securityContext.appArmorProfile.type Unconfined is not allowed (RuntimeDefault or Localhost)',
            "annotation container.apparmor.security.beta.kubernetes.io/app: unconfined is not allowed (runtime/default or localhost/*)",
        ]);
    });

    it("allows only container SELinux types and no custom user or role", () => {
        assert.deepStrictEqual(seLinux(pod({ securityContext: { ...restrictedContainer, seLinuxOptions: { type: "container_init_t", level: "s0:c1,c2" } } })), []);
        assert.deepStrictEqual(seLinux(pod({ securityContext: { ...restrictedContainer, seLinuxOptions: { type: "spc_t" } } }, { securityContext: { ...restrictedPod, seLinuxOptions: { user: "system_u", role: "object_r" } } })), [
            "securityContext.seLinuxOptions.user must not be set",
            "securityContext.seLinuxOptions.role must not be set",
            'container "app": securityContext.seLinuxOptions.type spc_t is not allowed (container_t, container_init_t, container_kvm_t, container_engine_t)',
        ]);
    });

    it("allows only the default /proc mount", () => {
        assert.deepStrictEqual(procMount(pod({ securityContext: { ...restrictedContainer, procMount: "Default" } })), []);
        assert.deepStrictEqual(procMount(pod({ securityContext: { ...restrictedContainer, procMount: "Unmasked" } })), ['container "app": securityContext.procMount Unmasked is not allowed (Default)']);
    });

    it("allows only the safe sysctls", () => {
        const withSysctls = (names: string[]) => pod({}, { securityContext: { ...restrictedPod, sysctls: names.map((name) => ({ name, value: "1" })) } });
        assert.deepStrictEqual(sysctls(withSysctls(["net.ipv4.ip_unprivileged_port_start", "kernel.shm_rmid_forced"])), []);
        assert.deepStrictEqual(sysctls(withSysctls(["net.core.somaxconn", "kernel.msgmax"])), [
            "securityContext.sysctls: net.core.somaxconn is not a safe sysctl",
            "securityContext.sysctls: kernel.msgmax is not a safe sysctl",
        ]);
    });

    it("runs the new controls through the policy, reading AppArmor annotations from the pod template", () => {
        const policy: any = policies.find((p) => p.name === "pod-security-restricted");
        const run = (r: PolicyResource) => {
            const out: string[] = [];
            policy.validateResource({ ...r, getConfig: () => ({}) }, (m: string) => out.push(m));
            return out;
        };
        assert.deepStrictEqual(run(deployment("web", pod())), []);
        assert.deepStrictEqual(run(deployment("web", pod(), { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" })), [
            "Deployment web: annotation container.apparmor.security.beta.kubernetes.io/app: unconfined is not allowed (runtime/default or localhost/*)",
        ]);
    });
});

/** The container context Strimzi containers get in the program. */
const strimziContainer = { securityContext: { ...restrictedContainer, readOnlyRootFilesystem: false } };

describe("pod-security-restricted: pods operators build from custom resources", () => {
    it("merges a FlinkDeployment's role template over the shared one and requires the main container's context", () => {
        const main = { name: "flink-main-container", securityContext: restrictedContainer };
        const ok = res(CR.flink, "cdc", { metadata: { name: "cdc" }, spec: { podTemplate: { spec: { securityContext: restrictedPod, containers: [main] } }, jobManager: { podTemplate: { spec: { topologySpreadConstraints: [] } } } } });
        assert.deepStrictEqual(podSecurityViolations(ok), []);
        const escalating = res(CR.flink, "cdc", {
            metadata: { name: "cdc" },
            spec: { podTemplate: { spec: { securityContext: restrictedPod, containers: [main] } }, taskManager: { podTemplate: { spec: { containers: [{ name: "flink-main-container", securityContext: { allowPrivilegeEscalation: true } }] } } } },
        });
        assert.deepStrictEqual(podSecurityViolations(escalating), ['FlinkDeployment cdc spec.taskManager: container "flink-main-container": securityContext.allowPrivilegeEscalation must be false']);
        const noMain = res(CR.flink, "cdc", { metadata: { name: "cdc" }, spec: { podTemplate: { spec: { securityContext: restrictedPod } } } });
        assert.deepStrictEqual(podSecurityViolations(noMain), [
            'FlinkDeployment cdc spec.jobManager: container "flink-main-container": securityContext.allowPrivilegeEscalation must be false',
            'FlinkDeployment cdc spec.jobManager: container "flink-main-container": securityContext.capabilities.drop must include ALL',
            'FlinkDeployment cdc spec.taskManager: container "flink-main-container": securityContext.allowPrivilegeEscalation must be false',
            'FlinkDeployment cdc spec.taskManager: container "flink-main-container": securityContext.capabilities.drop must include ALL',
        ]);
    });

    it("reads SparkApplication drivers and executors, their sidecars and init containers", () => {
        const role = { podSecurityContext: restrictedPod, securityContext: restrictedContainer };
        assert.deepStrictEqual(podSecurityViolations(res(CR.spark, "etl", { metadata: { name: "etl" }, spec: { driver: role, executor: role } })), []);
        const bad = res(CR.spark, "etl", { metadata: { name: "etl" }, spec: { driver: { ...role, hostNetwork: true }, executor: { ...role, initContainers: [{ name: "fetch", securityContext: { ...restrictedContainer, privileged: true } }] } } });
        assert.deepStrictEqual(podSecurityViolations(bad), ["SparkApplication etl spec.driver: hostNetwork must not be true", 'SparkApplication etl spec.executor: initContainer "fetch": privileged must not be true']);
    });

    it("reads a CloudNativePG Cluster's container context, its seccomp profile defaulting to RuntimeDefault", () => {
        assert.deepStrictEqual(podSecurityViolations(res(CR.pgCluster, "pg", { metadata: { name: "pg" }, spec: { securityContext: restrictedContainer } })), []);
        assert.deepStrictEqual(podSecurityViolations(res(CR.pgCluster, "pg", { metadata: { name: "pg" }, spec: { securityContext: { ...restrictedContainer, seccompProfile: undefined, runAsNonRoot: undefined }, seccompProfile: { type: "Unconfined" } } })), [
            'Cluster pg spec: container "postgres": runAsNonRoot must be true (on the container or the pod)',
            "Cluster pg spec: securityContext.seccompProfile.type Unconfined is not allowed (RuntimeDefault or Localhost)",
            'Cluster pg spec: container "postgres": seccompProfile.type must be RuntimeDefault or Localhost (on the container or the pod)',
        ]);
    });

    it("reads Strimzi container templates of node pools, the entity operator and Connect", () => {
        const pool = (template: Record<string, any>) => res(CR.kafkaNodePool, "brokers", { metadata: { name: "brokers" }, spec: { template } });
        assert.deepStrictEqual(podSecurityViolations(pool({ kafkaContainer: strimziContainer, initContainer: strimziContainer })), []);
        assert.deepStrictEqual(podSecurityViolations(pool({ kafkaContainer: strimziContainer, initContainer: strimziContainer, pod: { hostNetwork: true } })), ["KafkaNodePool brokers spec: hostNetwork must not be true"]);
        assert.strictEqual(podSecurityViolations(pool({ initContainer: strimziContainer })).length, 4, "the broker container without a context misses four restricted controls");
        const kafka = (eoTemplate: Record<string, any>) => res(CR.kafka, "kafka", { metadata: { name: "kafka" }, spec: { entityOperator: { topicOperator: {}, userOperator: {}, template: eoTemplate } } });
        assert.deepStrictEqual(podSecurityViolations(kafka({ topicOperatorContainer: strimziContainer, userOperatorContainer: strimziContainer })), []);
        assert.deepStrictEqual(
            podSecurityViolations(kafka({ topicOperatorContainer: strimziContainer, userOperatorContainer: { securityContext: { ...strimziContainer.securityContext, capabilities: { drop: ["ALL"], add: ["NET_ADMIN"] } } } })),
            ['Kafka kafka spec.entityOperator: container "userOperatorContainer": capability NET_ADMIN must not be added'],
        );
        const connect = (template: Record<string, any>) => res(CR.kafkaConnect, "connect", { metadata: { name: "connect" }, spec: { template } });
        assert.deepStrictEqual(podSecurityViolations(connect({ connectContainer: strimziContainer })), []);
        assert.deepStrictEqual(podSecurityViolations(connect({ connectContainer: { securityContext: { ...restrictedContainer, runAsUser: 0 } } })), ['KafkaConnect connect spec: container "connectContainer": securityContext.runAsUser must not be 0']);
    });

    it("reads every PXC pod: PXC with its init and enabled side containers, HAProxy, each backup storage", () => {
        const part = { podSecurityContext: restrictedPod, containerSecurityContext: restrictedContainer };
        const spec = (over: Record<string, any> = {}) => ({
            pxc: part,
            initContainer: { containerSecurityContext: restrictedContainer },
            haproxy: { enabled: true, ...part },
            proxysql: { enabled: false },
            logcollector: { enabled: true, containerSecurityContext: restrictedContainer },
            backup: { storages: { "s3-full": part } },
            ...over,
        });
        const xtradb = (s: Record<string, any>) => res(CR.pxc, "db", { metadata: { name: "db" }, spec: s });
        assert.deepStrictEqual(podViewsOf(xtradb(spec())).map((v) => [v.at, (v.spec.containers as any[]).map((c) => c.name)]), [
            ["spec.pxc", ["pxc", "logcollector"]],
            ["spec.haproxy", ["haproxy"]],
            ["spec.backup.storages.s3-full", ["xtrabackup"]],
        ]);
        assert.deepStrictEqual(podSecurityViolations(xtradb(spec())), []);
        const bad = spec({ logcollector: { enabled: true, containerSecurityContext: { ...restrictedContainer, procMount: "Unmasked" } }, backup: { storages: { "s3-full": { ...part, podSecurityContext: { ...restrictedPod, runAsUser: 0 } } } } });
        assert.deepStrictEqual(podSecurityViolations(xtradb(bad)), [
            'PerconaXtraDBCluster db spec.pxc: container "logcollector": securityContext.procMount Unmasked is not allowed (Default)',
            "PerconaXtraDBCluster db spec.backup.storages.s3-full: securityContext.runAsUser must not be 0",
        ]);
    });

    it("reads each MinIO Tenant pool", () => {
        const tenant = (pool: Record<string, any>) => res(CR.tenant, "store", { metadata: { name: "store" }, spec: { pools: [{ servers: 4, securityContext: restrictedPod, containerSecurityContext: restrictedContainer }, pool] } });
        assert.deepStrictEqual(podSecurityViolations(tenant({ servers: 4, securityContext: restrictedPod, containerSecurityContext: restrictedContainer })), []);
        assert.deepStrictEqual(podSecurityViolations(tenant({ servers: 4, securityContext: { ...restrictedPod, sysctls: [{ name: "vm.max_map_count", value: "262144" }] }, containerSecurityContext: restrictedContainer })), [
            "Tenant store spec.pools[1]: securityContext.sysctls: vm.max_map_count is not a safe sysctl",
        ]);
    });
});

describe("helm-values-pod-security", () => {
    it("passes restricted contexts, a container context taking runAsNonRoot and seccomp from the pod context beside it", () => {
        const values = {
            web: { podSecurityContext: restrictedPod, containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } },
            securityContexts: { pod: restrictedPod, container: restrictedContainer },
            initContainers: [{ name: "wait", image: "busybox:1.37", securityContext: restrictedContainer }],
        };
        assert.deepStrictEqual(valuesPodSecurityViolations(values), []);
    });

    it("refuses a pod context without runAsNonRoot or seccomp, a privileged container context and an unrestricted container", () => {
        const values = {
            api: { podSecurityContext: { fsGroup: 1000 } },
            web: { podSecurityContext: { fsGroup: 1000 }, containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, privileged: true } },
            initContainers: [{ name: "wait", image: "busybox:1.37" }],
        };
        assert.deepStrictEqual(valuesPodSecurityViolations(values), [
            "api.podSecurityContext: runAsNonRoot must be true",
            "api.podSecurityContext: seccompProfile.type must be RuntimeDefault or Localhost",
            'container "web.containerSecurityContext": privileged must not be true',
            'container "web.containerSecurityContext": runAsNonRoot must be true (on the container or the pod)',
            'container "web.containerSecurityContext": seccompProfile.type must be RuntimeDefault or Localhost (on the container or the pod)',
            'initContainers: container "wait": securityContext.allowPrivilegeEscalation must be false',
            'initContainers: container "wait": runAsNonRoot must be true (on the container or the pod)',
            'initContainers: container "wait": securityContext.capabilities.drop must include ALL',
            'initContainers: container "wait": seccompProfile.type must be RuntimeDefault or Localhost (on the container or the pod)',
        ]);
    });

    it("refuses host namespaces, UID 0 anywhere and hostPath volumes", () => {
        const values = { runAsUser: 0, worker: { hostNetwork: true, hostPID: false }, extraVolumes: [{ name: "logs", hostPath: { path: "/var/log" } }] };
        assert.deepStrictEqual(valuesPodSecurityViolations(values), ["runAsUser must not be 0", "worker.hostNetwork must not be true", "extraVolumes[0].hostPath: hostPath volumes are not allowed"]);
    });

    it("leaves contexts that only remove chart defaults (nulls) to the chart, and ignores other resources", () => {
        assert.deepStrictEqual(valuesPodSecurityViolations({ containerSecurityContext: { runAsUser: null, runAsGroup: null } }), []);
        assert.deepStrictEqual(helmPodSecurityViolations(res("kubernetes:core/v1:ConfigMap", "c", { values: { hostNetwork: true } })), []);
        assert.deepStrictEqual(helmPodSecurityViolations(res(RELEASE, "x", { metadata: { name: "x" }, values: { hostNetwork: true } })), ["Release x: values hostNetwork must not be true"]);
    });

    it("gives Superset's wait-for init containers the restricted context the chart's defaults lack", () => {
        const values = { supersetWorker: { initContainers: waitContainers("superset-env", true) } };
        assert.deepStrictEqual(valuesPodSecurityViolations(values), []);
        const [wait] = waitContainers("superset-env", true) as any[];
        assert.strictEqual(wait.name, "wait-for-postgres-redis");
        assert.deepStrictEqual(valuesPodSecurityViolations({ supersetWorker: { initContainers: [{ ...wait, securityContext: undefined }] } }).length, 4);
    });
});

describe("the pack sees every pod of the program", () => {
    /** Custom resources the program authors that run no pod of their own. */
    const NO_PODS = new Set([
        "kubernetes:kafka.strimzi.io/v1:KafkaTopic",
        "kubernetes:kafka.strimzi.io/v1:KafkaUser",
        "kubernetes:kafka.strimzi.io/v1:KafkaConnector",
        "kubernetes:cert-manager.io/v1:Certificate",
        "kubernetes:cert-manager.io/v1:ClusterIssuer",
        "kubernetes:cert-manager.io/v1:Issuer",
        "kubernetes:monitoring.coreos.com/v1:PodMonitor",
        "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
        "kubernetes:postgresql.cnpg.io/v1:Database",
        // Backups run in the instance pods, through the Barman Cloud plugin's sidecar.
        "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup",
        "kubernetes:barmancloud.cnpg.io/v1:ObjectStore",
        "kubernetes:route.openshift.io/v1:Route",
    ]);
    const BUILT_IN = /^kubernetes:(core|apps|batch|policy|rbac\.authorization\.k8s\.io|networking\.k8s\.io|gateway\.networking\.k8s\.io|helm\.sh)\//;

    for (const stack of ["dev", "prod", "openshift"]) {
        it(`${stack}: every custom resource kind is read for pods or known to run none, and each such resource yields its pods`, async () => {
            const capture: Capture = await stackCapture(stack);
            const custom = capture.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && !BUILT_IN.test(r.type));
            const unknown = [...new Set(custom.map((r) => r.type))].filter((t) => !CR_WITH_PODS.includes(t) && !NO_PODS.has(t));
            assert.deepStrictEqual(unknown, []);
            for (const r of custom.filter((x) => CR_WITH_PODS.includes(x.type))) {
                const views = podViewsOf({ type: r.type, name: r.name, urn: r.urn, props: r.inputs as any });
                assert.ok(views.length > 0 && views.every((v) => (v.spec.containers as unknown[]).length > 0), `${r.type} ${r.name}: no pod with containers read`);
            }
        });
    }

    it("prod: Airflow states the restricted container context for every role's wait-for-migrations init container and log groomer sidecar", async () => {
        const capture = await stackCapture("prod");
        const values = capture.one(RELEASE, "airflow-chart").inputs.values;
        const writable = { ...restrictedContainer, readOnlyRootFilesystem: false };
        const roles = ["scheduler", "apiServer", "workers", "triggerer", "dagProcessor"];
        assert.deepStrictEqual(roles.map((r) => [r, values[r].waitForMigrations.securityContexts.container]), roles.map((r) => [r, writable]));
        const groomed = ["scheduler", "workers", "triggerer", "dagProcessor"];
        assert.deepStrictEqual(groomed.map((r) => [r, values[r].logGroomerSidecar.securityContexts.container]), groomed.map((r) => [r, writable]));
    });

    it("openshift: every owned namespace enforces, warns and audits at restricted", async () => {
        const capture = await stackCapture("openshift");
        const levels = capture.ofType("kubernetes:core/v1:Namespace").map((n) => {
            const l = n.inputs.metadata.labels;
            return [n.inputs.metadata.name, l["pod-security.kubernetes.io/enforce"], l["pod-security.kubernetes.io/warn"], l["pod-security.kubernetes.io/audit"]];
        });
        assert.deepStrictEqual(levels, ["cert-manager", "platform-operators", "platform-data", "platform-processing", "platform-apps"].map((n) => [n, "restricted", "restricted", "restricted"]));
    });

    it("passes the drivers and executors of the program's SparkApplication spec and fails them without its contexts", async () => {
        await useMocks({ profile: "dev" });
        const upstream: ChartSource = { mode: "upstream", location: "" };
        const op = new SparkOperator("spark-operator", { namespace: "platform-operators", chartSource: upstream, imageRegistry: "", highAvailability: false, jobNamespaces: ["platform-apps"] });
        const sj = new SparkJobs("spark-jobs", { namespace: "platform-apps", operator: op, eventLog: { endpoint: "http://minio", secretName: "s3", bucket: "spark", ready: [] }, eventLogPrefix: "", imageRegistry: "" });
        await settle();
        const spec: any = await resolve(pulumi.output(sparkApplicationSpec(sj.applicationDefaults, { type: "Python", mainApplicationFile: "s3a://spark/jobs/etl.py", driver: { cores: 1, memory: "1g" }, executor: { instances: 1, cores: 1, memory: "2g" } })));
        const app = (s: any) => res(CR.spark, "etl", { metadata: { name: "etl" }, spec: s });
        assert.deepStrictEqual(podSecurityViolations(app(spec)), []);
        const bare = { ...spec, executor: { ...spec.executor, securityContext: undefined, podSecurityContext: undefined } };
        assert.deepStrictEqual(podSecurityViolations(app(bare)).length, 4);
    });
});
