import { resourcePolicy } from "../lib/adapter";
import { PackSettings } from "../lib/settings";
import { PolicyResource, at, describe, isUnknown, str } from "../lib/values";

/**
 * Services stay inside the cluster: exposure goes through the central ingress
 * (components/lib/exposure.ts), so NodePort and LoadBalancer Services (and ExternalName aliases)
 * need to be allowed explicitly in the pack's config.
 */

export const SERVICE = "kubernetes:core/v1:Service";

export function serviceTypeViolations(r: PolicyResource, settings: PackSettings): string[] {
    if (r.type !== SERVICE) return [];
    const raw = at(r.props, "spec", "type");
    if (isUnknown(raw)) return [];
    const type = str(raw) ?? "ClusterIP";
    if (type === "ClusterIP" || settings.allowedServiceTypes.includes(type)) return [];
    return [`${describe(r)}: type ${type} is not allowed (allowed: ${["ClusterIP", ...settings.allowedServiceTypes.filter((t) => t !== "ClusterIP")].join(", ")})`];
}

export const serviceTypePolicy = resourcePolicy(
    {
        name: "service-type-allowed",
        description: "Services are ClusterIP unless the pack's allowedServiceTypes lists their type (NodePort, LoadBalancer, ExternalName).",
        category: "security",
        settings: ["allowedServiceTypes"],
        remediationSteps: "Use a ClusterIP Service and expose HTTP through the `web` output (components/lib/exposure.ts), or add the type to allowedServiceTypes.",
    },
    (r, s) => serviceTypeViolations(r, s),
);
