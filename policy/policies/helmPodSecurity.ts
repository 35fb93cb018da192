import { resourcePolicy } from "../lib/adapter";
import { Obj, PolicyResource, at, describe, isObj, isUnknown, num } from "../lib/values";
import { RESTRICTED_CONTROLS } from "./podSecurity";

/**
 * Pod security in the values the program passes to each Helm release: the pack cannot see what a
 * chart renders (releases are `helm.v3.Release`, decision 0001), but every security context,
 * container and host setting the program writes into the values is judged by the same Pod
 * Security controls as an authored pod, so a value that would weaken a chart's pods fails at
 * preview. Values the program does not pass (chart defaults) are not seen here.
 */

const RELEASE = "kubernetes:helm.sh/v3:Release";
const HOST_FIELDS: ReadonlySet<string> = new Set(["hostNetwork", "hostPID", "hostIPC"]);
/** Fields only a container security context has. */
const CONTAINER_ONLY: readonly string[] = ["allowPrivilegeEscalation", "capabilities", "privileged", "readOnlyRootFilesystem", "procMount"];

type Level = "pod" | "container";

/** A security context in values: a key ending in `securityContext` (any case), or `pod`/`container(s)` under `securityContexts` (Airflow's chart). */
function contextLevel(key: string, parentKey: string | undefined, value: Obj): Level | undefined {
    const lower = key.toLowerCase();
    const named = lower.endsWith("securitycontext");
    const airflow = parentKey === "securityContexts" && ["pod", "container", "containers"].includes(key);
    if (!named && !airflow) return undefined;
    if (lower.includes("container") || CONTAINER_ONLY.some((f) => value[f] !== undefined)) return "container";
    return "pod";
}

/** An array of container specs: every item an object with a `name` and an `image`. */
function isContainerList(v: unknown[]): v is Obj[] {
    return v.length > 0 && v.every((c) => isObj(c) && typeof c.name === "string" && typeof c.image === "string");
}

/** The restricted controls over a pod holding only these parts; messages name the values path. */
function controlsOn(pod: Obj): string[] {
    return RESTRICTED_CONTROLS.flatMap((control) => control(pod, {}));
}

/**
 * A pod-level security context: every baseline control on it and, unless a container context
 * beside it is checked together with it, runAsNonRoot and a confined seccomp profile stated.
 */
function podContextViolations(path: string, sc: Obj, alone: boolean): string[] {
    const out = controlsOn({ securityContext: sc, containers: [] }).map((m) => `${path}: ${m}`);
    if (!alone) return out;
    if (sc.runAsNonRoot !== true && !isUnknown(sc.runAsNonRoot)) out.push(`${path}: runAsNonRoot must be true`);
    const seccomp = at(sc, "seccompProfile", "type");
    // A type other than these is reported by the seccomp control above.
    if (seccomp === undefined || seccomp === null) out.push(`${path}: seccompProfile.type must be RuntimeDefault or Localhost`);
    return out;
}

/** Only removals (`null`s merged over the chart's defaults, as the OpenShift transformation writes): nothing the program states. */
function onlyRemovals(sc: Obj): boolean {
    return Object.values(sc).every((v) => v === null);
}

/** Violations in a release's values, with the values path of each. */
export function valuesPodSecurityViolations(values: unknown): string[] {
    const out: string[] = [];
    const walk = (v: unknown, path: string, key: string | undefined, parentKey: string | undefined) => {
        if (isUnknown(v) || v === null || v === undefined) return;
        if (Array.isArray(v)) {
            if (isContainerList(v)) {
                // Containers the chart renders as given: each must be restricted on its own (the chart's pod context is not known).
                out.push(...controlsOn({ containers: v }).map((m) => `${path}: ${m}`));
                return;
            }
            v.forEach((item, i) => walk(item, `${path}[${i}]`, key, parentKey));
            return;
        }
        if (!isObj(v)) return;
        const contexts = Object.entries(v).flatMap(([k, child]) => {
            const level = isObj(child) && !onlyRemovals(child) ? contextLevel(k, key, child) : undefined;
            return level === undefined ? [] : [{ key: k, level, sc: child as Obj }];
        });
        // A pod context next to a container context in the same block is the pod they run in (Superset, Trino, Grafana...).
        const podContexts = contexts.filter((c) => c.level === "pod");
        const pod = podContexts.length === 1 ? podContexts[0].sc : undefined;
        for (const [k, child] of Object.entries(v)) {
            const p = path === "" ? k : `${path}.${k}`;
            if (HOST_FIELDS.has(k) && child === true) {
                out.push(`${p} must not be true`);
                continue;
            }
            if (k === "runAsUser" && num(child) === 0) {
                out.push(`${p} must not be 0`);
                continue;
            }
            if (k === "hostPath" && typeof v.name === "string" && child !== null && child !== undefined) {
                out.push(`${p}: hostPath volumes are not allowed`);
                continue;
            }
            const context = contexts.find((c) => c.key === k);
            if (context?.level === "container") {
                const messages = RESTRICTED_CONTROLS.flatMap((control) => control({ ...(pod === undefined ? {} : { securityContext: pod }), containers: [{ name: p, securityContext: context.sc }] }, {}));
                // The pod context's own findings are reported once, under its own path.
                out.push(...messages.filter((m) => m.startsWith("container ")));
            } else if (context?.level === "pod") out.push(...podContextViolations(p, context.sc, !contexts.some((c) => c.level === "container")));
            else if (isObj(child) && onlyRemovals(child) && contextLevel(k, key, child) !== undefined) continue;
            else walk(child, p, k, key);
        }
    };
    walk(values, "", undefined, undefined);
    return out;
}

/** Violations of a Helm release's values; none for other resources. */
export function helmPodSecurityViolations(r: PolicyResource): string[] {
    if (r.type !== RELEASE) return [];
    return valuesPodSecurityViolations(r.props.values).map((m) => `${describe(r)}: values ${m}`);
}

export const helmPodSecurityPolicy = resourcePolicy(
    {
        name: "helm-values-pod-security",
        description: "Security contexts, containers and host settings in Helm release values meet the Pod Security Standards restricted profile: pod contexts non-root with a confined seccomp profile, container contexts and containers restricted on their own, no host namespaces, hostPath or UID 0.",
        category: "security",
        settings: [],
        remediationSteps: "Pass restrictedPodSecurityContext() and restrictedContainerSecurityContext() from components/lib/security.ts wherever the chart takes a security context, and give every container you pass its own restricted context.",
    },
    (r) => helmPodSecurityViolations(r),
);
