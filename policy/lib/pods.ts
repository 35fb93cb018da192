import { CR } from "./customResources";
import { Obj, PolicyResource, UNKNOWN, at, isObj, isUnknown, objects } from "./values";
import { podSpecOf, workloadTemplateOf } from "./workloads";

/**
 * Every pod a resource asks Kubernetes for, as a pod spec the Pod Security controls can read:
 * the pod template of a workload, and the pods an operator builds from a custom resource the
 * program authors. A custom resource carries only parts of its pods (a pod security context, one
 * container security context per container kind, a pod template to merge); the view holds those
 * parts where a pod spec would, with one entry per container the operator runs from them, so
 * what the resource leaves unset counts as unset. Field paths follow the operators' CRDs at the
 * versions components/catalog.ts pins.
 */

export interface PodView {
    /** Where the pod comes from in the resource, e.g. `spec.pools[0]`; empty for a workload's own template. */
    readonly at: string;
    /** A pod spec: `securityContext`, `containers`, `initContainers`, `volumes`, host fields. */
    readonly spec: Obj;
    /** The pod's annotations (AppArmor profiles may be given there). */
    readonly annotations: Obj;
}

/** A container entry of a view: its name and security context as the resource states it. */
function containerOf(name: string, securityContext: unknown, rest: Obj = {}): Obj {
    return { ...rest, name, securityContext };
}

function annotationsOf(metadata: unknown): Obj {
    const a = at(metadata, "annotations");
    return isObj(a) ? a : {};
}

function present(v: unknown): boolean {
    return v !== undefined && v !== null;
}

/**
 * Flink's operator merges the role's pod template over the shared `podTemplate`: objects key by
 * key, lists position by position (`kubernetes.operator.pod-template.merge-arrays-by-name` is off
 * by default), the role's values winning.
 */
export function mergePodTemplates(base: unknown, override: unknown): unknown {
    if (isUnknown(base) || isUnknown(override)) return UNKNOWN;
    if (override === undefined || override === null) return base;
    if (base === undefined || base === null) return override;
    if (Array.isArray(base) && Array.isArray(override)) {
        const n = Math.max(base.length, override.length);
        return Array.from({ length: n }, (_, i) => mergePodTemplates((base as unknown[])[i], (override as unknown[])[i]));
    }
    if (isObj(base) && isObj(override)) {
        const keys = new Set([...Object.keys(base), ...Object.keys(override)]);
        return Object.fromEntries([...keys].map((k) => [k, mergePodTemplates(base[k], override[k])]));
    }
    return override;
}

/** The container the Flink operator runs Flink in; its settings come from the template's container of that name. */
export const FLINK_MAIN_CONTAINER = "flink-main-container";

/** FlinkDeployment: the JobManager and TaskManager pods, each the shared `podTemplate` merged with the role's. */
function flinkPods(spec: Obj): PodView[] {
    return (["jobManager", "taskManager"] as const).map((role) => {
        const merged = mergePodTemplates(at(spec, "podTemplate"), at(spec, role, "podTemplate"));
        const podSpec = at(merged, "spec");
        if (isUnknown(merged) || isUnknown(podSpec)) return { at: `spec.${role}`, spec: {}, annotations: {} };
        const pod: Obj = isObj(podSpec) ? { ...podSpec } : {};
        const containers = objects(pod.containers);
        // The operator adds the main container when the template has none of that name: it then has no security context.
        if (!containers.some((c) => c.name === FLINK_MAIN_CONTAINER)) pod.containers = [...containers, { name: FLINK_MAIN_CONTAINER }];
        return { at: `spec.${role}`, spec: pod, annotations: annotationsOf(at(merged, "metadata")) };
    });
}

/** SparkApplication: the driver and executor pods (`podSecurityContext`, the Spark container's `securityContext`, sidecars, init containers). */
function sparkPods(spec: Obj): PodView[] {
    return (["driver", "executor"] as const).map((role) => {
        const r = at(spec, role);
        const pod: Obj = {
            securityContext: at(r, "podSecurityContext"),
            hostNetwork: at(r, "hostNetwork"),
            containers: [containerOf(`spark-kubernetes-${role}`, at(r, "securityContext"), { ports: at(r, "ports") }), ...objects(at(r, "sidecars"))],
            initContainers: objects(at(r, "initContainers")),
            volumes: at(spec, "volumes"),
        };
        return { at: `spec.${role}`, spec: pod, annotations: isObj(at(r, "annotations")) ? (at(r, "annotations") as Obj) : {} };
    });
}

/**
 * CloudNativePG Cluster: every instance pod. `podSecurityContext` and `securityContext` (applied to
 * every container) replace the operator's defaults when set; `seccompProfile` defaults to
 * RuntimeDefault (CRD) and applies to the pod and every container.
 */
function postgresPods(spec: Obj): PodView[] {
    const seccomp = at(spec, "seccompProfile") ?? { type: "RuntimeDefault" };
    const podContext = at(spec, "podSecurityContext");
    const pod: Obj = {
        securityContext: isObj(podContext) ? { seccompProfile: seccomp, ...podContext } : { seccompProfile: seccomp },
        containers: [containerOf("postgres", at(spec, "securityContext"))],
    };
    return [{ at: "spec", spec: pod, annotations: {} }];
}

/** A Strimzi pod: `template.pod` (security context, host settings, volumes) and the named container templates. */
function strimziPod(where: string, template: unknown, containers: readonly string[]): PodView {
    const pod = at(template, "pod");
    const spec: Obj = {
        securityContext: at(pod, "securityContext"),
        hostNetwork: at(pod, "hostNetwork"),
        volumes: at(pod, "volumes"),
        containers: containers.map((c) => containerOf(c, at(template, c, "securityContext"))),
    };
    return { at: where, spec, annotations: annotationsOf(at(pod, "metadata")) };
}

/** Kafka: the entity operator, Cruise Control and Kafka Exporter pods when enabled (brokers and controllers come from the node pools). */
function kafkaPods(spec: Obj): PodView[] {
    const out: PodView[] = [];
    const eo = at(spec, "entityOperator");
    if (present(eo)) {
        const containers = [
            ...(present(at(eo, "topicOperator")) ? ["topicOperatorContainer"] : []),
            ...(present(at(eo, "userOperator")) ? ["userOperatorContainer"] : []),
        ];
        out.push(strimziPod("spec.entityOperator", at(eo, "template"), containers));
    }
    if (present(at(spec, "cruiseControl"))) out.push(strimziPod("spec.cruiseControl", at(spec, "cruiseControl", "template"), ["cruiseControlContainer"]));
    if (present(at(spec, "kafkaExporter"))) out.push(strimziPod("spec.kafkaExporter", at(spec, "kafkaExporter", "template"), ["container"]));
    return out;
}

/** PerconaXtraDBCluster: PXC pods (with the init and enabled side containers), HAProxy or ProxySQL pods, one backup pod per storage. */
function xtradbPods(spec: Obj): PodView[] {
    const enabled = (part: string) => at(spec, part, "enabled") === true;
    const sidecars = (["logcollector", "pmm"] as const).filter(enabled).map((s) => containerOf(s, at(spec, s, "containerSecurityContext")));
    const out: PodView[] = [
        {
            at: "spec.pxc",
            spec: {
                securityContext: at(spec, "pxc", "podSecurityContext"),
                containers: [containerOf("pxc", at(spec, "pxc", "containerSecurityContext")), ...sidecars],
                initContainers: [containerOf("pxc-init", at(spec, "initContainer", "containerSecurityContext"))],
            },
            annotations: annotationsOf({ annotations: at(spec, "pxc", "annotations") }),
        },
    ];
    for (const proxy of ["haproxy", "proxysql"] as const) {
        if (!enabled(proxy)) continue;
        out.push({
            at: `spec.${proxy}`,
            spec: {
                securityContext: at(spec, proxy, "podSecurityContext"),
                containers: [containerOf(proxy, at(spec, proxy, "containerSecurityContext")), ...sidecars.filter((c) => c.name === "pmm")],
            },
            annotations: annotationsOf({ annotations: at(spec, proxy, "annotations") }),
        });
    }
    const storages = at(spec, "backup", "storages");
    if (isObj(storages)) {
        for (const [name, storage] of Object.entries(storages)) {
            out.push({
                at: `spec.backup.storages.${name}`,
                spec: { securityContext: at(storage, "podSecurityContext"), containers: [containerOf("xtrabackup", at(storage, "containerSecurityContext"))] },
                annotations: annotationsOf({ annotations: at(storage, "annotations") }),
            });
        }
    }
    return out;
}

/** MinIO Tenant: each pool's pods (`securityContext`, `containerSecurityContext`), and KES when configured. */
function tenantPods(spec: Obj): PodView[] {
    const pools = at(spec, "pools");
    if (isUnknown(pools)) return [];
    const out: PodView[] = objects(pools).map((pool, i) => ({
        at: `spec.pools[${i}]`,
        spec: { securityContext: pool.securityContext, containers: [containerOf("minio", pool.containerSecurityContext)] },
        annotations: annotationsOf({ annotations: pool.annotations }),
    }));
    const kes = at(spec, "kes");
    if (isObj(kes)) out.push({ at: "spec.kes", spec: { securityContext: kes.securityContext, containers: [containerOf("kes", kes.containerSecurityContext)] }, annotations: annotationsOf({ annotations: kes.annotations }) });
    return out;
}

/** KafkaConnect: the workers and, with `build`, the pod that builds the connector image. */
function connectPods(spec: Obj): PodView[] {
    const template = at(spec, "template");
    const out = [strimziPod("spec", template, ["connectContainer"])];
    if (present(at(spec, "build"))) {
        const buildPod = at(template, "buildPod");
        out.push({
            at: "spec.build",
            spec: { securityContext: at(buildPod, "securityContext"), containers: [containerOf("build", at(template, "buildContainer", "securityContext"))] },
            annotations: annotationsOf(at(buildPod, "metadata")),
        });
    }
    return out;
}

/** Pods of each custom resource kind the program authors, from its `spec`. */
const CR_PODS: Record<string, (spec: Obj) => PodView[]> = {
    [CR.flink]: flinkPods,
    [CR.spark]: sparkPods,
    [CR.pgCluster]: postgresPods,
    [CR.kafka]: kafkaPods,
    [CR.kafkaNodePool]: (spec) => [strimziPod("spec", at(spec, "template"), ["kafkaContainer"])],
    [CR.kafkaConnect]: connectPods,
    [CR.pxc]: xtradbPods,
    [CR.tenant]: tenantPods,
};

/** The custom resource types whose pods the pack inspects. */
export const CR_WITH_PODS: readonly string[] = Object.keys(CR_PODS);

/** Every pod the resource asks for; none for resources without pods, or while the spec is unknown. */
export function podViewsOf(r: PolicyResource): PodView[] {
    const template = podSpecOf(r);
    if (template !== undefined) return [{ at: "", spec: template, annotations: annotationsOf(workloadTemplateOf(r)?.metadata) }];
    const extract = CR_PODS[r.type] as ((spec: Obj) => PodView[]) | undefined;
    const spec = at(r.props, "spec");
    if (extract === undefined || !isObj(spec)) return [];
    return extract(spec);
}
