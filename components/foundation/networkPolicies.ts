import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "../lib/labels";
import { ALL_PORTS, Connection, Flow, Peer, ServedPorts, namespaceText } from "../lib/network";

/** Ports the API server calls back on (admission webhooks) in one namespace. */
export interface WebhookPorts {
    /** Short DNS-label name of whose webhooks these are, used in the policy's name (e.g. "cert-manager"). */
    readonly name: string;
    readonly namespace: pulumi.Input<string>;
    readonly ports: readonly number[];
}

export interface NetworkPoliciesArgs {
    /** Namespaces the platform owns, by role: each gets default deny, DNS, same-namespace traffic and API server egress. */
    readonly namespaces: Readonly<Record<string, pulumi.Input<string>>>;
    /** Cross-namespace connections, each opened as an egress policy on the client pods and an ingress policy on the serving pods, on the served ports only. */
    readonly flows: readonly Flow[];
    /** Webhook ports the API server must reach; its source address is not selectable, so any source is allowed on them. */
    readonly webhooks: readonly WebhookPorts[];
    /** Services published through the ingress controller, gateway or router, on their ports, named by host. */
    readonly exposed: readonly EdgeTarget[];
    /** Namespace of the ingress controller, gateway or router, the only source allowed to reach exposed services. Default "": any namespace. */
    readonly edgeNamespace?: string;
    /** Labels of the edge's pods in `edgeNamespace` (the ingress controller's). Default {}: every pod of that namespace. */
    readonly edgePodLabels?: Readonly<Record<string, string>>;
    /**
     * Label sets, any of which selects the edge's namespace instead of `edgeNamespace`, with every pod
     * in it (host-network ones included, which a namespace selector alone does not match): on
     * OpenShift, the policy-group labels the ingress operator puts on the router's namespace. Default none.
     */
    readonly edgeNamespaceSelectors?: readonly Readonly<Record<string, string>>[];
    /** The cluster DNS pods every pod may query. Default {@link KUBE_DNS}: kube-system's kube-dns on port 53. */
    readonly dns?: ClusterDns;
    /** Destinations outside the cluster (CDC sources, connector targets, kubelets for Prometheus). Default none. */
    readonly externalEgress?: readonly ExternalDestination[];
    /**
     * ACME HTTP-01 challenges (when the issuer is not the platform CA): the edge reaches cert-manager's
     * solver pods in these namespaces, and cert-manager reaches the ACME server and the challenge URL.
     * Default none.
     */
    readonly acme?: { readonly certManagerNamespace: pulumi.Input<string>; readonly solverNamespaces: readonly pulumi.Input<string>[] };
    /** CIDRs of the Kubernetes API server, for operators and controllers. Default ["0.0.0.0/0"] (ports 443 and 6443 only). */
    readonly apiServerCidrs?: readonly string[];
}

/** Pods the edge reaches, named (by their host) so a policy keeps its name when another UI is published or withdrawn. */
export interface EdgeTarget extends ServedPorts {
    readonly name: string;
}

/** Where the cluster DNS runs: the namespace, its pods' labels (empty: every pod there), the ports they listen on. */
export interface ClusterDns {
    readonly namespace: string;
    readonly podLabels: Readonly<Record<string, string>>;
    readonly ports: readonly number[];
    /** Addresses answering DNS outside those pods (NodeLocal DNSCache's link-local address). Default none. */
    readonly cidrs?: readonly string[];
}

/** CoreDNS or kube-dns as kubeadm, kind and most distributions run it. */
export const KUBE_DNS: ClusterDns = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, ports: [53] };

/** A CIDR outside the cluster that pods of one namespace may reach on the given ports. */
export interface ExternalDestination {
    /** Short DNS-label name, used in the policy's name. */
    readonly name: string;
    readonly from: pulumi.Input<string>;
    readonly cidr: string;
    readonly ports: readonly number[];
    /** Only these pods of `from` may go there. Default {}: every pod of the namespace. */
    readonly podLabels?: Readonly<Record<string, string>>;
}

const API_PORTS = [443, 6443];
/** Port of cert-manager's HTTP-01 solver pods, and their label. */
const ACME_SOLVER_PORT = 8089;
const ACME_SOLVER_LABELS = { "acme.cert-manager.io/http01-solver": "true" };
const nsSelector = (ns: pulumi.Input<string>) => ({ matchLabels: { "kubernetes.io/metadata.name": ns } });
const tcp = (ports: readonly number[]) => ports.map((port) => ({ protocol: "TCP", port }));

/** Annotations on a flow's policies saying what connects to what, and why (read by the plan's data-flow diagram). */
export const FLOW_ANNOTATIONS = { kind: "analytics-platform/flow-kind", client: "analytics-platform/flow-client", server: "analytics-platform/flow-server" } as const;

/**
 * NetworkPolicies for every namespace the platform owns: deny by default, then allow DNS, traffic
 * inside the namespace, egress to the API server, and exactly the cross-namespace connections the
 * enabled components make (a disabled component contributes no flow, so nothing is opened for it).
 */
export class NetworkPolicies extends pulumi.ComponentResource {
    public readonly policyCount: number;
    /** The connections the arguments ask for (not read from the policies): what the reachability report must find. */
    public readonly connections: pulumi.Output<Connection[]>;

    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:foundation:NetworkPolicies", name, {}, opts);
        const labels = platformLabels("network-policy", name);
        const apiCidrs = args.apiServerCidrs ?? ["0.0.0.0/0"];
        const dns = args.dns ?? KUBE_DNS;
        let count = 0;
        const policy = (id: string, namespace: pulumi.Input<string>, policyName: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec, annotations?: Record<string, string>) => {
            count++;
            return new k8s.networking.v1.NetworkPolicy(`${name}-${id}`, { metadata: { name: policyName, namespace, labels, ...(annotations ? { annotations } : {}) }, spec }, { parent: this });
        };

        for (const [role, ns] of Object.entries(args.namespaces)) {
            policy(`${role}-default-deny`, ns, "default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            policy(`${role}-dns`, ns, "allow-dns", {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [
                            { namespaceSelector: nsSelector(dns.namespace), podSelector: { matchLabels: { ...dns.podLabels } } },
                            ...(dns.cidrs ?? []).map((cidr) => ({ ipBlock: { cidr } })),
                        ],
                        ports: dns.ports.flatMap((port) => [
                            { protocol: "UDP", port },
                            { protocol: "TCP", port },
                        ]),
                    },
                ],
            });
            policy(`${role}-same-namespace`, ns, "allow-same-namespace", {
                podSelector: {},
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [{ podSelector: {} }] }],
                egress: [{ to: [{ podSelector: {} }] }],
            });
            policy(`${role}-api-server`, ns, "allow-api-server", {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{ to: apiCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(API_PORTS) }],
            });
        }

        for (const flow of args.flows) {
            // A flow names its client pods and the ports it uses: never a whole namespace, never every port.
            if (Object.keys(flow.from.podLabels).length === 0) throw new Error(`NetworkPolicies ${name}: flow ${flow.name} names no client pods (empty podLabels)`);
            if (Object.keys(flow.to.podLabels).length === 0) throw new Error(`NetworkPolicies ${name}: flow ${flow.name} names no serving pods (empty podLabels)`);
            if (flow.to.ports.length === 0) throw new Error(`NetworkPolicies ${name}: flow ${flow.name} names no ports`);
            const annotations = { [FLOW_ANNOTATIONS.kind]: flow.kind, [FLOW_ANNOTATIONS.client]: flow.client, [FLOW_ANNOTATIONS.server]: flow.server };
            if (!(flow.foreignSource ?? false)) {
                policy(
                    `${flow.name}-egress`,
                    flow.from.namespace,
                    `allow-to-${flow.name}`,
                    {
                        podSelector: { matchLabels: { ...flow.from.podLabels } },
                        policyTypes: ["Egress"],
                        egress: [{ to: [{ namespaceSelector: nsSelector(flow.to.namespace), podSelector: { matchLabels: { ...flow.to.podLabels } } }], ports: tcp(flow.to.ports) }],
                    },
                    annotations,
                );
            }
            policy(
                `${flow.name}-ingress`,
                flow.to.namespace,
                `allow-from-${flow.name}`,
                {
                    podSelector: { matchLabels: { ...flow.to.podLabels } },
                    policyTypes: ["Ingress"],
                    ingress: [{ from: [{ namespaceSelector: nsSelector(flow.from.namespace), podSelector: { matchLabels: { ...flow.from.podLabels } } }], ports: tcp(flow.to.ports) }],
                },
                annotations,
            );
        }

        for (const w of args.webhooks) {
            policy(`webhook-${w.name}`, w.namespace, `allow-webhooks-${w.name}`, { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ ports: tcp(w.ports) }] });
        }

        const edge =
            (args.edgeNamespaceSelectors ?? []).length > 0
                ? (args.edgeNamespaceSelectors ?? []).map((labels) => ({ namespaceSelector: { matchLabels: { ...labels } }, podSelector: {} }))
                : (args.edgeNamespace ?? "") === ""
                  ? [{ namespaceSelector: {} }]
                  : [{ namespaceSelector: nsSelector(args.edgeNamespace as string), ...(Object.keys(args.edgePodLabels ?? {}).length > 0 ? { podSelector: { matchLabels: { ...args.edgePodLabels } } } : {}) }];
        for (const e of args.exposed) {
            policy(`edge-${e.name}`, e.namespace, `allow-edge-${e.name}`, {
                podSelector: { matchLabels: { ...e.podLabels } },
                policyTypes: ["Ingress"],
                ingress: [{ from: edge, ports: tcp(e.ports) }],
            });
        }

        for (const x of args.externalEgress ?? []) {
            policy(`external-${x.name}`, x.from, `allow-external-${x.name}`, {
                podSelector: Object.keys(x.podLabels ?? {}).length === 0 ? {} : { matchLabels: { ...x.podLabels } },
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: x.cidr } }], ports: tcp(x.ports) }],
            });
        }

        if (args.acme) {
            policy("acme-client", args.acme.certManagerNamespace, "allow-acme", {
                podSelector: {},
                policyTypes: ["Egress"],
                // The ACME directory (443) and the self-check of the challenge URL (80), both outside.
                egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp([80, 443]) }],
            });
            args.acme.solverNamespaces.forEach((ns, i) => {
                policy(`acme-solver-${i}`, ns, "allow-acme-solver", {
                    podSelector: { matchLabels: ACME_SOLVER_LABELS },
                    policyTypes: ["Ingress"],
                    ingress: [{ from: edge, ports: tcp([ACME_SOLVER_PORT]) }],
                });
            });
        }
        this.policyCount = count;
        this.connections = pulumi.output(args).apply((plain) => declaredConnections(plain));
        this.registerOutputs({ policyCount: count });
    }
}

/** The arguments with every namespace known. */
export type PlainArgs = pulumi.Unwrap<NetworkPoliciesArgs>;

/**
 * The connections the arguments declare, each as the policies should allow it: DNS, the namespace
 * itself and the API server for every owned namespace, then the flows, webhooks, edge, external
 * destinations and ACME. The reachability report derived from the generated policies must equal it.
 */
export function declaredConnections(args: PlainArgs): Connection[] {
    const dns = args.dns ?? KUBE_DNS;
    const tcpText = (ports: readonly number[]) => ports.map((p) => `TCP/${p}`);
    const pods = (namespace: string, podLabels: Readonly<Record<string, string>> = {}): Peer => ({ namespace, podLabels: { ...podLabels } });
    const edge: Peer[] =
        (args.edgeNamespaceSelectors ?? []).length > 0
            ? (args.edgeNamespaceSelectors ?? []).map((labels) => pods(namespaceText(labels)))
            : [(args.edgeNamespace ?? "") === "" ? pods("*") : pods(args.edgeNamespace as string, args.edgePodLabels ?? {})];
    const out: Connection[] = [];
    for (const ns of Object.values(args.namespaces)) {
        const dnsPorts = dns.ports.flatMap((p) => [`UDP/${p}`, `TCP/${p}`]);
        out.push({ from: pods(ns), to: pods(dns.namespace, dns.podLabels), ports: dnsPorts });
        for (const cidr of dns.cidrs ?? []) out.push({ from: pods(ns), to: { cidr }, ports: dnsPorts });
        out.push({ from: pods(ns), to: pods(ns), ports: [ALL_PORTS] });
        for (const cidr of args.apiServerCidrs ?? ["0.0.0.0/0"]) out.push({ from: pods(ns), to: { cidr }, ports: tcpText(API_PORTS) });
    }
    for (const f of args.flows) out.push({ from: pods(f.from.namespace, f.from.podLabels), to: pods(f.to.namespace, f.to.podLabels), ports: tcpText(f.to.ports) });
    for (const w of args.webhooks) out.push({ from: { anySource: true }, to: pods(w.namespace), ports: tcpText(w.ports) });
    for (const e of args.exposed) for (const from of edge) out.push({ from, to: pods(e.namespace, e.podLabels), ports: tcpText(e.ports) });
    for (const x of args.externalEgress ?? []) out.push({ from: pods(x.from, x.podLabels), to: { cidr: x.cidr }, ports: tcpText(x.ports) });
    if (args.acme) {
        out.push({ from: pods(args.acme.certManagerNamespace), to: { cidr: "0.0.0.0/0" }, ports: tcpText([80, 443]) });
        for (const ns of args.acme.solverNamespaces) for (const from of edge) out.push({ from, to: pods(ns, ACME_SOLVER_LABELS), ports: tcpText([ACME_SOLVER_PORT]) });
    }
    return out;
}
