/**
 * Trino on loopback for the engine suite (install-trino.sh): one server that is coordinator and
 * worker, configured the way the chart (1.42.2, templates/configmap-coordinator.yaml, read in
 * trinodb/charts at "release trino 1.42.2") renders the program's values, reading the program's
 * catalog files.
 *
 * - `trinoChartConfig(values, local)`: node properties, config.properties and the JVM options the
 *   chart renders for the coordinator from `values`. Loopback differences, each for a reason: one
 *   node schedules work on itself (`node-scheduler.include-coordinator=true`, there is no worker
 *   pod), the ports and directories are the run's own (JMX's RMI registry and server ports too,
 *   with `jmx.enabled`; the exporter sidecar is not run), and the JVM gets no
 *   libjvmkill agent (the image's, not in the distribution). Every other line of the chart's
 *   jvm.config is passed as the chart writes it, followed by `coordinator.additionalJVMConfig`.
 * - Start-up on a shared 2-core machine: `startTrino` appends to those options (they are not in
 *   the chart's jvm.config) C1 only (`-XX:TieredStopAtLevel=1`: C2's
 *   compiler threads otherwise compete with start-up; measured here 84 s with C2, 39 s without)
 *   and a class-data archive kept beside the install (`cds/`, made by the JVM at the first
 *   server's exit; copied in and out so that concurrent runs never share a file being written).
 * - `loopbackCatalog(name, text, addresses)`: a catalog file with only its address properties
 *   replaced (each must be present exactly once); every other line is the program's.
 * - `startTrino(opts)`: writes etc/ and starts `io.trino.server.TrinoServer` with Java 25;
 *   `query(sql)` speaks Trino's client protocol (POST /v1/statement, then nextUri).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { EngineProcess, engineHome, freePort, run, startProcess, tempDir } from "./harness";

/** The Trino the suite runs (install-trino.sh; the chart's 480 cannot be assembled, decision 0035). */
export const TRINO_VERSION = "476";
/** Trino 476 needs Java 24 or newer. */
export const JAVA25_HOME = process.env.TRINO_JAVA_HOME ?? "/usr/lib/jvm/temurin-25-jdk-amd64";

/** The install directory; throws (naming the engine and setup.sh) when it or Java 25 is missing. */
export function trinoHome(): string {
    // Java first: install-trino.sh skips the install without it, so that is the reason to name.
    if (!fs.existsSync(path.join(JAVA25_HOME, "bin", "java"))) throw new Error(`Java 25 (for trino-${TRINO_VERSION}) is missing at ${JAVA25_HOME}`);
    return engineHome(`trino-${TRINO_VERSION}`);
}

/** A properties file as ordered [key, value] pairs (Trino's catalog files: `key=value` lines). */
export function parseProperties(text: string): Array<[string, string]> {
    return text
        .split("\n")
        .filter((l) => l.trim() !== "" && !l.trim().startsWith("#"))
        .map((l) => {
            const i = l.indexOf("=");
            assert.ok(i > 0, `not a key=value line: ${l}`);
            return [l.slice(0, i), l.slice(i + 1)];
        });
}

/** Replaces the values of `replace`'s keys in a catalog file; each key must occur exactly once. */
export function loopbackCatalog(name: string, text: string, replace: Record<string, (value: string) => string>): string {
    const entries = parseProperties(text);
    for (const key of Object.keys(replace)) {
        assert.strictEqual(entries.filter(([k]) => k === key).length, 1, `catalog ${name} sets ${key} once`);
    }
    return entries.map(([k, v]) => `${k}=${replace[k] ? replace[k](v) : v}`).join("\n") + "\n";
}

export interface ChartConfig {
    readonly node: Record<string, string>;
    readonly config: Record<string, string>;
    readonly jvm: string[];
}

/** The coordinator's node.properties, config.properties and jvm.config from the chart's templates, for `values`. */
export function trinoChartConfig(values: Record<string, any>, local: { port: number; dataDir: string; pluginDir: string; jmxPorts?: readonly [number, number] }): ChartConfig {
    const heap: string | undefined = values.coordinator?.jvm?.maxHeapSize;
    assert.ok(heap, "the program sets coordinator.jvm.maxHeapSize");
    const config: Record<string, string> = {
        coordinator: "true",
        "node-scheduler.include-coordinator": "true",
        "http-server.http.port": String(local.port),
        "query.max-memory": values.server?.config?.query?.maxMemory,
        "query.max-memory-per-node": values.coordinator?.config?.query?.maxMemoryPerNode,
        "discovery.uri": `http://127.0.0.1:${local.port}`,
    };
    for (const [k, v] of Object.entries(config)) assert.ok(v !== undefined, `the program's values give ${k}`);
    if (values.jmx?.enabled) {
        // Trino's JMX settings (config.properties, docs/admin/jmx), from jmx.registryPort/serverPort.
        assert.ok(local.jmxPorts, "loopback ports for JMX");
        assert.ok(values.jmx.registryPort && values.jmx.serverPort, "the program sets both JMX ports");
        config["jmx.rmiregistry.port"] = String(local.jmxPorts[0]);
        config["jmx.rmiserver.port"] = String(local.jmxPorts[1]);
    }
    const headroom = values.coordinator?.config?.memory?.heapHeadroomPerNode;
    if (headroom) config["memory.heap-headroom-per-node"] = headroom;
    for (const line of values.additionalConfigProperties ?? []) {
        const [k, v] = (line as string).split("=", 2);
        config[k] = v;
    }
    return {
        node: { "node.environment": values.server?.node?.environment ?? "production", "node.data-dir": local.dataDir, "plugin.dir": local.pluginDir, "node.id": "loopback" },
        config,
        jvm: [
            "-server",
            `-Xmx${heap}`,
            "-XX:+UseG1GC",
            "-XX:G1HeapRegionSize=32M",
            "-XX:+ExplicitGCInvokesConcurrent",
            "-XX:+HeapDumpOnOutOfMemoryError",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:-OmitStackTraceInFastThrow",
            "-XX:ReservedCodeCacheSize=512M",
            "-XX:PerMethodRecompilationCutoff=10000",
            "-XX:PerBytecodeRecompilationCutoff=10000",
            "-Djdk.attach.allowAttachSelf=true",
            "-Djdk.nio.maxCachedBufferSize=2000000",
            "-XX:+EnableDynamicAgentLoading",
            ...(values.coordinator?.additionalJVMConfig ?? []),
            // With JMX, airlift's agent refuses to start unless this equals jmx.rmiserver.port.
            ...(local.jmxPorts ? [`-Dcom.sun.management.jmxremote.rmi.port=${local.jmxPorts[1]}`] : []),
        ],
    };
}

export interface TrinoOptions {
    /** The Trino release's chart values (from the program). */
    readonly values: Record<string, any>;
    /** Catalog files by catalog name, addresses already on loopback. */
    readonly catalogs: Record<string, string>;
    /** The pods' environment (what `${ENV:…}` resolves against). */
    readonly env: Record<string, string>;
    /** Log name. Default "trino". */
    readonly name?: string;
    /** Load only these of the installed plugins (a shorter start-up). Default all installed. */
    readonly plugins?: readonly string[];
}

export interface QueryResult {
    readonly columns: string[];
    readonly rows: unknown[][];
}

export interface TrinoEngine {
    readonly url: string;
    readonly port: number;
    /** The JMX RMI registry's port, with `jmx.enabled`. */
    readonly jmxRegistryPort: number | undefined;
    readonly version: string;
    readonly process: EngineProcess;
    /** Runs `sql` as `user` (default "engine-suite") to completion; rejects with Trino's error message. */
    query(sql: string, user?: string): Promise<QueryResult>;
    stop(): Promise<void>;
}

function request(method: string, url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; json: any }> {
    return new Promise((resolve, reject) => {
        const req = http.request(url, { method, headers, timeout: 120000 }, (res) => {
            let text = "";
            res.on("data", (d) => (text += d));
            res.on("end", () => {
                try {
                    resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) });
                } catch {
                    resolve({ status: res.statusCode ?? 0, json: { text } });
                }
            });
        });
        req.on("error", reject);
        req.on("timeout", () => req.destroy(new Error(`${method} ${url} timed out`)));
        req.end(body);
    });
}

/** Trino's client protocol: submit, then follow nextUri until the query has finished. */
export async function trinoQuery(url: string, sql: string, user = "engine-suite"): Promise<QueryResult> {
    const headers = { "X-Trino-User": user, "content-type": "text/plain" };
    let res = await request("POST", `${url}/v1/statement`, headers, sql);
    const columns: string[] = [];
    const rows: unknown[][] = [];
    for (;;) {
        if (res.status !== 200) throw new Error(`Trino answered ${res.status}: ${JSON.stringify(res.json)}`);
        const body = res.json;
        if (body.error) throw new Error(`Trino query failed: ${body.error.message} (${body.error.errorName})`);
        if (body.columns && columns.length === 0) columns.push(...body.columns.map((c: any) => c.name));
        if (body.data) rows.push(...body.data);
        if (!body.nextUri) return { columns, rows };
        res = await request("GET", body.nextUri, headers);
    }
}

/** How many MBeans each ObjectName pattern matches on a JMX RMI registry at 127.0.0.1:`port` (tests/engines/JmxProbe.java). */
export async function jmxMatches(port: number, patterns: readonly string[]): Promise<Record<string, number>> {
    const out = await run(path.join(JAVA25_HOME, "bin", "java"), [path.join(__dirname, "JmxProbe.java"), String(port), ...patterns], { timeoutMs: 120000 });
    return JSON.parse(out.stdout.trim().split("\n").pop() as string);
}

function propertiesText(map: Record<string, string>): string {
    return Object.entries(map).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
}

export async function startTrino(opts: TrinoOptions): Promise<TrinoEngine> {
    const home = trinoHome();
    const dir = tempDir(opts.name ?? "trino");
    const port = await freePort();
    const etc = path.join(dir, "etc");
    fs.mkdirSync(path.join(etc, "catalog"), { recursive: true });
    let pluginDir = path.join(home, "plugin");
    if (opts.plugins) {
        pluginDir = path.join(dir, "plugin");
        fs.mkdirSync(pluginDir);
        for (const p of opts.plugins) fs.symlinkSync(path.join(home, "plugin", p), path.join(pluginDir, p));
    }
    const jmxPorts = opts.values.jmx?.enabled ? ([await freePort(), await freePort()] as const) : undefined;
    const chart = trinoChartConfig(opts.values, { port, dataDir: path.join(dir, "data"), pluginDir, jmxPorts });
    fs.writeFileSync(path.join(etc, "node.properties"), propertiesText(chart.node));
    fs.writeFileSync(path.join(etc, "config.properties"), propertiesText(chart.config));
    fs.writeFileSync(path.join(etc, "jvm.config"), chart.jvm.join("\n") + "\n");
    fs.writeFileSync(path.join(etc, "log.properties"), `io.trino=${opts.values.server?.log?.trino?.level ?? "INFO"}\n`);
    for (const [name, text] of Object.entries(opts.catalogs)) fs.writeFileSync(path.join(etc, "catalog", `${name}.properties`), text);
    const url = `http://127.0.0.1:${port}`;
    const archive = classDataArchive(home, dir);
    // What Trino's launcher does with etc/: jvm.config as JVM options, node.properties as system
    // properties, config.properties and log.properties by path, the data directory as working directory.
    fs.mkdirSync(chart.node["node.data-dir"], { recursive: true });
    const proc = await startProcess({
        name: opts.name ?? "trino",
        command: path.join(JAVA25_HOME, "bin", "java"),
        args: [
            ...chart.jvm,
            "-XX:TieredStopAtLevel=1",
            "-XX:+AutoCreateSharedArchive",
            // The archive's own notes (classes it skips) would drown Trino's log.
            "-Xlog:cds=off",
            "-Xlog:cds+dynamic=off",
            `-XX:SharedArchiveFile=${archive.file}`,
            ...Object.entries(chart.node).map(([k, v]) => `-D${k}=${v}`),
            `-Dconfig=${path.join(etc, "config.properties")}`,
            `-Dlog.levels-file=${path.join(etc, "log.properties")}`,
            `-Dcatalog.config-dir=${path.join(etc, "catalog")}`,
            "-cp",
            path.join(home, "lib", "*"),
            "io.trino.server.TrinoServer",
        ],
        cwd: chart.node["node.data-dir"],
        env: opts.env,
        readyTimeoutMs: 300000,
        stopTimeoutMs: 30000,
        ready: async () => {
            const info = await request("GET", `${url}/v1/info`, {}).catch(() => undefined);
            if (info?.status !== 200 || info.json.starting !== false) return false;
            // Started is not yet schedulable: the node announces itself to discovery a moment later,
            // and a query before that fails with NO_NODES_AVAILABLE.
            return trinoQuery(url, "SELECT 1").then(
                () => true,
                () => false,
            );
        },
    });
    const info = await request("GET", `${url}/v1/info`, {});
    return {
        url,
        port,
        jmxRegistryPort: jmxPorts?.[0],
        version: String(info.json.nodeVersion?.version ?? "unreported"),
        process: proc,
        query: (sql, user) => trinoQuery(url, sql, user),
        stop: async () => {
            await proc.stop();
            archive.keep();
        },
    };
}

/**
 * The JVM's class-data archive for this run: a copy of the one kept in the install's `cds/`
 * (if any), and `keep()` to put the run's archive back there (atomically) once the JVM has exited.
 */
function classDataArchive(home: string, dir: string): { file: string; keep(): void } {
    const kept = path.join(home, "cds", "trino.jsa");
    const file = path.join(dir, "trino.jsa");
    if (fs.existsSync(kept)) fs.copyFileSync(kept, file);
    const before = fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0;
    return {
        file,
        keep: () => {
            if (!fs.existsSync(file) || fs.statSync(file).mtimeMs === before || fs.statSync(file).size === 0) return;
            fs.mkdirSync(path.dirname(kept), { recursive: true });
            const partial = `${kept}.${process.pid}`;
            fs.copyFileSync(file, partial);
            fs.renameSync(partial, kept);
        },
    };
}
