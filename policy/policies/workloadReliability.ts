import { resourcePolicy, stackPolicy } from "../lib/adapter";
import { PackSettings } from "../lib/settings";
import { isLongRunning, isReplicated, label, containersOf, podLabelsOf, podSpecOf, replicasOf, selectorMatches } from "../lib/workloads";
import { Finding, PolicyResource, at, describe, isUnknown, namespaceOf, objects, present } from "../lib/values";

/**
 * Reliability of the workloads the program authors: resources and probes on every pod, and in
 * prod, for replicated workloads, a PodDisruptionBudget and spreading across nodes.
 */

export const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const RESOURCE_FIELDS = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] as const;
const PROBES = ["startupProbe", "readinessProbe", "livenessProbe"] as const;

/** Every container and init container sets CPU and memory requests and limits. */
export function resourceViolations(r: PolicyResource): string[] {
    const pod = podSpecOf(r);
    if (pod === undefined) return [];
    return containersOf(pod, ["container", "initContainer"]).flatMap((c) => {
        const resources = c.spec.resources;
        if (isUnknown(resources)) return [];
        const missing = RESOURCE_FIELDS.filter((f) => !present(at(resources, ...f.split("."))));
        return missing.length === 0 ? [] : [`${describe(r)}: ${label(c)} has no resources ${missing.join(", ")}`];
    });
}

/** Every main container of a long-running workload has startup, readiness and liveness probes. */
export function probeViolations(r: PolicyResource): string[] {
    const pod = podSpecOf(r);
    if (pod === undefined || !isLongRunning(r)) return [];
    return containersOf(pod, ["container"]).flatMap((c) => {
        const missing = PROBES.filter((p) => !present(c.spec[p]));
        return missing.length === 0 ? [] : [`${describe(r)}: ${label(c)} has no ${missing.join(", ")}`];
    });
}

/** A Deployment or StatefulSet with more than one replica (known during preview). */
function replicated(r: PolicyResource): number | undefined {
    if (!isReplicated(r)) return undefined;
    const replicas = replicasOf(r);
    return replicas !== undefined && replicas > 1 ? replicas : undefined;
}

/** Prod: replicated workloads use pod anti-affinity or topology spread constraints. */
export function spreadViolations(r: PolicyResource, settings: PackSettings): string[] {
    if (settings.profile !== "prod") return [];
    const replicas = replicated(r);
    const pod = podSpecOf(r);
    if (replicas === undefined || pod === undefined) return [];
    const anti = at(pod, "affinity", "podAntiAffinity");
    const hasAnti =
        isUnknown(anti) ||
        objects(at(anti, "requiredDuringSchedulingIgnoredDuringExecution")).length > 0 ||
        objects(at(anti, "preferredDuringSchedulingIgnoredDuringExecution")).length > 0;
    const spread = pod.topologySpreadConstraints;
    const hasSpread = isUnknown(spread) || objects(spread).length > 0;
    if (hasAnti || hasSpread) return [];
    return [`${describe(r)}: ${replicas} replicas without pod anti-affinity or topologySpreadConstraints`];
}

/** Prod: each replicated workload is selected by a PodDisruptionBudget in its namespace. */
export function disruptionBudgetViolations(resources: readonly PolicyResource[], settings: PackSettings): Finding[] {
    if (settings.profile !== "prod") return [];
    const budgets = resources.filter((r) => r.type === PDB);
    return resources.flatMap((r) => {
        const replicas = replicated(r);
        if (replicas === undefined) return [];
        const ns = namespaceOf(r);
        const labels = podLabelsOf(r);
        const covered = budgets.some((b) => {
            const bns = namespaceOf(b);
            return (isUnknown(ns) || isUnknown(bns) || ns === bns) && selectorMatches(at(b.props, "spec", "selector"), labels);
        });
        return covered ? [] : [{ urn: r.urn, message: `${describe(r)}: ${replicas} replicas and no PodDisruptionBudget selects its pods` }];
    });
}

export const resourcesPolicy = resourcePolicy(
    {
        name: "workload-resources",
        description: "Every container and init container sets CPU and memory requests and limits.",
        category: "reliability",
        settings: [],
        remediationSteps: "Set resources with resourceRequirements() from components/lib/security.ts, sized in components/config.ts.",
    },
    (r) => resourceViolations(r),
);

export const probesPolicy = resourcePolicy(
    {
        name: "workload-probes",
        description: "Every container of a Deployment, StatefulSet, DaemonSet or Pod has startup, readiness and liveness probes.",
        category: "reliability",
        settings: [],
        remediationSteps: "Add startupProbe, readinessProbe and livenessProbe to each main container.",
    },
    (r) => probeViolations(r),
);

export const spreadPolicy = resourcePolicy(
    {
        name: "replicas-spread",
        description: "In prod, a Deployment or StatefulSet with more than one replica uses pod anti-affinity or topology spread constraints.",
        category: "reliability",
        settings: ["profile"],
        remediationSteps: "Add affinity.podAntiAffinity or topologySpreadConstraints on kubernetes.io/hostname, selecting the workload's pods.",
    },
    (r, s) => spreadViolations(r, s),
);

export const disruptionBudgetPolicy = stackPolicy(
    {
        name: "replicas-disruption-budget",
        description: "In prod, every Deployment or StatefulSet with more than one replica is selected by a PodDisruptionBudget.",
        category: "reliability",
        settings: ["profile"],
        remediationSteps: "Create a policy/v1 PodDisruptionBudget (maxUnavailable: 1) in the workload's namespace whose selector matches its pod labels.",
    },
    (resources, s) => disruptionBudgetViolations(resources, s),
);
