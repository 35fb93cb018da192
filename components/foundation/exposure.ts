import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ExposureMode } from "../config";
import { WebService, publishedHostname, publishedUrl } from "../lib/exposure";
import { platformLabels } from "../lib/labels";
import { EdgeTarget } from "./networkPolicies";
import { waitForCondition } from "../lib/readiness";

export interface ExposureArgs {
    /** "ingress": an Ingress per service; "gateway": one platform Gateway plus an HTTPRoute per service; "route": OpenShift Routes. "none" registers nothing. */
    readonly mode: ExposureMode;
    /** DNS domain; each service is published as `<host>.<domain>`. */
    readonly domain: string;
    /** The web services to publish. */
    readonly services: readonly WebService[];
    /** ClusterIssuer that signs the certificates (ingress and gateway modes). */
    readonly clusterIssuer: pulumi.Input<string>;
    /** The cert-manager release: Certificate objects need its CRDs and webhook. */
    readonly certManager: pulumi.Resource;
    /** PEM of the CA that signed backends serving HTTPS themselves (re-encryption at the edge, verified against it). */
    readonly backendCaPem: pulumi.Input<string>;
    /** IngressClass (ingress mode); empty for the cluster default. Default "". */
    readonly ingressClassName?: string;
    /** GatewayClass of the platform Gateway (gateway mode). Required in that mode. */
    readonly gatewayClassName?: string;
    /**
     * Namespace of the platform Gateway and its certificates (gateway mode): the one the Gateway
     * implementation runs its data plane in, outside the platform's default deny. Required in that mode.
     */
    readonly gatewayNamespace?: pulumi.Input<string>;
    /** Add a plain-HTTP listener on port 80 to the Gateway for ACME HTTP-01 challenges (gateway mode). Default false. */
    readonly acmeHttp01?: boolean;
}

const GATEWAY_API = "gateway.networking.k8s.io/v1";

/** The in-cluster name an HTTPS backend's certificate carries, which the edge checks. */
const backendServiceName = (s: WebService) => pulumi.interpolate`${s.service}.${s.namespace}.svc.cluster.local`;

/**
 * ingress-nginx annotations that re-encrypt to an HTTPS backend and verify it: its certificate must
 * chain to the CA in `<namespace>/<host>-backend-ca` (`proxy-ssl-secret`, a Secret in the Ingress's
 * own namespace holding `ca.crt`) and carry the Service's cluster name (`proxy-ssl-name`), which is
 * also sent as SNI (`proxy-ssl-server-name`). Without `proxy-ssl-verify: "on"` nginx accepts any
 * certificate (its default is off).
 */
export function ingressBackendTlsAnnotations(s: WebService): Record<string, pulumi.Input<string>> {
    return {
        "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS",
        "nginx.ingress.kubernetes.io/proxy-ssl-secret": pulumi.interpolate`${s.namespace}/${s.host}-backend-ca`,
        "nginx.ingress.kubernetes.io/proxy-ssl-verify": "on",
        "nginx.ingress.kubernetes.io/proxy-ssl-name": backendServiceName(s),
        "nginx.ingress.kubernetes.io/proxy-ssl-server-name": "on",
    };
}

/**
 * Publishes the platform's web UIs outside the cluster under one domain, with TLS:
 * certificates come from cert-manager (the platform CA or a configured issuer such as ACME) in the
 * ingress and gateway modes, and from the OpenShift router in route mode. Backends that serve HTTPS
 * themselves are re-encrypted to: a Gateway (BackendTLSPolicy) and a re-encrypt Route verify them
 * against the platform CA, and so does ingress-nginx (proxy-ssl-* annotations).
 */
export class Exposure extends pulumi.ComponentResource {
    /** External URL of each published service, by host prefix. */
    public readonly urls: Readonly<Record<string, string>>;
    /** The pods the edge (ingress controller, gateway or router) must reach, for NetworkPolicies. */
    public readonly edges: readonly EdgeTarget[];

    constructor(name: string, args: ExposureArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:foundation:Exposure", name, {}, opts);
        const labels = platformLabels("exposure", name);
        const fqdn = (s: WebService) => publishedHostname(s.host, args.domain);
        const published = args.mode === "none" ? [] : args.services;
        const hosts = new Set<string>();
        for (const s of published) {
            if (hosts.has(s.host)) throw new Error(`Exposure ${name}: host "${s.host}" is published twice`);
            hosts.add(s.host);
        }
        if (args.mode === "gateway" && ((args.gatewayClassName ?? "") === "" || args.gatewayNamespace === undefined)) {
            throw new Error(`Exposure ${name}: gateway mode needs gatewayClassName and gatewayNamespace`);
        }

        // cert-manager signs one certificate per host, into a TLS Secret the edge reads. The name says
        // "edge": a backend serving HTTPS itself (NiFi) has its own `<host>-tls` in the same namespace.
        const edgeSecret = (s: WebService) => `${s.host}-edge-tls`;
        const certificate = (s: WebService, namespace: pulumi.Input<string>) =>
            new k8s.apiextensions.CustomResource(
                `${name}-${s.host}-certificate`,
                {
                    apiVersion: "cert-manager.io/v1",
                    kind: "Certificate",
                    // Ready once the Secret holds a signed certificate: the edge serves it from the start.
                    metadata: { name: edgeSecret(s), namespace, labels, annotations: waitForCondition("Ready") },
                    spec: {
                        secretName: edgeSecret(s),
                        dnsNames: [fqdn(s)],
                        issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: args.clusterIssuer },
                        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                    },
                },
                // The Certificate kind and its validating webhook come with the cert-manager release.
                { parent: this, dependsOn: [args.certManager] },
            );

        // Backends that speak HTTPS: the edge verifies them against the platform CA.
        const tlsNamespaces = new Map<string, pulumi.Input<string>>();
        for (const s of published.filter((x) => x.backendTls ?? false)) tlsNamespaces.set(s.host, s.namespace);
        if (args.mode === "gateway") {
            for (const [host, namespace] of tlsNamespaces) {
                new k8s.core.v1.ConfigMap(`${name}-${host}-backend-ca`, { metadata: { name: `${host}-backend-ca`, namespace, labels }, data: { "ca.crt": args.backendCaPem } }, { parent: this });
            }
        }

        if (args.mode === "ingress") {
            // ingress-nginx reads the CA to verify an HTTPS backend from a Secret (`ca.crt`). This one
            // holds only the CA: with a tls.crt/tls.key in it (as in the backend's own `<host>-tls`),
            // the controller would also present that certificate as its client identity to the backend.
            for (const [host, namespace] of tlsNamespaces) {
                new k8s.core.v1.Secret(`${name}-${host}-backend-ca`, { metadata: { name: `${host}-backend-ca`, namespace, labels }, type: "Opaque", stringData: { "ca.crt": args.backendCaPem } }, { parent: this });
            }
            for (const s of published) {
                certificate(s, s.namespace);
                new k8s.networking.v1.Ingress(
                    `${name}-${s.host}`,
                    {
                        metadata: {
                            name: s.host,
                            namespace: s.namespace,
                            labels,
                            // ingress-nginx re-encrypts to HTTPS backends only when told so, and verifies them only when told so.
                            ...((s.backendTls ?? false) ? { annotations: ingressBackendTlsAnnotations(s) } : {}),
                        },
                        spec: {
                            ...((args.ingressClassName ?? "") === "" ? {} : { ingressClassName: args.ingressClassName }),
                            tls: [{ hosts: [fqdn(s)], secretName: edgeSecret(s) }],
                            rules: [
                                {
                                    host: fqdn(s),
                                    http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: s.service, port: { number: s.port } } } }] },
                                },
                            ],
                        },
                    },
                    { parent: this },
                );
            }
        }

        if (args.mode === "gateway" && published.length > 0) {
            const gatewayNamespace = args.gatewayNamespace as pulumi.Input<string>;
            const certs = published.map((s) => certificate(s, gatewayNamespace));
            const routeNamespaces = pulumi.all(published.map((s) => s.namespace)).apply((ns) => [...new Set(ns)].sort());
            const gateway = new k8s.apiextensions.CustomResource(
                `${name}-gateway`,
                {
                    apiVersion: GATEWAY_API,
                    kind: "Gateway",
                    metadata: { name: "platform", namespace: gatewayNamespace, labels },
                    spec: {
                        gatewayClassName: args.gatewayClassName,
                        listeners: [
                            ...published.map((s) => ({
                                name: s.host,
                                hostname: fqdn(s),
                                port: 443,
                                protocol: "HTTPS",
                                tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", group: "", name: edgeSecret(s) }] },
                                allowedRoutes: {
                                    namespaces: { from: "Selector", selector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: routeNamespaces }] } },
                                },
                            })),
                            // cert-manager's HTTP-01 solver attaches its HTTPRoutes here, next to the Certificates.
                            ...((args.acmeHttp01 ?? false) ? [{ name: "acme-http01", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "Same" } } }] : []),
                        ],
                    },
                },
                // A listener whose Secret does not exist yet is reported invalid: wait for the Certificates,
                // unless they are solved through this Gateway's own HTTP listener (ACME HTTP-01).
                { parent: this, dependsOn: (args.acmeHttp01 ?? false) ? [args.certManager] : certs },
            );
            for (const s of published) {
                new k8s.apiextensions.CustomResource(
                    `${name}-${s.host}-route`,
                    {
                        apiVersion: GATEWAY_API,
                        kind: "HTTPRoute",
                        metadata: { name: s.host, namespace: s.namespace, labels },
                        spec: {
                            parentRefs: [{ name: gateway.metadata.name, namespace: gatewayNamespace, sectionName: s.host }],
                            hostnames: [fqdn(s)],
                            rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: s.service, port: s.port }] }],
                        },
                    },
                    { parent: this },
                );
                if (s.backendTls ?? false) {
                    new k8s.apiextensions.CustomResource(
                        `${name}-${s.host}-backend-tls`,
                        {
                            apiVersion: GATEWAY_API,
                            kind: "BackendTLSPolicy",
                            metadata: { name: s.host, namespace: s.namespace, labels },
                            spec: {
                                targetRefs: [{ group: "", kind: "Service", name: s.service }],
                                validation: {
                                    caCertificateRefs: [{ group: "", kind: "ConfigMap", name: `${s.host}-backend-ca` }],
                                    hostname: backendServiceName(s),
                                },
                            },
                        },
                        { parent: this },
                    );
                }
            }
        }

        if (args.mode === "route") {
            for (const s of published) {
                const reencrypt = s.backendTls ?? false;
                new k8s.apiextensions.CustomResource(
                    `${name}-${s.host}-route`,
                    {
                        apiVersion: "route.openshift.io/v1",
                        kind: "Route",
                        metadata: { name: s.host, namespace: s.namespace, labels },
                        spec: {
                            host: fqdn(s),
                            to: { kind: "Service", name: s.service, weight: 100 },
                            port: { targetPort: s.containerPort },
                            // The router's certificate serves the edge; see docs/decisions/0009-exposure.md.
                            tls: {
                                termination: reencrypt ? "reencrypt" : "edge",
                                insecureEdgeTerminationPolicy: "Redirect",
                                ...(reencrypt ? { destinationCACertificate: args.backendCaPem } : {}),
                            },
                        },
                    },
                    { parent: this },
                );
            }
        }

        this.urls = Object.fromEntries(published.map((s) => [s.host, publishedUrl(s.host, args.domain)]));
        this.edges = published.map((s) => ({ name: s.host, namespace: s.namespace, podLabels: s.podLabels, ports: [s.containerPort] }));
        this.registerOutputs({ urls: this.urls });
    }
}
