/** What the promtool tests read of a generated alerting rule, and how Prometheus renders its annotations. */
export interface Rule {
    alert: string;
    expr: string;
    for: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}

/** An alert's annotations as Prometheus renders them for these labels (templates use `$labels` only). */
export function rendered(rule: Rule, labels: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_, l: string) => labels[l] ?? "")]));
}
