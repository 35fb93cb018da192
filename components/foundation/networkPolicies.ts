import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "../lib/labels";
import { Flow, ServedPorts } from "../lib/network";

/** Ports the API server calls back on (admission webhooks) in one namespace. */
export interface WebhookPorts {
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
    /** Services published through the ingress controller: reachable from any namespace on their ports. */
    readonly exposed: readonly ServedPorts[];
    /** CIDRs of the Kubernetes API server, for operators and controllers. Default ["0.0.0.0/0"] (ports 443 and 6443 only). */
    readonly apiServerCidrs?: readonly string[];
}

const API_PORTS = [443, 6443];
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
                        to: [{ namespaceSelector: nsSelector("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                        ports: [
                            { protocol: "UDP", port: 53 },
                            { protocol: "TCP", port: 53 },
                        ],
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
            policy(`${flow.name}-egress`, flow.from, `allow-to-${flow.name}`, {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{ to: [{ namespaceSelector: nsSelector(flow.to.namespace), podSelector: { matchLabels: { ...flow.to.podLabels } } }], ...portList(flow.to.ports) }],
            });
            policy(`${flow.name}-ingress`, flow.to.namespace, `allow-from-${flow.name}`, {
                podSelector: { matchLabels: { ...flow.to.podLabels } },
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ namespaceSelector: nsSelector(flow.from) }], ...portList(flow.to.ports) }],
            });
        }

        args.webhooks.forEach((w, i) => {
            policy(`webhook-${i}`, w.namespace, `allow-webhooks-${i}`, { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ ports: tcp(w.ports) }] });
        });

        args.exposed.forEach((e, i) => {
            policy(`exposed-${i}`, e.namespace, `allow-ingress-controller-${i}`, {
                podSelector: { matchLabels: { ...e.podLabels } },
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ namespaceSelector: {} }], ports: tcp(e.ports) }],
            });
        });
        this.policyCount = count;
        this.registerOutputs({ policyCount: count });
    }
}
