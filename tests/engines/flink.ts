/**
 * Flink on loopback, configured from what the program generates for the CDC session cluster
 * (components/processing/flinkCdc.ts), run from the install of scripts/engines/install-flink.sh
 * (Flink 1.20.3 assembled from Maven Central modules, plus images/flink/jars.txt exactly).
 *
 * - `flinkSettings(capture)`: the FlinkDeployment's flinkConfiguration and pod sizes, the SQL
 *   gateway's command line, the bootstrap Job's script and environment, the SQL ConfigMap and
 *   Flink's Kafka client Secret, as the program registers them.
 * - `startFlink(settings, s3)`: a session cluster (JobManager, then one TaskManager) with the
 *   program's flinkConfiguration, changed only where {@link clusterConfig} says, and the main
 *   container's Secret-backed env under the program's variable names (the bucket Secret's two S3
 *   keys holding the loopback S3 server's key pair).
 * - `startGateway(settings, cluster)`: the SQL gateway with the program's `-D` arguments, the
 *   in-cluster addresses replaced by loopback ones ({@link gatewayArgs}).
 * - `runBootstrap(...)`: the program's bootstrap script itself (bash), with the image's
 *   `sql-client.sh` on PATH.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } from "../../components/lib/storage";
import { S3Server } from "./engines";
import { Capture, EngineProcess, PROJECT_DIR, RunResult, engineHome, freePort, httpOk, run, startProcess, tempDir } from "./harness";

export const FLINK_VERSION = "1.20.3";
const FLINK_DEPLOYMENT = "kubernetes:flink.apache.org/v1beta1:FlinkDeployment";
const JARS_TXT = path.join(PROJECT_DIR, "images", "flink", "jars.txt");

/** The assembled distribution (lib, plugins) and the connector jars of images/flink/jars.txt. */
export function flinkInstall(): { lib: string; plugins: string; connectors: string } {
    const home = engineHome(`flink-${FLINK_VERSION}`);
    const digest = crypto.createHash("sha256").update(fs.readFileSync(JARS_TXT)).digest("hex").slice(0, 12);
    const connectors = engineHome(`flink-connectors-${digest}`);
    return { lib: path.join(home, "lib"), plugins: path.join(home, "plugins"), connectors };
}

/** Flink's lib as the connectors image has it: the distribution's jars, then the connector jars. */
function classpath(): string {
    const i = flinkInstall();
    return `${path.join(i.lib, "*")}${path.delimiter}${path.join(i.connectors, "*")}`;
}

export interface FlinkSettings {
    /** The FlinkDeployment's name (its cluster id). */
    readonly clusterName: string;
    readonly flinkConfiguration: Record<string, string>;
    /** `spec.jobManager.resource.memory` / `spec.taskManager.resource.memory`: the processes' total memory. */
    readonly jobManagerMemory: string;
    readonly taskManagerMemory: string;
    /** The S3 plugin the pods enable (`ENABLE_BUILT_IN_PLUGINS`). */
    readonly s3Plugin: string;
    /** The main container's env entries read from a Secret: the variable, the Secret's key, and its value there. */
    readonly secretEnv: Array<{ name: string; secretName: string; key: string; value: string }>;
    /** The SQL gateway container's command. */
    readonly gatewayCommand: string[];
    /** The bootstrap Job's script (`bash -c <script>`) and its env entries. */
    readonly bootstrapScript: string;
    readonly bootstrapEnv: Array<{ name: string; value?: string; valueFrom?: any }>;
    /** The SQL ConfigMap's files: session.sql and job.sql. */
    readonly sql: { "session.sql": string; "job.sql": string };
    /** Flink's Kafka client Secret (stringData), by the name the bootstrap Job references. */
    readonly kafkaSecretName: string;
    readonly kafkaSecret: Record<string, string>;
}

export function flinkSettings(capture: Capture): FlinkSettings {
    const deployments = capture.ofType(FLINK_DEPLOYMENT);
    assert.strictEqual(deployments.length, 1, "the stack declares one FlinkDeployment");
    const fd = deployments[0];
    const spec = fd.inputs.spec;
    const name: string = fd.inputs.metadata.name;
    const main = spec.podTemplate.spec.containers.find((c: any) => c.name === "flink-main-container");
    const plugin = main.env.find((e: any) => e.name === "ENABLE_BUILT_IN_PLUGINS")?.value;
    const secretEnv = main.env
        .filter((e: any) => e.valueFrom?.secretKeyRef)
        .map((e: any) => {
            const ref = e.valueFrom.secretKeyRef;
            const found = capture.ofType("kubernetes:core/v1:Secret").filter((s) => s.inputs.metadata?.name === ref.name);
            assert.strictEqual(found.length, 1, `the program declares the Secret ${ref.name} (env ${e.name})`);
            const value = found[0].inputs.stringData?.[ref.key];
            assert.ok(value !== undefined, `Secret ${ref.name} has ${ref.key} (env ${e.name})`);
            return { name: e.name, secretName: ref.name, key: ref.key, value };
        });
    const gateway = capture.ofType("kubernetes:apps/v1:Deployment").find((d) => d.inputs.metadata?.name === `${name}-sql-gateway`);
    assert.ok(gateway, `the program declares the SQL gateway Deployment ${name}-sql-gateway`);
    const job = capture.ofType("kubernetes:batch/v1:Job").find((j) => j.inputs.metadata?.name === `${name}-bootstrap`);
    assert.ok(job, `the program declares the bootstrap Job ${name}-bootstrap (flink.jobEnabled)`);
    const submit = job.inputs.spec.template.spec.containers[0];
    assert.deepStrictEqual(submit.command.slice(0, 2), ["bash", "-c"]);
    const configMap = capture.ofType("kubernetes:core/v1:ConfigMap").find((c) => c.inputs.metadata?.name === `${name}-sql`);
    assert.ok(configMap, `the program declares the SQL ConfigMap ${name}-sql`);
    const jaasRef = submit.env.find((e: any) => e.name === "KAFKA_SASL_JAAS_CONFIG")?.valueFrom?.secretKeyRef;
    assert.ok(jaasRef, "the bootstrap Job reads the JAAS line from a Secret");
    const secrets = capture.ofType("kubernetes:core/v1:Secret").filter((s) => s.inputs.metadata?.name === jaasRef.name);
    assert.strictEqual(secrets.length, 1, `the program declares Flink's Kafka client Secret ${jaasRef.name}`);
    return {
        clusterName: name,
        flinkConfiguration: spec.flinkConfiguration,
        jobManagerMemory: spec.jobManager.resource.memory,
        taskManagerMemory: spec.taskManager.resource.memory,
        s3Plugin: plugin,
        secretEnv,
        gatewayCommand: gateway.inputs.spec.template.spec.containers[0].command,
        bootstrapScript: submit.command[2],
        bootstrapEnv: submit.env,
        sql: configMap.inputs.data,
        kafkaSecretName: jaasRef.name,
        kafkaSecret: secrets[0].inputs.stringData,
    };
}

export interface FlinkCluster {
    /** `http://127.0.0.1:<port>`: the JobManager's REST API (the operator's `<name>-rest` Service). */
    readonly restUrl: string;
    readonly restPort: number;
    /** The configuration the cluster runs with (config.yaml). */
    readonly config: Record<string, string>;
    readonly jobManager: EngineProcess;
    taskManager(): EngineProcess;
    /** Starts a TaskManager again (after a kill). */
    startTaskManager(): Promise<EngineProcess>;
    rest(pathName: string, method?: string, body?: unknown): Promise<any>;
    stop(): Promise<void>;
}

/** Where the cluster runs differently from the pods, and why: the only changes to the program's flinkConfiguration. */
export interface ClusterChanges {
    /** Keys of the program's flinkConfiguration replaced, with the value used here. */
    readonly replaced: Record<string, string>;
    /** Keys added: what the operator and the pod's network give a native cluster. */
    readonly added: Record<string, string>;
}

/**
 * The program's flinkConfiguration with its in-cluster addresses replaced by loopback ones, plus
 * what the operator adds for a native session cluster (addresses, process sizes from the
 * FlinkDeployment's resources). Everything else is the program's, unchanged.
 */
export function clusterConfig(settings: FlinkSettings, s3: S3Server, ports: { rpc: number; rest: number; metrics: number }, tmp: string): { config: Record<string, string>; changes: ClusterChanges } {
    const program = settings.flinkConfiguration;
    const replaced: Record<string, string> = {
        // The MinIO Service's in-cluster address. By host name, as in the cluster: the AWS SDK
        // addresses an IP endpoint path-style whatever `s3.path.style.access` says, which would
        // hide a wrong value of that setting (tried: "false" with 127.0.0.1 still checkpoints).
        "s3.endpoint": s3.endpoint.replace("//127.0.0.1:", "//localhost:"),
        // The reporter's port on each pod's own IP; the processes share loopback here (the
        // TaskManager gets another free port).
        "metrics.reporter.prom.port": String(ports.metrics),
        // Kubernetes HA keeps its leader election in ConfigMaps of the Kubernetes API, which does not
        // exist here; the HA storage directory then goes unused. Not an address: the one behaviour
        // replaced, stated here and in the test's output.
        "high-availability.type": "NONE",
    };
    for (const key of Object.keys(replaced)) assert.ok(key in program, `the program's flinkConfiguration sets ${key}`);
    const added: Record<string, string> = {
        "jobmanager.rpc.address": "127.0.0.1",
        "jobmanager.rpc.port": String(ports.rpc),
        "jobmanager.bind-host": "127.0.0.1",
        "rest.address": "127.0.0.1",
        "rest.bind-address": "127.0.0.1",
        "rest.port": String(ports.rest),
        "taskmanager.host": "127.0.0.1",
        "taskmanager.bind-host": "127.0.0.1",
        // The operator turns spec.jobManager/taskManager.resource.memory into these.
        "jobmanager.memory.process.size": settings.jobManagerMemory,
        "taskmanager.memory.process.size": settings.taskManagerMemory,
        // The pods' /tmp (an emptyDir).
        "io.tmp.dirs": tmp,
    };
    for (const key of Object.keys(added)) assert.ok(!(key in program), `the program does not set ${key} itself`);
    return { config: { ...program, ...replaced, ...added }, changes: { replaced, added } };
}

function yamlFile(config: Record<string, string>): string {
    // JSON strings are YAML scalars: every value stays the exact string given.
    return Object.entries(config).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join("\n") + "\n";
}

function log4jFile(file: string): string {
    return [
        "rootLogger.level = INFO",
        "rootLogger.appenderRef.out.ref = out",
        "appender.out.type = File",
        "appender.out.name = out",
        `appender.out.fileName = ${file}`,
        "appender.out.layout.type = PatternLayout",
        "appender.out.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1} - %m%n",
        "logger.kafka.name = org.apache.kafka",
        "logger.kafka.level = WARN",
    ].join("\n") + "\n";
}

/** Writes a conf dir (config.yaml and a log4j file logging to `<name>.log` beside it). */
function confDir(dir: string, config: Record<string, string>, logName: string): { conf: string; log: string } {
    const conf = path.join(dir, "conf");
    fs.mkdirSync(conf, { recursive: true });
    fs.writeFileSync(path.join(conf, "config.yaml"), yamlFile(config));
    const log = path.join(dir, `${logName}.log`);
    fs.writeFileSync(path.join(conf, "log4j.properties"), log4jFile(log));
    return { conf, log };
}

/** The JVM options and dynamic properties Flink's own scripts compute (BashJavaUtils) for `what`. */
async function resourceParams(what: "GET_JM_RESOURCE_PARAMS" | "GET_TM_RESOURCE_PARAMS", conf: string): Promise<{ jvm: string[]; dynamic: string[] }> {
    const out = await run("java", ["-Xmx128m", "-cp", classpath(), "org.apache.flink.runtime.util.bash.BashJavaUtils", what, "--configDir", conf], { timeoutMs: 60000 });
    const lines = out.stdout.split("\n").filter((l) => l.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:")).map((l) => l.slice("BASH_JAVA_UTILS_EXEC_RESULT:".length).trim());
    assert.strictEqual(lines.length, 2, `BashJavaUtils ${what} answered:\n${out.stdout}`);
    return { jvm: lines[0].split(/\s+/), dynamic: lines[1].split(/\s+/).filter((s) => s !== "") };
}

function restCall(base: string, pathName: string, method = "GET", body?: unknown): Promise<any> {
    return fetch(`${base}${pathName}`, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }).then(async (r) => {
        const text = await r.text();
        if (!r.ok) throw new Error(`${method} ${pathName}: ${r.status} ${text}`);
        return text === "" ? {} : JSON.parse(text);
    });
}

export async function startFlink(settings: FlinkSettings, s3: S3Server): Promise<FlinkCluster & { changes: ClusterChanges }> {
    const install = flinkInstall();
    const dir = tempDir("flink");
    const ports = { rpc: await freePort(), rest: await freePort(), metrics: await freePort() };
    const tmp = path.join(dir, "tmp");
    fs.mkdirSync(tmp);
    const { config, changes } = clusterConfig(settings, s3, ports, tmp);
    // The pods' plugins: the S3 plugin the entrypoint enables from ENABLE_BUILT_IN_PLUGINS, and the
    // image's Prometheus reporter.
    assert.ok(/^flink-s3-fs-hadoop-[\d.]+\.jar$/.test(settings.s3Plugin), `the pods enable the Hadoop S3 plugin, got ${settings.s3Plugin}`);
    // The pods' env entries from Secrets, under the program's variable names. The bucket Secret's
    // two keys hold the loopback S3 server's key pair (the program's per-client user is not created
    // on it here); any other referenced key keeps its value in the program's Secret.
    const loopbackKeys: Record<string, string> = { [S3_ACCESS_KEY_ID]: s3.accessKey, [S3_SECRET_ACCESS_KEY]: s3.secretKey };
    assert.deepStrictEqual(
        settings.secretEnv.map((e) => e.key).filter((k) => k in loopbackKeys).sort(),
        Object.keys(loopbackKeys).sort(),
        "the main container reads both S3 keys from the bucket Secret",
    );
    const env: Record<string, string> = { FLINK_PLUGINS_DIR: install.plugins };
    for (const e of settings.secretEnv) env[e.name] = loopbackKeys[e.key] ?? e.value;
    const jm = confDir(path.join(dir, "jobmanager"), config, "jobmanager");
    const jmParams = await resourceParams("GET_JM_RESOURCE_PARAMS", jm.conf);
    const base = `http://127.0.0.1:${ports.rest}`;
    const jobManager = await startProcess({
        name: "flink-jobmanager",
        command: "java",
        args: [...jmParams.jvm, `-Dlog4j.configurationFile=${path.join(jm.conf, "log4j.properties")}`, "-cp", classpath(), "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", "--configDir", jm.conf, ...jmParams.dynamic],
        env: { ...env, FLINK_CONF_DIR: jm.conf },
        logFile: jm.log,
        readyTimeoutMs: 180000,
        ready: () => httpOk(`${base}/overview`),
    });
    // Each pod has the reporter on its own IP; on loopback the TaskManager needs a port of its own.
    const tmConf = confDir(path.join(dir, "taskmanager"), { ...config, "metrics.reporter.prom.port": String(await freePort()) }, "taskmanager");
    const tmParams = await resourceParams("GET_TM_RESOURCE_PARAMS", tmConf.conf);
    let taskManager: EngineProcess | undefined;
    const startTaskManager = async () => {
        const before = (await restCall(base, "/taskmanagers")).taskmanagers.length;
        taskManager = await startProcess({
            name: "flink-taskmanager",
            command: "java",
            args: [...tmParams.jvm, `-Dlog4j.configurationFile=${path.join(tmConf.conf, "log4j.properties")}`, "-cp", classpath(), "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", "--configDir", tmConf.conf, ...tmParams.dynamic],
            env: { ...env, FLINK_CONF_DIR: tmConf.conf },
            logFile: tmConf.log,
            readyTimeoutMs: 180000,
            ready: async () => ((await restCall(base, "/taskmanagers").catch(() => ({ taskmanagers: [] }))).taskmanagers.length > before),
        });
        return taskManager;
    };
    await startTaskManager();
    return {
        restUrl: base,
        restPort: ports.rest,
        config,
        changes,
        jobManager,
        taskManager: () => taskManager as EngineProcess,
        startTaskManager,
        rest: (p, method, body) => restCall(base, p, method, body),
        stop: async () => {
            await taskManager?.stop();
            await jobManager.stop();
        },
    };
}

/** The gateway's `-D` arguments (after `sql-gateway.sh start-foreground`) with the in-cluster addresses replaced. */
export function gatewayArgs(command: readonly string[], addresses: { gatewayPort: number; restPort: number }): { args: string[]; replaced: Record<string, [string, string]> } {
    assert.deepStrictEqual(command.slice(0, 2), ["/opt/flink/bin/sql-gateway.sh", "start-foreground"]);
    const loopback: Record<string, string> = {
        "sql-gateway.endpoint.rest.bind-address": "127.0.0.1",
        "sql-gateway.endpoint.rest.address": "127.0.0.1",
        "sql-gateway.endpoint.rest.port": String(addresses.gatewayPort),
        "rest.address": "127.0.0.1",
        "rest.port": String(addresses.restPort),
    };
    const replaced: Record<string, [string, string]> = {};
    const args = command.slice(2).map((arg) => {
        const m = /^-D([^=]+)=(.*)$/.exec(arg);
        assert.ok(m, `the gateway's arguments are -Dkey=value, got ${arg}`);
        if (!(m[1] in loopback)) return arg;
        replaced[m[1]] = [m[2], loopback[m[1]]];
        return `-D${m[1]}=${loopback[m[1]]}`;
    });
    assert.deepStrictEqual(Object.keys(replaced).sort(), Object.keys(loopback).sort(), "the gateway command sets every address replaced here");
    return { args, replaced };
}

export interface Gateway {
    /** `http://127.0.0.1:<port>`, the way the bootstrap Job's SQL_GATEWAY names the Service. */
    readonly url: string;
    readonly process: EngineProcess;
    readonly replaced: Record<string, [string, string]>;
}

export async function startGateway(settings: FlinkSettings, cluster: FlinkCluster): Promise<Gateway> {
    const dir = tempDir("flink-gateway");
    const port = await freePort();
    const { args, replaced } = gatewayArgs(settings.gatewayCommand, { gatewayPort: port, restPort: cluster.restPort });
    // The gateway container reads no cluster configuration (it bypasses the image's entrypoint and
    // mounts no flink-config ConfigMap): everything it gets is on its command line.
    const { conf, log } = confDir(dir, {}, "sql-gateway");
    // The gateway pod sets neither ENABLE_BUILT_IN_PLUGINS nor AWS_* env: its plugins/ is the
    // image's, the Prometheus reporter only, without the Hadoop S3 plugin the entrypoint links for
    // the cluster's pods. So here, and the gateway's environment carries no S3 keys.
    const plugins = path.join(dir, "plugins");
    fs.mkdirSync(plugins);
    fs.symlinkSync(path.join(flinkInstall().plugins, "metrics-prometheus"), path.join(plugins, "metrics-prometheus"));
    const proc = await startProcess({
        name: "flink-sql-gateway",
        command: "java",
        // -Xmx512m is the loopback run's own bound on a shared 2-core machine, not the program's:
        // the program passes no heap option to the gateway; its pod is bounded by the sqlGateway sizing.
        args: ["-Xmx512m", `-Dlog4j.configurationFile=${path.join(conf, "log4j.properties")}`, "-cp", classpath(), "org.apache.flink.table.gateway.SqlGateway", ...args],
        env: { FLINK_CONF_DIR: conf, FLINK_PLUGINS_DIR: plugins },
        logFile: log,
        readyTimeoutMs: 180000,
        ready: () => httpOk(`http://127.0.0.1:${port}/v1/info`),
    });
    return { url: `http://127.0.0.1:${port}`, process: proc, replaced };
}

/**
 * A directory holding `sql-client.sh` as the image's /opt/flink/bin has it: the SQL client
 * (org.apache.flink.table.client.SqlClient) on Flink's lib, logging to a file, not the terminal.
 */
export function sqlClientBin(): string {
    const dir = tempDir("flink-client");
    const { conf } = confDir(dir, {}, "sql-client");
    const script = [
        "#!/bin/sh",
        `export FLINK_CONF_DIR='${conf}' HOME='${dir}'`,
        `exec java -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j.configurationFile='${path.join(conf, "log4j.properties")}' -cp '${classpath()}' org.apache.flink.table.client.SqlClient "$@"`,
    ].join("\n");
    fs.writeFileSync(path.join(dir, "sql-client.sh"), script + "\n", { mode: 0o755 });
    return dir;
}

/** Runs `sql-client.sh gateway --endpoint <url> -f <file>` with `sql`. */
export async function sqlClient(bin: string, gatewayUrl: string, sql: string, allowFailure = false): Promise<RunResult> {
    const file = path.join(tempDir("flink-sql"), "statements.sql");
    fs.writeFileSync(file, sql);
    return run(path.join(bin, "sql-client.sh"), ["gateway", "--endpoint", gatewayUrl, "-f", file], { timeoutMs: 240000, allowFailure });
}
