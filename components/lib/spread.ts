/** Pods matching `podLabels` on different nodes: a required anti-affinity on the node name. */
export function onDifferentNodes(podLabels: Record<string, string>): { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { labelSelector: { matchLabels: Record<string, string> }; topologyKey: string }[] } } {
    return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: podLabels }, topologyKey: "kubernetes.io/hostname" }] } };
}
