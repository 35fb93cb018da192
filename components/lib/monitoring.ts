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
