import { ALL_PORTS, Connection, Peer, connectionText, namespaceText } from "../../components/lib/network";

/**
 * Who can reach what, on which ports, derived from NetworkPolicy objects alone (as the program
 * generates them, not from what the components declare). Kubernetes semantics, for the shapes of
 * policy the program writes (`matchLabels` selectors, numeric ports):
 *
 * - A namespace is the platform's ("owned") when a policy there selects every pod for both
 *   directions; its pods are isolated both ways. Other namespaces are not isolated.
 * - From an owned namespace, a connection needs an egress rule selecting the client and naming the
 *   server, and, when the server's namespace is owned, an ingress rule selecting the server and
 *   naming the client; the ports are what both rules allow. Pods are classes of labels: a rule's
 *   selector picks every pod carrying its labels, so a client class meets a server class where
 *   their labels agree.
 * - Into an owned namespace from anything else (another namespace, an address, any source), the
 *   ingress rule alone decides.
 * - A connection another one already covers (same namespaces, fewer labels at both ends, at least
 *   the same ports) is left out.
 */

/** The part of a NetworkPolicy the derivation reads. */
export interface PolicyObject {
    readonly namespace: string;
    readonly spec: any;
}

type Labels = Readonly<Record<string, string>>;
/** Allowed ports as `PROTO/port`, or every port. */
type Ports = "all" | ReadonlySet<string>;

const labelsOf = (selector: any): Labels => ({ ...(selector?.matchLabels ?? {}) });
const portsOf = (rule: any): Ports => (rule.ports === undefined || rule.ports.length === 0 ? "all" : new Set<string>(rule.ports.map((p: any) => `${p.protocol ?? "TCP"}/${p.port}`)));
const intersect = (a: Ports, b: Ports): Ports => (a === "all" ? b : b === "all" ? a : new Set([...a].filter((p) => b.has(p))));
const union = (a: Ports, b: Ports): Ports => (a === "all" || b === "all" ? "all" : new Set([...a, ...b]));
const isEmpty = (p: Ports) => p !== "all" && p.size === 0;
const covers = (a: Ports, b: Ports) => a === "all" || (b !== "all" && [...b].every((p) => a.has(p)));
const portList = (p: Ports): string[] => (p === "all" ? [ALL_PORTS] : [...p].sort());
const subset = (a: Labels, b: Labels) => Object.entries(a).every(([k, v]) => b[k] === v);
/** The labels of pods both selectors pick, or undefined when no pod can carry both. */
function merge(a: Labels, b: Labels): Labels | undefined {
    for (const [k, v] of Object.entries(b)) if (k in a && a[k] !== v) return undefined;
    return { ...a, ...b };
}
const types = (spec: any): string[] => spec.policyTypes ?? ["Ingress", ...(spec.egress ? ["Egress"] : [])];

/** The namespaces whose every pod a policy isolates in both directions. */
export function ownedNamespaces(policies: readonly PolicyObject[]): Set<string> {
    return new Set(policies.filter((p) => Object.keys(labelsOf(p.spec.podSelector)).length === 0 && ["Ingress", "Egress"].every((t) => types(p.spec).includes(t))).map((p) => p.namespace));
}

/** The reachability the policies allow. */
export function reachability(policies: readonly PolicyObject[]): Connection[] {
    const owned = ownedNamespaces(policies);
    const found = new Map<string, { from: Peer; to: Peer; ports: Ports }>();
    const add = (from: Peer, to: Peer, ports: Ports) => {
        if (isEmpty(ports)) return;
        const key = `${JSON.stringify(from)} ${JSON.stringify(to)}`;
        const prev = found.get(key);
        found.set(key, { from, to, ports: prev ? union(prev.ports, ports) : ports });
    };
    const ingressOf = (ns: string) => policies.filter((p) => p.namespace === ns && types(p.spec).includes("Ingress"));

    /** Whether an ingress peer admits pods `labels` of owned namespace `ns` (labels it requires beyond them, merged). */
    const admits = (peer: any, policyNs: string, ns: string, labels: Labels): Labels | undefined => {
        if (peer.ipBlock) return undefined;
        if (peer.namespaceSelector === undefined) return policyNs === ns ? merge(labels, labelsOf(peer.podSelector)) : undefined;
        const sel = namespaceText(peer.namespaceSelector.matchLabels);
        if (sel !== "*" && sel !== ns) return undefined;
        return merge(labels, labelsOf(peer.podSelector));
    };

    for (const p of policies) {
        if (!owned.has(p.namespace)) continue;
        // Egress from an owned namespace, checked against the server's ingress when it is owned too.
        if (types(p.spec).includes("Egress")) {
            const client = labelsOf(p.spec.podSelector);
            for (const rule of p.spec.egress ?? []) {
                const ports = portsOf(rule);
                for (const peer of rule.to ?? [{ ipBlock: { cidr: "0.0.0.0/0" } }]) {
                    if (peer.ipBlock) {
                        add({ namespace: p.namespace, podLabels: client }, { cidr: peer.ipBlock.cidr }, ports);
                        continue;
                    }
                    const serverNs = peer.namespaceSelector === undefined ? p.namespace : namespaceText(peer.namespaceSelector.matchLabels);
                    const server = labelsOf(peer.podSelector);
                    if (!owned.has(serverNs)) {
                        add({ namespace: p.namespace, podLabels: client }, { namespace: serverNs, podLabels: server }, ports);
                        continue;
                    }
                    for (const q of ingressOf(serverNs)) {
                        const to = merge(server, labelsOf(q.spec.podSelector));
                        if (to === undefined) continue;
                        for (const inRule of q.spec.ingress ?? []) {
                            const sources = inRule.from ?? [{ namespaceSelector: {} }];
                            for (const src of sources) {
                                const from = admits(src, serverNs, p.namespace, client);
                                if (from !== undefined) add({ namespace: p.namespace, podLabels: from }, { namespace: serverNs, podLabels: to }, intersect(ports, portsOf(inRule)));
                            }
                        }
                    }
                }
            }
        }
        // Ingress from what the platform does not isolate: other namespaces, addresses, any source.
        if (types(p.spec).includes("Ingress")) {
            const server: Peer = { namespace: p.namespace, podLabels: labelsOf(p.spec.podSelector) };
            for (const rule of p.spec.ingress ?? []) {
                const ports = portsOf(rule);
                if (rule.from === undefined || rule.from.length === 0) {
                    add({ anySource: true }, server, ports);
                    continue;
                }
                for (const src of rule.from) {
                    if (src.ipBlock) add({ cidr: src.ipBlock.cidr }, server, ports);
                    else if (src.namespaceSelector !== undefined) {
                        const ns = namespaceText(src.namespaceSelector.matchLabels);
                        if (!owned.has(ns)) add({ namespace: ns, podLabels: labelsOf(src.podSelector) }, server, ports);
                    }
                }
            }
        }
    }

    // Leave out what a broader connection between the same namespaces already allows.
    const all = [...found.values()];
    const broader = (a: { from: Peer; to: Peer; ports: Ports }, b: { from: Peer; to: Peer; ports: Ports }) =>
        a !== b &&
        "namespace" in a.from &&
        "namespace" in b.from &&
        "namespace" in a.to &&
        "namespace" in b.to &&
        a.from.namespace === b.from.namespace &&
        a.to.namespace === b.to.namespace &&
        subset(a.from.podLabels, b.from.podLabels) &&
        subset(a.to.podLabels, b.to.podLabels) &&
        covers(a.ports, b.ports);
    return all.filter((c) => !all.some((o) => broader(o, c))).map((c) => ({ from: c.from, to: c.to, ports: portList(c.ports) }));
}

/** The report's lines, sorted. */
export function reachabilityText(connections: readonly Connection[]): string[] {
    return connections.map(connectionText).sort();
}
