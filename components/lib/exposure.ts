import * as pulumi from "@pulumi/pulumi";

/** The name a web UI is published under: `<host>.<domain>`. */
export function publishedHostname(host: string, domain: string): string {
    return `${host}.${domain}`;
}

/** The URL users open for a published web UI. */
export function publishedUrl(host: string, domain: string): string {
    return `https://${publishedHostname(host, domain)}`;
}

/**
 * A web UI or HTTP API a component offers for exposure outside the cluster. The exposure component
 * turns it into an Ingress, a Gateway API HTTPRoute or an OpenShift Route (per the `exposure`
 * config) with a certificate from the platform CA or the configured issuer, under
 * `<host>.<domain>`. Components describe what they serve; they never create Ingresses themselves.
 */
export interface WebService {
    /** Host name prefix under the configured domain (e.g. "airflow" → airflow.<domain>). */
    readonly host: string;
    readonly namespace: pulumi.Input<string>;
    /** Name of the Service to route to. */
    readonly service: pulumi.Input<string>;
    /** Service port. */
    readonly port: number;
    /** The backend itself speaks HTTPS (re-encrypt at the edge). Default false. */
    readonly backendTls?: boolean;
    /** Labels selecting the serving pods, and their container port, for the NetworkPolicy from the edge. */
    readonly podLabels: Readonly<Record<string, string>>;
    readonly containerPort: number;
}
