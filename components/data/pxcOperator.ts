import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { charts, images } from "../catalog";
import { OperatorArgs, installChart } from "../lib/chart";
import { Footprint, podsFootprint } from "../lib/footprint";
import { imageRef } from "../lib/images";
import { ScrapeTarget } from "../lib/monitoring";
import { ClientPods } from "../lib/network";
import { resourceRequirements, restrictedContainerSecurityContext } from "../lib/security";

/** Where and how to install; see {@link OperatorArgs}. */
export type PxcOperatorArgs = OperatorArgs;

const RELEASE = "pxc-operator";
/** The operator's controller-runtime metrics port, named `metrics` in the chart's Deployment. */
export const PXC_OPERATOR_METRICS_PORT = 8080;

/**
 * The Percona Operator for MySQL (XtraDB Cluster) from its chart, cluster-wide. The chart ships
 * the PerconaXtraDBCluster CRDs in `crds/`, which Helm installs once and never upgrades: a chart
 * upgrade that changes the CRDs needs them applied separately. XtraDB clusters depend on `release`.
 */
export class PxcOperator extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly footprint: Footprint;
    /** The operator's pods (the chart's selector labels), the client of its management flows. */
    public readonly pods: ClientPods;
    /** The operator pods' `/metrics` on the `metrics` container port (8080), always served (it is also their liveness probe). */
    public readonly metrics: ScrapeTarget[];

    constructor(name: string, args: PxcOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:PxcOperator", name, {}, opts);
        const replicas = args.highAvailability ?? false ? 2 : 1;
        const resources = { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "512Mi" };
        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.pxcOperator,
                source: args.chartSource,
                releaseName: RELEASE,
                namespace: args.namespace,
                values: {
                    replicaCount: replicas,
                    // `image` is the full reference; the chart only falls back to operatorImageRepository:appVersion when it is empty.
                    image: imageRef(images.pxcOperator, args.imageRegistry),
                    watchAllNamespaces: true,
                    // No calls home from an air-gapped or regulated cluster.
                    disableTelemetry: true,
                    resources: resourceRequirements(resources),
                    // The operator namespace enforces the restricted profile; the chart sets no security context by default.
                    // The root filesystem stays writable: the operator's file use was not verified.
                    containerSecurityContext: { ...restrictedContainerSecurityContext(), readOnlyRootFilesystem: false },
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
                // The chart's pod selector: component, chart name and release.
                selector: { "app.kubernetes.io/component": "operator", "app.kubernetes.io/name": "pxc-operator", "app.kubernetes.io/instance": RELEASE },
                port: "metrics",
                containerPort: PXC_OPERATOR_METRICS_PORT,
                path: "/metrics",
            },
        ];
        this.pods = { namespace: args.namespace, podLabels: { "app.kubernetes.io/component": "operator", "app.kubernetes.io/name": "pxc-operator", "app.kubernetes.io/instance": RELEASE } };
        this.registerOutputs({ release: this.release.status.name });
    }
}
