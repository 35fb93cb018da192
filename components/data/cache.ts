import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { images } from "../catalog";
import { CacheSizing } from "../config";
import { Footprint, podsFootprint } from "../lib/footprint";
import { imageRef } from "../lib/images";
import { platformLabels } from "../lib/labels";
import { ServedPorts } from "../lib/network";
import { CredentialRef, Endpoint, portForwardCommand } from "../lib/outputs";
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";

export interface CacheArgs {
    /** Namespace for the cache. */
    readonly namespace: pulumi.Input<string>;
    /** Storage and resources. */
    readonly sizing: CacheSizing;
    /** StorageClass for the append-only file volume; empty for the cluster default. */
    readonly storageClass: string;
    /** Registry replacing docker.io for the Valkey image; empty keeps docker.io. */
    readonly imageRegistry: string;
    /** Protect the data volume claim template's StatefulSet from deletion. Default false. */
    readonly protect?: boolean;
}

/** Valkey's user and group in the official image. */
const VALKEY_UID = 999;
const PORT = 6379;

/**
 * A Redis-compatible cache and Celery broker: Valkey (see docs/decisions/0003-valkey-cache.md),
 * password-protected with a generated password kept in a Secret, append-only persistence on a
 * volume, run under the restricted Pod Security profile.
 */
export class Cache extends pulumi.ComponentResource {
    public readonly host: pulumi.Output<string>;
    public readonly port = PORT;
    public readonly serviceName: pulumi.Output<string>;
    public readonly namespace: pulumi.Output<string>;
    /** Secret holding the password under `password`. */
    public readonly secretName: pulumi.Output<string>;
    public readonly passwordKey = "password";
    /** The generated password, as a Pulumi secret (for the `credentials` output only). */
    public readonly password: pulumi.Output<string>;
    /** The pods and ports clients connect to (for NetworkPolicies). */
    public readonly serves: ServedPorts;
    public readonly endpoint: Endpoint;
    public readonly footprint: Footprint;
    /** Where the password lives (the cache has no user name). */
    public readonly credential: CredentialRef;
    /** The StatefulSet; dependents wait for it to be ready. */
    public readonly statefulSet: k8s.apps.v1.StatefulSet;

    constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:Cache", name, {}, opts);
        const labels = platformLabels("valkey", name);
        const selector = { "app.kubernetes.io/name": "valkey", "app.kubernetes.io/instance": name };

        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
        const secret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: { name: `${name}-credentials`, namespace: args.namespace, labels },
                type: "Opaque",
                stringData: { [this.passwordKey]: password.result },
            },
            { parent: this },
        );

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: { selector, ports: [{ name: "valkey", port: PORT, targetPort: "valkey" }] },
            },
            { parent: this },
        );

        const probeCommand = ["sh", "-c", 'valkey-cli --no-auth-warning -a "$VALKEY_PASSWORD" ping | grep -q PONG'];
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    serviceName: service.metadata.name,
                    replicas: 1,
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels: { ...labels, ...selector } },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(VALKEY_UID),
                            containers: [
                                {
                                    name: "valkey",
                                    image: imageRef(images.valkey, args.imageRegistry),
                                    args: ["--requirepass", "$(VALKEY_PASSWORD)", "--appendonly", "yes", "--dir", "/data", "--protected-mode", "no"],
                                    env: [{ name: "VALKEY_PASSWORD", valueFrom: { secretKeyRef: { name: secret.metadata.name, key: this.passwordKey } } }],
                                    ports: [{ name: "valkey", containerPort: PORT }],
                                    resources: resourceRequirements(args.sizing),
                                    securityContext: restrictedContainerSecurityContext(VALKEY_UID),
                                    startupProbe: { tcpSocket: { port: "valkey" }, periodSeconds: 2, failureThreshold: 30 },
                                    livenessProbe: { tcpSocket: { port: "valkey" }, periodSeconds: 10, failureThreshold: 3 },
                                    readinessProbe: { exec: { command: probeCommand }, periodSeconds: 5, timeoutSeconds: 3 },
                                    volumeMounts: [{ name: "data", mountPath: "/data" }],
                                },
                            ],
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

        this.serviceName = service.metadata.name;
        this.namespace = service.metadata.namespace;
        this.host = pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
        this.endpoint = {
            internal: pulumi.interpolate`redis://${this.host}:${PORT}`,
            external: null,
            portForward: portForwardCommand(this.namespace, this.serviceName, PORT, PORT),
        };
        this.secretName = secret.metadata.name;
        this.password = pulumi.secret(password.result);
        this.footprint = podsFootprint(args.sizing, 1, args.sizing.storage);
        this.credential = { namespace: this.namespace, secret: this.secretName, passwordKey: this.passwordKey, password: this.password };
        this.serves = { namespace: args.namespace, podLabels: selector, ports: [PORT] };
        this.registerOutputs({ host: this.host, endpoint: this.endpoint, credential: this.credential });
    }
}
