import { stackPolicy } from "../lib/adapter";
import { CR } from "../lib/customResources";
import { PackSettings } from "../lib/settings";
import { Finding, Obj, PolicyResource, at, describe, isObj, isUnknown, num, objects, present, show, str } from "../lib/values";

/**
 * Prod sizing and HA of the custom resources the operators reconcile: the pack cannot see the
 * StatefulSets an operator renders, but it can see what the program asks for. Field paths follow
 * the operators' CRDs at the pinned versions and the components that create the resources.
 */

export { CR };

/** A message unless the value is a number of at least `min`; unknown values (preview) pass. */
function atLeast(value: unknown, min: number, what: string): string[] {
    if (isUnknown(value)) return [];
    const n = num(value);
    return n !== undefined && n >= min ? [] : [`${what} is ${show(value)}, needs ${min} or more`];
}

/** PerconaXtraDBCluster: an odd number (>= 3) of PXC nodes, HAProxy on with >= 2 pods, scheduled backups, no unsafe flag. */
export function xtradbViolations(spec: Obj): string[] {
    const out: string[] = [];
    const size = at(spec, "pxc", "size");
    const n = num(size);
    if (!isUnknown(size) && (n === undefined || n < 3 || n % 2 === 0)) out.push(`pxc.size is ${show(size)}, needs an odd number of 3 or more (Galera quorum)`);
    const haproxy = at(spec, "haproxy", "enabled");
    if (haproxy !== true && !isUnknown(haproxy)) out.push("haproxy.enabled must be true");
    else out.push(...atLeast(at(spec, "haproxy", "size"), 2, "haproxy.size"));
    const schedule = at(spec, "backup", "schedule");
    if (!isUnknown(schedule) && objects(schedule).length === 0) out.push("backup.schedule has no scheduled backup");
    const flags = at(spec, "unsafeFlags");
    if (isObj(flags)) for (const [k, v] of Object.entries(flags)) if (v === true) out.push(`unsafeFlags.${k} must not be set`);
    if (at(spec, "allowUnsafeConfigurations") === true) out.push("allowUnsafeConfigurations must not be set");
    return out;
}

/** Kafka: replication factor 3 or more and min.insync.replicas of at least 2 and below it. */
export function kafkaViolations(spec: Obj): string[] {
    const config = at(spec, "kafka", "config");
    if (isUnknown(config)) return [];
    const rfRaw = at(config, "default.replication.factor");
    const isrRaw = at(config, "min.insync.replicas");
    const out = [...atLeast(rfRaw, 3, "kafka.config default.replication.factor"), ...atLeast(isrRaw, 2, "kafka.config min.insync.replicas")];
    const rf = num(rfRaw);
    const isr = num(isrRaw);
    if (rf !== undefined && isr !== undefined && isr >= rf) out.push(`kafka.config min.insync.replicas (${isr}) must be below default.replication.factor (${rf}) so one broker can be down`);
    return out;
}

/** CloudNativePG Cluster: 3 or more instances and a backup method (object store, volume snapshots, or a WAL-archiver plugin). */
export function postgresViolations(spec: Obj): string[] {
    const out = atLeast(at(spec, "instances"), 3, "instances");
    const backup = at(spec, "backup");
    const walPlugin = objects(at(spec, "plugins")).some((p) => p.isWALArchiver === true);
    const configured = isUnknown(backup) || present(at(backup, "barmanObjectStore")) || present(at(backup, "volumeSnapshot")) || walPlugin;
    if (!configured) out.push("no backup configured (backup.barmanObjectStore, backup.volumeSnapshot or a WAL-archiver plugin)");
    return out;
}

/** MinIO Tenant: 4 or more servers over all pools (erasure coding). */
export function tenantViolations(spec: Obj): string[] {
    const pools = at(spec, "pools");
    if (isUnknown(pools)) return [];
    const servers = objects(pools).map((p) => p.servers);
    if (servers.some(isUnknown)) return [];
    const total = servers.reduce<number>((sum, s) => sum + (num(s) ?? 0), 0);
    return total >= 4 ? [] : [`pools have ${total} servers in total, needs 4 or more (erasure coding)`];
}

/** The Flink configuration value, flat (`a.b: v`) or nested (`a: {b: v}`). */
function flinkSetting(config: unknown, key: string): unknown {
    const flat = at(config, key);
    return flat !== undefined ? flat : at(config, ...key.split("."));
}

/** FlinkDeployment: 2 or more JobManagers and high availability with a storage directory. */
export function flinkViolations(spec: Obj): string[] {
    const out = atLeast(at(spec, "jobManager", "replicas"), 2, "jobManager.replicas");
    const config = at(spec, "flinkConfiguration");
    if (isUnknown(config)) return out;
    const haType = flinkSetting(config, "high-availability.type") ?? flinkSetting(config, "high-availability");
    const type = str(haType)?.toLowerCase();
    if (!isUnknown(haType) && (type === undefined || type === "" || type === "none")) out.push("flinkConfiguration high-availability.type is not set");
    if (!present(flinkSetting(config, "high-availability.storageDir"))) out.push("flinkConfiguration high-availability.storageDir is not set");
    return out;
}

const SINGLE_RESOURCE_CHECKS: Record<string, (spec: Obj) => string[]> = {
    [CR.pxc]: xtradbViolations,
    [CR.kafka]: kafkaViolations,
    [CR.pgCluster]: postgresViolations,
    [CR.tenant]: tenantViolations,
    [CR.flink]: flinkViolations,
};

/** KafkaNodePools grouped by cluster (`strimzi.io/cluster` label) and namespace: 3 or more nodes per role. */
export function nodePoolViolations(resources: readonly PolicyResource[]): Finding[] {
    const groups = new Map<string, { replicas: Map<string, number>; urn: string; unknown: Set<string> }>();
    for (const r of resources.filter((x) => x.type === CR.kafkaNodePool)) {
        const cluster = str(at(r.props, "metadata", "labels", "strimzi.io/cluster")) ?? "?";
        const key = `${str(at(r.props, "metadata", "namespace")) ?? "default"}/${cluster}`;
        const group = groups.get(key) ?? { replicas: new Map<string, number>(), urn: r.urn, unknown: new Set<string>() };
        groups.set(key, group);
        const replicas = at(r.props, "spec", "replicas");
        const roles = at(r.props, "spec", "roles");
        const roleNames = Array.isArray(roles) ? (roles as unknown[]).filter((x): x is string => typeof x === "string") : [];
        for (const role of roleNames) {
            if (isUnknown(replicas)) group.unknown.add(role);
            group.replicas.set(role, (group.replicas.get(role) ?? 0) + (num(replicas) ?? 0));
        }
    }
    return [...groups.entries()].flatMap(([key, g]) =>
        [...g.replicas.entries()]
            .filter(([role, n]) => n < 3 && !g.unknown.has(role))
            .map(([role, n]) => ({ urn: g.urn, message: `Kafka cluster ${key}: ${n} ${role} node(s) over its KafkaNodePools, needs 3 or more` })),
    );
}

/** Prod sizing/HA findings over the stack's operator resources. */
export function operatorViolations(resources: readonly PolicyResource[], settings: PackSettings): Finding[] {
    if (settings.profile !== "prod") return [];
    const single = resources.flatMap((r) => {
        const check = SINGLE_RESOURCE_CHECKS[r.type] as ((spec: Obj) => string[]) | undefined;
        const spec = at(r.props, "spec");
        if (check === undefined || !isObj(spec)) return [];
        return check(spec).map((m) => ({ urn: r.urn, message: `${describe(r)}: ${m}` }));
    });
    return [...single, ...nodePoolViolations(resources)];
}

export const operatorPolicy = stackPolicy(
    {
        name: "operator-resources-ha",
        description: "In prod, operator resources are sized for HA: XtraDB odd >= 3 nodes with HAProxy, backups and no unsafe flags; Kafka >= 3 nodes per role, RF 3, min ISR 2; PostgreSQL >= 3 instances with backups; MinIO >= 4 servers; Flink >= 2 JobManagers with HA.",
        category: "reliability",
        settings: ["profile"],
        remediationSteps: "Set highAvailability on the component (the prod profile does) and the sizes components/config.ts validates for prod.",
    },
    (resources, s) => operatorViolations(resources, s),
);
