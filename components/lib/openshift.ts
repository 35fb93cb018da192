import * as pulumi from "@pulumi/pulumi";

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

/** The transformation itself: Kubernetes objects lose fixed IDs, Helm releases null them in their values. */
export const openShiftTransformation: pulumi.ResourceTransformation = (args) => {
    if (!args.type.startsWith("kubernetes:")) return undefined;
    if (args.type === HELM_RELEASE) {
        const values = (args.props as Record<string, unknown>).values;
        return { props: { ...args.props, values: withoutFixedIds(values, true) }, opts: args.opts };
    }
    return { props: withoutFixedIds(args.props, false) as pulumi.Inputs, opts: args.opts };
};
