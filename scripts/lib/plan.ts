import { FLOW_ANNOTATIONS } from "../../components/foundation/networkPolicies";
import { Capture, Registered } from "./mockProgram";
import { reachability, reachabilityText } from "./reachability";

/**
 * Turns a captured run of the program into a deployment plan: the platform's components, the
 * charts they install, which component waits for which, the waves in which they can be created,
 * and the critical path with an estimated duration per step.
 */

/** Rough time for one component to become ready, in seconds, by component type and profile. */
const ESTIMATES: Record<string, { dev: number; prod: number; why: string }> = {
    "analytics:foundation:Namespaces": { dev: 5, prod: 5, why: "namespaces" },
    "analytics:foundation:CertManager": { dev: 120, prod: 150, why: "chart, webhook, startupapicheck hook" },
    "analytics:foundation:PlatformCa": { dev: 15, prod: 15, why: "CA Secret and ClusterIssuer Ready" },
    "analytics:data:CnpgOperator": { dev: 60, prod: 75, why: "operator chart" },
    "analytics:data:BarmanCloudPlugin": { dev: 45, prod: 60, why: "plugin chart, cert-manager certificates" },
    "analytics:data:PostgresBackupSchedule": { dev: 5, prod: 5, why: "a ScheduledBackup object (the backup itself runs after)" },
    "analytics:data:MinioOperator": { dev: 60, prod: 75, why: "operator chart" },
    "analytics:data:PxcOperator": { dev: 60, prod: 75, why: "operator chart" },
    "analytics:data:StrimziOperator": { dev: 90, prod: 90, why: "operator chart" },
    "analytics:data:PostgresCluster": { dev: 120, prod: 300, why: "initdb, standbys cloned one by one, databases applied" },
    "analytics:data:XtraDbCluster": { dev: 240, prod: 600, why: "Galera nodes join one by one (SST), HAProxy" },
    "analytics:data:ObjectStore": { dev: 90, prod: 180, why: "pool start, users and buckets provisioned" },
    "analytics:data:Cache": { dev: 30, prod: 30, why: "one StatefulSet pod" },
    "analytics:data:Kafka": { dev: 180, prod: 360, why: "controllers, brokers rolled, entity operator, topics" },
    "analytics:data:SchemaRegistry": { dev: 60, prod: 60, why: "Deployment and its topic" },
    "analytics:data:Nessie": { dev: 90, prod: 120, why: "chart, schema migration" },
    "analytics:data:ClickHouse": { dev: 60, prod: 90, why: "one StatefulSet pod; prod: two replicas and three Keepers, started in parallel" },
    "analytics:apps:Superset": { dev: 300, prod: 360, why: "chart, database migration and init hook" },
    "analytics:foundation:NetworkPolicies": { dev: 5, prod: 5, why: "policy objects" },
    "analytics:data:S3Access": { dev: 5, prod: 5, why: "a Secret" },
    "analytics:processing:FlinkOperator": { dev: 90, prod: 120, why: "operator chart, webhook certificate" },
    "analytics:processing:FlinkCdc": { dev: 180, prod: 300, why: "session cluster READY, SQL gateway, job submission" },
    "analytics:processing:Trino": { dev: 120, prod: 180, why: "coordinator and workers start" },
    "analytics:processing:SparkOperator": { dev: 60, prod: 75, why: "operator chart" },
    "analytics:processing:SparkJobs": { dev: 5, prod: 5, why: "RBAC and defaults" },
    "analytics:apps:Airflow": { dev: 300, prod: 420, why: "chart, migration Job, admin Job, every role rolled out" },
    "analytics:apps:Nifi": { dev: 150, prod: 180, why: "certificate, JVM start and flow load" },
    "analytics:apps:DuckDb": { dev: 20, prod: 20, why: "one idle pod" },
    "analytics:apps:IcebergAppender": { dev: 30, prod: 45, why: "consumer pods" },
    "analytics:foundation:Monitoring": { dev: 180, prod: 240, why: "chart, operator webhook certificate, Prometheus and Grafana" },
    "analytics:foundation:Monitors": { dev: 5, prod: 5, why: "monitor objects" },
    "analytics:foundation:Alerting": { dev: 5, prod: 5, why: "rule objects and dashboard ConfigMaps" },
    "analytics:foundation:Exposure": { dev: 30, prod: 60, why: "certificates issued, routes admitted" },
};
const DEFAULT_ESTIMATE = { dev: 90, prod: 120, why: "chart or workload rollout" };

export interface PlannedComponent {
    readonly name: string;
    readonly type: string;
    /** Charts it installs, as `chart@version` with the reference Helm pulls. */
    readonly charts: readonly { chart: string; version: string | null; namespace: string }[];
    /** Components it waits for. */
    readonly waitsFor: readonly string[];
    /** 1-based wave: every component in a wave can start once the earlier waves are done. */
    readonly wave: number;
    readonly estimateSeconds: number;
    readonly estimateReason: string;
    /** Earliest start and finish in seconds from the start of `pulumi up`, with full parallelism. */
    readonly start: number;
    readonly finish: number;
}

export interface Plan {
    readonly components: readonly PlannedComponent[];
    readonly waves: readonly (readonly string[])[];
    readonly criticalPath: readonly { name: string; seconds: number }[];
    readonly criticalPathSeconds: number;
    /** The sum of every component's estimate: the time a fully sequential install would take. */
    readonly sequentialSeconds: number;
    readonly resourceCount: number;
}

/** The top-level component a resource belongs to (itself, if it is one). */
function topLevel(byUrn: Map<string, Registered>, r: Registered): Registered {
    let cur = r;
    for (let p = byUrn.get(cur.parent); p !== undefined; p = byUrn.get(cur.parent)) cur = p;
    return cur;
}

export function buildPlan(capture: Capture, profile: "dev" | "prod"): Plan {
    const byUrn = new Map(capture.resources.map((r) => [r.urn, r]));
    const tops = capture.resources.filter((r) => !r.custom && r.parent === "");
    const edges = new Map<string, Set<string>>(tops.map((t) => [t.name, new Set<string>()]));
    const charts = new Map<string, PlannedComponent["charts"][number][]>(tops.map((t) => [t.name, []]));
    for (const r of capture.resources) {
        const top = topLevel(byUrn, r);
        if (r.type === "kubernetes:helm.sh/v3:Release") {
            charts.get(top.name)?.push({ chart: String(r.inputs.chart), version: (r.inputs.version as string | undefined) ?? null, namespace: String(r.inputs.namespace) });
        }
        for (const dep of r.dependencies) {
            const target = byUrn.get(dep);
            if (target === undefined) continue;
            const other = topLevel(byUrn, target);
            if (other.name !== top.name) edges.get(top.name)?.add(other.name);
        }
    }

    // Waves and earliest start/finish over the component graph (acyclic: Pulumi rejects cycles).
    const wave = new Map<string, number>();
    const finish = new Map<string, number>();
    const start = new Map<string, number>();
    const estimate = (type: string) => ESTIMATES[type] ?? DEFAULT_ESTIMATE;
    const typeOf = new Map(tops.map((t) => [t.name, t.type]));
    const visit = (name: string, path: string[]): void => {
        if (wave.has(name)) return;
        if (path.includes(name)) throw new Error(`dependency cycle: ${[...path, name].join(" -> ")}`);
        const deps = [...(edges.get(name) ?? [])];
        deps.forEach((d) => visit(d, [...path, name]));
        wave.set(name, 1 + Math.max(0, ...deps.map((d) => wave.get(d) ?? 0)));
        const s = Math.max(0, ...deps.map((d) => finish.get(d) ?? 0));
        start.set(name, s);
        finish.set(name, s + estimate(typeOf.get(name) ?? "")[profile]);
    };
    tops.forEach((t) => visit(t.name, []));

    const components: PlannedComponent[] = tops
        .map((t) => ({
            name: t.name,
            type: t.type,
            charts: charts.get(t.name) ?? [],
            waitsFor: [...(edges.get(t.name) ?? [])].sort(),
            wave: wave.get(t.name) ?? 1,
            estimateSeconds: estimate(t.type)[profile],
            estimateReason: estimate(t.type).why,
            start: start.get(t.name) ?? 0,
            finish: finish.get(t.name) ?? 0,
        }))
        .sort((a, b) => a.wave - b.wave || a.name.localeCompare(b.name));

    const waveCount = Math.max(0, ...components.map((c) => c.wave));
    const waves = Array.from({ length: waveCount }, (_, i) => components.filter((c) => c.wave === i + 1).map((c) => c.name));

    // Critical path: from the last component to finish, back through the dependency that finished last.
    const byName = new Map(components.map((c) => [c.name, c]));
    const path: { name: string; seconds: number }[] = [];
    let cur = [...components].sort((a, b) => b.finish - a.finish)[0];
    while (cur !== undefined) {
        path.unshift({ name: cur.name, seconds: cur.estimateSeconds });
        const prev = cur.waitsFor.map((n) => byName.get(n)).filter((c): c is PlannedComponent => c !== undefined).sort((a, b) => b.finish - a.finish)[0];
        cur = prev;
    }
    return {
        components,
        waves,
        criticalPath: path,
        criticalPathSeconds: path.reduce((s, p) => s + p.seconds, 0),
        sequentialSeconds: components.reduce((s, c) => s + c.estimateSeconds, 0),
        resourceCount: capture.resources.length,
    };
}

export function duration(seconds: number): string {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return m === 0 ? `${s}s` : s === 0 ? `${m}m` : `${m}m${s}s`;
}

/** The component graph as a Mermaid flowchart (arrows point from a component to what it waits for). */
export function mermaid(plan: Plan): string {
    const id = (n: string) => n.replace(/[^A-Za-z0-9]/g, "_");
    const lines = ["graph LR"];
    for (const c of plan.components) {
        lines.push(`  ${id(c.name)}["${c.name}"]`);
        for (const d of c.waitsFor) lines.push(`  ${id(c.name)} --> ${id(d)}`);
    }
    return lines.join("\n");
}

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/**
 * The data flows as a Mermaid flowchart, read from the NetworkPolicies the program creates (each
 * allowed connection is one the components make): users reach the published UIs, each component
 * reaches the services it uses (the "data" flows; operators' and Prometheus' flows are left out).
 * Empty when the stack runs without NetworkPolicies.
 */
export function dataFlowMermaid(capture: Capture): string {
    const id = (n: string) => n.replace(/[^A-Za-z0-9]/g, "_");
    const edges: Array<[string, string]> = [];
    for (const r of capture.ofType(NETWORK_POLICY)) {
        const edge = /^network-policies-edge-(.+)$/.exec(r.name);
        if (edge) {
            edges.push(["users", edge[1]]);
            continue;
        }
        const a = r.inputs.metadata?.annotations ?? {};
        if (a[FLOW_ANNOTATIONS.kind] === "data" && r.inputs.spec.policyTypes.includes("Ingress")) edges.push([a[FLOW_ANNOTATIONS.client], a[FLOW_ANNOTATIONS.server]]);
    }
    const sorted = [...new Map(edges.map((e) => [`${e[0]}>${e[1]}`, e])).values()].sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
    const nodes = [...new Set(sorted.flat())].sort();
    return ["flowchart LR", ...nodes.map((n) => `  ${id(n)}["${n}"]`), ...sorted.map(([a, b]) => `  ${id(a)} --> ${id(b)}`)].join("\n");
}

/** The reachability the captured NetworkPolicies allow, one sorted line per connection. */
export function reachabilityReport(capture: Capture): string[] {
    return reachabilityText(reachability(capture.ofType(NETWORK_POLICY).map((r) => ({ namespace: String(r.inputs.metadata.namespace), spec: r.inputs.spec }))));
}
