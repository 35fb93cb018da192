import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { charts, images } from "../catalog";
import { OperatorArgs, installChart } from "../lib/chart";
import { Footprint, podsFootprint } from "../lib/footprint";
import { repositoryRef, tagFor } from "../lib/images";
import { ScrapeTarget } from "../lib/monitoring";
import { ClientPods } from "../lib/network";
import { resourceRequirements } from "../lib/security";

/** Where and how to install; see {@link OperatorArgs}. */
export type MinioOperatorArgs = OperatorArgs;

/**
 * The MinIO operator from its chart, with its Tenant CRD (rendered as a chart template, so it is
 * upgraded with the release). The release waits for the operator Deployment; object stores
 * depend on `release`.
 *
 * The chart's default pod and container security contexts already satisfy the restricted Pod
 * Security profile (non-root uid 1000, no escalation, every capability dropped, RuntimeDefault
 * seccomp) and are kept.
 */
export class MinioOperator extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly footprint: Footprint;
    /** The operator's pods (the chart's selector labels), the client of its management flows. */
    public readonly pods: ClientPods;
    /**
     * Empty: the operator serves no Prometheus endpoint (its chart declares no container port and
     * has no metrics option). The tenant's MinIO servers do; see ObjectStore.
     */
    public readonly metrics: ScrapeTarget[] = [];

    constructor(name: string, args: MinioOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:MinioOperator", name, {}, opts);
        const replicas = args.highAvailability ?? false ? 2 : 1;
        const resources = { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "512Mi" };
        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.minioOperator,
                source: args.chartSource,
                releaseName: "minio-operator",
                namespace: args.namespace,
                values: {
                    operator: {
                        replicaCount: replicas,
                        image: { repository: repositoryRef(images.minioOperator, args.imageRegistry), tag: tagFor(images.minioOperator, args.imageRegistry) },
                        // Added by the operator to every tenant pod: mirrored like every other image.
                        sidecarImage: { repository: repositoryRef(images.minioSidecar, args.imageRegistry), tag: tagFor(images.minioSidecar, args.imageRegistry) },
                        resources: resourceRequirements(resources),
                    },
                },
            },
            { parent: this },
        );
        this.footprint = podsFootprint(resources, replicas);
        this.pods = { namespace: args.namespace, podLabels: { "app.kubernetes.io/name": "operator", "app.kubernetes.io/instance": "minio-operator" } };
        this.registerOutputs({ release: this.release.status.name });
    }
}
