import { resourcePolicy } from "../lib/adapter";
import { podViewsOf } from "../lib/pods";
import { containerSecurity, containersOf, label } from "../lib/workloads";
import { Obj, PolicyResource, at, describe, isObj, isUnknown, num, objects, show, str } from "../lib/values";

/**
 * The Pod Security Standards "restricted" profile (which includes "baseline"), every control of
 * both levels, checked on every pod a resource asks for: the pod template of every Deployment,
 * StatefulSet, DaemonSet, Job, CronJob and Pod, and the pods operators build from the custom
 * resources the program authors (`lib/pods.ts`). Each control is its own function over a pod spec
 * and the pod's annotations, returning one message per offending field. Values unknown during
 * preview are not judged.
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

/** Baseline: no Windows HostProcess container (pod or container `windowsOptions.hostProcess`). */
export function hostProcess(pod: Obj): string[] {
    const out: string[] = [];
    if (at(pod, "securityContext", "windowsOptions", "hostProcess") === true) out.push("securityContext.windowsOptions.hostProcess must not be true");
    for (const c of containersOf(pod)) {
        if (containerSecurity(c, "windowsOptions", "hostProcess") === true) out.push(`${label(c)}: securityContext.windowsOptions.hostProcess must not be true`);
    }
    return out;
}

/** AppArmor profile types baseline allows (besides leaving it unset). */
const APPARMOR_TYPES: ReadonlySet<string> = new Set(["RuntimeDefault", "Localhost"]);
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

/** Baseline: AppArmor not Unconfined, neither in `appArmorProfile` (pod, containers) nor in the legacy per-container annotation. */
export function appArmor(pod: Obj, annotations: Obj = {}): string[] {
    const out: string[] = [];
    const check = (where: string, type: unknown) => {
        if (type === undefined || type === null || isUnknown(type)) return;
        if (!APPARMOR_TYPES.has(str(type) ?? "")) out.push(`${where}appArmorProfile.type ${show(type)} is not allowed (RuntimeDefault or Localhost)`);
    };
    check("securityContext.", at(pod, "securityContext", "appArmorProfile", "type"));
    for (const c of containersOf(pod)) check(`${label(c)}: securityContext.`, containerSecurity(c, "appArmorProfile", "type"));
    for (const [key, value] of Object.entries(annotations)) {
        if (!key.startsWith(APPARMOR_ANNOTATION) || isUnknown(value)) continue;
        const v = str(value) ?? "";
        if (v !== "runtime/default" && !v.startsWith("localhost/")) out.push(`annotation ${key}: ${show(value)} is not allowed (runtime/default or localhost/*)`);
    }
    return out;
}

/** SELinux types baseline allows (besides leaving it unset). */
const SELINUX_TYPES: ReadonlySet<string> = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

function seLinuxMessages(where: string, options: unknown): string[] {
    if (!isObj(options)) return [];
    const out: string[] = [];
    const type = options.type;
    if (type !== undefined && type !== null && !isUnknown(type) && !SELINUX_TYPES.has(str(type) ?? "?")) out.push(`${where}seLinuxOptions.type ${show(type)} is not allowed (container_t, container_init_t, container_kvm_t, container_engine_t)`);
    for (const f of ["user", "role"]) {
        const v = options[f];
        if (v !== undefined && v !== null && v !== "" && !isUnknown(v)) out.push(`${where}seLinuxOptions.${f} must not be set`);
    }
    return out;
}

/** Baseline: SELinux type only a container type, no custom user or role, on the pod and every container. */
export function seLinux(pod: Obj): string[] {
    return [
        ...seLinuxMessages("securityContext.", at(pod, "securityContext", "seLinuxOptions")),
        ...containersOf(pod).flatMap((c) => seLinuxMessages(`${label(c)}: securityContext.`, containerSecurity(c, "seLinuxOptions"))),
    ];
}

/** Baseline: the default /proc mask on every container (`procMount` unset or Default). */
export function procMount(pod: Obj): string[] {
    return containersOf(pod).flatMap((c) => {
        const v = containerSecurity(c, "procMount");
        return v === undefined || v === null || v === "Default" || isUnknown(v) ? [] : [`${label(c)}: securityContext.procMount ${show(v)} is not allowed (Default)`];
    });
}

/** The sysctls baseline allows (Pod Security Standards, version latest). */
export const SAFE_SYSCTLS: ReadonlySet<string> = new Set([
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
]);

/** Baseline: only the safe sysctls. */
export function sysctls(pod: Obj): string[] {
    return objects(at(pod, "securityContext", "sysctls"))
        .filter((s) => !isUnknown(s.name) && !SAFE_SYSCTLS.has(str(s.name) ?? ""))
        .map((s) => `securityContext.sysctls: ${show(s.name)} is not a safe sysctl`);
}

/** Every control, in the order messages are reported. */
export const RESTRICTED_CONTROLS: readonly ((pod: Obj, annotations: Obj) => string[])[] = [
    hostProcess,
    hostNamespaces,
    privilegedContainers,
    hostPathVolumes,
    hostPorts,
    volumeTypes,
    privilegeEscalation,
    runAsNonRoot,
    capabilities,
    seccomp,
    appArmor,
    seLinux,
    procMount,
    sysctls,
];

/** Violations of the restricted profile by every pod the resource asks for; none for resources without pods. */
export function podSecurityViolations(r: PolicyResource): string[] {
    return podViewsOf(r).flatMap((view) => {
        const where = view.at === "" ? describe(r) : `${describe(r)} ${view.at}`;
        return RESTRICTED_CONTROLS.flatMap((control) => control(view.spec, view.annotations)).map((m) => `${where}: ${m}`);
    });
}

export const podSecurityPolicy = resourcePolicy(
    {
        name: "pod-security-restricted",
        description: "Every pod of a workload or of an operator custom resource (Flink, Spark, CloudNativePG, Strimzi, Percona XtraDB, MinIO) meets the Pod Security Standards restricted profile, baseline included: non-root, no privilege escalation, ALL capabilities dropped, RuntimeDefault seccomp, no host namespaces, processes, ports or paths, restricted volume types, no unconfined AppArmor, custom SELinux, unmasked /proc or unsafe sysctls.",
        category: "security",
        settings: [],
        remediationSteps: "Use restrictedPodSecurityContext() and restrictedContainerSecurityContext() from components/lib/security.ts on the pod and every container, or on the custom resource's pod and container security contexts.",
    },
    (r) => podSecurityViolations(r),
);
