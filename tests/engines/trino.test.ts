/**
 * Trino with the program's catalog files (the dev stack's chart values under the mocks), against
 * the real backends of the lake on loopback: the Iceberg table the appender writes (Nessie's REST
 * catalog, data in MinIO), the platform PostgreSQL database, and the telemetry topic on the SCRAM/
 * TLS broker as Trino's own KafkaUser with the client settings the program puts in its Secret.
 *
 * What is replaced, and nothing else: the addresses in the catalog files (Services stand for
 * loopback ports), the paths where the chart mounts the Kafka client Secret and the table
 * descriptions, and generated secrets (the mocks' placeholders) by the loopback engines' own
 * credentials. `${ENV:…}` references are filled from the env the chart gives the pods: each entry's
 * `secretKeyRef` read from the program's Secret.
 *
 * Trino 476, not the chart's 480: docs/decisions/0035-trino-engine-release.md.
 *
 * ClickHouse: no ClickHouse server can be installed here (no Debian package, no PyPI or Maven
 * server), so no query reaches one. The program's clickhouse catalog file is still loaded by the
 * real ClickHouse connector at start-up, which refuses unknown properties ("Configuration property
 * '…' was not used"): its property names are checked by the connector's own code, not only against
 * the documentation (https://trino.io/docs/current/connector/clickhouse.html names connection-url,
 * connection-user and connection-password).
 *
 * Mutation tried (fails this file; the last test is that mutation, run): `s3.path-style-access`
 * misspelt `s3.path-style-acess` in the iceberg catalog makes Trino refuse to start, "Configuration
 * property 's3.path-style-acess' was not used".
 *
 * Found by this file: the JMX exporter's `trino.execution.executor:*` matched no MBean (the task
 * executors register under `trino.execution.executor.dedicated` and `.timesharing`; JmxProbe counted
 * 0 for the old pattern, 2 for `trino.execution.executor.*:*`), so the sidecar exported none of them.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Capture, PROJECT_DIR, StopWaiting, engines, freePort, lockedEnvironment, programCapture, releaseValues, run, tempDir, waitFor } from "./harness";
import { Lake, createTopic, envValue, produceEvents, readTable, startAppender, startLake } from "./lake";
import { chartSupersetConfig } from "./supersetConfig";
import { record } from "./timings";
import { TRINO_VERSION, TrinoEngine, jmxMatches, loopbackCatalog, parseProperties, startTrino, trinoHome } from "./trino";

const GENERATED = "GENERATED-SECRET";
const EVENTS = 120;
const SUPERSET_LOCK = path.join(PROJECT_DIR, "images", "superset", "requirements.txt");

interface TrinoSetup {
    readonly values: Record<string, any>;
    readonly catalogs: Record<string, string>;
    readonly env: Record<string, string>;
}

/** The Secret named `name` in the capture (its stringData). */
function secretData(capture: Capture, name: string): Record<string, string> {
    const found = capture.ofType("kubernetes:core/v1:Secret").filter((r) => r.inputs.metadata.name === name);
    assert.strictEqual(found.length, 1, `one Secret named ${name}`);
    return found[0].inputs.stringData;
}

/** The `${ENV:NAME}` a catalog property refers to. */
function envRef(catalogs: Record<string, string>, catalog: string, key: string): string {
    const value = parseProperties(catalogs[catalog]).find(([k]) => k === key)?.[1] ?? "";
    const m = /^\$\{ENV:([A-Z0-9_]+)\}$/.exec(value);
    assert.ok(m, `catalog ${catalog}'s ${key} is an \${ENV:…} reference, got "${value}"`);
    return m[1];
}

describe(`Trino ${TRINO_VERSION}: the program's catalogs against the real backends`, function () {
    this.timeout(1200000);
    let capture: Capture;
    let lake: Lake;
    let trino: TrinoEngine;
    let setup: TrinoSetup;
    let table: string;
    let pgPassword: string;
    let closedPort: number;
    const kafkaPassword = crypto.randomBytes(16).toString("hex");

    before(async function () {
        try {
            trinoHome();
        } catch (e) {
            console.log(`      NOT RUN: ${(e as Error).message}`);
            this.skip();
        }
        capture = await programCapture("dev");
        // The dev stack's values, with prod's `jmx` (dev runs without monitoring, so without JMX):
        // one server checks both the catalogs and the JMX settings the exporter sidecar reads.
        const prodJmx = releaseValues(await programCapture("prod"), "trino").jmx;
        const values: Record<string, any> = { ...releaseValues(capture, "trino"), jmx: prodJmx };
        const catalogs: Record<string, string> = values.catalogs;
        assert.deepStrictEqual(Object.keys(catalogs).sort(), ["clickhouse", "iceberg", "kafka", "postgresql"]);

        // Trino's Kafka user, as the program's client Secret names it.
        const mount = (values.secretMounts ?? []).find((m: any) => m.name === "kafka-client");
        assert.ok(mount, "the chart mounts the Kafka client Secret");
        const clientSecret = secretData(capture, mount.secretName);
        lake = await startLake([{ name: clientSecret.username, password: kafkaPassword }]);
        table = envValue(lake.settings, "ICEBERG_TABLE");
        const topic = envValue(lake.settings, "KAFKA_TOPIC");

        // The pods' env: each secretKeyRef read from the program's Secret. Generated values become
        // the loopback engines' credentials for what the catalog property referencing them is. The
        // S3 pair is always the loopback MinIO's: the program's per-client user (`trino`, with its
        // bucket policy) is not created on it here; which keys Trino may use is the object store's test.
        const credentials = new Map<string, string>();
        const fill = (catalog: string, key: string, local: () => string) => credentials.set(envRef(catalogs, catalog, key), local());
        pgPassword = crypto.randomBytes(16).toString("hex");
        fill("iceberg", "s3.aws-access-key", () => lake.s3.accessKey);
        fill("iceberg", "s3.aws-secret-key", () => lake.s3.secretKey);
        fill("postgresql", "connection-password", () => pgPassword);
        fill("clickhouse", "connection-password", () => crypto.randomBytes(16).toString("hex"));
        const s3Keys = new Set([envRef(catalogs, "iceberg", "s3.aws-access-key"), envRef(catalogs, "iceberg", "s3.aws-secret-key")]);
        const env: Record<string, string> = {};
        for (const e of values.env ?? []) {
            const ref = e.valueFrom?.secretKeyRef;
            if (e.value !== undefined) env[e.name] = e.value;
            if (!ref) continue;
            const value = secretData(capture, ref.name)[ref.key];
            assert.ok(value !== undefined, `Secret ${ref.name} has ${ref.key}`);
            env[e.name] = value.includes(GENERATED) || s3Keys.has(e.name) ? (credentials.get(e.name) ?? assert.fail(`no loopback credential for ${e.name}`)) : value;
        }

        // PostgreSQL: the catalog's database, owned by the catalog's login.
        const pgUrl = parseProperties(catalogs.postgresql).find(([k]) => k === "connection-url")![1];
        const database = /\/([a-z_]+)$/.exec(pgUrl)?.[1];
        assert.ok(database, pgUrl);
        await lake.postgres.createDatabase(database, env[envRef(catalogs, "postgresql", "connection-user")], pgPassword);

        // The Kafka client Secret where the chart mounts it, and the (empty) table descriptions.
        const clientDir = tempDir("trino-kafka-client");
        for (const [key, text] of Object.entries(clientSecret)) {
            const content = key === "ca.crt" ? fs.readFileSync(lake.kafka.caFile as string, "utf8") : text.split(mount.path).join(clientDir).split(/GENERATED-SECRET-[a-z0-9-]+/).join(kafkaPassword);
            fs.writeFileSync(path.join(clientDir, key), content);
        }
        const schemas = tempDir("trino-kafka-schemas");
        const hostPort = (url: string, to: string) => url.replace(/\/\/[^/]+/, `//${to}`);
        closedPort = await freePort();
        const local: Record<string, string> = {
            // Only the address moves to loopback; the path is the program's (Nessie's Iceberg REST path).
            iceberg: loopbackCatalog("iceberg", catalogs.iceberg, { "iceberg.rest-catalog.uri": (v) => hostPort(v, new URL(lake.nessie.icebergRestUri).host), "s3.endpoint": () => lake.s3.endpoint }),
            postgresql: loopbackCatalog("postgresql", catalogs.postgresql, { "connection-url": (v) => hostPort(v, `127.0.0.1:${lake.postgres.port}`) }),
            // Nothing listens there: no ClickHouse server runs here (see the file comment).
            clickhouse: loopbackCatalog("clickhouse", catalogs.clickhouse, { "connection-url": (v) => hostPort(v, `127.0.0.1:${closedPort}`) }),
            kafka: loopbackCatalog("kafka", catalogs.kafka, {
                "kafka.nodes": () => lake.kafka.saslBootstrap as string,
                "kafka.config.resources": (v) => v.split(mount.path).join(clientDir),
                "kafka.table-description-dir": () => schemas,
            }),
        };
        setup = { values, catalogs: local, env };

        // The telemetry topic with events, and the appender writing them to the Iceberg table, while Trino starts.
        await createTopic(lake, topic);
        await createTopic(lake, envValue(lake.settings, "DEAD_LETTER_TOPIC"), 1, {});
        await produceEvents(lake, topic, 0, EVENTS);
        const [server] = await Promise.all([
            startTrino({ values, catalogs: local, env }),
            (async () => {
                // Smaller batches than the program's, so the table is complete in seconds (as in lake.test.ts).
                const appender = await startAppender(lake, { BATCH_SIZE: "50", MAX_WAIT_SECONDS: "2" });
                await waitFor("every event in the Iceberg table", async () => {
                    if (appender.process.hasExited()) throw new StopWaiting(`the appender exited:\n${appender.process.log().slice(-3000)}`);
                    return (await readTable(lake, table)).count >= EVENTS;
                }, 300000, 2000);
                await appender.process.stop();
            })(),
        ]);
        trino = server;
        record(`trino ${TRINO_VERSION} start-up`, [trino.process]);
    });

    after(async () => {
        await trino?.stop();
        await lake?.stop();
    });

    it("loads every catalog the program generates, with the connector each names", async function () {
        engines(this, `trino ${TRINO_VERSION}`);
        assert.strictEqual(trino.version, TRINO_VERSION);
        const res = await trino.query("SELECT catalog_name, connector_name FROM system.metadata.catalogs WHERE catalog_name <> 'system' ORDER BY 1");
        assert.deepStrictEqual(res.rows, [
            ["clickhouse", "clickhouse"],
            ["iceberg", "iceberg"],
            ["kafka", "kafka"],
            ["postgresql", "postgresql"],
        ]);
    });

    it("reads the Iceberg table the appender wrote, through Nessie's REST catalog and the object store", async function () {
        engines(this, `trino ${TRINO_VERSION}`, "nessie", "s3", "appender");
        const [namespace, name] = table.split(".");
        const res = await trino.query(`SELECT count(*), count(DISTINCT message), min(source) FROM iceberg."${namespace}"."${name}"`);
        assert.deepStrictEqual(res.rows, [[EVENTS, EVENTS, "engine-suite"]]);
        // The catalog reached Nessie at the program's path: only host:port was replaced.
        const uri = (text: string) => new URL(parseProperties(text).find(([k]) => k === "iceberg.rest-catalog.uri")![1]);
        assert.strictEqual(uri(setup.catalogs.iceberg).pathname, "/iceberg");
        assert.strictEqual(uri(setup.catalogs.iceberg).pathname, uri(releaseValues(capture, "trino").catalogs.iceberg).pathname);
    });

    it("reads the platform PostgreSQL database as the catalog's login", async function () {
        engines(this, `trino ${TRINO_VERSION}`, "postgresql");
        const login = setup.env[envRef(setup.catalogs, "postgresql", "connection-user")];
        const database = /\/([a-z_]+)$/.exec(parseProperties(setup.catalogs.postgresql).find(([k]) => k === "connection-url")![1])![1];
        await lake.postgres.sql(database, `SET ROLE ${login}; CREATE TABLE public.engine_check (id int, label text); INSERT INTO public.engine_check VALUES (1, 'one'), (2, 'two')`);
        const res = await trino.query("SELECT id, label FROM postgresql.public.engine_check ORDER BY id");
        assert.deepStrictEqual(res.rows, [[1, "one"], [2, "two"]]);
        const who = await trino.query("SELECT * FROM TABLE(postgresql.system.query(query => 'SELECT current_user'))");
        assert.deepStrictEqual(who.rows, [[login]]);
    });

    it("reads the telemetry topic on the SCRAM/TLS listener as its own KafkaUser, with the program's client settings", async function () {
        engines(this, `trino ${TRINO_VERSION}`, "kafka");
        const topic = envValue(lake.settings, "KAFKA_TOPIC");
        const res = await trino.query(`SELECT count(*), count(DISTINCT _partition_id), min(_key) FROM kafka."default"."${topic}"`);
        assert.deepStrictEqual(res.rows, [[EVENTS, lake.settings.topic.partitions, "e0"]]);
    });

    it("ClickHouse: the connector accepts the program's catalog properties; no server runs here to query", async function () {
        engines(this, `trino ${TRINO_VERSION}`);
        // Loaded at start-up by the ClickHouse connector (the first test lists it); a query reaches the
        // connection URL's port, where no ClickHouse listens.
        const refused = await trino.query("SHOW SCHEMAS FROM clickhouse").then(() => "", (e: Error) => e.message);
        // The connector's HTTP client went to the catalog's URL: the JDBC URL parsed, the driver loaded.
        assert.match(refused, new RegExp(`Connect to http://127\\.0\\.0\\.1:${closedPort} failed: Connection refused`));
        console.log("      NOT RUN: a ClickHouse query (engine \"clickhouse-server\" is missing: no Debian, PyPI or Maven package serves it)");
    });

    it("serves JMX on the chart's settings, and every MBean pattern the exporter sidecar includes matches Trino's MBeans", async function () {
        engines(this, `trino ${TRINO_VERSION}`, "java 25 JMX client");
        const jmx = setup.values.jmx;
        assert.ok(jmx?.enabled && jmx.exporter?.enabled, "the server runs with prod's JMX and exporter values");
        const config: string = jmx.exporter.configProperties;
        // The sidecar reads the pod's own registry port.
        assert.match(config, new RegExp(`^hostPort: localhost:${jmx.registryPort}$`, "m"));
        const patterns = [...config.matchAll(/^ {2}- "([^"]+)"$/gm)].map((m) => m[1]);
        assert.ok(patterns.length > 0, "the exporter's includeObjectNames");
        const matches = await jmxMatches(trino.jmxRegistryPort as number, patterns);
        assert.deepStrictEqual(patterns.filter((p) => !(matches[p] > 0)), [], `patterns matching no MBean (counts: ${JSON.stringify(matches)})`);
    });

    it("Superset registers Trino with the init script's own line, and a query through Superset's engine reads the Iceberg table", async function () {
        let python: string;
        try {
            python = lockedEnvironment("superset", SUPERSET_LOCK).python;
        } catch (e) {
            console.log(`      NOT RUN: ${(e as Error).message}`);
            return this.skip();
        }
        engines(this, "superset 6.1.0", `trino ${TRINO_VERSION}`, "postgresql", "nessie", "s3");
        const values = releaseValues(capture, "superset");
        const generated = new Map<string, string>();
        const env: Record<string, string> = Object.fromEntries(
            Object.entries<string>(secretData(capture, values.envFromSecret)).map(([k, v]) => {
                if (!v.includes(GENERATED)) return [k, v];
                if (!generated.has(v)) generated.set(v, crypto.randomBytes(18).toString("hex"));
                return [k, generated.get(v)!];
            }),
        );
        await lake.postgres.createDatabase(env.DB_NAME, env.DB_USER, env.DB_PASS);
        // Only addresses change: Trino's Service address stands for the loopback server.
        const uri = new URL(env.SUPERSET_TRINO_URI);
        assert.strictEqual(uri.protocol, "trino:");
        const configDir = tempDir("superset-config");
        fs.writeFileSync(path.join(configDir, "superset_config.py"), chartSupersetConfig(values));
        const bin = path.dirname(python);
        Object.assign(env, {
            DB_HOST: "127.0.0.1",
            DB_PORT: String(lake.postgres.port),
            SUPERSET_TRINO_URI: env.SUPERSET_TRINO_URI.replace(`@${uri.host}/`, `@127.0.0.1:${trino.port}/`),
            PYTHONPATH: configDir,
            SUPERSET_HOME: tempDir("superset-home"),
            FLASK_APP: "superset.app:create_app()",
            PATH: `${bin}:${process.env.PATH}`,
        });
        const started = Date.now();
        await run(path.join(bin, "superset"), ["db", "upgrade"], { env, timeoutMs: 600000 });
        // The init script's Trino line, verbatim.
        const line = (values.init.command[2] as string).split("\n").filter((l) => l.includes("SUPERSET_TRINO_URI"));
        assert.strictEqual(line.length, 1, "one init line registers Trino");
        const registered = await run("/bin/sh", ["-c", line[0]], { env, timeoutMs: 300000 });
        assert.doesNotMatch(registered.stderr, /was not registered/);
        record("superset db upgrade and Trino registration (trino.test.ts)", Date.now() - started);
        const [namespace, name] = table.split(".");
        const probe = [
            "import json",
            "from sqlalchemy import text",
            "from superset.app import create_app",
            "app = create_app()",
            "with app.app_context():",
            "    from superset import db",
            "    from superset.models.core import Database",
            "    found = [(d.database_name, d.backend) for d in db.session.query(Database).all()]",
            "    trino = db.session.query(Database).filter_by(database_name='Trino').one()",
            "    with trino.get_sqla_engine() as engine, engine.connect() as c:",
            `        rows = c.execute(text('SELECT count(*) FROM "${namespace}"."${name}"')).fetchall()`,
            "    print(json.dumps({'databases': found, 'count': rows[0][0]}))",
        ].join("\n");
        const out = await run(python, ["-c", probe], { env, timeoutMs: 180000 });
        assert.deepStrictEqual(JSON.parse(out.stdout.trim().split("\n").pop()!), { databases: [["Trino", "trino"]], count: EVENTS });
        // Trino saw it as the URI's user, in the URI's catalog.
        const seen = await trino.query(`SELECT count(*) FROM system.runtime.queries WHERE "user" = '${uri.username}' AND query LIKE '%${namespace}%${name}%'`);
        assert.deepStrictEqual(seen.rows, [[1]]);
    });

    it("refuses a misspelt catalog property (the mutation that proves the catalog files are checked)", async function () {
        engines(this, `trino ${TRINO_VERSION}`);
        const misspelt = setup.catalogs.iceberg.replace("s3.path-style-access=", "s3.path-style-acess=");
        assert.notStrictEqual(misspelt, setup.catalogs.iceberg);
        await assert.rejects(startTrino({ name: "trino-mutated", values: setup.values, catalogs: { iceberg: misspelt }, env: setup.env, plugins: ["iceberg"] }), /Configuration property 's3.path-style-acess' was not used/);
    });
});
