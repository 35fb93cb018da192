import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { charts, images } from "../catalog";
import { ChartSource } from "../config";
import { installChart } from "../lib/chart";
import { Footprint, podsFootprint } from "../lib/footprint";
import { resourceRequirements } from "../lib/security";
import { repositoryRef } from "../lib/images";

export interface CnpgOperatorArgs {
    /** Namespace for the operator (it watches every namespace). */
    readonly namespace: pulumi.Input<string>;
    /** Chart source (upstream, OCI mirror, local folder). */
    readonly chartSource: ChartSource;
    /** Registry replacing ghcr.io for the operator image; empty keeps ghcr.io. */
    readonly imageRegistry: string;
    /** Run two operator replicas (leader-elected). Default false. */
    readonly highAvailability?: boolean;
}

/**
 * The CloudNativePG operator from its chart, with its CRDs. The release waits for the operator
 * Deployment (and so its webhook) to be ready; PostgreSQL clusters depend on `release`.
 */
export class CnpgOperator extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly footprint: Footprint;

    constructor(name: string, args: CnpgOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:CnpgOperator", name, {}, opts);
        const replicas = args.highAvailability ?? false ? 2 : 1;
        const resources = { cpu: "50m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "512Mi" };
        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.cloudnativePg,
                source: args.chartSource,
                releaseName: "cnpg",
                namespace: args.namespace,
                values: {
                    replicaCount: replicas,
                    image: { repository: repositoryRef(images.cnpgOperator, args.imageRegistry), tag: images.cnpgOperator.tag },
                    crds: { create: true },
                    config: { clusterWide: true },
                    resources: resourceRequirements(resources),
                },
            },
            { parent: this },
        );
        this.footprint = podsFootprint(resources, replicas);
        this.registerOutputs({ release: this.release.status.name });
    }
}
