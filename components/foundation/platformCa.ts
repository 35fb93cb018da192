import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { platformLabels } from "../lib/labels";
import { waitForCondition } from "../lib/readiness";

export interface PlatformCaArgs {
    /** cert-manager's namespace: a ClusterIssuer reads its CA Secret from there. */
    readonly namespace: pulumi.Input<string>;
    /** The cert-manager release; the issuer is created only once its webhook serves. */
    readonly certManager: pulumi.Resource;
    /** Name of the ClusterIssuer. Default "platform-ca". */
    readonly issuerName?: string;
    /** Subject organization of the CA certificate. Default "Analytics Platform". */
    readonly organization?: string;
    /** Validity of the CA certificate in hours. Default 87600 (ten years). */
    readonly validityHours?: number;
}

/**
 * The platform's own certificate authority: a key and self-signed CA certificate made with
 * @pulumi/tls, kept in a TLS Secret and offered to the cluster as a cert-manager CA ClusterIssuer
 * (readiness-gated). Certificates for in-cluster TLS and ingress hosts are signed by it.
 */
export class PlatformCa extends pulumi.ComponentResource {
    public readonly issuer: k8s.apiextensions.CustomResource;
    /** Name of the ClusterIssuer, resolved once the issuer is Ready. */
    public readonly issuerName: pulumi.Output<string>;
    /** The CA certificate (public), for clients that must trust platform endpoints. */
    public readonly caCertPem: pulumi.Output<string>;

    constructor(name: string, args: PlatformCaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:foundation:PlatformCa", name, {}, opts);
        const issuerName = args.issuerName ?? "platform-ca";
        const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const cert = new tls.SelfSignedCert(
            `${name}-cert`,
            {
                privateKeyPem: key.privateKeyPem,
                isCaCertificate: true,
                validityPeriodHours: args.validityHours ?? 87600,
                earlyRenewalHours: 720,
                subject: { commonName: "Analytics Platform Root CA", organization: args.organization ?? "Analytics Platform" },
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            },
            { parent: this },
        );
        const secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            {
                metadata: { name: `${issuerName}-keypair`, namespace: args.namespace, labels: platformLabels("platform-ca", issuerName) },
                type: "kubernetes.io/tls",
                stringData: { "tls.crt": cert.certPem, "tls.key": key.privateKeyPem, "ca.crt": cert.certPem },
            },
            { parent: this },
        );
        this.issuer = new k8s.apiextensions.CustomResource(
            `${name}-issuer`,
            {
                apiVersion: "cert-manager.io/v1",
                kind: "ClusterIssuer",
                metadata: { name: issuerName, labels: platformLabels("platform-ca", issuerName), annotations: waitForCondition("Ready") },
                spec: { ca: { secretName: secret.metadata.name } },
            },
            // The ClusterIssuer kind and its validating webhook come from the cert-manager release.
            { parent: this, dependsOn: [args.certManager] },
        );
        this.issuerName = this.issuer.metadata.name;
        this.caCertPem = cert.certPem;
        this.registerOutputs({ issuerName: this.issuerName, caCertPem: this.caCertPem });
    }
}
