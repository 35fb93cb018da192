import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { images } from "../catalog";
import { Resources } from "../config";
import { Footprint, podsFootprint } from "../lib/footprint";
import { ImageRegistry, imageRef } from "../lib/images";
import { platformLabels } from "../lib/labels";
import { ScrapeTarget } from "../lib/monitoring";
import { ServedPorts } from "../lib/network";
import { CredentialRef, Endpoint, portForwardCommand } from "../lib/outputs";
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";

export interface ClickHouseSizing extends Resources {
    /** Size of the data volume. */
    readonly storage: string;
}

export interface ClickHouseArgs {
    /** Namespace for ClickHouse. */
    readonly namespace: pulumi.Input<string>;
    /** Volume size and resources. */
    readonly sizing: ClickHouseSizing;
    /** StorageClass for the data volume; empty for the cluster default. */
    readonly storageClass: string;
    /** Registry replacing docker.io for the ClickHouse image; empty keeps docker.io. */
    readonly imageRegistry: ImageRegistry;
    /** Protect the StatefulSet (and so its volume claim) from deletion. Default false. */
    readonly protect?: boolean;
}

/** The `clickhouse` user and group of the official image. */
const CLICKHOUSE_UID = 101;
const HTTP_PORT = 8123;
const NATIVE_PORT = 9000;
const ADMIN_USER = "admin";
/** ClickHouse's built-in Prometheus endpoint, enabled by {@link PROMETHEUS_CONFIG}. */
export const CLICKHOUSE_METRICS_PORT = 9363;
const CONFIG_DIR = "/etc/clickhouse-server/config.d";
const PROMETHEUS_CONFIG_FILE = "prometheus.xml";
/**
 * Server configuration added to the image's `config.d`: ClickHouse's own Prometheus handler on
 * 9363 (listening where the image's configuration listens), with current metrics, event counters
 * and asynchronous metrics. It needs no login.
 */
export const PROMETHEUS_CONFIG = [
    "<clickhouse>",
    "    <prometheus>",
    "        <endpoint>/metrics</endpoint>",
    `        <port>${CLICKHOUSE_METRICS_PORT}</port>`,
    "        <metrics>true</metrics>",
    "        <events>true</events>",
    "        <asynchronous_metrics>true</asynchronous_metrics>",
    "    </prometheus>",
    "</clickhouse>",
    "",
].join("\n");

/**
 * A single ClickHouse server from the official image (docs/decisions/0004-data-services.md): an
 * `admin` user with a generated password read from a Secret by the image's entrypoint, SQL access
 * management on, the `default` user off, data on a persistent volume.
 */
export class ClickHouse extends pulumi.ComponentResource {
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    public readonly host: pulumi.Output<string>;
    public readonly httpPort = HTTP_PORT;
    public readonly nativePort = NATIVE_PORT;
    /** The pods and ports clients connect to (for NetworkPolicies). */
    public readonly serves: ServedPorts;
    public readonly endpoint: Endpoint;
    public readonly credential: CredentialRef;
    public readonly footprint: Footprint;
    /** Secret with `username` and `password` keys. */
    public readonly secretName: pulumi.Output<string>;
    /** The server's `/metrics` on container port `metrics` (9363). */
    public readonly metrics: ScrapeTarget[];

    constructor(name: string, args: ClickHouseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:ClickHouse", name, {}, opts);
        const labels = platformLabels("clickhouse", name);
        const selector = { "app.kubernetes.io/name": "clickhouse", "app.kubernetes.io/instance": name };

        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
        const secret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: { name: `${name}-credentials`, namespace: args.namespace, labels },
                type: "kubernetes.io/basic-auth",
                stringData: { username: ADMIN_USER, password: password.result },
            },
            { parent: this },
        );

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    selector,
                    ports: [
                        { name: "http", port: HTTP_PORT, targetPort: "http" },
                        { name: "native", port: NATIVE_PORT, targetPort: "native" },
                    ],
                },
            },
            { parent: this },
        );

        const config = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: { name: `${name}-config`, namespace: args.namespace, labels }, data: { [PROMETHEUS_CONFIG_FILE]: PROMETHEUS_CONFIG } },
            { parent: this },
        );

        const fromSecret = (key: string) => ({ secretKeyRef: { name: secret.metadata.name, key } });
        const scratch = (volume: string, mountPath: string) => ({ volume: { name: volume, emptyDir: {} }, mount: { name: volume, mountPath } });
        // The entrypoint writes the user definition into users.d and logs to its log folder: both are
        // scratch volumes so the root filesystem stays read-only.
        const writable = [scratch("users-d", "/etc/clickhouse-server/users.d"), scratch("logs", "/var/log/clickhouse-server"), scratch("tmp", "/tmp")];
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    serviceName: service.metadata.name,
                    replicas: 1,
                    selector: { matchLabels: selector },
                    template: {
                        // The configuration is mounted file by file (subPath), which Kubernetes never updates
                        // in place: a changed file rolls the pod through this hash.
                        metadata: {
                            labels: { ...labels, ...selector },
                            annotations: { "analytics-platform/config-sha256": createHash("sha256").update(PROMETHEUS_CONFIG).digest("hex") },
                        },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(CLICKHOUSE_UID),
                            containers: [
                                {
                                    name: "clickhouse",
                                    image: imageRef(images.clickhouse, args.imageRegistry),
                                    env: [
                                        { name: "CLICKHOUSE_USER", valueFrom: fromSecret("username") },
                                        { name: "CLICKHOUSE_PASSWORD", valueFrom: fromSecret("password") },
                                        { name: "CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT", value: "1" },
                                    ],
                                    ports: [
                                        { name: "http", containerPort: HTTP_PORT },
                                        { name: "native", containerPort: NATIVE_PORT },
                                        { name: "metrics", containerPort: CLICKHOUSE_METRICS_PORT },
                                    ],
                                    resources: resourceRequirements(args.sizing),
                                    securityContext: restrictedContainerSecurityContext(CLICKHOUSE_UID),
                                    startupProbe: { httpGet: { path: "/ping", port: "http" }, periodSeconds: 2, failureThreshold: 60 },
                                    livenessProbe: { httpGet: { path: "/ping", port: "http" }, periodSeconds: 10, failureThreshold: 3 },
                                    readinessProbe: { httpGet: { path: "/ping", port: "http" }, periodSeconds: 5, failureThreshold: 3 },
                                    volumeMounts: [
                                        { name: "data", mountPath: "/var/lib/clickhouse" },
                                        ...writable.map((w) => w.mount),
                                        // One file next to the image's own config.d files, which stay visible.
                                        { name: "config", mountPath: `${CONFIG_DIR}/${PROMETHEUS_CONFIG_FILE}`, subPath: PROMETHEUS_CONFIG_FILE, readOnly: true },
                                    ],
                                },
                            ],
                            volumes: [...writable.map((w) => w.volume), { name: "config", configMap: { name: config.metadata.name } }],
                        },
                    },
                    volumeClaimTemplates: [
                        {
                            metadata: { name: "data", labels },
                            spec: {
                                accessModes: ["ReadWriteOnce"],
                                ...(args.storageClass === "" ? {} : { storageClassName: args.storageClass }),
                                resources: { requests: { storage: args.sizing.storage } },
                            },
                        },
                    ],
                },
            },
            { parent: this, protect: args.protect ?? false },
        );

        const namespace = service.metadata.namespace;
        this.host = pulumi.interpolate`${service.metadata.name}.${namespace}.svc.cluster.local`;
        this.secretName = secret.metadata.name;
        this.endpoint = {
            internal: pulumi.interpolate`http://${this.host}:${HTTP_PORT}`,
            external: null,
            portForward: portForwardCommand(namespace, service.metadata.name, HTTP_PORT, HTTP_PORT),
        };
        this.footprint = podsFootprint(args.sizing, 1, args.sizing.storage);
        this.credential = { namespace, secret: secret.metadata.name, usernameKey: "username", username: ADMIN_USER, passwordKey: "password", password: pulumi.secret(password.result) };
        this.serves = { namespace: args.namespace, podLabels: selector, ports: [HTTP_PORT, NATIVE_PORT] };
        this.metrics = [
            {
                name,
                namespace: args.namespace,
                kind: "pod",
                selector,
                port: "metrics",
                containerPort: CLICKHOUSE_METRICS_PORT,
                path: "/metrics",
            },
        ];
        this.registerOutputs({ host: this.host, endpoint: this.endpoint, credential: this.credential });
    }
}
