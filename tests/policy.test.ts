import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as path from "path";
import { unknownCheckingProxy } from "@pulumi/policy";
import { images } from "../components/catalog";
import { imageRef } from "../components/lib/images";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../components/lib/security";
import { PACK_NAME, packArgs, packConfig, policies } from "../policy/pack";
import { toPolicyResource } from "../policy/lib/adapter";
import { DEFAULT_SETTINGS, PackSettings } from "../policy/lib/settings";
import { PREVIEW_SENTINELS, PolicyResource } from "../policy/lib/values";
import { plainSecretViolations } from "../policy/policies/helmValues";
import { imageRegistryViolations, imageTagViolations, parseImage } from "../policy/policies/images";
import { CR, flinkViolations, kafkaViolations, nodePoolViolations, operatorViolations, postgresViolations, tenantViolations, xtradbViolations } from "../policy/policies/operators";
import { podSecurityViolations } from "../policy/policies/podSecurity";
import { serviceTypeViolations } from "../policy/policies/services";
import { disruptionBudgetViolations, probeViolations, resourceViolations, spreadViolations } from "../policy/policies/workloadReliability";
import { PROJECT_DIR } from "./harness";

// The policies are pure functions over plain resources; the tests call them (and the real
// policy objects' validate functions) with fixtures, no Pulumi CLI involved.

const DEV: PackSettings = DEFAULT_SETTINGS;
const PROD: PackSettings = { ...DEFAULT_SETTINGS, profile: "prod" };
const POLICY_DIR = path.join(PROJECT_DIR, "policy");
const SECURITY = ["pod-security-restricted", "image-tag-pinned", "image-registry-allowed", "service-type-allowed", "helm-values-no-plain-secrets", "helm-values-pod-security"];
const RELIABILITY = ["workload-resources", "workload-probes", "replicas-spread", "replicas-disruption-budget", "operator-resources-ha"];

function res(type: string, name: string, props: Record<string, any>): PolicyResource {
    return { type, name, urn: `urn:pulumi:prod::analytics-platform::${type}::${name}`, props };
}

function container(name: string, extra: Record<string, any> = {}): Record<string, any> {
    const probe = { httpGet: { path: "/health", port: 8080 } };
    return {
        name,
        image: imageRef(images.karapace, ""),
        securityContext: restrictedContainerSecurityContext(1000),
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        startupProbe: probe,
        readinessProbe: probe,
        livenessProbe: probe,
        ...extra,
    };
}

/** A Deployment as the platform authors them: restricted, sized, probed, spread; `spec` entries override. */
function deployment(name: string, podSpec: Record<string, any> = {}, replicas = 2, namespace = "platform-data"): PolicyResource {
    const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name };
    return res("kubernetes:apps/v1:Deployment", name, {
        metadata: { name, namespace },
        spec: {
            replicas,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: {
                    securityContext: restrictedPodSecurityContext(1000),
                    containers: [container("app")],
                    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } }],
                    ...podSpec,
                },
            },
        },
    });
}

function pdb(name: string, selector: Record<string, any>, namespace = "platform-data"): PolicyResource {
    return res("kubernetes:policy/v1:PodDisruptionBudget", name, { metadata: { name, namespace }, spec: { maxUnavailable: 1, selector } });
}

/** Calls a real policy object's validateResource the way the analyzer does, collecting violations. */
function runResourcePolicy(name: string, r: PolicyResource, config: Record<string, unknown> = {}): string[] {
    const policy: any = policies.find((p) => p.name === name);
    const out: string[] = [];
    policy.validateResource({ ...r, getConfig: () => config }, (m: string) => out.push(m));
    return out;
}

describe("policy pack", () => {
    it("registers the security policies as mandatory and the reliability policies as advisory by default", () => {
        assert.strictEqual(PACK_NAME, "analytics-platform");
        assert.strictEqual(packArgs.policies, policies);
        assert.deepStrictEqual(
            policies.map((p) => [p.name, p.enforcementLevel, "validateStack" in p ? "stack" : "resource"]),
            [
                ["pod-security-restricted", "mandatory", "resource"],
                ["image-tag-pinned", "mandatory", "resource"],
                ["image-registry-allowed", "mandatory", "resource"],
                ["service-type-allowed", "mandatory", "resource"],
                ["helm-values-no-plain-secrets", "mandatory", "resource"],
                ["helm-values-pod-security", "mandatory", "resource"],
                ["workload-resources", "advisory", "resource"],
                ["workload-probes", "advisory", "resource"],
                ["replicas-spread", "advisory", "resource"],
                ["replicas-disruption-budget", "advisory", "stack"],
                ["operator-resources-ha", "advisory", "stack"],
            ],
        );
    });

    it("checks in config files identical to what packConfig generates for each profile", () => {
        for (const profile of ["dev", "prod"] as const) {
            const file = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, `config.${profile}.json`), "utf8"));
            assert.deepStrictEqual(file, packConfig(profile), `policy/config.${profile}.json is stale`);
        }
    });

    it("makes every policy mandatory and sets profile prod in the prod config", () => {
        const config = packConfig("prod");
        assert.deepStrictEqual(Object.keys(config), [...SECURITY, ...RELIABILITY]);
        for (const entry of Object.values(config)) assert.strictEqual(entry.enforcementLevel, "mandatory");
        assert.deepStrictEqual(
            Object.entries(config).filter(([, e]) => "profile" in e).map(([n, e]) => [n, e.profile]),
            [["replicas-spread", "prod"], ["replicas-disruption-budget", "prod"], ["operator-resources-ha", "prod"]],
        );
    });

    it("keeps security mandatory and reliability advisory in the dev config", () => {
        const config = packConfig("dev");
        assert.deepStrictEqual(SECURITY.map((n) => config[n].enforcementLevel), SECURITY.map(() => "mandatory"));
        assert.deepStrictEqual(RELIABILITY.map((n) => config[n].enforcementLevel), RELIABILITY.map(() => "advisory"));
    });

    it("declares every config setting in the policy's configSchema, with the pack defaults", () => {
        const config = packConfig("prod", { imageRegistry: "registry.internal:5000/mirror" });
        for (const p of policies) {
            const { enforcementLevel, ...settings } = config[p.name];
            assert.ok(enforcementLevel);
            const props = p.configSchema?.properties ?? {};
            assert.deepStrictEqual(Object.keys(settings), Object.keys(props), p.name);
            for (const [k, schema] of Object.entries(props)) if (k !== "profile" && k !== "imageRegistry") assert.deepStrictEqual((schema as any).default, (DEFAULT_SETTINGS as any)[k], `${p.name}.${k}`);
        }
        assert.strictEqual(config["image-registry-allowed"].imageRegistry, "registry.internal:5000/mirror");
    });
});

describe("pod-security-restricted", () => {
    it("passes a workload built with the restricted security helpers", () => {
        assert.deepStrictEqual(podSecurityViolations(deployment("karapace")), []);
    });

    it("requires allowPrivilegeEscalation false on every container", () => {
        const d = deployment("web", { containers: [container("app", { securityContext: { ...restrictedContainerSecurityContext(), allowPrivilegeEscalation: true } })] });
        assert.deepStrictEqual(podSecurityViolations(d), ['Deployment web: container "app": securityContext.allowPrivilegeEscalation must be false']);
    });

    it("requires runAsNonRoot on the pod or the container and refuses a container that sets it false or runs as UID 0", () => {
        const noPod = deployment("web", { securityContext: { seccompProfile: { type: "RuntimeDefault" } }, containers: [container("app", { securityContext: { ...restrictedContainerSecurityContext(), runAsNonRoot: undefined } })] });
        assert.deepStrictEqual(podSecurityViolations(noPod), ['Deployment web: container "app": runAsNonRoot must be true (on the container or the pod)']);
        const overridden = deployment("web", { containers: [container("app", { securityContext: { ...restrictedContainerSecurityContext(), runAsNonRoot: false, runAsUser: 0 } })] });
        assert.deepStrictEqual(podSecurityViolations(overridden), [
            'Deployment web: container "app": securityContext.runAsNonRoot must not be false',
            'Deployment web: container "app": securityContext.runAsUser must not be 0',
        ]);
    });

    it("requires dropping ALL capabilities and adding none but NET_BIND_SERVICE", () => {
        const sc = (capabilities: any) => ({ securityContext: { ...restrictedContainerSecurityContext(), capabilities } });
        const d = deployment("web", {
            containers: [container("app", sc({ drop: ["NET_RAW"], add: ["SYS_ADMIN"] })), container("proxy", sc({ drop: ["ALL"], add: ["NET_BIND_SERVICE"] }))],
        });
        assert.deepStrictEqual(podSecurityViolations(d), [
            'Deployment web: container "app": securityContext.capabilities.drop must include ALL',
            'Deployment web: container "app": capability SYS_ADMIN must not be added',
        ]);
    });

    it("refuses an Unconfined seccomp profile on a container even when the pod sets RuntimeDefault", () => {
        const d = deployment("web", { containers: [container("app", { securityContext: { ...restrictedContainerSecurityContext(), seccompProfile: { type: "Unconfined" } } })] });
        assert.deepStrictEqual(podSecurityViolations(d), ['Deployment web: container "app": securityContext.seccompProfile.type Unconfined is not allowed (RuntimeDefault or Localhost)']);
    });

    it("refuses privileged containers, host namespaces and host ports", () => {
        const d = deployment("web", {
            hostNetwork: true,
            hostPID: true,
            hostIPC: false,
            containers: [container("app", { ports: [{ containerPort: 80, hostPort: 80 }], securityContext: { ...restrictedContainerSecurityContext(), privileged: true } })],
        });
        assert.deepStrictEqual(podSecurityViolations(d), [
            "Deployment web: hostNetwork must not be true",
            "Deployment web: hostPID must not be true",
            'Deployment web: container "app": privileged must not be true',
            'Deployment web: container "app": hostPort 80 is not allowed',
        ]);
    });

    it("allows only the restricted volume types and no hostPath", () => {
        const d = deployment("web", {
            volumes: [
                { name: "tmp", emptyDir: {} },
                { name: "conf", configMap: { name: "web" } },
                { name: "data", persistentVolumeClaim: { claimName: "data" } },
                { name: "logs", hostPath: { path: "/var/log" } },
                { name: "share", nfs: { server: "nfs", path: "/" } },
            ],
        });
        const allowed = "configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret";
        assert.deepStrictEqual(podSecurityViolations(d), [
            'Deployment web: volume "logs": hostPath volumes are not allowed',
            `Deployment web: volume "logs": source hostPath is not allowed (allowed: ${allowed})`,
            `Deployment web: volume "share": source nfs is not allowed (allowed: ${allowed})`,
        ]);
    });

    it("finds the pod spec of a CronJob and a Pod and checks init and ephemeral containers", () => {
        const bad = { name: "x", image: "busybox:1.37", securityContext: { ...restrictedContainerSecurityContext(), allowPrivilegeEscalation: true } };
        const podSpec = { securityContext: restrictedPodSecurityContext(), containers: [container("app")], initContainers: [{ ...bad, name: "init" }], ephemeralContainers: [{ ...bad, name: "debug" }] };
        const cron = res("kubernetes:batch/v1:CronJob", "backup", { metadata: { name: "backup" }, spec: { schedule: "0 2 * * *", jobTemplate: { spec: { template: { spec: podSpec } } } } });
        const pod = res("kubernetes:core/v1:Pod", "debug", { metadata: { name: "debug" }, spec: podSpec });
        assert.deepStrictEqual(podSecurityViolations(cron), [
            'CronJob backup: initContainer "init": securityContext.allowPrivilegeEscalation must be false',
            'CronJob backup: ephemeralContainer "debug": securityContext.allowPrivilegeEscalation must be false',
        ]);
        assert.deepStrictEqual(podSecurityViolations(pod).length, 2);
    });

    it("reports through the policy's validateResource and ignores resources without a pod spec", () => {
        const d = deployment("web", { hostNetwork: true });
        assert.deepStrictEqual(runResourcePolicy("pod-security-restricted", d), ["Deployment web: hostNetwork must not be true"]);
        assert.deepStrictEqual(runResourcePolicy("pod-security-restricted", res("kubernetes:core/v1:ConfigMap", "c", { data: { hostNetwork: "true" } })), []);
    });

    it("does not judge values unknown during preview and does not throw on them", () => {
        const proxy = require("@pulumi/policy/proxy");
        const sdkSentinels = Object.entries(proxy).filter(([k]) => /^unknown.*Value$/.test(k)).map(([, v]) => v);
        assert.deepStrictEqual([...PREVIEW_SENTINELS].sort(), [...sdkSentinels].sort());
        const d = deployment("web", {
            securityContext: proxy.unknownObjectValue,
            containers: [container("app", { image: proxy.unknownStringValue, securityContext: { ...restrictedContainerSecurityContext(), runAsNonRoot: undefined }, env: [{ name: "X", value: proxy.unknownStringValue }] })],
        });
        const props = unknownCheckingProxy(d.props);
        assert.throws(() => JSON.stringify(props), /can't be known during preview/);
        const out: string[] = [];
        const policy: any = policies.find((p) => p.name === "pod-security-restricted");
        policy.validateResource({ ...d, props, getConfig: () => ({}) }, (m: string) => out.push(m));
        assert.deepStrictEqual(out, []);
        assert.deepStrictEqual(imageTagViolations(toPolicyResource({ ...d, props })), []);
    });
});

describe("image policies", () => {
    it("parses references the way runtimes resolve them", () => {
        assert.deepStrictEqual(parseImage("flink:1.20.3-java17"), { registry: "docker.io", repository: "library/flink", tag: "1.20.3-java17", digest: undefined });
        assert.deepStrictEqual(parseImage("registry.internal:5000/mirror/percona/haproxy"), { registry: "registry.internal:5000", repository: "mirror/percona/haproxy", tag: undefined, digest: undefined });
        assert.deepStrictEqual(parseImage("ghcr.io/a/b@sha256:abc"), { registry: "ghcr.io", repository: "a/b", tag: undefined, digest: "sha256:abc" });
        assert.deepStrictEqual(parseImage("index.docker.io/apache/spark:3.5.7").registry, "docker.io");
    });

    it("refuses latest and untagged images in pod specs and accepts digests", () => {
        const d = deployment("web", { containers: [container("a", { image: "nginx:latest" }), container("b", { image: "quay.io/org/tool" }), container("c", { image: "quay.io/org/tool@sha256:0f" })] });
        assert.deepStrictEqual(imageTagViolations(d), [
            'Deployment web: spec.template.spec.containers[0].image nginx:latest uses the "latest" tag; pin a version',
            "Deployment web: spec.template.spec.containers[1].image quay.io/org/tool has no tag; pin a version",
        ]);
    });

    it("finds images in operator resources and a latest tag in chart values, without requiring tags in chart values", () => {
        const pxc = res(CR.pxc, "db", { metadata: { name: "db" }, spec: { pxc: { image: "docker.io/percona/percona-xtradb-cluster:latest" }, haproxy: { image: imageRef(images.pxcHaproxy, "") } } });
        const release = res("kubernetes:helm.sh/v3:Release", "trino", { name: "trino", values: { image: { repository: "trinodb/trino", tag: "latest" }, sidecar: { image: "busybox" } } });
        assert.deepStrictEqual(imageTagViolations(pxc), ['PerconaXtraDBCluster db: spec.pxc.image docker.io/percona/percona-xtradb-cluster:latest uses the "latest" tag; pin a version']);
        assert.deepStrictEqual(imageTagViolations(release), ['Release trino: values.image.tag is "latest"; pin a version']);
    });

    it("allows the catalog's upstream registries by default and refuses others", () => {
        const ok = Object.values(images).map((pin, i) => container(`c${i}`, { image: imageRef(pin, "") }));
        assert.deepStrictEqual(imageRegistryViolations(deployment("all", { containers: ok }), DEV), []);
        const d = deployment("web", { containers: [container("app", { image: "evil.example.com/miner:1.0" })] });
        assert.deepStrictEqual(imageRegistryViolations(d, DEV), [
            "Deployment web: spec.template.spec.containers[0].image evil.example.com/miner:1.0 is not from an allowed registry (docker.io, ghcr.io, localhost:5001, quay.io, registry.k8s.io)",
        ]);
    });

    it("with imageRegistry set, allows only the mirror and the extra registries", () => {
        const mirror: PackSettings = { ...DEV, imageRegistry: "registry.internal:5000/mirror", extraRegistries: ["builds.internal"] };
        const d = deployment("web", {
            containers: [
                container("mirrored", { image: imageRef(images.flink, mirror.imageRegistry) }),
                container("built", { image: "builds.internal/kafka-connect:1.0" }),
                container("upstream", { image: imageRef(images.flink, "") }),
            ],
        });
        assert.deepStrictEqual(imageRegistryViolations(d, mirror), [
            "Deployment web: spec.template.spec.containers[2].image docker.io/flink:1.20.3-java17 is not from an allowed registry (registry.internal:5000/mirror, builds.internal)",
        ]);
    });
});

describe("service-type-allowed", () => {
    const svc = (name: string, type?: string) => res("kubernetes:core/v1:Service", name, { metadata: { name }, spec: { ...(type === undefined ? {} : { type }), ports: [{ port: 80 }] } });

    it("refuses LoadBalancer and NodePort Services by default and allows ClusterIP", () => {
        assert.deepStrictEqual(serviceTypeViolations(svc("lb", "LoadBalancer"), DEV), ["Service lb: type LoadBalancer is not allowed (allowed: ClusterIP)"]);
        assert.deepStrictEqual(serviceTypeViolations(svc("np", "NodePort"), DEV), ["Service np: type NodePort is not allowed (allowed: ClusterIP)"]);
        assert.deepStrictEqual([...serviceTypeViolations(svc("ip", "ClusterIP"), DEV), ...serviceTypeViolations(svc("default"), DEV)], []);
    });

    it("allows a type listed in the policy's allowedServiceTypes config", () => {
        assert.deepStrictEqual(runResourcePolicy("service-type-allowed", svc("lb", "LoadBalancer"), { allowedServiceTypes: ["ClusterIP", "LoadBalancer"] }), []);
        assert.deepStrictEqual(runResourcePolicy("service-type-allowed", svc("np", "NodePort"), { allowedServiceTypes: ["LoadBalancer"] }), [
            "Service np: type NodePort is not allowed (allowed: ClusterIP, LoadBalancer)",
        ]);
    });
});

describe("helm-values-no-plain-secrets", () => {
    const release = (values: Record<string, any>) => res("kubernetes:helm.sh/v3:Release", "app", { name: "app", values });

    it("flags literal passwords and secret env values by path, never quoting the value", () => {
        const out = plainSecretViolations(release({ auth: { adminPassword: "hunter2" }, extraSecretEnv: { SUPERSET_SECRET_KEY: "s3cr3t" }, env: [{ name: "DB_PASSWORD", value: "pw" }] }));
        assert.deepStrictEqual(out, [
            "Release app: values.auth.adminPassword holds a literal secret; put it in a Secret and point the chart at it",
            "Release app: values.extraSecretEnv.SUPERSET_SECRET_KEY holds a literal secret; put it in a Secret and point the chart at it",
            "Release app: values.env[0] (env DB_PASSWORD) has a literal value; put it in a Secret and point the chart at it",
        ]);
        assert.ok(out.every((m) => !/hunter2|s3cr3t|: pw/.test(m)));
    });

    it("passes references to existing Secrets", () => {
        const values = {
            auth: { existingSecret: "app-credentials", existingSecretPasswordKey: "password" },
            jdbc: { secret: { name: "pg-credentials", username: "username", password: "password" } },
            webhook: { keystore: { passwordSecretRef: { name: "keystore", key: "password" }, useDefaultPassword: false } },
            env: [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "pg", key: "password" } } }],
            secret: [{ envName: "AIRFLOW_CONN_SPARK", secretName: "airflow-connections", secretKey: "AIRFLOW_CONN_SPARK" }],
            admin: { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" },
            webserverSecretKeySecretName: "airflow-keys",
        };
        assert.deepStrictEqual(plainSecretViolations(release(values)), []);
    });
});

describe("workload reliability", () => {
    it("requires CPU and memory requests and limits on containers and init containers", () => {
        const d = deployment("web", { initContainers: [container("init", { resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "16Mi" } } })] });
        assert.deepStrictEqual(resourceViolations(d), ['Deployment web: initContainer "init" has no resources limits.cpu']);
        assert.deepStrictEqual(resourceViolations(deployment("ok")), []);
    });

    it("requires startup, readiness and liveness probes on long-running workloads only", () => {
        const d = deployment("web", { containers: [container("app", { readinessProbe: undefined, startupProbe: undefined })] });
        assert.deepStrictEqual(probeViolations(d), ['Deployment web: container "app" has no startupProbe, readinessProbe']);
        const job = res("kubernetes:batch/v1:Job", "migrate", { metadata: { name: "migrate" }, spec: { template: { spec: { containers: [{ name: "m", image: "x:1" }] } } } });
        assert.deepStrictEqual(probeViolations(job), []);
    });

    it("in prod, requires anti-affinity or topology spread for more than one replica", () => {
        const bare = deployment("web", { topologySpreadConstraints: undefined });
        assert.deepStrictEqual(spreadViolations(bare, PROD), ["Deployment web: 2 replicas without pod anti-affinity or topologySpreadConstraints"]);
        const anti = deployment("web", {
            topologySpreadConstraints: undefined,
            affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname" } }] } },
        });
        assert.deepStrictEqual([...spreadViolations(anti, PROD), ...spreadViolations(deployment("one", { topologySpreadConstraints: undefined }, 1), PROD), ...spreadViolations(bare, DEV)], []);
    });

    it("in prod, flags a replicated workload that no PodDisruptionBudget in its namespace selects", () => {
        const d = deployment("web");
        const others = [pdb("other", { matchLabels: { "app.kubernetes.io/name": "other" } }), pdb("elsewhere", { matchLabels: { "app.kubernetes.io/name": "web" } }, "platform-apps")];
        assert.deepStrictEqual(disruptionBudgetViolations([d, ...others], PROD), [{ urn: d.urn, message: "Deployment web: 2 replicas and no PodDisruptionBudget selects its pods" }]);
    });

    it("in prod, accepts a budget whose matchLabels or matchExpressions select the pods", () => {
        const d = deployment("web");
        assert.deepStrictEqual(disruptionBudgetViolations([d, pdb("web", { matchLabels: { "app.kubernetes.io/instance": "web" } })], PROD), []);
        assert.deepStrictEqual(disruptionBudgetViolations([d, pdb("web", { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["web", "api"] }] })], PROD), []);
        assert.deepStrictEqual(disruptionBudgetViolations([d, pdb("web", { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "NotIn", values: ["web"] }] })], PROD).length, 1);
    });

    it("in dev, asks for no disruption budget", () => {
        assert.deepStrictEqual(disruptionBudgetViolations([deployment("web")], DEV), []);
    });
});

describe("operator-resources-ha", () => {
    const HA_PXC = {
        pxc: { size: 3 },
        haproxy: { enabled: true, size: 2 },
        backup: { schedule: [{ name: "scheduled-full", schedule: "0 2 * * *", storageName: "s3-full" }] },
    };

    it("accepts an HA XtraDB cluster and refuses even sizes, no HAProxy, no schedule and unsafe flags", () => {
        assert.deepStrictEqual(xtradbViolations(HA_PXC), []);
        assert.deepStrictEqual(xtradbViolations({ pxc: { size: 4 }, haproxy: { enabled: false }, unsafeFlags: { pxcSize: true, proxySize: false } }), [
            "pxc.size is 4, needs an odd number of 3 or more (Galera quorum)",
            "haproxy.enabled must be true",
            "backup.schedule has no scheduled backup",
            "unsafeFlags.pxcSize must not be set",
        ]);
        assert.deepStrictEqual(xtradbViolations({ ...HA_PXC, haproxy: { enabled: true, size: 1 } }), ["haproxy.size is 1, needs 2 or more"]);
    });

    it("requires Kafka replication factor 3 and min.insync.replicas 2, numbers or strings", () => {
        assert.deepStrictEqual(kafkaViolations({ kafka: { config: { "default.replication.factor": 3, "min.insync.replicas": "2" } } }), []);
        assert.deepStrictEqual(kafkaViolations({ kafka: { config: { "default.replication.factor": 1, "min.insync.replicas": 1 } } }), [
            "kafka.config default.replication.factor is 1, needs 3 or more",
            "kafka.config min.insync.replicas is 1, needs 2 or more",
            "kafka.config min.insync.replicas (1) must be below default.replication.factor (1) so one broker can be down",
        ]);
    });

    it("counts Kafka nodes per role over a cluster's node pools", () => {
        const pool = (name: string, cluster: string, replicas: number, roles: string[]) =>
            res(CR.kafkaNodePool, name, { metadata: { name, namespace: "platform-data", labels: { "strimzi.io/cluster": cluster } }, spec: { replicas, roles } });
        const ha = [pool("controllers", "kafka", 3, ["controller"]), pool("brokers-a", "kafka", 2, ["broker"]), pool("brokers-b", "kafka", 1, ["broker"])];
        assert.deepStrictEqual(nodePoolViolations(ha), []);
        const dual = pool("dual-role", "small", 1, ["controller", "broker"]);
        assert.deepStrictEqual(nodePoolViolations([dual]), [
            { urn: dual.urn, message: "Kafka cluster platform-data/small: 1 controller node(s) over its KafkaNodePools, needs 3 or more" },
            { urn: dual.urn, message: "Kafka cluster platform-data/small: 1 broker node(s) over its KafkaNodePools, needs 3 or more" },
        ]);
    });

    it("requires 3 PostgreSQL instances and a backup method, a WAL-archiver plugin counting as one", () => {
        assert.deepStrictEqual(postgresViolations({ instances: 2 }), ["instances is 2, needs 3 or more", "no backup configured (backup.barmanObjectStore, backup.volumeSnapshot or a WAL-archiver plugin)"]);
        assert.deepStrictEqual(postgresViolations({ instances: 3, backup: { barmanObjectStore: { destinationPath: "s3://backups/postgresql/" } } }), []);
        assert.deepStrictEqual(postgresViolations({ instances: 3, plugins: [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true }] }), []);
    });

    it("requires 4 MinIO servers over all pools", () => {
        assert.deepStrictEqual(tenantViolations({ pools: [{ name: "pool-0", servers: 2 }, { name: "pool-1", servers: 2 }] }), []);
        assert.deepStrictEqual(tenantViolations({ pools: [{ name: "pool-0", servers: 1 }] }), ["pools have 1 servers in total, needs 4 or more (erasure coding)"]);
    });

    it("requires 2 Flink JobManagers and high availability with a storage directory", () => {
        const ha = { "high-availability.type": "kubernetes", "high-availability.storageDir": "s3://checkpoints/cdc/ha" };
        assert.deepStrictEqual(flinkViolations({ jobManager: { replicas: 2 }, flinkConfiguration: ha }), []);
        assert.deepStrictEqual(flinkViolations({ jobManager: { replicas: 1 }, flinkConfiguration: { "high-availability.type": "NONE" } }), [
            "jobManager.replicas is 1, needs 2 or more",
            "flinkConfiguration high-availability.type is not set",
            "flinkConfiguration high-availability.storageDir is not set",
        ]);
    });

    it("reports prod findings against the resource and nothing in dev", () => {
        const db = res(CR.pxc, "xtradb-cluster", { metadata: { name: "xtradb" }, spec: { ...HA_PXC, pxc: { size: 1 } } });
        const single = res(CR.tenant, "store", { metadata: { name: "store" }, spec: { pools: [{ servers: 1 }] } });
        assert.deepStrictEqual(operatorViolations([db, single], PROD), [
            { urn: db.urn, message: "PerconaXtraDBCluster xtradb: pxc.size is 1, needs an odd number of 3 or more (Galera quorum)" },
            { urn: single.urn, message: "Tenant store: pools have 1 servers in total, needs 4 or more (erasure coding)" },
        ]);
        assert.deepStrictEqual(operatorViolations([db, single], DEV), []);
    });
});

describe("policy pack under Pulumi's policy runner", function () {
    this.timeout(120000);
    let child: childProcess.ChildProcess | undefined;
    after(() => {
        child?.kill();
    });

    it("starts from policy/ as the CLI would and analyses a resource with the prod config", async () => {
        const grpc = require("@grpc/grpc-js");
        const pb = require("@pulumi/pulumi/proto/analyzer_pb");
        const svc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
        const structpb = require("google-protobuf/google/protobuf/struct_pb");
        const emptypb = require("google-protobuf/google/protobuf/empty_pb");
        const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
        const proc = childProcess.spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: POLICY_DIR, stdio: ["ignore", "pipe", "pipe"] });
        child = proc;
        let stderr = "";
        proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const port = await new Promise<string>((resolve, reject) => {
            proc.stdout.on("data", (d: Buffer) => resolve(d.toString().trim().split("\n")[0]));
            proc.on("exit", (code) => reject(new Error(`policy runner exited with ${code}: ${stderr}`)));
        });
        const client = new svc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        const call = (method: string, req: unknown): Promise<any> => new Promise((resolve, reject) => client[method](req, (e: Error | null, r: any) => (e ? reject(e) : resolve(r))));

        const info = await call("getAnalyzerInfo", new emptypb.Empty());
        assert.deepStrictEqual([info.getName(), info.getVersion(), info.getPoliciesList().map((p: any) => p.getName())], [PACK_NAME, "0.1.0", policies.map((p) => p.name)]);

        const levels: Record<string, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };
        const configure = new pb.ConfigureAnalyzerRequest();
        for (const [name, entry] of Object.entries(packConfig("prod"))) {
            const { enforcementLevel, ...settings } = entry;
            const pc = new pb.PolicyConfig();
            pc.setEnforcementlevel(levels[enforcementLevel]);
            pc.setProperties(structpb.Struct.fromJavaScript(settings));
            configure.getPolicyconfigMap().set(name, pc);
        }
        await call("configure", configure);

        const d = deployment("web", { topologySpreadConstraints: undefined });
        const analyze = new pb.AnalyzeRequest();
        analyze.setType(d.type);
        analyze.setName(d.name);
        analyze.setUrn(d.urn);
        analyze.setProperties(structpb.Struct.fromJavaScript(JSON.parse(JSON.stringify(d.props))));
        analyze.setOptions(new pb.AnalyzerResourceOptions());
        const result = await call("analyze", analyze);
        const diagnostics = result.getDiagnosticsList().map((x: any) => [x.getPolicyname(), x.getEnforcementlevel(), x.getMessage().split("\n").pop()]);
        client.close();
        assert.deepStrictEqual(diagnostics, [["replicas-spread", levels.mandatory, "Deployment web: 2 replicas without pod anti-affinity or topologySpreadConstraints"]]);
    });
});
