import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { charts, images } from "../catalog";
import { OperatorArgs, installChart } from "../lib/chart";
import { Footprint, podsFootprint } from "../lib/footprint";
import { registryFor, repositoryPath, tagFor } from "../lib/images";
import { resourceRequirements } from "../lib/security";

/** Install into the CloudNativePG operator's namespace: the operator discovers plugins there. */
export interface BarmanCloudPluginArgs extends OperatorArgs {
    /** The cert-manager release: the chart's Issuer and the plugin's server and client Certificates are cert-manager kinds. */
    readonly certManager: pulumi.Resource;
}

/** The plugin's name, as Cluster `spec.plugins`, backups and recovery sources name it. */
export const BARMAN_CLOUD_PLUGIN = "barman-cloud.cloudnative-pg.io";
/** API version of the plugin's `ObjectStore` kind. */
export const BARMAN_CLOUD_API = "barmancloud.cnpg.io/v1";

/**
 * CloudNativePG's Barman Cloud plugin (CNPG-I), from its chart in the CloudNativePG chart
 * repository: the `ObjectStore` CRD, the plugin Deployment and Service (labelled
 * `cnpg.io/pluginName`, which is how the operator finds it: hence the operator's namespace), and its
 * mutual-TLS certificates from a cert-manager Issuer the chart creates. The plugin injects a
 * sidecar (the `sidecarImage`) into each instance pod that archives WAL and takes base backups.
 * The chart's security contexts already meet the restricted profile (non-root 10001, no
 * escalation, capabilities dropped, RuntimeDefault seccomp, read-only root). PostgreSQL clusters
 * with backups depend on `release`.
 */
export class BarmanCloudPlugin extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly footprint: Footprint;

    constructor(name: string, args: BarmanCloudPluginArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:BarmanCloudPlugin", name, {}, opts);
        const replicas = args.highAvailability ?? false ? 2 : 1;
        const resources = { cpu: "50m", memory: "64Mi", cpuLimit: "500m", memoryLimit: "256Mi" };
        const image = (pin: (typeof images)["barmanCloudPlugin" | "barmanCloudSidecar"]) => ({ registry: registryFor(pin, args.imageRegistry), repository: repositoryPath(pin, args.imageRegistry), tag: tagFor(pin, args.imageRegistry) });
        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.barmanCloudPlugin,
                source: args.chartSource,
                releaseName: "barman-cloud",
                namespace: args.namespace,
                values: {
                    // Leader-elected (`--leader-elect` in the chart's Deployment): a second replica takes over.
                    replicaCount: replicas,
                    image: image(images.barmanCloudPlugin),
                    sidecarImage: image(images.barmanCloudSidecar),
                    crds: { create: true },
                    resources: resourceRequirements(resources),
                },
            },
            // The chart's Issuer and Certificates need cert-manager's CRDs and webhook. The operator
            // need not come first: it finds the plugin's Service whenever it reconciles a Cluster.
            { parent: this, dependsOn: [args.certManager] },
        );
        this.footprint = podsFootprint(resources, replicas);
        this.registerOutputs({ release: this.release.status.name });
    }
}
