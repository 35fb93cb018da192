/**
 * The telemetry lake on loopback, configured from the dev stack the program generates: Kafka with
 * the program's telemetry topic, PostgreSQL with Nessie's database, the S3 server with the
 * warehouse bucket, Nessie from its chart values, and the real appender (images/appender, in the
 * virtualenv installed from its own lock) started with the env the program gives its Deployment.
 * Only addresses, the key pair (a Secret's content) and the pod's own name are replaced.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { KafkaEngine, NessieEngine, PostgresEngine, S3Server, startKafka, startNessie, startPostgres, startS3 } from "./engines";
import { EngineProcess, PROJECT_DIR, freePort, httpOk, lockedEnvironment, programCapture, run, startProcess, tempDir } from "./harness";
import { LakeSettings, envValue, lakeSettings } from "./platform";

export const APPENDER_SCRIPT = path.join(PROJECT_DIR, "images", "appender", "appender.py");
const KAFKA_TOOL = path.join(__dirname, "kafka_tool.py");
const LAKE_READ = path.join(__dirname, "lake_read.py");

export function appenderPython(): string {
    return lockedEnvironment("appender", path.join(PROJECT_DIR, "images", "appender", "requirements.txt")).python;
}

export function readersPython(): string {
    return lockedEnvironment("readers", path.join(PROJECT_DIR, "scripts", "engines", "readers-requirements.txt")).python;
}

/** The appender KafkaUser's password on the loopback broker (Strimzi generates it in a cluster). */
const SCRAM_PASSWORD = "scram-test-password";

export interface Lake {
    readonly settings: LakeSettings;
    readonly kafka: KafkaEngine;
    readonly postgres: PostgresEngine;
    readonly s3: S3Server;
    readonly nessie: NessieEngine;
    stop(): Promise<void>;
}

/**
 * Starts the engines of the lake as the dev stack configures them. `scramUsers`: more SCRAM users
 * for the broker's SASL listener (other clients' KafkaUsers), besides the appender's.
 */
export async function startLake(scramUsers: ReadonlyArray<{ readonly name: string; readonly password: string }> = []): Promise<Lake> {
    const settings = lakeSettings(await programCapture("dev"));
    // The appender authenticates the way the program configures it: SCRAM-SHA-512 as its KafkaUser,
    // over TLS when the protocol is SASL_SSL; the broker gets that user (the password is a Secret's content).
    const protocol = settings.appenderEnv.KAFKA_SECURITY_PROTOCOL?.value;
    const user = settings.appenderEnv.KAFKA_SASL_USERNAME?.value;
    const [postgres, s3, kafka] = await Promise.all([
        startPostgres(),
        startS3(),
        startKafka(protocol?.startsWith("SASL_") && user ? { scramUsers: [{ name: user, password: SCRAM_PASSWORD }, ...scramUsers], tls: protocol === "SASL_SSL" } : {}),
    ]);
    await s3.createBucket(settings.warehouseBucket);
    const jdbcUrl: string = settings.nessieValues.jdbc?.jdbcUrl ?? "";
    const database = /\/([A-Za-z0-9_]+)$/.exec(jdbcUrl)?.[1];
    assert.ok(database, `Nessie's JDBC URL names a database: ${jdbcUrl}`);
    await postgres.createDatabase(database, "nessie", "nessie-test-password");
    const nessie = await startNessie({ values: settings.nessieValues, jdbc: { postgres, username: "nessie", password: "nessie-test-password" }, s3 });
    return {
        settings,
        kafka,
        postgres,
        s3,
        nessie,
        stop: async () => {
            await nessie.stop();
            await Promise.all([kafka.stop(), s3.stop(), postgres.stop()]);
        },
    };
}

/** Runs kafka_tool.py with the appender's environment; returns its JSON lines. */
export async function kafkaTool(lake: Lake, args: string[], input?: string): Promise<any[]> {
    const out = await run(appenderPython(), [KAFKA_TOOL, args[0], "--bootstrap", lake.kafka.bootstrap, ...args.slice(1)], { input, timeoutMs: 180000 });
    return out.stdout.trim().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

/** Creates `topic` with the partitions and config of the program's telemetry KafkaTopic. */
export async function createTopic(lake: Lake, topic: string, partitions = lake.settings.topic.partitions, config = lake.settings.topic.config): Promise<void> {
    await kafkaTool(lake, ["create-topic", "--topic", topic, "--partitions", String(partitions), ...Object.entries(config).flatMap(([k, v]) => ["--config", `${k}=${v}`])]);
}

/** A telemetry event: spread over `days` days (so over several Iceberg partitions) and keyed by its number. */
export function event(n: number, days = 3): string {
    const day = 1 + (n % days);
    return JSON.stringify({ ts: `2026-11-0${day}T12:00:${String(n % 60).padStart(2, "0")}Z`, source: "engine-suite", level: n % 7 === 0 ? "WARN" : "INFO", message: `event ${n}`, attributes: { n } });
}

/** Produces `count` events numbered from `from`, round-robin over `partitions`. */
export async function produceEvents(lake: Lake, topic: string, from: number, count: number, partitions = lake.settings.topic.partitions): Promise<void> {
    const lines = Array.from({ length: count }, (_, i) => JSON.stringify({ key: `e${from + i}`, value: event(from + i), partition: (from + i) % partitions }));
    await kafkaTool(lake, ["produce", "--topic", topic], lines.join("\n"));
}

export interface AppenderRun {
    readonly process: EngineProcess;
    readonly httpPort: number;
    metrics(): Promise<Record<string, number>>;
}

/**
 * Starts the appender with the program's env for its Deployment: literal values as given, except
 * the addresses (Kafka, Nessie, S3) and the HTTP port; secretKeyRefs resolved to the S3 server's
 * key pair; the pod name (fieldRef) as `clientId`. `overrides` changes named variables (tests say why).
 */
export async function startAppender(lake: Lake, overrides: Record<string, string> = {}, clientId = "appender-0"): Promise<AppenderRun> {
    const env: Record<string, string> = {};
    for (const [name, entry] of Object.entries(lake.settings.appenderEnv)) {
        if (entry.value !== undefined) env[name] = entry.value;
    }
    for (const name of ["KAFKA_BOOTSTRAP_SERVERS", "ICEBERG_REST_URI", "S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "KAFKA_CLIENT_ID", "HTTP_PORT"]) {
        assert.ok(lake.settings.appenderEnv[name], `the program gives the appender ${name}`);
    }
    const httpPort = await freePort();
    const secured = env.KAFKA_SECURITY_PROTOCOL?.startsWith("SASL_") ?? false;
    if (secured) {
        assert.ok(lake.kafka.saslBootstrap, "the broker has the SASL listener the program's settings need");
        assert.ok(lake.settings.appenderEnv.KAFKA_SASL_PASSWORD?.valueFrom?.secretKeyRef, "the SASL password comes from a Secret");
        env.KAFKA_SASL_PASSWORD = SCRAM_PASSWORD;
        if (env.KAFKA_SSL_CA_LOCATION !== undefined) env.KAFKA_SSL_CA_LOCATION = lake.kafka.caFile as string;
    }
    Object.assign(env, {
        KAFKA_BOOTSTRAP_SERVERS: secured ? (lake.kafka.saslBootstrap as string) : lake.kafka.bootstrap,
        ICEBERG_REST_URI: lake.nessie.icebergRestUri,
        S3_ENDPOINT: lake.s3.endpoint,
        AWS_ACCESS_KEY_ID: lake.s3.accessKey,
        AWS_SECRET_ACCESS_KEY: lake.s3.secretKey,
        KAFKA_CLIENT_ID: clientId,
        HTTP_PORT: String(httpPort),
        PYTHONUNBUFFERED: "1",
        ...overrides,
    });
    const proc = await startProcess({
        name: `appender ${clientId}`,
        command: appenderPython(),
        args: [APPENDER_SCRIPT],
        env,
        readyTimeoutMs: 120000,
        stopTimeoutMs: (lake.settings.gracePeriodSeconds + 5) * 1000,
        ready: () => httpOk(`http://127.0.0.1:${httpPort}/healthz`),
    });
    return {
        process: proc,
        httpPort,
        metrics: async () => {
            const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
            const text = await res.text();
            const out: Record<string, number> = {};
            for (const line of text.split("\n")) {
                const m = /^([a-z_]+(?:\{[^}]*\})?) ([0-9.e+-]+)$/.exec(line);
                if (m) out[m[1]] = Number(m[2]);
            }
            return out;
        },
    };
}

export interface TableRead {
    readonly count: number;
    readonly distinct: number;
    readonly per_partition: Record<string, number>;
    readonly per_day: Record<string, number>;
    readonly snapshots: number;
    readonly offsets: Record<string, Record<string, number>>;
    readonly data_files: number;
    readonly keys: string[];
}

/** Reads `table` back with pyiceberg through Nessie. */
export async function readTable(lake: Lake, table: string): Promise<TableRead> {
    const out = await run(appenderPython(), [LAKE_READ, "pyiceberg", "--uri", lake.nessie.icebergRestUri, "--warehouse", lake.settings.warehouseName, "--s3-endpoint", lake.s3.endpoint, "--table", table], {
        env: { AWS_ACCESS_KEY_ID: lake.s3.accessKey, AWS_SECRET_ACCESS_KEY: lake.s3.secretKey },
        timeoutMs: 180000,
    });
    return JSON.parse(out.stdout.trim().split("\n").pop() as string);
}

/**
 * Reads `table` with DuckDB through the platform's own init script (the DuckDb component's
 * ConfigMap), with its addresses replaced and getenv() (a CLI-only function) by the key pair.
 */
export async function duckdbRead(lake: Lake, table: string): Promise<{ count: number; distinct: number; version: string; loaded: string[] }> {
    const capture = await programCapture("dev");
    const init = capture.ofType("kubernetes:core/v1:ConfigMap").filter((c) => c.inputs.data?.["init.sql"] !== undefined);
    assert.strictEqual(init.length, 1, "the dev stack has one DuckDB init script");
    const dir = tempDir("duckdb");
    const s3Host = new URL(lake.s3.endpoint).host;
    const sql = (init[0].inputs.data["init.sql"] as string)
        .replace(/SET extension_directory = '[^']*';/, `SET extension_directory = '${path.join(dir, "extensions")}';`)
        .replace(/SET temp_directory = '[^']*';/, `SET temp_directory = '${path.join(dir, "tmp")}';`)
        .replace("getenv('AWS_ACCESS_KEY_ID')", `'${lake.s3.accessKey}'`)
        .replace("getenv('AWS_SECRET_ACCESS_KEY')", `'${lake.s3.secretKey}'`)
        .replace(/ENDPOINT '([^':/]+(\.[^':/]+)*)(:\d+)?',/, `ENDPOINT '${s3Host}',`)
        .replace(/ENDPOINT 'http[^']*',/, `ENDPOINT '${lake.nessie.icebergRestUri}',`);
    const file = path.join(dir, "init.sql");
    fs.writeFileSync(file, sql);
    const out = await run(readersPython(), [LAKE_READ, "duckdb", "--init-sql", file, "--extensions", path.join(dir, "extensions"), "--table", table], { timeoutMs: 180000 });
    return JSON.parse(out.stdout.trim().split("\n").pop() as string);
}

/** The keys `topic/partition/offset` of `count` events produced from offset 0, round-robin over `partitions`. */
export function expectedKeys(topic: string, count: number, partitions: number): string[] {
    const perPartition = new Map<number, number>();
    const keys: string[] = [];
    for (let n = 0; n < count; n++) {
        const p = n % partitions;
        const offset = perPartition.get(p) ?? 0;
        perPartition.set(p, offset + 1);
        keys.push(`${topic}/${p}/${offset}`);
    }
    return keys.sort();
}

export { envValue };
