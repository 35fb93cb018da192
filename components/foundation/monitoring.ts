import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ImagePin, chartImages, charts } from "../catalog";
import { ChartSource, Resources, StorageSizing } from "../config";
import { installChart } from "../lib/chart";
import { WebService } from "../lib/exposure";
import { ImageRegistry, imageValues, registryOverride } from "../lib/images";
import { Footprint, podsFootprint, sumFootprints } from "../lib/footprint";
import { platformLabels } from "../lib/labels";
import { ScrapeTarget, checkTargetNames, monitorsFor } from "../lib/monitoring";
import { CredentialRef, Endpoint, portForwardCommand } from "../lib/outputs";
import { resourceRequirements } from "../lib/security";

export interface MonitoringSizing {
    /** Each Prometheus replica, with its TSDB volume. */
    readonly prometheus: StorageSizing;
    /** The Grafana pod (its sidecars take the chart's defaults). */
    readonly grafana: Resources;
    /** The Prometheus operator, kube-state-metrics and each Alertmanager replica. */
    readonly small: Resources;
}

export interface MonitoringArgs {
    /** Namespace of the release, its Secrets and the Prometheus and Grafana pods (the monitoring namespace). */
    readonly namespace: pulumi.Input<string>;
    /** Where the chart comes from: upstream, an OCI mirror or a local folder. */
    readonly chartSource: ChartSource;
    /** Registry replacing every image registry of the chart; empty keeps upstream. */
    readonly imageRegistry: ImageRegistry;
    /** The cert-manager release: the operator's admission webhook takes its certificate from cert-manager. */
    readonly certManager: pulumi.Resource;
    /** What to scrape: one PodMonitor or ServiceMonitor each. */
    readonly targets: readonly ScrapeTarget[];
    /** Prometheus retention, e.g. "15d". */
    readonly retention: string;
    /** Resources per pod kind, and Prometheus's volume size. */
    readonly sizing: MonitoringSizing;
    /** StorageClass for the Prometheus volumes; empty for the cluster default. */
    readonly storageClass: string;
    /** Two Prometheus and two Alertmanager replicas on different nodes. Default false. */
    readonly highAvailability?: boolean;
    /** Secret in `namespace` whose `alertmanager.yaml` replaces the chart's Alertmanager configuration. Default: the chart's. */
    readonly alertmanagerConfigSecret?: string;
}

const RELEASE = "monitoring";
const GRAFANA_PORT = 80;
const GRAFANA_CONTAINER_PORT = 3000;
const PROMETHEUS_PORT = 9090;

/**
 * Metrics for the platform: kube-prometheus-stack (Prometheus operator, Prometheus, Alertmanager,
 * Grafana, kube-state-metrics) and one PodMonitor or ServiceMonitor per metrics endpoint the
 * enabled components offer. Prometheus selects every monitor in the cluster, so monitors carry
 * no release label. Node exporter is off: it needs host namespaces, which the platform's Pod
 * Security levels forbid (docs/security.md).
 */
export class Monitoring extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** Monitor objects by target name. */
    public readonly monitors: Readonly<Record<string, k8s.apiextensions.CustomResource>>;
    public readonly grafana: Endpoint;
    public readonly prometheus: Endpoint;
    public readonly credential: CredentialRef;
    public readonly footprint: Footprint;
    /** Grafana's UI, for the platform's exposure. */
    public readonly web: WebService;
    /** Labels of the Prometheus pods, for NetworkPolicies towards the targets. */
    public readonly prometheusPodLabels: Readonly<Record<string, string>>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:foundation:Monitoring", name, {}, opts);
        const ha = args.highAvailability ?? false;
        const replicas = ha ? 2 : 1;
        const image = (pin: ImagePin) => imageValues(pin, args.imageRegistry);
        const labels = platformLabels("monitoring", name);
        checkTargetNames(`Monitoring ${name}`, args.targets);

        const adminPassword = new random.RandomPassword(`${name}-grafana-admin`, { length: 24, special: false }, { parent: this });
        const adminSecret = new k8s.core.v1.Secret(
            `${name}-grafana-admin`,
            {
                metadata: { name: "grafana-admin", namespace: args.namespace, labels },
                type: "Opaque",
                stringData: { "admin-user": "admin", "admin-password": adminPassword.result },
            },
            { parent: this },
        );

        const podSecurity = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
        const volume = {
            volumeClaimTemplate: {
                spec: {
                    ...(args.storageClass === "" ? {} : { storageClassName: args.storageClass }),
                    accessModes: ["ReadWriteOnce"],
                    resources: { requests: { storage: args.sizing.prometheus.storage } },
                },
            },
        };

        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.kubePrometheusStack,
                source: args.chartSource,
                releaseName: RELEASE,
                namespace: args.namespace,
                values: {
                    fullnameOverride: RELEASE,
                    ...(registryOverride(args.imageRegistry) === "" ? {} : { global: { imageRegistry: registryOverride(args.imageRegistry) } }),
                    nodeExporter: { enabled: false },
                    // Every image named from the catalog (chartImages), the subcharts' included.
                    // Control-plane components are not reachable through the platform's network policies
                    // (and managed clusters hide them): no monitors that would only ever report them down.
                    kubeControllerManager: { enabled: false },
                    kubeScheduler: { enabled: false },
                    kubeEtcd: { enabled: false },
                    kubeProxy: { enabled: false },
                    coreDns: { enabled: false },
                    prometheusOperator: {
                        image: image(chartImages.prometheusOperator),
                        prometheusConfigReloader: { image: image(chartImages.prometheusConfigReloader) },
                        thanosImage: image(chartImages.thanos),
                        resources: resourceRequirements(args.sizing.small),
                        // cert-manager issues the webhook certificate, so no patch hook Jobs run. On first
                        // install the chart's rules are created before the operator serves its webhook:
                        // ignore the webhook then, enforce it on every later upgrade.
                        admissionWebhooks: { certManager: { enabled: true }, patch: { enabled: false }, failurePolicy: "IgnoreOnInstallOnly" },
                    },
                    prometheus: {
                        prometheusSpec: {
                            image: image(chartImages.prometheus),
                            replicas,
                            retention: args.retention,
                            resources: resourceRequirements(args.sizing.prometheus),
                            storageSpec: volume,
                            podAntiAffinity: ha ? "hard" : "soft",
                            // Select every monitor and rule in the cluster, not only the chart's own.
                            serviceMonitorSelectorNilUsesHelmValues: false,
                            podMonitorSelectorNilUsesHelmValues: false,
                            ruleSelectorNilUsesHelmValues: false,
                        },
                    },
                    alertmanager: {
                        alertmanagerSpec: {
                            image: image(chartImages.alertmanager),
                            replicas,
                            resources: resourceRequirements(args.sizing.small),
                            podAntiAffinity: ha ? "hard" : "soft",
                            // Receivers and routes from the user's Secret, by name (the chart then renders none).
                            ...(args.alertmanagerConfigSecret === undefined || args.alertmanagerConfigSecret === "" ? {} : { useExistingSecret: true, configSecret: args.alertmanagerConfigSecret }),
                        },
                    },
                    grafana: {
                        image: image(chartImages.grafana),
                        sidecar: { image: image(chartImages.grafanaSidecar) },
                        // The chart's `helm test` pod: never run by the platform.
                        testFramework: { enabled: false },
                        admin: { existingSecret: adminSecret.metadata.name, userKey: "admin-user", passwordKey: "admin-password" },
                        resources: resourceRequirements(args.sizing.grafana),
                        // Published by the platform's Exposure component, not the chart.
                        ingress: { enabled: false },
                        securityContext: { ...podSecurity, runAsUser: 472, runAsGroup: 472, fsGroup: 472 },
                        // Grafana writes plugins and its SQLite state under its root filesystem's data paths.
                        containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
                    },
                    "kube-state-metrics": {
                        image: image(chartImages.kubeStateMetrics),
                        resources: resourceRequirements(args.sizing.small),
                    },
                },
            },
            // The operator's webhook certificate is a cert-manager Certificate.
            { parent: this, dependsOn: [args.certManager] },
        );

        // The chart brings the PodMonitor and ServiceMonitor CRDs.
        this.monitors = monitorsFor(this, name, args.targets, labels, [this.release]);

        const namespace = this.release.status.namespace.apply((ns) => ns ?? "");
        this.grafana = {
            internal: pulumi.interpolate`http://${RELEASE}-grafana.${namespace}.svc.cluster.local`,
            external: null,
            portForward: portForwardCommand(namespace, `${RELEASE}-grafana`, 3000, GRAFANA_PORT),
        };
        this.prometheus = {
            internal: pulumi.interpolate`http://${RELEASE}-prometheus.${namespace}.svc.cluster.local:${PROMETHEUS_PORT}`,
            external: null,
            portForward: portForwardCommand(namespace, `${RELEASE}-prometheus`, PROMETHEUS_PORT, PROMETHEUS_PORT),
        };
        this.credential = {
            namespace: args.namespace,
            secret: adminSecret.metadata.name,
            usernameKey: "admin-user",
            username: "admin",
            passwordKey: "admin-password",
            password: pulumi.secret(adminPassword.result),
        };
        this.web = {
            host: "grafana",
            namespace: args.namespace,
            service: `${RELEASE}-grafana`,
            port: GRAFANA_PORT,
            podLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": RELEASE },
            containerPort: GRAFANA_CONTAINER_PORT,
        };
        this.prometheusPodLabels = { "app.kubernetes.io/name": "prometheus" };
        this.footprint = sumFootprints([
            podsFootprint(args.sizing.prometheus, replicas, args.sizing.prometheus.storage),
            podsFootprint(args.sizing.small, replicas + 2),
            podsFootprint(args.sizing.grafana, 1),
        ]);
        this.registerOutputs({ grafana: this.grafana, prometheus: this.prometheus, credential: this.credential });
    }
}
