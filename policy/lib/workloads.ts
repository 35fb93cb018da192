import { Obj, PolicyResource, at, isObj, isUnknown, num, objects, str } from "./values";

/** Type tokens of the objects that carry a pod spec, as the Kubernetes provider registers them. */
export const WORKLOAD = {
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    pod: "kubernetes:core/v1:Pod",
} as const;

const WORKLOAD_TYPES: ReadonlySet<string> = new Set(Object.values(WORKLOAD));
/** Workloads whose pods run until stopped, so probes apply (Jobs run to completion). */
const LONG_RUNNING: ReadonlySet<string> = new Set([WORKLOAD.deployment, WORKLOAD.statefulSet, WORKLOAD.daemonSet, WORKLOAD.pod]);
/** Workloads with `spec.replicas`. */
const REPLICATED: ReadonlySet<string> = new Set([WORKLOAD.deployment, WORKLOAD.statefulSet]);

export function isWorkload(r: PolicyResource): boolean {
    return WORKLOAD_TYPES.has(r.type);
}

export function isLongRunning(r: PolicyResource): boolean {
    return LONG_RUNNING.has(r.type);
}

export function isReplicated(r: PolicyResource): boolean {
    return REPLICATED.has(r.type);
}

/** Where the pod template sits: `spec` for a Pod, `spec.jobTemplate.spec.template` for a CronJob, `spec.template` otherwise. */
function templatePath(type: string): string[] {
    if (type === WORKLOAD.pod) return [];
    if (type === WORKLOAD.cronJob) return ["spec", "jobTemplate", "spec", "template"];
    return ["spec", "template"];
}

/** The pod template (`metadata` and `spec`) of a workload; undefined for other resources or while unknown. */
export function workloadTemplateOf(r: PolicyResource): Obj | undefined {
    if (!isWorkload(r)) return undefined;
    const template = at(r.props, ...templatePath(r.type));
    return isObj(template) ? template : undefined;
}

/** The pod spec of a workload; undefined for other resources or while unknown. */
export function podSpecOf(r: PolicyResource): Obj | undefined {
    if (!isWorkload(r)) return undefined;
    const spec = at(r.props, ...templatePath(r.type), "spec");
    return isObj(spec) ? spec : undefined;
}

/** The labels the workload's pods get (a Pod's own labels). */
export function podLabelsOf(r: PolicyResource): Record<string, string> {
    const labels = at(r.props, ...templatePath(r.type), "metadata", "labels");
    if (!isObj(labels)) return {};
    return Object.fromEntries(Object.entries(labels).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])));
}

/** `spec.replicas` of a Deployment or StatefulSet (1 when absent), undefined while unknown or for other kinds. */
export function replicasOf(r: PolicyResource): number | undefined {
    if (!isReplicated(r)) return undefined;
    const replicas = at(r.props, "spec", "replicas");
    if (replicas === undefined || replicas === null) return 1;
    return num(replicas);
}

export type ContainerKind = "container" | "initContainer" | "ephemeralContainer";

export interface Container {
    readonly kind: ContainerKind;
    readonly name: string;
    readonly spec: Obj;
}

const LISTS: Record<ContainerKind, string> = { container: "containers", initContainer: "initContainers", ephemeralContainer: "ephemeralContainers" };

/** The pod's containers of the given kinds, in spec order. */
export function containersOf(pod: Obj, kinds: readonly ContainerKind[] = ["container", "initContainer", "ephemeralContainer"]): Container[] {
    return kinds.flatMap((kind) => objects(pod[LISTS[kind]]).map((spec, i) => ({ kind, name: str(spec.name) ?? `#${i}`, spec })));
}

/** `container "app"`, `initContainer "setup"`: how messages name a container. */
export function label(c: Container): string {
    return `${c.kind} "${c.name}"`;
}

/** Value at a path of the container's securityContext. */
export function containerSecurity(c: Container, ...path: string[]): unknown {
    return at(c.spec, "securityContext", ...path);
}

/** A label selector (matchLabels and matchExpressions) matches the labels; an empty selector matches everything. */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
    if (isUnknown(selector)) return true;
    if (!isObj(selector)) return true;
    const matchLabels = selector.matchLabels;
    if (isUnknown(matchLabels)) return true;
    if (isObj(matchLabels)) {
        for (const [k, v] of Object.entries(matchLabels)) {
            if (isUnknown(v)) continue;
            if (labels[k] !== v) return false;
        }
    }
    for (const expr of objects(selector.matchExpressions)) {
        const key = str(expr.key);
        const operator = str(expr.operator);
        if (key === undefined || operator === undefined) continue;
        const values = Array.isArray(expr.values) ? (expr.values as unknown[]).filter((v): v is string => typeof v === "string") : [];
        const has = Object.prototype.hasOwnProperty.call(labels, key);
        const ok =
            operator === "In" ? has && values.includes(labels[key])
            : operator === "NotIn" ? !has || !values.includes(labels[key])
            : operator === "Exists" ? has
            : operator === "DoesNotExist" ? !has
            : true;
        if (!ok) return false;
    }
    return true;
}
