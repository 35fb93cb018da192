import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * A metrics endpoint a component offers to Prometheus. The monitoring component turns each into a
 * `monitoring.coreos.com/v1` PodMonitor or ServiceMonitor and opens the network path from the
 * monitoring namespace to it. Components only describe what they serve; they never create
 * monitors themselves, so a stack without monitoring registers none.
 */
export interface ScrapeTarget {
    /** Short DNS-label name, unique in the stack (e.g. "trino"); the monitor is named after it. */
    readonly name: string;
    /** Namespace of the pods or Service. */
    readonly namespace: pulumi.Input<string>;
    /** `pod` selects pods directly (PodMonitor); `service` selects Services (ServiceMonitor). */
    readonly kind: "pod" | "service";
    /** Labels selecting the pods (for `pod`) or the Service (for `service`). */
    readonly selector: Readonly<Record<string, string>>;
    /** Name of the container port (for `pod`) or Service port (for `service`) that serves metrics. */
    readonly port: string;
    /** Container port number, for the NetworkPolicy that lets Prometheus in. */
    readonly containerPort: number;
    /** HTTP path. Default `/metrics`. */
    readonly path?: string;
    /** Labels selecting the pods behind the target, for the NetworkPolicy; defaults to `selector` for `pod` targets. */
    readonly podLabels?: Readonly<Record<string, string>>;
}

/** Refuses two targets of one name: monitors and their network policies are named after them. */
export function checkTargetNames(owner: string, targets: readonly ScrapeTarget[]): void {
    const seen = new Set<string>();
    for (const t of targets) {
        if (seen.has(t.name)) throw new Error(`${owner}: scrape target "${t.name}" is listed twice`);
        seen.add(t.name);
    }
}

/**
 * One PodMonitor or ServiceMonitor per target, children of `parent` named `<prefix>-<target>`,
 * each waiting for `crds` (what serves the monitoring.coreos.com kinds).
 */
export function monitorsFor(
    parent: pulumi.Resource,
    prefix: string,
    targets: readonly ScrapeTarget[],
    labels: Readonly<Record<string, string>>,
    crds: pulumi.Resource[],
): Record<string, k8s.apiextensions.CustomResource> {
    const monitors: Record<string, k8s.apiextensions.CustomResource> = {};
    for (const t of targets) {
        const endpoint = { port: t.port, path: t.path ?? "/metrics", interval: "30s" };
        monitors[t.name] = new k8s.apiextensions.CustomResource(
            `${prefix}-${t.name}`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: t.kind === "pod" ? "PodMonitor" : "ServiceMonitor",
                metadata: { name: t.name, namespace: t.namespace, labels: { ...labels } },
                spec: {
                    selector: { matchLabels: { ...t.selector } },
                    ...(t.kind === "pod" ? { podMetricsEndpoints: [endpoint] } : { endpoints: [endpoint] }),
                },
            },
            // The PodMonitor and ServiceMonitor kinds must be served before a monitor is created.
            { parent, dependsOn: crds },
        );
    }
    return monitors;
}
