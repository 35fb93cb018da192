import { Capture } from "./mockProgram";

/**
 * The post-deploy lake check (`npm run verify -- --stack <name>`), planned from the stack's own
 * resources: where the telemetry topic, the appender's table, DuckDB and Trino are. Each hop is a
 * kubectl command against the cluster of the current context; `scripts/verify.ts` runs them and
 * times them.
 */
export interface VerifyPlan {
    readonly topic: string;
    readonly table: string;
    /** `kubectl` arguments listing the Kafka broker pods (the first one produces the event). */
    readonly brokerPods: string[];
    /** `kubectl` arguments, given the broker pod, that read one line from stdin and produce it. */
    produce(brokerPod: string): string[];
    /** `kubectl` arguments counting the marked event through DuckDB (the platform's init script). */
    readonly duckdb: ((marker: string) => string[]) | undefined;
    /** `kubectl` arguments counting the marked event through Trino's `iceberg` catalog. */
    readonly trino: ((marker: string) => string[]) | undefined;
}

function literal(marker: string): string {
    if (!/^[A-Za-z0-9-]+$/.test(marker)) throw new Error(`marker must be letters, digits and dashes: ${marker}`);
    return `'${marker}'`;
}

function envOf(deployment: { inputs: any }): Record<string, string> {
    const env = deployment.inputs.spec.template.spec.containers[0].env ?? [];
    return Object.fromEntries(env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
}

export function verifyPlan(capture: Capture): VerifyPlan {
    const appenders = capture.ofType("analytics:apps:IcebergAppender");
    if (appenders.length !== 1) throw new Error("the stack has no appender (lake.appender off): nothing carries events into the lake");
    const appender = capture.ofType("kubernetes:apps/v1:Deployment").find((d) => d.parent === appenders[0].urn);
    if (!appender) throw new Error("the appender has no Deployment");
    const env = envOf(appender);
    const topic = env.KAFKA_TOPIC;
    const table = env.ICEBERG_TABLE;
    const kafka = capture.ofType("kubernetes:kafka.strimzi.io/v1:Kafka")[0];
    if (!kafka) throw new Error("the stack has no Kafka cluster");
    const kafkaNs: string = kafka.inputs.metadata.namespace;
    const cluster: string = kafka.inputs.metadata.name;
    const duckdb = capture.ofType("kubernetes:apps/v1:Deployment").find((d) => (d.inputs.spec?.template?.spec?.containers ?? []).some((c: any) => c.name === "duckdb"));
    const trino = capture.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === "trino");
    return {
        topic,
        table,
        brokerPods: ["-n", kafkaNs, "get", "pods", "-l", `strimzi.io/cluster=${cluster},strimzi.io/broker-role=true`, "-o", "name"],
        produce: (pod) => ["-n", kafkaNs, "exec", "-i", pod, "--", "bin/kafka-console-producer.sh", "--bootstrap-server", "localhost:9092", "--topic", topic],
        duckdb: duckdb
            ? (marker) => ["-n", duckdb.inputs.metadata.namespace, "exec", `deploy/${duckdb.inputs.metadata.name}`, "--", "duckdb", "-init", "/etc/duckdb/init.sql", "-csv", "-noheader", "-c", `SELECT count(*) FROM lake.${table} WHERE message = ${literal(marker)};`]
            : undefined,
        trino: trino
            ? (marker) => ["-n", trino.inputs.namespace, "exec", "deploy/trino-coordinator", "--", "trino", "--output-format", "TSV", "--execute", `SELECT count(*) FROM iceberg.${table} WHERE message = ${literal(marker)}`]
            : undefined,
    };
}

/** The marked telemetry event, one JSON line. */
export function markedEvent(marker: string, now: Date): string {
    return JSON.stringify({ ts: now.toISOString(), source: "platform-verify", level: "INFO", message: marker });
}
