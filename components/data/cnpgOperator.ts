import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { charts, images } from "../catalog";
import { OperatorArgs, installChart } from "../lib/chart";
import { Footprint, podsFootprint } from "../lib/footprint";
import { ScrapeTarget } from "../lib/monitoring";
import { ClientPods } from "../lib/network";
import { resourceRequirements } from "../lib/security";
import { repositoryRef, tagFor } from "../lib/images";

/** Where and how to install; see {@link OperatorArgs}. */
export type CnpgOperatorArgs = OperatorArgs;

const RELEASE = "cnpg";
/** The operator's controller-runtime metrics port, named `metrics` in the chart's Deployment. */
export const CNPG_OPERATOR_METRICS_PORT = 8080;

/**
 * The CloudNativePG operator from its chart, with its CRDs. The release waits for the operator
 * Deployment (and so its webhook) to be ready; PostgreSQL clusters depend on `release`.
 */
export class CnpgOperator extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly footprint: Footprint;
    /** The operator's pods (the chart's selector labels), the client of its management flows. */
    public readonly pods: ClientPods;
    /** The operator pods' `/metrics` on the `metrics` container port (8080), always served. */
    public readonly metrics: ScrapeTarget[];

    constructor(name: string, args: CnpgOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:CnpgOperator", name, {}, opts);
        const replicas = args.highAvailability ?? false ? 2 : 1;
        const resources = { cpu: "50m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "512Mi" };
        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.cloudnativePg,
                source: args.chartSource,
                releaseName: RELEASE,
                namespace: args.namespace,
                values: {
                    replicaCount: replicas,
                    image: { repository: repositoryRef(images.cnpgOperator, args.imageRegistry), tag: tagFor(images.cnpgOperator, args.imageRegistry) },
                    crds: { create: true },
                    config: { clusterWide: true },
                    resources: resourceRequirements(resources),
                },
            },
            { parent: this },
        );
        this.footprint = podsFootprint(resources, replicas);
        this.metrics = [
            {
                name,
                namespace: args.namespace,
                kind: "pod",
                // The chart's selector labels: its name and the release.
                selector: { "app.kubernetes.io/name": "cloudnative-pg", "app.kubernetes.io/instance": RELEASE },
                port: "metrics",
                containerPort: CNPG_OPERATOR_METRICS_PORT,
                path: "/metrics",
            },
        ];
        this.pods = { namespace: args.namespace, podLabels: { "app.kubernetes.io/name": "cloudnative-pg", "app.kubernetes.io/instance": RELEASE } };
        this.registerOutputs({ release: this.release.status.name });
    }
}
