import * as pulumi from "@pulumi/pulumi";
import { ChartKey, charts } from "../catalog";

/**
 * OpenShift's restricted-v2 SecurityContextConstraints assign every pod a UID and fsGroup from
 * the namespace's range and reject pods that ask for others. The platform's own workloads and
 * custom resources set fixed IDs for vanilla Kubernetes; on OpenShift this transformation removes
 * them everywhere before registration, and asks Helm (with null, which deletes a chart default) to
 * drop the ones our chart values set. Everything else (non-root, no escalation, dropped
 * capabilities, RuntimeDefault seccomp) stays, as restricted-v2 requires it too.
 */

const FIXED_IDS = ["runAsUser", "runAsGroup", "fsGroup"] as const;
const SECURITY_CONTEXT = /securityContext$/i;
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** A copy of `value` with the fixed IDs of every security context removed (or nulled, for Helm values). */
export function withoutFixedIds(value: unknown, asNull: boolean): unknown {
    // Values computed at deploy time (generated names, endpoints) are rewritten once known.
    if (pulumi.Output.isInstance(value)) return value.apply((v) => withoutFixedIds(v, asNull));
    if (Array.isArray(value)) return value.map((v) => withoutFixedIds(v, asNull));
    if (value === null || typeof value !== "object" || pulumi.Resource.isInstance(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (asNull && isFixedId(k)) {
            // Chart values such as Superset's top-level `runAsUser` feed a template's securityContext.
            out[k] = null;
        } else if (SECURITY_CONTEXT.test(k)) {
            out[k] = pulumi.Output.isInstance(v) ? v.apply((c) => securityContext(c, asNull)) : securityContext(v, asNull);
        } else {
            out[k] = withoutFixedIds(v, asNull);
        }
    }
    return out;
}

function isFixedId(key: string): boolean {
    return (FIXED_IDS as readonly string[]).includes(key);
}

/** One security context without its fixed IDs; anything that is not an object is left alone. */
function securityContext(ctx: unknown, asNull: boolean): unknown {
    if (ctx === null || typeof ctx !== "object" || Array.isArray(ctx)) return ctx;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(ctx as Record<string, unknown>)) {
        if (!isFixedId(k)) out[k] = withoutFixedIds(v, asNull);
    }
    if (asNull) for (const id of FIXED_IDS) out[id] = null;
    return out;
}

/**
 * Per chart, the paths in its own `values.yaml` (at the pinned version) that carry a fixed UID, GID
 * or fsGroup. The program's values alone do not remove a chart default: Helm merges them over the
 * chart's, so each of these is set to null, which deletes it from the chart's effective values.
 * Nulling a path under a part the program disables is harmless, so every such path is listed.
 * `tests/reference/openshiftValues.test.ts` (`npm run test:reference`, given the charts' reference values through PLATFORM_REFERENCE) proves the list
 * covers every path of the reference values; for Superset, Airflow and the Barman Cloud plugin no values.yaml is stored there,
 * their lists come from the charts' sources (Airflow's `uid`/`gid` render only where no
 * `securityContexts` is given, and the program gives one chart-wide).
 */
export const CHART_FIXED_ID_PATHS: Readonly<Record<ChartKey, readonly string[]>> = {
    certManager: [],
    cloudnativePg: ["containerSecurityContext.runAsUser", "containerSecurityContext.runAsGroup"],
    // From the chart's source (plugin-barman-cloud values.yaml); not among the reference files.
    barmanCloudPlugin: ["containerSecurityContext.runAsUser", "containerSecurityContext.runAsGroup"],
    superset: ["runAsUser"],
    pxcOperator: [],
    strimzi: [],
    minioOperator: [
        "operator.securityContext.runAsUser",
        "operator.securityContext.runAsGroup",
        "operator.securityContext.fsGroup",
        "operator.containerSecurityContext.runAsUser",
        "operator.containerSecurityContext.runAsGroup",
    ],
    nessie: ["podSecurityContext.fsGroup", "securityContext.runAsUser", "securityContext.runAsGroup"],
    flinkOperator: ["podSecurityContext.runAsUser", "podSecurityContext.runAsGroup"],
    sparkOperator: ["controller.podSecurityContext.fsGroup", "webhook.podSecurityContext.fsGroup"],
    trino: ["securityContext.runAsUser", "securityContext.runAsGroup"],
    airflow: [],
    kubePrometheusStack: [
        "crds.upgradeJob.podSecurityContext.fsGroup",
        "crds.upgradeJob.podSecurityContext.runAsGroup",
        "crds.upgradeJob.podSecurityContext.runAsUser",
        "alertmanager.alertmanagerSpec.securityContext.runAsGroup",
        "alertmanager.alertmanagerSpec.securityContext.runAsUser",
        "alertmanager.alertmanagerSpec.securityContext.fsGroup",
        "prometheusOperator.admissionWebhooks.deployment.securityContext.fsGroup",
        "prometheusOperator.admissionWebhooks.deployment.securityContext.runAsGroup",
        "prometheusOperator.admissionWebhooks.deployment.securityContext.runAsUser",
        "prometheusOperator.admissionWebhooks.patch.securityContext.runAsGroup",
        "prometheusOperator.admissionWebhooks.patch.securityContext.runAsUser",
        "prometheusOperator.securityContext.fsGroup",
        "prometheusOperator.securityContext.runAsGroup",
        "prometheusOperator.securityContext.runAsUser",
        "prometheus.prometheusSpec.securityContext.runAsGroup",
        "prometheus.prometheusSpec.securityContext.runAsUser",
        "prometheus.prometheusSpec.securityContext.fsGroup",
        "thanosRuler.thanosRulerSpec.securityContext.runAsGroup",
        "thanosRuler.thanosRulerSpec.securityContext.runAsUser",
        "thanosRuler.thanosRulerSpec.securityContext.fsGroup",
    ],
};

/**
 * Which pinned chart a release installs, from its `chart` as {@link chartLocation} writes it: a bare
 * name, `<repository>/<name>` or `<folder>/<name>-<version>.tgz`. Undefined for any other chart.
 */
export function chartKeyOf(chart: string): ChartKey | undefined {
    const last = chart.split("/").pop() ?? "";
    for (const [key, pin] of Object.entries(charts) as [ChartKey, (typeof charts)[ChartKey]][]) {
        if (last === pin.chart || last === `${pin.chart}-${pin.version}.tgz`) return key;
    }
    return undefined;
}

/** A copy of `values` with null at each dotted path, creating the maps on the way (Outputs resolved where met). */
export function withNullAt(values: unknown, paths: readonly string[]): unknown {
    if (paths.length === 0) return values;
    if (pulumi.Output.isInstance(values)) return values.apply((v) => withNullAt(v, paths));
    const out: Record<string, unknown> = values !== null && typeof values === "object" && !Array.isArray(values) ? { ...(values as Record<string, unknown>) } : {};
    const byHead = new Map<string, string[]>();
    for (const p of paths) {
        const [head, ...rest] = p.split(".");
        byHead.set(head, [...(byHead.get(head) ?? []), ...(rest.length === 0 ? [] : [rest.join(".")])]);
        if (rest.length === 0) out[head] = null;
    }
    for (const [head, rest] of byHead) if (rest.length > 0) out[head] = withNullAt(out[head], rest);
    return out;
}

/** The transformation itself: Kubernetes objects lose fixed IDs, Helm releases null them in their effective values. */
export const openShiftTransformation: pulumi.ResourceTransformation = (args) => {
    if (!args.type.startsWith("kubernetes:")) return undefined;
    if (args.type === HELM_RELEASE) {
        const props = args.props as Record<string, unknown>;
        const key = typeof props.chart === "string" ? chartKeyOf(props.chart) : undefined;
        const values = withNullAt(withoutFixedIds(props.values ?? {}, true), key === undefined ? [] : CHART_FIXED_ID_PATHS[key]);
        return { props: { ...args.props, values }, opts: args.opts };
    }
    return { props: withoutFixedIds(args.props, false) as pulumi.Inputs, opts: args.opts };
};
