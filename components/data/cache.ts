import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ImagePin, images } from "../catalog";
import { CacheSizing, Resources } from "../config";
import { Footprint, podsFootprint, sumFootprints } from "../lib/footprint";
import { ImageRegistry, imageRef } from "../lib/images";
import { platformLabels } from "../lib/labels";
import { ScrapeTarget } from "../lib/monitoring";
import { ServedPorts } from "../lib/network";
import { onDifferentNodes } from "../lib/spread";
import { CredentialRef, Endpoint, portForwardCommand } from "../lib/outputs";
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";

export interface CacheArgs {
    /** Namespace for the cache. */
    readonly namespace: pulumi.Input<string>;
    /** Storage and resources of each Valkey server. */
    readonly sizing: CacheSizing;
    /** StorageClass for the append-only file volume; empty for the cluster default. */
    readonly storageClass: string;
    /** Registry replacing docker.io for the Valkey and HAProxy images; empty keeps docker.io. */
    readonly imageRegistry: ImageRegistry;
    /** Protect the data volume claim template's StatefulSet from deletion. Default false. */
    readonly protect?: boolean;
    /**
     * Three Valkey servers (one master, two replicas) watched by three Sentinels (quorum 2), behind
     * two HAProxy pods that always route to the current master. Default false: one server.
     */
    readonly highAvailability?: boolean;
    /** Each Sentinel sidecar (highAvailability only). Default {@link SENTINEL_RESOURCES}: 25m/32Mi, limits 100m/64Mi. */
    readonly sentinel?: Resources;
    /** Each HAProxy pod (highAvailability only). Default {@link PROXY_RESOURCES}: 50m/64Mi, limits 250m/128Mi. */
    readonly proxy?: Resources;
    /** HAProxy image (highAvailability only). Default {@link HAPROXY_IMAGE}, docker.io/library/haproxy:3.2.19 (3.2 LTS). */
    readonly proxyImage?: ImagePin;
    /** A Prometheus exporter (redis_exporter) beside each server, scraped on port `metrics`. Default false. */
    readonly metrics?: boolean;
}

/** Default Sentinel sidecar resources. */
export const SENTINEL_RESOURCES: Resources = { cpu: "25m", memory: "32Mi", cpuLimit: "100m", memoryLimit: "64Mi" };
/** Default HAProxy resources. */
export const PROXY_RESOURCES: Resources = { cpu: "50m", memory: "64Mi", cpuLimit: "250m", memoryLimit: "128Mi" };
/** The official HAProxy image, 3.2 long-term-support line. */
export const HAPROXY_IMAGE: ImagePin = images.haproxy;

/** Default resources of the exporter beside each server. */
export const EXPORTER_RESOURCES: Resources = { cpu: "25m", memory: "32Mi", cpuLimit: "100m", memoryLimit: "64Mi" };
/** redis_exporter's default listen port. */
export const EXPORTER_PORT = 9121;
/** The `nobody`-like user redis_exporter's image runs as. */
const EXPORTER_UID = 59000;

/** Valkey's user and group in the official image. */
const VALKEY_UID = 999;
/** The `haproxy` user of the official HAProxy image. */
const HAPROXY_UID = 99;
const PORT = 6379;
const SENTINEL_PORT = 26379;
const HEALTH_PORT = 8404;
/** Valkey servers (and Sentinels) with highAvailability. */
export const HA_REPLICAS = 3;
/** Sentinels that must agree the master is down before a failover. */
export const SENTINEL_QUORUM = 2;
const PROXY_REPLICAS = 2;
/** Milliseconds without an answer before a Sentinel considers the master down. */
const DOWN_AFTER_MS = 5000;
const FAILOVER_TIMEOUT_MS = 30000;
/** Longest a stopping master holds client writes while it hands its role over. */
const PAUSE_MS = 20000;
const CONF_DIR = "/etc/valkey";
const DATA_DIR = "/data";
/**
 * Persistence of every server: the append-only file (every write, fsync each second) and RDB
 * snapshots of the whole dataset on a schedule: after an hour with at least one change, 5 minutes
 * with 100, or a minute with 10000 (`dump.rdb`, a single file to copy off the pod).
 */
export const PERSISTENCE = ["appendonly yes", "appendfsync everysec", "save 3600 1 300 100 60 10000", "dbfilename dump.rdb"] as const;
/** A snapshot dropped here is loaded at the next start instead of the current data (docs/operations.md). */
export const RESTORE_FILE = `${DATA_DIR}/restore.rdb`;
/**
 * Before the server starts: a `restore.rdb` becomes the base of a new append-only file (a manifest
 * naming the snapshot as its only, base part), replacing the old one. With `appendonly yes` the
 * server loads the append-only file and ignores `dump.rdb`, so this is how a snapshot is restored.
 */
export const RESTORE_ON_START = [
    `if [ -f ${RESTORE_FILE} ]; then`,
    `    echo "restoring ${RESTORE_FILE}"`,
    `    rm -rf ${DATA_DIR}/appendonlydir ${DATA_DIR}/dump.rdb`,
    `    mkdir ${DATA_DIR}/appendonlydir`,
    `    mv ${RESTORE_FILE} ${DATA_DIR}/appendonlydir/appendonly.aof.1.base.rdb`,
    `    printf 'file appendonly.aof.1.base.rdb seq 1 type b\\n' > ${DATA_DIR}/appendonlydir/appendonly.aof.manifest`,
    "fi",
].join("\n");
/** The single server's start: a pending restore, then its password from the environment into a config file only it reads. */
const STANDALONE_START = [
    "umask 077",
    RESTORE_ON_START,
    `printf 'requirepass "%s"\\n' "$VALKEY_PASSWORD" > ${CONF_DIR}/valkey.conf`,
    `printf '%s\\n' ${PERSISTENCE.map((l) => `'${l}'`).join(" ")} >> ${CONF_DIR}/valkey.conf`,
    `exec valkey-server ${CONF_DIR}/valkey.conf --port ${PORT} --dir ${DATA_DIR} --protected-mode no`,
].join("\n");
const SCRIPTS_DIR = "/scripts";
const HAPROXY_DIR = "/usr/local/etc/haproxy";

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/**
 * A Redis-compatible cache and Celery broker: Valkey (see docs/decisions/0003-valkey-cache.md),
 * password-protected with a generated password kept in a Secret, append-only persistence on a
 * volume, run under the restricted Pod Security profile.
 *
 * Without highAvailability it is one Valkey pod behind a Service. With it, three Valkey pods
 * replicate from one master, a Sentinel sidecar in each pod fails the master over, and two
 * HAProxy pods behind the same Service name forward to whichever server reports `role:master`:
 * clients keep using a plain `redis://host:port` with a password and need no Sentinel support.
 */
export class Cache extends pulumi.ComponentResource {
    /** Where clients connect: the single server, or the HAProxy Service with highAvailability. */
    public readonly host: pulumi.Output<string>;
    public readonly port = PORT;
    public readonly serviceName: pulumi.Output<string>;
    public readonly namespace: pulumi.Output<string>;
    /** Secret holding the password under `password`. */
    public readonly secretName: pulumi.Output<string>;
    public readonly passwordKey = "password";
    /** The generated password, as a Pulumi secret (for the `credentials` output only). */
    public readonly password: pulumi.Output<string>;
    /** The pods and ports clients connect to (the HAProxy pods with highAvailability), for NetworkPolicies. */
    public readonly serves: ServedPorts;
    public readonly endpoint: Endpoint;
    public readonly footprint: Footprint;
    /** Where the password lives (the cache has no user name). */
    public readonly credential: CredentialRef;
    /** The Valkey StatefulSet. */
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    /** The HAProxy Deployment (highAvailability only). */
    public readonly proxy?: k8s.apps.v1.Deployment;
    /** What dependents wait for: the StatefulSet, and the HAProxy Deployment with highAvailability. */
    public readonly ready: pulumi.Resource[];
    /** Each server's exporter on container port `metrics` (with `metrics` only). */
    public readonly metrics: ScrapeTarget[];

    constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:Cache", name, {}, opts);
        const ha = args.highAvailability ?? false;
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
        const passwordEnv = { name: "VALKEY_PASSWORD", valueFrom: { secretKeyRef: { name: secret.metadata.name, key: this.passwordKey } } };
        const valkeyImage = imageRef(images.valkey, args.imageRegistry);
        const volumeClaim = {
            metadata: { name: "data", labels },
            spec: {
                accessModes: ["ReadWriteOnce"],
                ...(args.storageClass === "" ? {} : { storageClassName: args.storageClass }),
                resources: { requests: { storage: args.sizing.storage } },
            },
        };
        // The exporter reads the server next to it, its password from the environment (REDIS_PASSWORD).
        const exporter = args.metrics
            ? [
                  {
                      name: "exporter",
                      image: imageRef(images.redisExporter, args.imageRegistry),
                      env: [
                          { name: "REDIS_ADDR", value: `redis://localhost:${PORT}` },
                          { name: "REDIS_PASSWORD", valueFrom: passwordEnv.valueFrom },
                      ],
                      ports: [{ name: "metrics", containerPort: EXPORTER_PORT }],
                      resources: resourceRequirements(EXPORTER_RESOURCES),
                      securityContext: restrictedContainerSecurityContext(EXPORTER_UID),
                      startupProbe: { httpGet: { path: "/health", port: "metrics" }, periodSeconds: 2, failureThreshold: 30 },
                      livenessProbe: { httpGet: { path: "/health", port: "metrics" }, periodSeconds: 10, failureThreshold: 3 },
                      readinessProbe: { httpGet: { path: "/health", port: "metrics" }, periodSeconds: 10, failureThreshold: 3 },
                  },
              ]
            : [];
        const exporterFootprint = (servers: number) => (args.metrics ? [podsFootprint(EXPORTER_RESOURCES, servers)] : []);
        this.metrics = args.metrics ? [{ name, namespace: args.namespace, kind: "pod", selector, port: "metrics", containerPort: EXPORTER_PORT, path: "/metrics" }] : [];
        // valkey-cli reads the password from REDISCLI_AUTH, so it is never on a command line (/proc/*/cmdline).
        const pingCommand = (port: number) => ["sh", "-c", `REDISCLI_AUTH="$VALKEY_PASSWORD" valkey-cli -p ${port} ping | grep -q PONG`];

        // Clients connect to this Service: the single server, or the HAProxy pods.
        const proxyLabels = platformLabels("valkey-proxy", name);
        const proxySelector = { "app.kubernetes.io/name": "valkey-proxy", "app.kubernetes.io/instance": name };
        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: { selector: ha ? proxySelector : selector, ports: [{ name: "valkey", port: PORT, targetPort: "valkey" }] },
            },
            { parent: this },
        );

        if (!ha) {
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
                                        image: valkeyImage,
                                        // The server's password goes into an in-memory config file, not onto its command
                                        // line; the probe's valkey-cli reads it from REDISCLI_AUTH.
                                        command: ["sh", "-c", STANDALONE_START],
                                        env: [passwordEnv],
                                        ports: [{ name: "valkey", containerPort: PORT }],
                                        resources: resourceRequirements(args.sizing),
                                        securityContext: restrictedContainerSecurityContext(VALKEY_UID),
                                        startupProbe: { tcpSocket: { port: "valkey" }, periodSeconds: 2, failureThreshold: 30 },
                                        livenessProbe: { tcpSocket: { port: "valkey" }, periodSeconds: 10, failureThreshold: 3 },
                                        readinessProbe: { exec: { command: pingCommand(PORT) }, periodSeconds: 5, timeoutSeconds: 3 },
                                        volumeMounts: [
                                            { name: "data", mountPath: "/data" },
                                            { name: "conf", mountPath: CONF_DIR },
                                        ],
                                    },
                                    ...exporter,
                                ],
                                volumes: [{ name: "conf", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } }],
                            },
                        },
                        volumeClaimTemplates: [volumeClaim],
                    },
                },
                { parent: this, protect: args.protect ?? false },
            );
            this.ready = [this.statefulSet];
            this.footprint = sumFootprints([podsFootprint(args.sizing, 1, args.sizing.storage), ...exporterFootprint(1)]);
            this.serves = { namespace: args.namespace, podLabels: selector, ports: [PORT] };
        } else {
            const sentinel = args.sentinel ?? SENTINEL_RESOURCES;
            const proxy = args.proxy ?? PROXY_RESOURCES;

            // Stable DNS names for each server and Sentinel, published before the pods are ready so
            // that a starting pod can reach its peers (and Sentinel can resolve a master still loading).
            const headless = new k8s.core.v1.Service(
                `${name}-headless`,
                {
                    metadata: { name: `${name}-headless`, namespace: args.namespace, labels },
                    spec: {
                        clusterIP: "None",
                        publishNotReadyAddresses: true,
                        selector,
                        ports: [
                            { name: "valkey", port: PORT, targetPort: "valkey" },
                            { name: "sentinel", port: SENTINEL_PORT, targetPort: "sentinel" },
                        ],
                    },
                },
                { parent: this },
            );

            const scriptData = replicationScripts(name, `${name}-headless`, name);
            const scripts = new k8s.core.v1.ConfigMap(
                `${name}-scripts`,
                { metadata: { name: `${name}-scripts`, namespace: args.namespace, labels }, data: scriptData },
                { parent: this },
            );
            const podEnv = [
                passwordEnv,
                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                { name: "NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
            ];
            const confMount = { name: "conf", mountPath: CONF_DIR };
            const scriptsMount = { name: "scripts", mountPath: SCRIPTS_DIR, readOnly: true };

            this.statefulSet = new k8s.apps.v1.StatefulSet(
                `${name}-statefulset`,
                {
                    metadata: { name, namespace: args.namespace, labels },
                    spec: {
                        serviceName: headless.metadata.name,
                        replicas: HA_REPLICAS,
                        selector: { matchLabels: selector },
                        template: {
                            metadata: {
                                labels: { ...labels, ...selector },
                                // A changed script restarts the pods (one at a time) so they run it.
                                annotations: { "analytics-platform/config-sha256": sha256(Object.values(scriptData).join("\0")) },
                            },
                            spec: {
                                automountServiceAccountToken: false,
                                securityContext: restrictedPodSecurityContext(VALKEY_UID),
                                affinity: onDifferentNodes(selector),
                                // Room for the pre-stop switchover (normally a few seconds) before the server is stopped.
                                terminationGracePeriodSeconds: 40,
                                initContainers: [
                                    {
                                        name: "config",
                                        image: valkeyImage,
                                        command: ["sh", `${SCRIPTS_DIR}/init.sh`],
                                        env: podEnv,
                                        resources: resourceRequirements(sentinel),
                                        securityContext: restrictedContainerSecurityContext(VALKEY_UID),
                                        // The data volume too: a pending snapshot restore is prepared here.
                                        volumeMounts: [{ name: "data", mountPath: DATA_DIR }, confMount, scriptsMount],
                                    },
                                ],
                                containers: [
                                    {
                                        name: "valkey",
                                        image: valkeyImage,
                                        command: ["valkey-server", `${CONF_DIR}/valkey.conf`],
                                        env: podEnv,
                                        ports: [{ name: "valkey", containerPort: PORT }],
                                        resources: resourceRequirements(args.sizing),
                                        securityContext: restrictedContainerSecurityContext(VALKEY_UID),
                                        startupProbe: { tcpSocket: { port: "valkey" }, periodSeconds: 2, failureThreshold: 60 },
                                        livenessProbe: { tcpSocket: { port: "valkey" }, periodSeconds: 10, failureThreshold: 3 },
                                        readinessProbe: { exec: { command: pingCommand(PORT) }, periodSeconds: 5, timeoutSeconds: 3 },
                                        lifecycle: { preStop: { exec: { command: ["sh", `${SCRIPTS_DIR}/prestop.sh`] } } },
                                        volumeMounts: [{ name: "data", mountPath: "/data" }, confMount, scriptsMount],
                                    },
                                    {
                                        name: "sentinel",
                                        image: valkeyImage,
                                        command: ["valkey-server", `${CONF_DIR}/sentinel.conf`, "--sentinel"],
                                        env: [passwordEnv],
                                        ports: [{ name: "sentinel", containerPort: SENTINEL_PORT }],
                                        resources: resourceRequirements(sentinel),
                                        securityContext: restrictedContainerSecurityContext(VALKEY_UID),
                                        startupProbe: { tcpSocket: { port: "sentinel" }, periodSeconds: 2, failureThreshold: 30 },
                                        livenessProbe: { tcpSocket: { port: "sentinel" }, periodSeconds: 10, failureThreshold: 3 },
                                        readinessProbe: { exec: { command: pingCommand(SENTINEL_PORT) }, periodSeconds: 5, timeoutSeconds: 3 },
                                        volumeMounts: [confMount],
                                    },
                                    ...exporter,
                                ],
                                volumes: [
                                    // The generated configs hold the password: kept in memory, never on
                                    // the node's disk, and rewritten by Valkey and Sentinel on failover.
                                    { name: "conf", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                                    { name: "scripts", configMap: { name: scripts.metadata.name } },
                                ],
                            },
                        },
                        volumeClaimTemplates: [volumeClaim],
                    },
                },
                { parent: this, protect: args.protect ?? false },
            );
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-pdb`,
                {
                    metadata: { name, namespace: args.namespace, labels },
                    // Two of three servers (and Sentinels: the quorum) stay up through drains.
                    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
                },
                { parent: this },
            );

            const proxyConfig = pulumi.output(args.namespace).apply((ns) => haproxyConfig(name, `${name}-headless`, ns));
            const proxyConfigMap = new k8s.core.v1.ConfigMap(
                `${name}-proxy-config`,
                { metadata: { name: `${name}-proxy`, namespace: args.namespace, labels: proxyLabels }, data: { "haproxy.cfg": proxyConfig } },
                { parent: this },
            );
            const healthProbe = (path: string) => ({ httpGet: { path, port: "health" } });
            this.proxy = new k8s.apps.v1.Deployment(
                `${name}-proxy`,
                {
                    metadata: { name: `${name}-proxy`, namespace: args.namespace, labels: proxyLabels },
                    spec: {
                        replicas: PROXY_REPLICAS,
                        selector: { matchLabels: proxySelector },
                        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                        template: {
                            metadata: {
                                labels: { ...proxyLabels, ...proxySelector },
                                annotations: { "analytics-platform/config-sha256": proxyConfig.apply(sha256) },
                            },
                            spec: {
                                automountServiceAccountToken: false,
                                securityContext: restrictedPodSecurityContext(),
                                affinity: onDifferentNodes(proxySelector),
                                containers: [
                                    {
                                        name: "haproxy",
                                        image: imageRef(args.proxyImage ?? HAPROXY_IMAGE, args.imageRegistry),
                                        command: ["haproxy", "-db", "-f", `${HAPROXY_DIR}/haproxy.cfg`],
                                        // Expanded by HAProxy into its health check's AUTH command.
                                        env: [passwordEnv],
                                        ports: [
                                            { name: "valkey", containerPort: PORT },
                                            { name: "health", containerPort: HEALTH_PORT },
                                        ],
                                        resources: resourceRequirements(proxy),
                                        securityContext: restrictedContainerSecurityContext(HAPROXY_UID),
                                        startupProbe: { ...healthProbe("/livez"), periodSeconds: 2, failureThreshold: 15 },
                                        livenessProbe: { ...healthProbe("/livez"), periodSeconds: 10, failureThreshold: 3 },
                                        // Ready only while some server answers as master.
                                        readinessProbe: { ...healthProbe("/readyz"), periodSeconds: 2, failureThreshold: 2 },
                                        volumeMounts: [
                                            { name: "config", mountPath: HAPROXY_DIR, readOnly: true },
                                            { name: "tmp", mountPath: "/tmp" },
                                        ],
                                    },
                                ],
                                volumes: [
                                    { name: "config", configMap: { name: proxyConfigMap.metadata.name } },
                                    { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
                                ],
                            },
                        },
                    },
                },
                { parent: this },
            );
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-proxy-pdb`,
                {
                    metadata: { name: `${name}-proxy`, namespace: args.namespace, labels: proxyLabels },
                    spec: { maxUnavailable: 1, selector: { matchLabels: proxySelector } },
                },
                { parent: this },
            );

            this.ready = [this.statefulSet, this.proxy];
            this.footprint = sumFootprints([
                podsFootprint(args.sizing, HA_REPLICAS, args.sizing.storage),
                podsFootprint(sentinel, HA_REPLICAS),
                ...exporterFootprint(HA_REPLICAS),
                podsFootprint(proxy, PROXY_REPLICAS),
            ]);
            this.serves = { namespace: args.namespace, podLabels: proxySelector, ports: [PORT] };
        }

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
        this.credential = { namespace: this.namespace, secret: this.secretName, passwordKey: this.passwordKey, password: this.password };
        this.registerOutputs({ host: this.host, endpoint: this.endpoint, credential: this.credential });
    }
}

/**
 * The pod scripts of the replicated cache (no secrets: the password is read from the environment).
 * `init.sh` writes valkey.conf and sentinel.conf at every pod start: the master is whatever a peer's
 * Sentinel reports, or ordinal 0 when no Sentinel answers (the first start). `prestop.sh` hands the
 * master role to a replica before a master pod stops.
 */
function replicationScripts(statefulSet: string, headless: string, masterSet: string): Record<string, string> {
    const common = `domain="${headless}.$NAMESPACE.svc.cluster.local"
self="$POD_NAME.$domain"
cli() { REDISCLI_AUTH="$VALKEY_PASSWORD" timeout 3 valkey-cli "$@" 2>/dev/null | tr -d '\\r'; }
peers() {
    i=0
    while [ "$i" -lt ${HA_REPLICAS} ]; do
        peer="${statefulSet}-$i.$domain"
        [ "$peer" = "$self" ] || echo "$peer"
        i=$((i + 1))
    done
}
`;
    const init = `#!/bin/sh
# Writes this pod's Valkey and Sentinel configuration into the in-memory volume ${CONF_DIR}.
set -eu
${common}
master=""
for peer in $(peers); do
    answer="$(cli -h "$peer" -p ${SENTINEL_PORT} sentinel get-master-addr-by-name ${masterSet} | head -n 1)" || answer=""
    case "$answer" in
        *".$domain") master="$answer"; break ;;
    esac
done
[ -n "$master" ] || master="${statefulSet}-0.$domain"
echo "master: $master"

# Sentinel does not start on a name that does not resolve yet.
for host in "$self" "$master"; do
    n=0
    until getent hosts "$host" >/dev/null 2>&1 || [ "$n" -ge 60 ]; do n=$((n + 1)); sleep 1; done
done

umask 077
${RESTORE_ON_START}
cat > ${CONF_DIR}/valkey.conf <<EOF
port ${PORT}
protected-mode no
dir ${DATA_DIR}
${PERSISTENCE.join("\n")}
replica-announce-ip $self
requirepass "$VALKEY_PASSWORD"
masterauth "$VALKEY_PASSWORD"
EOF
if [ "$master" != "$self" ]; then
    echo "replicaof $master ${PORT}" >> ${CONF_DIR}/valkey.conf
fi

cat > ${CONF_DIR}/sentinel.conf <<EOF
port ${SENTINEL_PORT}
dir ${CONF_DIR}
sentinel myid $(printf '%s' "$POD_NAME" | sha1sum | cut -c1-40)
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $self
requirepass "$VALKEY_PASSWORD"
sentinel monitor ${masterSet} $master ${PORT} ${SENTINEL_QUORUM}
sentinel auth-pass ${masterSet} "$VALKEY_PASSWORD"
sentinel down-after-milliseconds ${masterSet} ${DOWN_AFTER_MS}
sentinel failover-timeout ${masterSet} ${FAILOVER_TIMEOUT_MS}
sentinel parallel-syncs ${masterSet} 1
EOF
`;
    const prestop = `#!/bin/sh
# A stopping master hands its role over: it holds writes (clients wait instead of writing to a server
# about to be demoted, so no acknowledged write is lost), asks a peer Sentinel to promote a replica,
# and follows the new master at once. HAProxy then drops the connections it held and clients
# reconnect to the new master: a switchover of a second or two instead of a 5 s failover.
${common}
nap() { sleep 0.25 2>/dev/null || sleep 1; }
cli -p ${PORT} info replication | grep -q '^role:master' || exit 0
cli -p ${PORT} client pause ${PAUSE_MS} write >/dev/null
sentinel=""
for peer in $(peers); do
    if cli -h "$peer" -p ${SENTINEL_PORT} sentinel failover ${masterSet} | grep -q '^OK'; then sentinel="$peer"; break; fi
done
n=0
while [ -n "$sentinel" ] && [ "$n" -lt 60 ]; do
    new="$(cli -h "$sentinel" -p ${SENTINEL_PORT} sentinel get-master-addr-by-name ${masterSet} | head -n 1)"
    case "$new" in
        "$self" | "") ;;
        *".$domain")
            if cli -h "$new" -p ${PORT} info replication | grep -q '^role:master'; then
                cli -p ${PORT} replicaof "$new" ${PORT} >/dev/null
                exit 0
            fi ;;
    esac
    n=$((n + 1))
    nap
done
# No switchover: keep serving until the server is stopped.
cli -p ${PORT} client unpause >/dev/null
exit 0
`;
    return { "init.sh": init, "prestop.sh": prestop };
}

/**
 * HAProxy's configuration: forward to the one server whose health check authenticates and reads
 * `role:master`. The password is `${VALKEY_PASSWORD}`, expanded by HAProxy from its environment
 * (HAProxy expands variables inside double quotes), so this ConfigMap holds no secret.
 */
function haproxyConfig(statefulSet: string, headless: string, namespace: string): string {
    const servers = Array.from({ length: HA_REPLICAS }, (_, i) => `    server ${statefulSet}-${i} ${statefulSet}-${i}.${headless}.${namespace}.svc.cluster.local:${PORT}`);
    return `global
    log stdout format raw local0 notice
    maxconn 2048

defaults
    log global
    mode tcp
    timeout connect 3s
    # Celery and pooled clients keep connections open and idle; they reconnect after this.
    timeout client 30m
    timeout server 30m
    timeout check 2s
    # A connection refused by a stopping server is retried on another one.
    retries 3
    option redispatch
    option clitcpka
    option srvtcpka

# Pod addresses change when pods restart: resolve the servers' names at run time.
resolvers cluster
    parse-resolv-conf
    hold valid 5s

frontend health
    mode http
    bind :${HEALTH_PORT}
    timeout client 5s
    http-request return status 200 content-type text/plain string ok if { path /livez }
    http-request return status 200 content-type text/plain string ok if { path /readyz } { nbsrv(master) ge 1 }
    http-request return status 503 content-type text/plain string no-master if { path /readyz }
    http-request return status 404

frontend valkey
    bind :${PORT}
    default_backend master

backend master
    # Should two servers briefly both claim the role, every proxy picks the same one.
    balance first
    option tcp-check
    tcp-check connect
    tcp-check send "AUTH \${VALKEY_PASSWORD}\\r\\n"
    tcp-check expect string +OK
    # QUIT in the same write: the server answers and closes, so a replica fails the check at once
    # instead of at the check timeout.
    tcp-check send "INFO replication\\r\\nQUIT\\r\\n"
    tcp-check expect string role:master
    # A server that stops being master drops its client connections: clients reconnect to the new one.
    default-server check inter 1s fastinter 250ms fall 2 rise 2 resolvers cluster resolve-prefer ipv4 init-addr libc,none on-marked-down shutdown-sessions
${servers.join("\n")}
`;
}
