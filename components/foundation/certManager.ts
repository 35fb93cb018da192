import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ImagePin, chartImages, charts } from "../catalog";
import { OperatorArgs, installChart } from "../lib/chart";
import { registryOverride, repositoryRef, tagFor } from "../lib/images";
import { Footprint, podsFootprint, sumFootprints } from "../lib/footprint";
import { ScrapeTarget } from "../lib/monitoring";
import { resourceRequirements } from "../lib/security";

/** Where and how to install; see {@link OperatorArgs}. */
export type CertManagerArgs = OperatorArgs;

const RELEASE = "cert-manager";
/** Port of the Prometheus endpoint of the controller, the webhook and the cainjector (`prometheus.enabled`). */
export const CERT_MANAGER_METRICS_PORT = 9402;

/**
 * cert-manager from its official chart, CRDs included. The release only reports ready after the
 * chart's startupapicheck hook Job has created a test Certificate through the API, i.e. once the
 * webhook really serves; everything that creates cert-manager resources depends on `release`.
 */
export class CertManager extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly namespace: pulumi.Output<string>;
    public readonly footprint: Footprint;
    /**
     * The controller, webhook and cainjector pods, each serving `/metrics` on its `http-metrics`
     * container port (9402). The chart's own PodMonitor/ServiceMonitor stay off: monitors are
     * created centrally from this description.
     */
    public readonly metrics: ScrapeTarget[];

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:foundation:CertManager", name, {}, opts);
        const ha = args.highAvailability ?? false;
        const replicas = ha ? 2 : 1;
        const small = { cpu: "10m", memory: "32Mi", cpuLimit: "200m", memoryLimit: "128Mi" };
        const controller = { cpu: "20m", memory: "64Mi", cpuLimit: "500m", memoryLimit: "256Mi" };
        // Every image named in full (the chart would compose them from imageRegistry/imageNamespace).
        const image = (pin: ImagePin) => ({ repository: repositoryRef(pin, args.imageRegistry), tag: tagFor(pin, args.imageRegistry) });
        const spread = (component: string) =>
            ha
                ? [
                      {
                          maxSkew: 1,
                          topologyKey: "kubernetes.io/hostname",
                          whenUnsatisfiable: "DoNotSchedule",
                          labelSelector: { matchLabels: { "app.kubernetes.io/instance": RELEASE, "app.kubernetes.io/component": component } },
                      },
                  ]
                : [];
        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.certManager,
                source: args.chartSource,
                releaseName: RELEASE,
                namespace: args.namespace,
                values: {
                    crds: { enabled: true, keep: true },
                    ...(registryOverride(args.imageRegistry) === "" ? {} : { imageRegistry: registryOverride(args.imageRegistry) }),
                    global: { leaderElection: { namespace: args.namespace } },
                    image: image(chartImages.certManagerController),
                    replicaCount: replicas,
                    podDisruptionBudget: { enabled: ha },
                    resources: resourceRequirements(controller),
                    topologySpreadConstraints: spread("controller"),
                    webhook: {
                        image: image(chartImages.certManagerWebhook),
                        replicaCount: replicas,
                        podDisruptionBudget: { enabled: ha },
                        resources: resourceRequirements(small),
                        topologySpreadConstraints: spread("webhook"),
                    },
                    cainjector: {
                        image: image(chartImages.certManagerCainjector),
                        replicaCount: replicas,
                        podDisruptionBudget: { enabled: ha },
                        resources: resourceRequirements(controller),
                        topologySpreadConstraints: spread("cainjector"),
                    },
                    startupapicheck: { enabled: true, timeout: "5m", image: image(chartImages.certManagerStartupapicheck), resources: resourceRequirements(small) },
                    // Solver pods of ACME HTTP-01 challenges (only with an ACME ClusterIssuer).
                    acmesolver: { image: image(chartImages.certManagerAcmesolver) },
                    // Opens the metrics ports of all three Deployments; no chart-made monitor.
                    prometheus: { enabled: true, servicemonitor: { enabled: false }, podmonitor: { enabled: false } },
                },
            },
            { parent: this },
        );
        this.footprint = sumFootprints([podsFootprint(controller, replicas * 2), podsFootprint(small, replicas)]);
        this.namespace = this.release.status.namespace.apply((ns) => ns ?? "");
        // Every pod of the release carries the instance label; only the three Deployments have the
        // named metrics port (the startupapicheck Job has none, so a PodMonitor skips it).
        this.metrics = [
            {
                name,
                namespace: args.namespace,
                kind: "pod",
                selector: { "app.kubernetes.io/instance": RELEASE },
                port: "http-metrics",
                containerPort: CERT_MANAGER_METRICS_PORT,
                path: "/metrics",
            },
        ];
        this.registerOutputs({ release: this.release.status.name, namespace: this.namespace });
    }
}
