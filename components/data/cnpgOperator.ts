import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { charts, images } from "../catalog";
import { ChartSource } from "../config";
import { installChart } from "../lib/chart";
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

    constructor(name: string, args: CnpgOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:CnpgOperator", name, {}, opts);
        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.cloudnativePg,
                source: args.chartSource,
                releaseName: "cnpg",
                namespace: args.namespace,
                values: {
                    replicaCount: args.highAvailability ?? false ? 2 : 1,
                    image: { repository: repositoryRef(images.cnpgOperator, args.imageRegistry), tag: images.cnpgOperator.tag },
                    crds: { create: true },
                    config: { clusterWide: true },
                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                },
            },
            { parent: this },
        );
        this.registerOutputs({ release: this.release.status.name });
    }
}
