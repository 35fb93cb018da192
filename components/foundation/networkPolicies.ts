import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "../lib/labels";
import { Flow, ServedPorts } from "../lib/network";

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
    /** Cross-namespace connections, each opened as an egress policy at the client and an ingress policy at the server. */
    readonly flows: readonly Flow[];
    /** Webhook ports the API server must reach; its source address is not selectable, so any source is allowed on them. */
    readonly webhooks: readonly WebhookPorts[];
    /** Services published through the ingress controller, gateway or router, on their ports, named by host. */
    readonly exposed: readonly EdgeTarget[];
    /** Namespace of the ingress controller, gateway or router, the only source allowed to reach exposed services. Default "": any namespace. */
    readonly edgeNamespace?: string;
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
/** Ports as a policy lists them; no ports means every port. */
const portList = (ports: readonly number[]) => (ports.length === 0 ? {} : { ports: tcp(ports) });

/**
 * NetworkPolicies for every namespace the platform owns: deny by default, then allow DNS, traffic
 * inside the namespace, egress to the API server, and exactly the cross-namespace connections the
 * enabled components make (a disabled component contributes no flow, so nothing is opened for it).
 */
export class NetworkPolicies extends pulumi.ComponentResource {
    public readonly policyCount: number;

    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:foundation:NetworkPolicies", name, {}, opts);
        const labels = platformLabels("network-policy", name);
        const apiCidrs = args.apiServerCidrs ?? ["0.0.0.0/0"];
        const dns = args.dns ?? KUBE_DNS;
        let count = 0;
        const policy = (id: string, namespace: pulumi.Input<string>, policyName: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) => {
            count++;
            return new k8s.networking.v1.NetworkPolicy(`${name}-${id}`, { metadata: { name: policyName, namespace, labels }, spec }, { parent: this });
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
            if (!(flow.foreignSource ?? false)) {
                policy(`${flow.name}-egress`, flow.from, `allow-to-${flow.name}`, {
                    podSelector: {},
                    policyTypes: ["Egress"],
                    egress: [{ to: [{ namespaceSelector: nsSelector(flow.to.namespace), podSelector: { matchLabels: { ...flow.to.podLabels } } }], ...portList(flow.to.ports) }],
                });
            }
            policy(`${flow.name}-ingress`, flow.to.namespace, `allow-from-${flow.name}`, {
                podSelector: { matchLabels: { ...flow.to.podLabels } },
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ namespaceSelector: nsSelector(flow.from) }], ...portList(flow.to.ports) }],
            });
        }

        for (const w of args.webhooks) {
            policy(`webhook-${w.name}`, w.namespace, `allow-webhooks-${w.name}`, { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ ports: tcp(w.ports) }] });
        }

        const edge =
            (args.edgeNamespaceSelectors ?? []).length > 0
                ? (args.edgeNamespaceSelectors ?? []).map((labels) => ({ namespaceSelector: { matchLabels: { ...labels } }, podSelector: {} }))
                : (args.edgeNamespace ?? "") === ""
                  ? [{ namespaceSelector: {} }]
                  : [{ namespaceSelector: nsSelector(args.edgeNamespace as string) }];
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
        this.registerOutputs({ policyCount: count });
    }
}
