import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { chartImages, charts, images } from "../catalog";
import { Resources } from "../config";
import { OperatorArgs, installChart } from "../lib/chart";
import { Footprint, podsFootprint, sumFootprints } from "../lib/footprint";
import { imageValues } from "../lib/images";
import { ScrapeTarget } from "../lib/monitoring";
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";

export interface SparkOperatorArgs extends OperatorArgs {
    /**
     * Namespaces where SparkApplications run (the chart's `spark.jobNamespaces`). They must exist
     * before the release: the chart creates the driver ServiceAccount and its Role in each. No default.
     */
    readonly jobNamespaces: pulumi.Input<string>[];
}

const RELEASE = "spark-operator";
/** The Spark image's `spark` user and group; the chart's default `fsGroup` for both Deployments. */
const SPARK_UID = 185;
/** The controller runs spark-submit (a JVM, -Xmx128m each) per submission, so it gets more memory than the webhook. */
const CONTROLLER_RESOURCES: Resources = { cpu: "100m", memory: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" };
const WEBHOOK_RESOURCES: Resources = { cpu: "50m", memory: "64Mi", cpuLimit: "500m", memoryLimit: "256Mi" };
/** Port of the controller's and the webhook's Prometheus endpoint (`prometheus.metrics.port`). */
export const SPARK_OPERATOR_METRICS_PORT = 8080;

/**
 * The Kubeflow Spark operator from its chart, with its CRDs (SparkApplication,
 * ScheduledSparkApplication, `sparkoperator.k8s.io/v1beta2`). It watches only `jobNamespaces`.
 *
 * - The admission webhook is on (driver/executor pod mutation: volumes, env, security contexts);
 *   it generates its own serving certificate into the chart's Secret, so cert-manager is not used
 *   (`certManager.enable: false`).
 * - In each job namespace the chart creates the ServiceAccount `spark-operator-spark` (with a Role
 *   to manage executor pods, services and config maps) that driver pods run as.
 * - HA: two leader-elected controller and webhook replicas each, spread over nodes, with
 *   PodDisruptionBudgets (minAvailable 1).
 */
export class SparkOperator extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** ServiceAccount for driver pods (`spec.driver.serviceAccount`), created by the chart in every job namespace. */
    public readonly sparkServiceAccountName = `${RELEASE}-spark`;
    public readonly jobNamespaces: pulumi.Output<string[]>;
    public readonly footprint: Footprint;
    /**
     * The controller and webhook pods' `/metrics` on container port `metrics` (8080): application
     * counts, submission and start latencies. The chart's PodMonitor stays off.
     */
    public readonly metrics: ScrapeTarget[];

    constructor(name: string, args: SparkOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:processing:SparkOperator", name, {}, opts);
        const ha = args.highAvailability ?? false;
        const replicas = ha ? 2 : 1;
        // The chart fills in the pod selector labels of each Deployment; it also refuses spread
        // constraints and PDBs with a single replica, so both are set only in the HA shape.
        const spread = ha ? [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule" }] : [];
        const podSecurityContext = restrictedPodSecurityContext(SPARK_UID);
        const securityContext = { ...restrictedContainerSecurityContext(SPARK_UID), privileged: false };
        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.sparkOperator,
                source: args.chartSource,
                releaseName: RELEASE,
                namespace: args.namespace,
                values: {
                    image: imageValues(images.sparkOperator, args.imageRegistry),
                    // The CRD upgrade hook stays off; its image is named so that a mirror has it should it be turned on.
                    hook: {
                        upgradeCrd: false,
                        image: imageValues(chartImages.sparkOperatorHook, args.imageRegistry),
                    },
                    controller: {
                        replicas,
                        leaderElection: { enable: true },
                        resources: resourceRequirements(CONTROLLER_RESOURCES),
                        podSecurityContext,
                        securityContext,
                        topologySpreadConstraints: spread,
                        podDisruptionBudget: { enable: ha, minAvailable: 1 },
                    },
                    webhook: {
                        enable: true,
                        replicas,
                        leaderElection: { enable: true },
                        failurePolicy: "Fail",
                        resources: resourceRequirements(WEBHOOK_RESOURCES),
                        podSecurityContext,
                        securityContext,
                        topologySpreadConstraints: spread,
                        podDisruptionBudget: { enable: ha, minAvailable: 1 },
                    },
                    certManager: { enable: false },
                    prometheus: {
                        metrics: { enable: true, port: SPARK_OPERATOR_METRICS_PORT, portName: "metrics", endpoint: "/metrics" },
                        podMonitor: { create: false },
                    },
                    spark: {
                        jobNamespaces: args.jobNamespaces,
                        serviceAccount: { create: true, name: this.sparkServiceAccountName },
                        rbac: { create: true },
                    },
                },
            },
            { parent: this },
        );
        this.jobNamespaces = pulumi.output(args.jobNamespaces);
        this.footprint = sumFootprints([podsFootprint(CONTROLLER_RESOURCES, replicas), podsFootprint(WEBHOOK_RESOURCES, replicas)]);
        this.metrics = [
            {
                name,
                namespace: args.namespace,
                kind: "pod",
                // The chart's selector labels shared by the controller and the webhook pods.
                selector: { "app.kubernetes.io/name": "spark-operator", "app.kubernetes.io/instance": RELEASE },
                port: "metrics",
                containerPort: SPARK_OPERATOR_METRICS_PORT,
                path: "/metrics",
            },
        ];
        this.registerOutputs({ release: this.release.status.name, jobNamespaces: this.jobNamespaces });
    }
}
