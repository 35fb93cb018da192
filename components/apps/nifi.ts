import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { images } from "../catalog";
import { NifiSizing } from "../config";
import { WebService, publishedHostname } from "../lib/exposure";
import { Footprint, mebibytes, podsFootprint } from "../lib/footprint";
import { ImageRegistry, imageRef } from "../lib/images";
import { platformLabels } from "../lib/labels";
import { ServedPorts } from "../lib/network";
import { CredentialRef, Endpoint, portForwardCommand } from "../lib/outputs";
import { waitForCondition } from "../lib/readiness";
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";

export { NifiSizing, nifiDevSizing, nifiProdSizing } from "../config";

export interface NifiArgs {
    /** Namespace for NiFi, its Secrets and its Certificate. */
    readonly namespace: pulumi.Input<string>;
    /** Resources and volume sizes (nifiDevSizing, nifiProdSizing). */
    readonly sizing: NifiSizing;
    /** StorageClass for the three volumes; empty for the cluster default. */
    readonly storageClass: string;
    /** Registry replacing docker.io for the NiFi image; empty keeps docker.io. */
    readonly imageRegistry: ImageRegistry;
    /**
     * ClusterIssuer that signs NiFi's server certificate: the platform CA's `issuerName` (an
     * Output resolved once the issuer is Ready, so the Certificate waits for it).
     */
    readonly clusterIssuer: pulumi.Input<string>;
    /**
     * DNS domain the platform's exposure publishes under; when set, `<webHost>.<domain>` joins the
     * certificate's names and NiFi's accepted Host headers, and is `endpoint.external`. Default ""
     * (not exposed: in-cluster and port-forward access only).
     */
    readonly domain?: string;
    /** Host name prefix under the domain when exposed. Default "nifi". */
    readonly webHost?: string;
    /** Protect the StatefulSet (and so its volume claims) from deletion. Default false. */
    readonly protect?: boolean;
}

/** The `nifi` user and group of the official image (its USER is a name, so the UID is set explicitly). */
const NIFI_UID = 1000;
const PORT = 8443;
const ADMIN_USER = "admin";
const NIFI_HOME = "/opt/nifi/nifi-current";
/** Where the cert-manager Secret (keystore.p12, truststore.p12) is mounted. */
const TLS_DIR = "/opt/nifi/tls";
/** A directory of the data volume that holds the flow definition, outside the image's conf/. */
const FLOW_DIR = `${NIFI_HOME}/flow`;
/** Keys of the Secret with NiFi's own keys (not a login). */
const SENSITIVE_PROPS_KEY = "sensitive-props-key";
const KEYSTORE_PASSWORD = "keystore-password";

/**
 * The image's start script rewrites conf/ from the environment at every start, but offers no
 * variable for the flow definition, which lives in conf/ by default: point it (and its archive)
 * at the data volume, and let NiFi reload the TLS stores when cert-manager renews them, then hand
 * over to the image's start script (which reads the credentials from the environment).
 */
const START_SCRIPT = [
    "set -e",
    [
        "sed -i",
        `-e 's|^nifi.flow.configuration.file=.*|nifi.flow.configuration.file=${FLOW_DIR}/flow.xml.gz|'`,
        `-e 's|^nifi.flow.configuration.json.file=.*|nifi.flow.configuration.json.file=${FLOW_DIR}/flow.json.gz|'`,
        `-e 's|^nifi.flow.configuration.archive.dir=.*|nifi.flow.configuration.archive.dir=${FLOW_DIR}/archive/|'`,
        "-e 's|^nifi.security.autoreload.enabled=.*|nifi.security.autoreload.enabled=true|'",
        `${NIFI_HOME}/conf/nifi.properties`,
    ].join(" "),
    "exec /opt/nifi/scripts/start.sh",
].join("\n");

function validate(name: string, sizing: NifiSizing): void {
    if (mebibytes(sizing.memoryLimit) < 1024) throw new Error(`Nifi ${name}: memoryLimit must be at least 1Gi (half of it is the JVM heap), got ${sizing.memoryLimit}`);
    for (const [volume, size] of Object.entries(sizing.storage)) {
        if (!/^[0-9]+(Mi|Gi|Ti)$/.test(size)) throw new Error(`Nifi ${name}: storage.${volume} must be a whole Mi, Gi or Ti quantity, got ${size}`);
    }
}

/**
 * Apache NiFi 1.x as one node from the official image, authored here rather than through the
 * unmaintained cetic chart (docs/decisions/0006-nifi.md). HTTPS only, with a certificate from the
 * platform CA in PKCS12 stores; single-user login. The admin password, the sensitive-properties
 * key and the keystore password are generated into Secrets and reach NiFi through secretKeyRef
 * only. The repositories and the flow definition live on three persistent volumes.
 */
export class Nifi extends pulumi.ComponentResource {
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    /** The server certificate (Ready before NiFi starts). */
    public readonly certificate: k8s.apiextensions.CustomResource;
    public readonly serviceName: pulumi.Output<string>;
    public readonly host: pulumi.Output<string>;
    public readonly port = PORT;
    public readonly endpoint: Endpoint;
    /** The single-user login: Secret `<name>-credentials`, keys `username` and `password`. */
    public readonly credential: CredentialRef;
    public readonly footprint: Footprint;
    /** The pods and ports clients connect to (for NetworkPolicies). */
    public readonly serves: ServedPorts;
    /** The UI and REST API, for the platform's exposure (NiFi serves HTTPS itself). */
    public readonly web: WebService;

    constructor(name: string, args: NifiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:apps:Nifi", name, {}, opts);
        validate(name, args.sizing);
        const labels = platformLabels("nifi", name);
        const selector = { "app.kubernetes.io/name": "nifi", "app.kubernetes.io/instance": name };
        const domain = args.domain ?? "";
        const webHost = args.webHost ?? "nifi";
        const externalHost = domain === "" ? undefined : publishedHostname(webHost, domain);

        // NiFi refuses single-user passwords and sensitive-properties keys under 12 characters. No
        // special characters: the image's start scripts splice these values into sed expressions.
        const adminPassword = new random.RandomPassword(`${name}-admin-password`, { length: 24, special: false }, { parent: this });
        const propsKey = new random.RandomPassword(`${name}-sensitive-props-key`, { length: 32, special: false }, { parent: this });
        const keystorePassword = new random.RandomPassword(`${name}-keystore-password`, { length: 32, special: false }, { parent: this });
        const credentials = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: { name: `${name}-credentials`, namespace: args.namespace, labels },
                type: "kubernetes.io/basic-auth",
                stringData: { username: ADMIN_USER, password: adminPassword.result },
            },
            { parent: this },
        );
        const keys = new k8s.core.v1.Secret(
            `${name}-keys`,
            {
                metadata: { name: `${name}-keys`, namespace: args.namespace, labels },
                type: "Opaque",
                stringData: { [SENSITIVE_PROPS_KEY]: propsKey.result, [KEYSTORE_PASSWORD]: keystorePassword.result },
            },
            { parent: this },
        );

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: { selector, ports: [{ name: "https", port: PORT, targetPort: "https" }] },
            },
            { parent: this },
        );
        const svc = service.metadata.name;
        const ns = service.metadata.namespace;
        this.host = pulumi.interpolate`${svc}.${ns}.svc.cluster.local`;
        // Every name a client may use: Jetty refuses a name the certificate lacks ("Invalid SNI"),
        // and `localhost` serves `kubectl port-forward`.
        const serviceNames = [svc, pulumi.interpolate`${svc}.${ns}`, pulumi.interpolate`${svc}.${ns}.svc`, this.host];
        const dnsNames = [...serviceNames, "localhost", ...(externalHost === undefined ? [] : [externalHost])];

        const tlsSecretName = `${name}-tls`;
        this.certificate = new k8s.apiextensions.CustomResource(
            `${name}-certificate`,
            {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: tlsSecretName, namespace: args.namespace, labels, annotations: waitForCondition("Ready") },
                spec: {
                    secretName: tlsSecretName,
                    secretTemplate: { labels },
                    issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: args.clusterIssuer },
                    dnsNames,
                    duration: "8760h",
                    renewBefore: "720h",
                    privateKey: { algorithm: "RSA", size: 2048, rotationPolicy: "Always" },
                    usages: ["server auth", "digital signature", "key encipherment"],
                    keystores: {
                        pkcs12: {
                            create: true,
                            passwordSecretRef: { name: keys.metadata.name, key: KEYSTORE_PASSWORD },
                            // Java 11 (the image's runtime) reads 3DES stores; the profile guards nothing the Secret does not hold in clear.
                            profile: "LegacyDES",
                        },
                    },
                },
            },
            { parent: this },
        );

        const fromSecret = (secret: k8s.core.v1.Secret, key: string) => ({ valueFrom: { secretKeyRef: { name: secret.metadata.name, key } } });
        const proxyHosts = pulumi
            .all([...serviceNames.map((n) => pulumi.interpolate`${n}:${PORT}`), `localhost:${PORT}`, ...(externalHost === undefined ? [] : [externalHost, `${externalHost}:443`])])
            .apply((hosts) => hosts.join(","));
        const heap = `${Math.floor(mebibytes(args.sizing.memoryLimit) / 2)}m`;
        const env: k8s.types.input.core.v1.EnvVar[] = [
            { name: "NIFI_WEB_HTTPS_PORT", value: String(PORT) },
            // All interfaces: `kubectl port-forward` connects to localhost inside the pod.
            { name: "NIFI_WEB_HTTPS_HOST", value: "0.0.0.0" },
            // Host headers NiFi accepts besides its own address.
            { name: "NIFI_WEB_PROXY_HOST", value: proxyHosts },
            { name: "NIFI_REMOTE_INPUT_HOST", value: this.host },
            { name: "NIFI_JVM_HEAP_INIT", value: heap },
            { name: "NIFI_JVM_HEAP_MAX", value: heap },
            // AUTH=tls makes the start script use the stores below instead of generating a self-signed
            // pair; the authorizer and login provider variables keep single-user login.
            { name: "AUTH", value: "tls" },
            { name: "NIFI_SECURITY_USER_AUTHORIZER", value: "single-user-authorizer" },
            { name: "NIFI_SECURITY_USER_LOGIN_IDENTITY_PROVIDER", value: "single-user-provider" },
            { name: "KEYSTORE_PATH", value: `${TLS_DIR}/keystore.p12` },
            { name: "KEYSTORE_TYPE", value: "PKCS12" },
            { name: "KEYSTORE_PASSWORD", ...fromSecret(keys, KEYSTORE_PASSWORD) },
            { name: "TRUSTSTORE_PATH", value: `${TLS_DIR}/truststore.p12` },
            { name: "TRUSTSTORE_TYPE", value: "PKCS12" },
            { name: "TRUSTSTORE_PASSWORD", ...fromSecret(keys, KEYSTORE_PASSWORD) },
            { name: "SINGLE_USER_CREDENTIALS_USERNAME", ...fromSecret(credentials, "username") },
            { name: "SINGLE_USER_CREDENTIALS_PASSWORD", ...fromSecret(credentials, "password") },
            { name: "NIFI_SENSITIVE_PROPS_KEY", ...fromSecret(keys, SENSITIVE_PROPS_KEY) },
        ];

        const claim = (claimName: string, storage: string): k8s.types.input.core.v1.PersistentVolumeClaim => ({
            metadata: { name: claimName, labels },
            spec: {
                accessModes: ["ReadWriteOnce"],
                ...(args.storageClass === "" ? {} : { storageClassName: args.storageClass }),
                resources: { requests: { storage } },
            },
        });
        const onData = (subPath: string, mountPath: string) => ({ name: "data", mountPath, subPath });
        // HTTP probes would have to pass NiFi's Host header check and Jetty's SNI check with the
        // kubelet's pod-IP address; the TLS listener opening is the signal used instead.
        const tcp = { tcpSocket: { port: "https" } };

        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    serviceName: svc,
                    // One node: clustering NiFi 1.x needs ZooKeeper (docs/decisions/0006-nifi.md).
                    replicas: 1,
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels: { ...labels, ...selector } },
                        spec: {
                            automountServiceAccountToken: false,
                            // A Service named like the image's NIFI_* variables would inject NIFI_PORT and friends.
                            enableServiceLinks: false,
                            terminationGracePeriodSeconds: 60,
                            securityContext: restrictedPodSecurityContext(NIFI_UID),
                            containers: [
                                {
                                    name: "nifi",
                                    image: imageRef(images.nifi, args.imageRegistry),
                                    command: ["/bin/sh", "-c", START_SCRIPT],
                                    env,
                                    ports: [{ name: "https", containerPort: PORT }],
                                    resources: resourceRequirements(args.sizing),
                                    // The start script edits conf/ in place and NiFi writes work/, logs/ and run/
                                    // under its home: the root filesystem stays writable.
                                    securityContext: { ...restrictedContainerSecurityContext(NIFI_UID), readOnlyRootFilesystem: false },
                                    startupProbe: { ...tcp, periodSeconds: 10, failureThreshold: 60 },
                                    readinessProbe: { ...tcp, periodSeconds: 10, failureThreshold: 3 },
                                    livenessProbe: { ...tcp, periodSeconds: 20, failureThreshold: 3 },
                                    volumeMounts: [
                                        onData("flow", FLOW_DIR),
                                        onData("flowfile_repository", `${NIFI_HOME}/flowfile_repository`),
                                        onData("database_repository", `${NIFI_HOME}/database_repository`),
                                        onData("state", `${NIFI_HOME}/state`),
                                        { name: "content", mountPath: `${NIFI_HOME}/content_repository` },
                                        { name: "provenance", mountPath: `${NIFI_HOME}/provenance_repository` },
                                        { name: "tls", mountPath: TLS_DIR, readOnly: true },
                                    ],
                                },
                            ],
                            volumes: [{ name: "tls", secret: { secretName: tlsSecretName, defaultMode: 0o440 } }],
                        },
                    },
                    volumeClaimTemplates: [
                        claim("data", args.sizing.storage.data),
                        claim("content", args.sizing.storage.content),
                        claim("provenance", args.sizing.storage.provenance),
                    ],
                },
            },
            // The start script exits when the keystore is missing, and cert-manager writes the TLS Secret
            // only once it has issued: wait for the Certificate to be Ready.
            { parent: this, dependsOn: [this.certificate], protect: args.protect ?? false },
        );

        this.serviceName = svc;
        this.endpoint = {
            internal: pulumi.interpolate`https://${this.host}:${PORT}/nifi`,
            external: externalHost === undefined ? null : pulumi.output(`https://${externalHost}/nifi`),
            portForward: portForwardCommand(ns, svc, PORT, PORT),
        };
        this.credential = {
            namespace: ns,
            secret: credentials.metadata.name,
            usernameKey: "username",
            username: ADMIN_USER,
            passwordKey: "password",
            password: pulumi.secret(adminPassword.result),
        };
        const storageGiB = Object.values(args.sizing.storage).reduce((sum, size) => sum + mebibytes(size) / 1024, 0);
        this.footprint = { ...podsFootprint(args.sizing, 1), storageGiB };
        this.serves = { namespace: args.namespace, podLabels: selector, ports: [PORT] };
        this.web = { host: webHost, namespace: args.namespace, service: svc, port: PORT, backendTls: true, podLabels: selector, containerPort: PORT };
        this.registerOutputs({ host: this.host, endpoint: this.endpoint, credential: this.credential });
    }
}
