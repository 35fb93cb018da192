import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { charts } from "../catalog";
import { OperatorArgs, installChart } from "../lib/chart";
import { Footprint, podsFootprint, sumFootprints } from "../lib/footprint";
import { resourceRequirements } from "../lib/security";

/** Where and how to install; see {@link OperatorArgs}. */
export type CertManagerArgs = OperatorArgs;

/**
 * cert-manager from its official chart, CRDs included. The release only reports ready after the
 * chart's startupapicheck hook Job has created a test Certificate through the API, i.e. once the
 * webhook really serves; everything that creates cert-manager resources depends on `release`.
 */
export class CertManager extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly namespace: pulumi.Output<string>;
    public readonly footprint: Footprint;

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:foundation:CertManager", name, {}, opts);
        const ha = args.highAvailability ?? false;
        const replicas = ha ? 2 : 1;
        const small = { cpu: "10m", memory: "32Mi", cpuLimit: "200m", memoryLimit: "128Mi" };
        const controller = { cpu: "20m", memory: "64Mi", cpuLimit: "500m", memoryLimit: "256Mi" };
        const spread = (component: string) =>
            ha
                ? [
                      {
                          maxSkew: 1,
                          topologyKey: "kubernetes.io/hostname",
                          whenUnsatisfiable: "DoNotSchedule",
                          labelSelector: { matchLabels: { "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": component } },
                      },
                  ]
                : [];
        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.certManager,
                source: args.chartSource,
                releaseName: "cert-manager",
                namespace: args.namespace,
                values: {
                    crds: { enabled: true, keep: true },
                    ...(args.imageRegistry === "" ? {} : { imageRegistry: args.imageRegistry }),
                    global: { leaderElection: { namespace: args.namespace } },
                    replicaCount: replicas,
                    podDisruptionBudget: { enabled: ha },
                    resources: resourceRequirements(controller),
                    topologySpreadConstraints: spread("controller"),
                    webhook: {
                        replicaCount: replicas,
                        podDisruptionBudget: { enabled: ha },
                        resources: resourceRequirements(small),
                        topologySpreadConstraints: spread("webhook"),
                    },
                    cainjector: {
                        replicaCount: replicas,
                        podDisruptionBudget: { enabled: ha },
                        resources: resourceRequirements(controller),
                        topologySpreadConstraints: spread("cainjector"),
                    },
                    startupapicheck: { enabled: true, timeout: "5m", resources: resourceRequirements(small) },
                    prometheus: { enabled: true },
                },
            },
            { parent: this },
        );
        this.footprint = sumFootprints([podsFootprint(controller, replicas * 2), podsFootprint(small, replicas)]);
        this.namespace = this.release.status.namespace.apply((ns) => ns ?? "");
        this.registerOutputs({ release: this.release.status.name, namespace: this.namespace });
    }
}
