import * as pulumi from "@pulumi/pulumi";

/** Pods that serve clients: where they run, how to select them, which container ports clients use. */
export interface ServedPorts {
    readonly namespace: pulumi.Input<string>;
    /** Labels that select exactly the serving pods. */
    readonly podLabels: Readonly<Record<string, string>>;
    /** Container ports (NetworkPolicies match pod ports, not Service ports); empty means every port. */
    readonly ports: readonly number[];
}

/** A connection the platform needs: any pod of namespace `from` to the pods of `to`. */
export interface Flow {
    /** Short DNS-label name, used in the policies' names (e.g. "superset-postgres"). */
    readonly name: string;
    readonly from: pulumi.Input<string>;
    readonly to: ServedPorts;
    /**
     * The client namespace is not the platform's (e.g. OpenShift's user-workload monitoring): only
     * the ingress side is opened, as an egress policy there would isolate every pod of it. Default false.
     */
    readonly foreignSource?: boolean;
}
