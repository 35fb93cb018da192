import { resourcePolicy } from "../lib/adapter";
import { containerSecurity, containersOf, label, podSpecOf } from "../lib/workloads";
import { Obj, PolicyResource, at, describe, isUnknown, num, objects, show, str } from "../lib/values";

/**
 * The Pod Security Standards "restricted" profile (which includes "baseline"), checked on the
 * pod spec of every Deployment, StatefulSet, DaemonSet, Job, CronJob and Pod the program creates.
 * Each control is its own function over a pod spec, returning one message per offending field.
 * Values unknown during preview are not judged.
 */

/** Volume sources the restricted profile allows. */
export const RESTRICTED_VOLUME_SOURCES: ReadonlySet<string> = new Set([
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
]);
/** The only capability the restricted profile lets a container add. */
const ADDABLE_CAPABILITIES: ReadonlySet<string> = new Set(["NET_BIND_SERVICE"]);
const SECCOMP_TYPES: ReadonlySet<string> = new Set(["RuntimeDefault", "Localhost"]);

/** Baseline: no hostNetwork, hostPID or hostIPC. */
export function hostNamespaces(pod: Obj): string[] {
    return ["hostNetwork", "hostPID", "hostIPC"].filter((f) => pod[f] === true).map((f) => `${f} must not be true`);
}

/** Baseline: no privileged container. */
export function privilegedContainers(pod: Obj): string[] {
    return containersOf(pod)
        .filter((c) => containerSecurity(c, "privileged") === true)
        .map((c) => `${label(c)}: privileged must not be true`);
}

/** Baseline: no hostPath volume. */
export function hostPathVolumes(pod: Obj): string[] {
    return objects(pod.volumes)
        .filter((v) => v.hostPath !== undefined)
        .map((v) => `volume "${str(v.name) ?? "?"}": hostPath volumes are not allowed`);
}

/** Baseline: no hostPort on any container port. */
export function hostPorts(pod: Obj): string[] {
    return containersOf(pod).flatMap((c) =>
        objects(c.spec.ports)
            .filter((p) => (num(p.hostPort) ?? 0) !== 0)
            .map((p) => `${label(c)}: hostPort ${show(p.hostPort)} is not allowed`),
    );
}

/** Restricted: volumes only of the allowed source types. */
export function volumeTypes(pod: Obj): string[] {
    return objects(pod.volumes).flatMap((v) => {
        const sources = Object.keys(v).filter((k) => k !== "name" && v[k] !== undefined && v[k] !== null);
        return sources
            .filter((s) => !RESTRICTED_VOLUME_SOURCES.has(s))
            .map((s) => `volume "${str(v.name) ?? "?"}": source ${s} is not allowed (allowed: ${[...RESTRICTED_VOLUME_SOURCES].join(", ")})`);
    });
}

/** Restricted: every container sets `allowPrivilegeEscalation: false`. */
export function privilegeEscalation(pod: Obj): string[] {
    return containersOf(pod)
        .filter((c) => {
            const v = containerSecurity(c, "allowPrivilegeEscalation");
            return v !== false && !isUnknown(v);
        })
        .map((c) => `${label(c)}: securityContext.allowPrivilegeEscalation must be false`);
}

/** Restricted: runAsNonRoot true at pod level or on every container, never false, and no runAsUser 0. */
export function runAsNonRoot(pod: Obj): string[] {
    const podLevel = at(pod, "securityContext", "runAsNonRoot");
    const podSet = podLevel === true || isUnknown(podLevel);
    const out: string[] = [];
    if (num(at(pod, "securityContext", "runAsUser")) === 0) out.push("securityContext.runAsUser must not be 0");
    for (const c of containersOf(pod)) {
        const v = containerSecurity(c, "runAsNonRoot");
        if (v === false) out.push(`${label(c)}: securityContext.runAsNonRoot must not be false`);
        else if (!podSet && v !== true && !isUnknown(v)) out.push(`${label(c)}: runAsNonRoot must be true (on the container or the pod)`);
        if (num(containerSecurity(c, "runAsUser")) === 0) out.push(`${label(c)}: securityContext.runAsUser must not be 0`);
    }
    return out;
}

/** Restricted: every container drops ALL capabilities and adds none but NET_BIND_SERVICE. */
export function capabilities(pod: Obj): string[] {
    return containersOf(pod).flatMap((c) => {
        const out: string[] = [];
        const drop = containerSecurity(c, "capabilities", "drop");
        if (!isUnknown(drop) && !(Array.isArray(drop) && (drop as unknown[]).includes("ALL"))) {
            out.push(`${label(c)}: securityContext.capabilities.drop must include ALL`);
        }
        const add = containerSecurity(c, "capabilities", "add");
        const added = Array.isArray(add) ? (add as unknown[]).filter((a): a is string => typeof a === "string") : [];
        for (const cap of added.filter((a) => !ADDABLE_CAPABILITIES.has(a))) out.push(`${label(c)}: capability ${cap} must not be added`);
        return out;
    });
}

/** Restricted: seccompProfile RuntimeDefault or Localhost, on the pod or on every container; never Unconfined. */
export function seccomp(pod: Obj): string[] {
    const podType = at(pod, "securityContext", "seccompProfile", "type");
    const podOk = isUnknown(podType) || SECCOMP_TYPES.has(str(podType) ?? "");
    const out: string[] = [];
    if (podType !== undefined && !podOk) out.push(`securityContext.seccompProfile.type ${show(podType)} is not allowed (RuntimeDefault or Localhost)`);
    for (const c of containersOf(pod)) {
        const t = containerSecurity(c, "seccompProfile", "type");
        if (isUnknown(t)) continue;
        if (t === undefined) {
            if (!podOk) out.push(`${label(c)}: seccompProfile.type must be RuntimeDefault or Localhost (on the container or the pod)`);
        } else if (!SECCOMP_TYPES.has(str(t) ?? "")) {
            out.push(`${label(c)}: securityContext.seccompProfile.type ${show(t)} is not allowed (RuntimeDefault or Localhost)`);
        }
    }
    return out;
}

/** Every control, in the order messages are reported. */
export const RESTRICTED_CONTROLS: readonly ((pod: Obj) => string[])[] = [
    hostNamespaces,
    privilegedContainers,
    hostPathVolumes,
    hostPorts,
    volumeTypes,
    privilegeEscalation,
    runAsNonRoot,
    capabilities,
    seccomp,
];

/** Violations of the restricted profile by a workload; none for other resources. */
export function podSecurityViolations(r: PolicyResource): string[] {
    const pod = podSpecOf(r);
    if (pod === undefined) return [];
    return RESTRICTED_CONTROLS.flatMap((control) => control(pod)).map((m) => `${describe(r)}: ${m}`);
}

export const podSecurityPolicy = resourcePolicy(
    {
        name: "pod-security-restricted",
        description: "Workloads meet the Pod Security Standards restricted profile: non-root, no privilege escalation, ALL capabilities dropped, RuntimeDefault seccomp, no host namespaces, ports or paths, restricted volume types.",
        category: "security",
        settings: [],
        remediationSteps: "Use restrictedPodSecurityContext() and restrictedContainerSecurityContext() from components/lib/security.ts on the pod and every container.",
    },
    (r) => podSecurityViolations(r),
);
