import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AlertScope, alertRuleGroups, dashboardJson, dashboards } from "../lib/alertRules";
import { platformLabels } from "../lib/labels";

export interface AlertingArgs {
    /** The monitoring namespace: the rules and dashboards live beside Prometheus and Grafana. */
    readonly namespace: pulumi.Input<string>;
    /** The kube-prometheus-stack release: it serves the PrometheusRule kind and runs Grafana's dashboard sidecar. */
    readonly monitoring: pulumi.Resource;
    /** Which parts of the platform run (rules and dashboards only for those). */
    readonly scope: AlertScope;
}

/** Label and value Grafana's dashboard sidecar looks for (kube-prometheus-stack's defaults). */
export const DASHBOARD_LABEL = { grafana_dashboard: "1" };

/**
 * The platform's alerts and dashboards ({@link alertRuleGroups}, {@link dashboards}): one
 * `PrometheusRule` per component (Prometheus selects every rule in the cluster) and one ConfigMap
 * per dashboard, which Grafana's sidecar loads. Where alerts go is Alertmanager's configuration
 * (`monitoring.alertmanagerConfigSecret`).
 */
export class Alerting extends pulumi.ComponentResource {
    public readonly rules: k8s.apiextensions.CustomResource[];
    public readonly dashboards: k8s.core.v1.ConfigMap[];

    constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:foundation:Alerting", name, {}, opts);
        const labels = platformLabels("alerting", name);
        this.rules = alertRuleGroups(args.scope).map(
            (group) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-${group.name}`,
                    {
                        apiVersion: "monitoring.coreos.com/v1",
                        kind: "PrometheusRule",
                        metadata: { name: `platform-${group.name}`, namespace: args.namespace, labels },
                        spec: { groups: [{ name: `platform-${group.name}`, rules: group.rules }] },
                    },
                    // The PrometheusRule kind and the operator's validating webhook come from the chart.
                    { parent: this, dependsOn: [args.monitoring] },
                ),
        );
        this.dashboards = dashboards(args.scope).map(
            (d) =>
                new k8s.core.v1.ConfigMap(
                    `${name}-dashboard-${d.name}`,
                    {
                        metadata: { name: `platform-dashboard-${d.name}`, namespace: args.namespace, labels: { ...labels, ...DASHBOARD_LABEL } },
                        data: { [`platform-${d.name}.json`]: dashboardJson(d) },
                    },
                    { parent: this },
                ),
        );
        this.registerOutputs({});
    }
}
