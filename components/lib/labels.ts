/** Labels every object the platform creates carries, so `kubectl get -l` finds them. */
export function platformLabels(component: string, instance: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/part-of": "analytics-platform",
        "app.kubernetes.io/managed-by": "pulumi",
    };
}
