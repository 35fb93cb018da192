import * as pulumi from "@pulumi/pulumi";

/** How to reach one service: the `endpoints` stack output holds one per enabled service. */
export interface Endpoint {
    /** URL inside the cluster (Service DNS name and port). */
    readonly internal: pulumi.Output<string>;
    /** URL through the configured exposure, or null when the service is not exposed. */
    readonly external: pulumi.Output<string> | null;
    /** Command that makes the service reachable on localhost. */
    readonly portForward: pulumi.Output<string>;
}

/** Where a login lives: the `credentials` stack output names the Secret and keys, and carries the password only as a Pulumi secret. */
export interface CredentialRef {
    readonly namespace: pulumi.Input<string>;
    readonly secret: pulumi.Output<string>;
    readonly usernameKey?: string;
    readonly username?: string;
    readonly passwordKey: string;
    /** The password itself, always wrapped as a Pulumi secret. */
    readonly password: pulumi.Output<string>;
}

/** A `kubectl port-forward` command for a Service. */
export function portForwardCommand(namespace: pulumi.Input<string>, service: pulumi.Input<string>, localPort: number, servicePort: number): pulumi.Output<string> {
    return pulumi.interpolate`kubectl -n ${namespace} port-forward svc/${service} ${localPort}:${servicePort}`;
}
