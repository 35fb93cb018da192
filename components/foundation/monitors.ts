import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "../lib/labels";
import { ScrapeTarget, checkTargetNames, monitorsFor } from "../lib/monitoring";

export interface MonitorsArgs {
    /** What to scrape: one PodMonitor or ServiceMonitor each, in the target's namespace. */
    readonly targets: readonly ScrapeTarget[];
    /** Resources that must exist before a monitor (what serves the monitoring.coreos.com kinds). Default none: the cluster serves them. */
    readonly crds?: pulumi.Resource[];
}

/**
 * Monitors alone, for a cluster that runs its own Prometheus: on OpenShift, the user-workload
 * monitoring stack scrapes every PodMonitor and ServiceMonitor in user namespaces, and the cluster
 * already serves the monitoring.coreos.com kinds. The bundled stack (`Monitoring`) is not installed
 * there (docs/decisions/0010-openshift.md).
 */
export class Monitors extends pulumi.ComponentResource {
    /** Monitor objects by target name. */
    public readonly monitors: Readonly<Record<string, k8s.apiextensions.CustomResource>>;

    constructor(name: string, args: MonitorsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:foundation:Monitors", name, {}, opts);
        checkTargetNames(`Monitors ${name}`, args.targets);
        this.monitors = monitorsFor(this, name, args.targets, platformLabels("monitoring", name), args.crds ?? []);
        this.registerOutputs({ monitors: Object.keys(this.monitors) });
    }
}
