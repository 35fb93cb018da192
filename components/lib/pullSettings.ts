import * as pulumi from "@pulumi/pulumi";
import { PullPolicy } from "./images";

/**
 * `imagePullPolicy` and `imagePullSecrets` for everything the platform creates, applied by one
 * transformation on every component (like the OpenShift one) rather than in each component:
 *
 * - workloads the platform authors (Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs,
 *   CronJobs): the pod template's `imagePullSecrets` (appended to any it has), and the policy on
 *   every container and init container;
 * - operator custom resources, at the fields their CRDs define for it ({@link CUSTOM_RESOURCES});
 * - Helm releases, at the values keys each chart reads ({@link CHART_VALUES}).
 *
 * Where a chart or CRD takes one pull Secret only (MinIO's Tenant, Airflow's `registry.secretName`)
 * the first is used; where it has no pull-policy field (Strimzi's operands) the operator's default stays.
 */

export interface PullSettings {
    readonly policy?: PullPolicy;
    /** Secret names, in order. */
    readonly secrets: readonly string[];
}

type Obj = Record<string, unknown>;
type Path = readonly string[];

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v) && !pulumi.Output.isInstance(v) && !pulumi.Resource.isInstance(v);

/** A copy of `value` with `edit` applied at `path`, creating objects on the way; Outputs are edited once known. */
export function editAt(value: unknown, path: Path, edit: (current: unknown) => unknown): unknown {
    if (pulumi.Output.isInstance(value)) return value.apply((v) => editAt(v, path, edit));
    if (path.length === 0) return edit(value);
    const base: Obj = isObj(value) ? value : {};
    const [head, ...rest] = path;
    return { ...base, [head]: editAt(base[head], rest, edit) };
}

/** `[{name}]` references, appended to a list that may already hold some (each name once). */
function withSecrets(current: unknown, secrets: readonly string[]): unknown {
    if (pulumi.Output.isInstance(current)) return current.apply((c) => withSecrets(c, secrets));
    const existing = Array.isArray(current) ? (current as unknown[]) : [];
    const have = new Set(existing.map((x) => (isObj(x) ? x.name : undefined)));
    return [...existing, ...secrets.filter((name) => !have.has(name)).map((name) => ({ name }))];
}

/** A pod spec with the pull Secrets added and the policy on each container and init container. */
export function podSpecWithPull(spec: unknown, s: PullSettings): unknown {
    let out = spec;
    if (s.secrets.length > 0) out = editAt(out, ["imagePullSecrets"], (c) => withSecrets(c, s.secrets));
    if (s.policy !== undefined) {
        const policy = s.policy;
        for (const list of ["containers", "initContainers"]) {
            out = editAt(out, [list], (cs) => (Array.isArray(cs) ? cs.map((c) => editAt(c, ["imagePullPolicy"], () => policy)) : cs));
        }
    }
    return out;
}

/** Where each workload kind keeps its pod spec. */
const POD_SPECS: Record<string, Path> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** A pull setting at one path: Secrets as a `[{name}]` list, as plain names, as one `{name}`, or the policy. */
interface Field {
    readonly path: Path;
    readonly kind: "secrets" | "oneSecret" | "oneSecretName" | "policy";
}

const secrets = (...path: string[]): Field => ({ path, kind: "secrets" });
const policy = (...path: string[]): Field => ({ path, kind: "policy" });

/** Operator custom resources: the fields of their CRDs (reference CRDs under the versions the catalog pins). */
export const CUSTOM_RESOURCES: Record<string, readonly Field[]> = {
    "kubernetes:postgresql.cnpg.io/v1:Cluster": [secrets("spec", "imagePullSecrets"), policy("spec", "imagePullPolicy")],
    "kubernetes:pxc.percona.com/v1:PerconaXtraDBCluster": [
        ...["pxc", "haproxy", "backup"].flatMap((part) => [secrets("spec", part, "imagePullSecrets"), policy("spec", part, "imagePullPolicy")]),
    ],
    "kubernetes:minio.min.io/v2:Tenant": [{ path: ["spec", "imagePullSecret"], kind: "oneSecret" }, policy("spec", "imagePullPolicy")],
    "kubernetes:flink.apache.org/v1beta1:FlinkDeployment": [secrets("spec", "podTemplate", "spec", "imagePullSecrets"), policy("spec", "imagePullPolicy")],
    "kubernetes:kafka.strimzi.io/v1:Kafka": [secrets("spec", "kafka", "template", "pod", "imagePullSecrets"), secrets("spec", "entityOperator", "template", "pod", "imagePullSecrets")],
    "kubernetes:kafka.strimzi.io/v1:KafkaNodePool": [secrets("spec", "template", "pod", "imagePullSecrets")],
    "kubernetes:kafka.strimzi.io/v1:KafkaConnect": [secrets("spec", "template", "pod", "imagePullSecrets")],
};

/** Helm charts by name: the values keys the chart's templates read (reference values of the pinned versions). */
export const CHART_VALUES: Record<string, readonly Field[]> = {
    "cert-manager": [
        secrets("global", "imagePullSecrets"),
        ...[[], ["webhook"], ["cainjector"], ["acmesolver"], ["startupapicheck"]].map((p) => policy(...p, "image", "pullPolicy")),
    ],
    "cloudnative-pg": [secrets("imagePullSecrets"), policy("image", "pullPolicy")],
    // The Deployment template reads imagePullSecrets and sets no pull policy; the sidecar it injects
    // into PostgreSQL pods pulls with the Cluster's Secrets.
    "plugin-barman-cloud": [secrets("imagePullSecrets")],
    superset: [secrets("imagePullSecrets"), policy("image", "pullPolicy")],
    "pxc-operator": [secrets("imagePullSecrets"), policy("imagePullPolicy")],
    // The operator's own pod; its operands get theirs through the Kafka, KafkaNodePool and KafkaConnect templates.
    "strimzi-kafka-operator": [secrets("image", "imagePullSecrets")],
    operator: [secrets("operator", "imagePullSecrets"), policy("operator", "image", "pullPolicy"), policy("operator", "sidecarImage", "pullPolicy")],
    nessie: [secrets("imagePullSecrets"), policy("image", "pullPolicy")],
    "flink-kubernetes-operator": [secrets("imagePullSecrets"), policy("image", "pullPolicy")],
    "spark-operator": [secrets("image", "pullSecrets"), policy("image", "pullPolicy")],
    trino: [secrets("imagePullSecrets"), policy("image", "pullPolicy")],
    airflow: [{ path: ["registry", "secretName"], kind: "oneSecretName" }, policy("images", "airflow", "pullPolicy"), policy("images", "statsd", "pullPolicy")],
    "kube-prometheus-stack": [secrets("global", "imagePullSecrets")],
};

function apply(props: unknown, fields: readonly Field[], s: PullSettings): unknown {
    let out = props;
    for (const f of fields) {
        if (f.kind === "policy") {
            if (s.policy !== undefined) out = editAt(out, f.path, () => s.policy);
        } else if (s.secrets.length > 0) {
            if (f.kind === "secrets") out = editAt(out, f.path, (c) => withSecrets(c, s.secrets));
            else if (f.kind === "oneSecret") out = editAt(out, f.path, () => ({ name: s.secrets[0] }));
            else out = editAt(out, f.path, () => s.secrets[0]);
        }
    }
    return out;
}

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** The chart name of a release's `chart` input: a bare name, `oci://…/<name>` or `…/<name>-<version>.tgz`. */
export function chartName(chart: string): string {
    const last = chart.split("/").pop() ?? chart;
    return last.endsWith(".tgz") ? last.replace(/-v?[0-9][^-]*(-[^-]+)*\.tgz$/, "") : last;
}

/** The transformation; undefined when neither a policy nor a Secret is configured. */
export function pullSettingsTransformation(s: PullSettings): pulumi.ResourceTransformation | undefined {
    if (s.policy === undefined && s.secrets.length === 0) return undefined;
    return (args) => {
        const podSpec = POD_SPECS[args.type];
        if (podSpec !== undefined) return { props: editAt(args.props, podSpec, (spec) => podSpecWithPull(spec, s)) as pulumi.Inputs, opts: args.opts };
        const cr = CUSTOM_RESOURCES[args.type];
        if (cr !== undefined) return { props: apply(args.props, cr, s) as pulumi.Inputs, opts: args.opts };
        if (args.type === HELM_RELEASE) {
            const chart: unknown = args.props.chart;
            const values: unknown = args.props.values;
            const fields = typeof chart === "string" ? CHART_VALUES[chartName(chart)] : undefined;
            if (fields !== undefined) return { props: { ...args.props, values: apply(values, fields, s) }, opts: args.opts };
        }
        return undefined;
    };
}
