import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "../lib/labels";

/** Pod Security admission level a namespace enforces. */
export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

export interface NamespaceSpec {
    /** The namespace's name. */
    readonly name: string;
    /** Level enforced by Pod Security admission. Warnings and audit always use "restricted". */
    readonly enforce: PodSecurityLevel;
}

export interface NamespacesArgs {
    /** The namespaces to create, by role (e.g. `data`, `apps`). */
    readonly namespaces: Readonly<Record<string, NamespaceSpec>>;
}

/**
 * The namespaces the platform owns, labelled for Pod Security admission: each enforces its level
 * and warns and audits at "restricted", so a regression shows up in `kubectl` output and audit logs.
 */
export class Namespaces extends pulumi.ComponentResource {
    /** Namespace names by role, resolved once the namespace exists (use them to order children). */
    public readonly names: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: NamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:foundation:Namespaces", name, {}, opts);
        const names: Record<string, pulumi.Output<string>> = {};
        for (const [role, spec] of Object.entries(args.namespaces)) {
            const ns = new k8s.core.v1.Namespace(
                `${name}-${role}`,
                {
                    metadata: {
                        name: spec.name,
                        labels: {
                            ...platformLabels("namespace", spec.name),
                            "pod-security.kubernetes.io/enforce": spec.enforce,
                            "pod-security.kubernetes.io/enforce-version": "latest",
                            "pod-security.kubernetes.io/warn": "restricted",
                            "pod-security.kubernetes.io/warn-version": "latest",
                            "pod-security.kubernetes.io/audit": "restricted",
                            "pod-security.kubernetes.io/audit-version": "latest",
                        },
                    },
                },
                { parent: this },
            );
            names[role] = ns.metadata.name;
        }
        this.names = names;
        this.registerOutputs({ names });
    }
}
