import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { charts, images } from "../catalog";
import { OperatorArgs, installChart } from "../lib/chart";
import { Footprint, podsFootprint } from "../lib/footprint";
import { imageRef } from "../lib/images";
import { resourceRequirements, restrictedContainerSecurityContext } from "../lib/security";

/** Where and how to install; see {@link OperatorArgs}. */
export type PxcOperatorArgs = OperatorArgs;

/**
 * The Percona Operator for MySQL (XtraDB Cluster) from its chart, cluster-wide. The chart ships
 * the PerconaXtraDBCluster CRDs in `crds/`, which Helm installs once and never upgrades: a chart
 * upgrade that changes the CRDs needs them applied separately. XtraDB clusters depend on `release`.
 */
export class PxcOperator extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly footprint: Footprint;

    constructor(name: string, args: PxcOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:PxcOperator", name, {}, opts);
        const replicas = args.highAvailability ?? false ? 2 : 1;
        const resources = { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "512Mi" };
        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.pxcOperator,
                source: args.chartSource,
                releaseName: "pxc-operator",
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
        this.registerOutputs({ release: this.release.status.name });
    }
}
