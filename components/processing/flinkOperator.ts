import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { charts, images } from "../catalog";
import { OperatorArgs, installChart } from "../lib/chart";
import { Footprint, podsFootprint, sumFootprints } from "../lib/footprint";
import { repositoryRef, tagFor } from "../lib/images";
import { platformLabels } from "../lib/labels";
import { ScrapeTarget } from "../lib/monitoring";
import { ClientPods } from "../lib/network";
import { resourceRequirements, restrictedContainerSecurityContext } from "../lib/security";

export interface FlinkOperatorArgs extends OperatorArgs {
    /**
     * The cert-manager release (required, no default): the chart creates a cert-manager `Issuer`
     * and `Certificate` for the operator's admission webhook, so cert-manager must serve first.
     */
    readonly certManager: pulumi.Resource;
}

/** The operator image's `flink` user and group (the chart's default `podSecurityContext`). */
const OPERATOR_UID = 9999;
/** Port of the operator's Prometheus metrics reporter (chart value `metrics.port`). */
export const FLINK_OPERATOR_METRICS_PORT = 9999;
/** The chart's selector label on the operator pods (`flink-operator.selectorLabels`). */
const OPERATOR_POD_LABELS = { "app.kubernetes.io/name": "flink-kubernetes-operator" };
/** Lease the replicas elect their leader on; unique in the operator namespace. */
const LEASE_NAME = "flink-operator-lease";

/**
 * The operator's configuration (chart value `defaultConfiguration."flink-conf.yaml"`, appended to
 * the built-in defaults because `append` is true). It replaces the chart's own override string,
 * so the reconcile intervals it set are repeated here.
 */
function operatorConf(ha: boolean): string {
    return [
        "kubernetes.operator.metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
        `kubernetes.operator.metrics.reporter.prom.port: ${FLINK_OPERATOR_METRICS_PORT}`,
        "kubernetes.operator.reconcile.interval: 15 s",
        "kubernetes.operator.observer.progress-check.interval: 5 s",
        ...(ha ? ["kubernetes.operator.leader-election.enabled: true", `kubernetes.operator.leader-election.lease-name: ${LEASE_NAME}`] : []),
        "",
    ].join("\n");
}

/**
 * The Apache Flink Kubernetes Operator from its chart (release `flink-operator`), with its CRDs
 * (FlinkDeployment, FlinkSessionJob, … in `flink.apache.org/v1beta1`).
 *
 * - Watches every namespace (`watchNamespaces: []`, cluster-scoped RBAC). The chart then creates
 *   the `flink` job service account only in its own namespace, so each Flink cluster brings its
 *   own service account and Role (see FlinkCdc).
 * - The admission webhook runs as a second container in the operator pod with a cert-manager
 *   certificate; its PKCS#12 keystore password is generated here and kept in a Secret instead of
 *   the chart's built-in default password.
 * - HA: two replicas with the operator's leader election on a Lease, rolling updates (the chart
 *   requires `Recreate` without leader election), spread over nodes, and a PodDisruptionBudget.
 * - Restricted security context on both containers; the operator writes its temporary pod
 *   templates to an emptyDir at /tmp. Prometheus metrics on port 9999 (`metrics` container port).
 */
export class FlinkOperator extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly footprint: Footprint;
    /** The operator's pods (the chart's selector labels), the client of its management flows. */
    public readonly pods: ClientPods;
    /** The operator container's Prometheus reporter: `/metrics` on container port `metrics` (9999). */
    public readonly metrics: ScrapeTarget[];

    constructor(name: string, args: FlinkOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:processing:FlinkOperator", name, {}, opts);
        const ha = args.highAvailability ?? false;
        const replicas = ha ? 2 : 1;
        const operator = { cpu: "100m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" };
        const webhook = { cpu: "50m", memory: "256Mi", cpuLimit: "500m", memoryLimit: "512Mi" };
        const labels = platformLabels("flink-kubernetes-operator", name);

        const keystorePassword = new random.RandomPassword(`${name}-webhook-keystore-password`, { length: 32, special: false }, { parent: this });
        const keystoreSecret = new k8s.core.v1.Secret(
            `${name}-webhook-keystore`,
            {
                metadata: { name: `${name}-webhook-keystore`, namespace: args.namespace, labels },
                type: "Opaque",
                stringData: { password: keystorePassword.result },
            },
            { parent: this },
        );

        const restricted = restrictedContainerSecurityContext();
        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.flinkOperator,
                source: args.chartSource,
                releaseName: "flink-operator",
                namespace: args.namespace,
                values: {
                    watchNamespaces: [],
                    // The chart's default tag is "latest"; pin the operator image.
                    image: { repository: repositoryRef(images.flinkOperator, args.imageRegistry), tag: tagFor(images.flinkOperator, args.imageRegistry), pullPolicy: "IfNotPresent" },
                    replicas,
                    strategy: { type: ha ? "RollingUpdate" : "Recreate" },
                    operatorPod: {
                        resources: resourceRequirements(operator),
                        webhook: { resources: resourceRequirements(webhook) },
                        topologySpreadConstraints: ha
                            ? [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: OPERATOR_POD_LABELS } }]
                            : [],
                    },
                    podSecurityContext: {
                        runAsNonRoot: true,
                        runAsUser: OPERATOR_UID,
                        runAsGroup: OPERATOR_UID,
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    operatorSecurityContext: restricted,
                    // The webhook container gets no writable volume from the chart (only its keystore
                    // and config), so its root filesystem stays writable for the JVM's temporary files.
                    webhookSecurityContext: { ...restricted, readOnlyRootFilesystem: false },
                    // Replaces the chart's artifacts emptyDir with the same one plus /tmp.
                    operatorVolumeMounts: {
                        create: true,
                        data: [
                            { name: "flink-artifacts", mountPath: "/opt/flink/artifacts" },
                            { name: "tmp", mountPath: "/tmp" },
                        ],
                    },
                    operatorVolumes: {
                        create: true,
                        data: [
                            { name: "flink-artifacts", emptyDir: {} },
                            { name: "tmp", emptyDir: {} },
                        ],
                    },
                    webhook: {
                        create: true,
                        keystore: { useDefaultPassword: false, passwordSecretRef: { name: keystoreSecret.metadata.name, key: "password" } },
                    },
                    defaultConfiguration: { create: true, append: true, "flink-conf.yaml": operatorConf(ha) },
                    metrics: { port: FLINK_OPERATOR_METRICS_PORT },
                },
            },
            // The chart's webhook Issuer and Certificate are cert-manager resources: cert-manager's
            // CRDs and webhook must be serving before the release is applied.
            { parent: this, dependsOn: [args.certManager] },
        );

        if (ha) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-pdb`,
                {
                    metadata: { name: "flink-kubernetes-operator", namespace: args.namespace, labels },
                    spec: { minAvailable: 1, selector: { matchLabels: OPERATOR_POD_LABELS } },
                },
                { parent: this },
            );
        }

        this.footprint = sumFootprints([podsFootprint(operator, replicas), podsFootprint(webhook, replicas)]);
        this.metrics = [
            {
                name,
                namespace: args.namespace,
                kind: "pod",
                selector: OPERATOR_POD_LABELS,
                // The chart names the container port `metrics` once `metrics.port` is set.
                port: "metrics",
                containerPort: FLINK_OPERATOR_METRICS_PORT,
                path: "/metrics",
            },
        ];
        this.pods = { namespace: args.namespace, podLabels: OPERATOR_POD_LABELS };
        this.registerOutputs({ release: this.release.status.name });
    }
}
