import * as assert from "assert";
import { images } from "../components/catalog";
import { imageRef } from "../components/lib/images";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../components/lib/security";
import { packConfig, policies } from "../policy/pack";
import { CR } from "../policy/lib/customResources";
import { PolicyResource } from "../policy/lib/values";

// No policy of the pack can pass on every input: each one, through its real validate function and
// the prod config, reports a violation on an input made to break it, and a policy added without
// such an input fails here. (That each passes the compliant program is tests/policyProgram.test.ts.)

function res(type: string, name: string, props: Record<string, any>): PolicyResource {
    return { type, name, urn: `urn:pulumi:prod::analytics-platform::${type}::${name}`, props };
}

const probe = { httpGet: { path: "/health", port: 8080 } };
const sized = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } };
const good = { name: "app", image: imageRef(images.karapace, ""), securityContext: restrictedContainerSecurityContext(), resources: sized, startupProbe: probe, readinessProbe: probe, livenessProbe: probe };

/** A restricted, sized, probed Deployment of one replica; `container` and `pod` entries override. */
function deployment(container: Record<string, any> = {}, pod: Record<string, any> = {}, replicas = 1): PolicyResource {
    const labels = { app: "web" };
    return res("kubernetes:apps/v1:Deployment", "web", {
        metadata: { name: "web", namespace: "platform-apps" },
        spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { securityContext: restrictedPodSecurityContext(), containers: [{ ...good, ...container }], ...pod } } },
    });
}

const release = (values: Record<string, unknown>) => res("kubernetes:helm.sh/v3:Release", "chart", { metadata: { name: "chart" }, values });
const service = (type: string) => res("kubernetes:core/v1:Service", "web", { metadata: { name: "web" }, spec: { type, ports: [{ port: 80 }] } });
const spread = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "web" } } }] };
const budget = res("kubernetes:policy/v1:PodDisruptionBudget", "web", { metadata: { name: "web", namespace: "platform-apps" }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } } });
const kafka = (rf: number, isr: number) => res(CR.kafka, "kafka", { metadata: { name: "kafka" }, spec: { kafka: { config: { "default.replication.factor": rf, "min.insync.replicas": isr } } } });

/** Per policy, inputs that break it (only in what its name says) and the same inputs mended. */
const CASES: Record<string, { readonly breaks: PolicyResource[]; readonly mended: PolicyResource[] }> = {
    "pod-security-restricted": { breaks: [deployment({}, { hostNetwork: true })], mended: [deployment({}, { hostNetwork: false })] },
    "image-tag-pinned": { breaks: [deployment({ image: "docker.io/library/busybox:latest" })], mended: [deployment()] },
    "image-registry-allowed": { breaks: [deployment({ image: "registry.invalid/tools/busybox:1.37" })], mended: [deployment()] },
    "service-type-allowed": { breaks: [service("LoadBalancer")], mended: [service("ClusterIP")] },
    "helm-values-no-plain-secrets": { breaks: [release({ auth: { password: "not-a-reference" } })], mended: [release({ auth: { existingSecret: "chart-auth" } })] },
    "helm-values-pod-security": { breaks: [release({ worker: { hostPID: true } })], mended: [release({ worker: { hostPID: false } })] },
    "workload-resources": { breaks: [deployment({ resources: undefined })], mended: [deployment()] },
    "workload-probes": { breaks: [deployment({ livenessProbe: undefined })], mended: [deployment()] },
    "replicas-spread": { breaks: [deployment({}, {}, 3)], mended: [deployment({}, spread, 3)] },
    "replicas-disruption-budget": { breaks: [deployment({}, spread, 3)], mended: [deployment({}, spread, 3), budget] },
    "operator-resources-ha": { breaks: [kafka(1, 1)], mended: [kafka(3, 2)] },
};

/** The messages a policy object reports over these resources with the prod config. */
function run(policy: any, resources: PolicyResource[]): string[] {
    const { enforcementLevel, ...settings } = packConfig("prod")[policy.name];
    assert.strictEqual(enforcementLevel, "mandatory");
    const getConfig = () => settings;
    const out: string[] = [];
    if ("validateResource" in policy) for (const r of resources) policy.validateResource({ ...r, getConfig }, (m: string) => out.push(m));
    else policy.validateStack({ resources, getConfig }, (m: string) => out.push(m));
    return out;
}

describe("every policy of the pack can fail", () => {
    it("has a breaking input for each policy and for no other name", () => {
        assert.deepStrictEqual(Object.keys(CASES).sort(), policies.map((p) => p.name).sort());
    });

    for (const policy of policies) {
        it(`${policy.name} reports its breaking input and passes the same input mended`, () => {
            assert.ok(run(policy, CASES[policy.name].breaks).length > 0, `${policy.name} reported nothing`);
            assert.deepStrictEqual(run(policy, CASES[policy.name].mended), []);
        });
    }
});
