import * as pulumi from "@pulumi/pulumi";

/** Pods that open connections: where they run and the labels that select exactly them. */
export interface ClientPods {
    readonly namespace: pulumi.Input<string>;
    /** Labels every one of the client's pods carries (never empty: a flow names its client pods, not a namespace). */
    readonly podLabels: Readonly<Record<string, string>>;
}

/** Pods that serve clients: where they run, how to select them, which container ports clients use. */
export interface ServedPorts {
    readonly namespace: pulumi.Input<string>;
    /** Labels that select exactly the serving pods. */
    readonly podLabels: Readonly<Record<string, string>>;
    /** Container ports (NetworkPolicies match pod ports, not Service ports); never empty. */
    readonly ports: readonly number[];
}

/**
 * Why a flow exists: a component using a service ("data"), an operator managing the pods it runs
 * ("operator"), or Prometheus scraping a target ("monitoring").
 */
export type FlowKind = "data" | "operator" | "monitoring";

/** A connection the platform needs: the client's pods to the serving pods, on the served ports. */
export interface Flow {
    /** Short DNS-label name, used in the policies' names (e.g. "superset-postgres"). */
    readonly name: string;
    readonly kind: FlowKind;
    /** Who connects and what to, as the plan's data-flow diagram names them (e.g. "superset", "postgres"). */
    readonly client: string;
    readonly server: string;
    readonly from: ClientPods;
    readonly to: ServedPorts;
    /**
     * The client namespace is not the platform's (e.g. OpenShift's user-workload monitoring): only
     * the ingress side is opened, as an egress policy there would isolate every pod of it. Default false.
     */
    readonly foreignSource?: boolean;
}

/** A flow from a client to a server, named `<client>-<server>`. */
export function flowBetween(kind: FlowKind, client: string, from: ClientPods, server: string, to: ServedPorts, foreignSource = false): Flow {
    return { name: `${client}-${server}`, kind, client, server, from, to, ...(foreignSource ? { foreignSource } : {}) };
}

/**
 * One end of an allowed connection, as the reachability report prints it: pods (a namespace, or
 * `*` for any namespace, or `[k=v]` for namespaces with those labels, and the labels every such
 * pod carries), an address range, or any source at all.
 */
export type Peer = { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> } | { readonly cidr: string } | { readonly anySource: true };

/** A connection the policies allow: from, to, and the ports (`TCP/5432`, or `all`). */
export interface Connection {
    readonly from: Peer;
    readonly to: Peer;
    readonly ports: readonly string[];
}

/** Every port. */
export const ALL_PORTS = "all";

const labelText = (labels: Readonly<Record<string, string>>) =>
    Object.keys(labels)
        .sort()
        .map((k) => `${k}=${labels[k]}`)
        .join(",");

/** A peer as one line of text: `ns{k=v,...}`, `cidr 10.0.0.0/8` or `any source`. */
export function peerText(p: Peer): string {
    if ("cidr" in p) return `cidr ${p.cidr}`;
    if ("anySource" in p) return "any source";
    return `${p.namespace}{${labelText(p.podLabels)}}`;
}

/** A connection as one line of text, ports sorted: `from -> to : ports`. */
export function connectionText(c: Connection): string {
    return `${peerText(c.from)} -> ${peerText(c.to)} : ${[...c.ports].sort().join(" ")}`;
}

/** How a namespace selector names its namespaces in a {@link Peer}: by name, `*` for all, `[k=v]` by labels. */
export function namespaceText(matchLabels: Readonly<Record<string, string>> | undefined): string {
    const labels = matchLabels ?? {};
    const keys = Object.keys(labels);
    if (keys.length === 0) return "*";
    if (keys.length === 1 && keys[0] === "kubernetes.io/metadata.name") return labels[keys[0]];
    return `[${labelText(labels)}]`;
}
