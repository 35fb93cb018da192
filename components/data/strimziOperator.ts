import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { charts, images } from "../catalog";
import { OperatorArgs, installChart } from "../lib/chart";
import { Footprint, podsFootprint } from "../lib/footprint";
import { ScrapeTarget } from "../lib/monitoring";
import { ClientPods } from "../lib/network";
import { resourceRequirements } from "../lib/security";
import { registryFor, repositoryPath, tagFor } from "../lib/images";

/** Where and how to install; see {@link OperatorArgs}. */
export type StrimziOperatorArgs = OperatorArgs;

/** Labels the chart puts on the operator's pods (its Deployment selector). */
const OPERATOR_POD_LABELS = { name: "strimzi-cluster-operator", "strimzi.io/kind": "cluster-operator" };
/** The operator's HTTP port (health checks and `/metrics`), named `http` in the chart's Deployment. */
export const STRIMZI_OPERATOR_METRICS_PORT = 8080;

/**
 * The Strimzi cluster operator from its chart, with its CRDs (`kafka.strimzi.io/v1` only). It
 * watches every namespace and generates operand pods for the "restricted" Pod Security profile, as
 * the platform's data namespace enforces it, and generates no NetworkPolicies of its own (the
 * platform's are authoritative). The release waits for the operator Deployment; Kafka
 * custom resources depend on `release`.
 */
export class StrimziOperator extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly footprint: Footprint;
    /** The operator's pods (the chart's selector labels), the client of its management flows. */
    public readonly pods: ClientPods;
    /** The operator pods' `/metrics` on the `http` container port (8080), always served. */
    public readonly metrics: ScrapeTarget[];

    constructor(name: string, args: StrimziOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:StrimziOperator", name, {}, opts);
        const ha = args.highAvailability ?? false;
        const replicas = ha ? 2 : 1;
        const resources = { cpu: "200m", memory: "384Mi", cpuLimit: "1", memoryLimit: "512Mi" };
        // The operator's image (an images.strimzi override included): the chart composes the Kafka
        // image from the same registry, first path segment and tag.
        const strimziPath = repositoryPath(images.strimzi, args.imageRegistry);
        const strimziTag = tagFor(images.strimzi, args.imageRegistry);
        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.strimzi,
                source: args.chartSource,
                releaseName: "strimzi",
                namespace: args.namespace,
                values: {
                    replicas,
                    watchAnyNamespace: true,
                    // The chart composes every image as <defaultImageRegistry>/<defaultImageRepository>/<name>:<tag>,
                    // so a mirror only needs the same paths; all three are set from the catalog pin, and the
                    // operator's and Kafka's image names explicitly (Kafka's tag is <tag>-kafka-<version>).
                    defaultImageRegistry: registryFor(images.strimzi, args.imageRegistry),
                    defaultImageRepository: strimziPath.split("/")[0],
                    defaultImageTag: strimziTag,
                    image: { name: strimziPath.split("/").slice(1).join("/") },
                    kafka: { image: { name: "kafka", tagPrefix: strimziTag } },
                    // Without this the operator builds Kafka pods for the "baseline" profile, which a
                    // namespace enforcing "restricted" rejects.
                    extraEnvs: [{ name: "STRIMZI_POD_SECURITY_PROVIDER_CLASS", value: "restricted" }],
                    // Renders STRIMZI_NETWORK_POLICY_GENERATION=false. Strimzi's own NetworkPolicy per
                    // cluster admits every namespace on a listener without networkPolicyPeers, and
                    // policies add up: off, the platform's (foundation/networkPolicies.ts) are the only ones.
                    generateNetworkPolicy: false,
                    resources: resourceRequirements(resources),
                    ...(ha
                        ? {
                              podDisruptionBudget: { enabled: true },
                              topologySpreadConstraints: [
                                  { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: OPERATOR_POD_LABELS } },
                              ],
                          }
                        : {}),
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
                selector: OPERATOR_POD_LABELS,
                port: "http",
                containerPort: STRIMZI_OPERATOR_METRICS_PORT,
                path: "/metrics",
            },
        ];
        this.pods = { namespace: args.namespace, podLabels: OPERATOR_POD_LABELS };
        this.registerOutputs({ release: this.release.status.name });
    }
}
