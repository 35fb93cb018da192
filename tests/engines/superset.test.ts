/**
 * Superset from the image's lock (images/superset/requirements.txt) with what the program gives the
 * chart: the env Secret (`envFromSecret`), `configOverrides`, and the init Job's script. The
 * metadata database is a real PostgreSQL, the cache a real Redis-protocol server with a password
 * (Debian's Redis, docs/decisions/0028-engine-sources.md).
 *
 * superset_config.py: the chart (0.22.x) renders it from a template that reads the database from
 * DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASS (`postgresql+psycopg2://`), SECRET_KEY from SECRET_KEY
 * (defaulting to a key published in the chart), the cache from REDIS_HOST/REDIS_PORT/
 * REDIS_PASSWORD/REDIS_DB, a Celery broker and results backend that carry the password only when
 * `supersetNode.connections.redis_password` is set in the values, then appends each
 * `configOverrides` entry. `chartSupersetConfig` below states those facts in Python; the
 * overrides are the program's, verbatim.
 *
 * Mutation tried (fails the test): psycopg2-binary removed from the lock (and the environment
 * rebuilt) makes `superset db upgrade` fail with "No module named 'psycopg2'"; dropping
 * `SECRET_KEY` from the env Secret fails "runs with the generated secret key".
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { Capture, PROJECT_DIR, engineHome, engines, freePort, lockedEnvironment, programCapture, releaseValues, run, startProcess, tempDir, EngineProcess } from "./harness";
import { PostgresEngine, startCache, startPostgres } from "./engines";
import { allCommandLines } from "./pods";
import { RespClient } from "./resp";
import { chartSupersetConfig } from "./supersetConfig";
import { record } from "./timings";

const LOCK = path.join(PROJECT_DIR, "images", "superset", "requirements.txt");

function request(method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; json: any }> {
    return new Promise((resolve, reject) => {
        const data = body === undefined ? undefined : JSON.stringify(body);
        const req = http.request(url, { method, headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, timeout: 30000 }, (res) => {
            let text = "";
            res.on("data", (d) => (text += d));
            res.on("end", () => {
                let json: any = text;
                try {
                    json = JSON.parse(text);
                } catch {
                    /* not JSON */
                }
                resolve({ status: res.statusCode ?? 0, json });
            });
        });
        req.on("error", reject);
        req.on("timeout", () => req.destroy(new Error(`${method} ${url} timed out`)));
        req.end(data);
    });
}

describe("Superset: the chart's configuration from the program, on the image's lock", function () {
    this.timeout(900000);
    let capture: Capture;
    let env: Record<string, string>;
    let python: string;
    let bin: string;
    let postgres: PostgresEngine;
    let cache: EngineProcess;
    let web: EngineProcess;
    let webUrl: string;
    let values: Record<string, any>;
    let adminPassword: string;
    let initOutput = "";
    const leaks = new Set<string>();

    before(async function () {
        try {
            python = lockedEnvironment("superset", LOCK).python;
            engineHome("valkey");
            engineHome("postgresql");
        } catch (e) {
            console.log(`      SKIPPED: ${(e as Error).message}`);
            this.skip();
        }
        bin = path.dirname(python);
        capture = await programCapture("dev");
        values = releaseValues(capture, "superset");
        const secretName: string = values.envFromSecret;
        const secret = capture.ofType("kubernetes:core/v1:Secret").find((r) => r.inputs.metadata.name === secretName);
        assert.ok(secret, `the Secret ${secretName} the chart reads`);
        const generated = new Map<string, string>();
        // Generated values (marked by the mocks) become real random ones, the same value wherever it recurs.
        env = Object.fromEntries(
            Object.entries<string>(secret.inputs.stringData).map(([k, v]) => {
                if (!v.includes("GENERATED-SECRET")) return [k, v];
                if (!generated.has(v)) generated.set(v, crypto.randomBytes(18).toString("hex"));
                return [k, generated.get(v)!];
            }),
        );
        adminPassword = env["admin-password"];

        // The metadata database: the program's database and login on a real PostgreSQL.
        postgres = await startPostgres();
        await postgres.createDatabase(env.DB_NAME, env.DB_USER, env.DB_PASS);
        // The cache: a password-protected Redis-protocol server (the password in its config file).
        const cacheServer = await startCache("cache", env.REDIS_PASSWORD);
        cache = cacheServer.process;
        const cachePort = cacheServer.port;
        // Only addresses change: the Services' names stand for loopback here.
        env = { ...env, DB_HOST: "127.0.0.1", DB_PORT: String(postgres.port), REDIS_HOST: "127.0.0.1", REDIS_PORT: String(cachePort), SUPERSET_TRINO_URI: env.SUPERSET_TRINO_URI };

        const configDir = tempDir("superset-config");
        fs.writeFileSync(path.join(configDir, "superset_config.py"), chartSupersetConfig(values));
        env = { ...env, PYTHONPATH: configDir, SUPERSET_HOME: tempDir("superset-home"), FLASK_APP: "superset.app:create_app()", PATH: `${bin}:${process.env.PATH}` };

        // The chart's init Job: superset_init.sh (`superset db upgrade`, `superset init`), then the
        // program's own lines of the init command.
        const started = Date.now();
        await run(path.join(bin, "superset"), ["db", "upgrade"], { env, timeoutMs: 600000 });
        await run(path.join(bin, "superset"), ["init"], { env, timeoutMs: 600000 });
        const script: string = values.init.command[2];
        const own = script.split("\n").filter((line) => !line.startsWith(". /app/pythonpath/")).join("\n");
        const scanner = setInterval(() => allCommandLines().forEach((l) => l.includes(adminPassword) && leaks.add(l)), 100);
        try {
            const result = await run(values.init.command[0], [values.init.command[1], own], { env, timeoutMs: 300000 });
            initOutput = result.stdout + result.stderr;
        } finally {
            clearInterval(scanner);
        }
        record("superset init (db upgrade, init, admin, Trino registration)", Date.now() - started);

        const port = await freePort();
        webUrl = `http://127.0.0.1:${port}`;
        web = await startProcess({
            name: "superset-web",
            command: path.join(bin, "superset"),
            args: ["run", "--host", "127.0.0.1", "--port", String(port), "--with-threads"],
            env,
            readyTimeoutMs: 180000,
            ready: async () => (await request("GET", `${webUrl}/health`).catch(() => ({ status: 0 }))).status === 200,
        });
        record("superset web", [web]);
    });

    after(async () => {
        await web?.stop();
        await cache?.stop();
        await postgres?.stop();
    });

    it("creates the admin without a password on any command line, and it logs in through the REST API", async function () {
        engines(this, "superset 6.1.0", "postgresql", "redis 7.0");
        assert.match(initOutput, /admin created/);
        assert.deepStrictEqual([...leaks], []);
        const login = await request("POST", `${webUrl}/api/v1/security/login`, { username: env["admin-username"], password: adminPassword, provider: "db", refresh: false });
        assert.strictEqual(login.status, 200, JSON.stringify(login.json));
        const wrong = await request("POST", `${webUrl}/api/v1/security/login`, { username: env["admin-username"], password: `${adminPassword}x`, provider: "db", refresh: false });
        assert.strictEqual(wrong.status, 401);
    });

    it("registers the Trino database from the init script (the trino dialect loads from the lock)", async function () {
        engines(this, "superset 6.1.0", "postgresql");
        assert.ok(env.SUPERSET_TRINO_URI.startsWith("trino://"), env.SUPERSET_TRINO_URI);
        const login = await request("POST", `${webUrl}/api/v1/security/login`, { username: env["admin-username"], password: adminPassword, provider: "db", refresh: false });
        const list = await request("GET", `${webUrl}/api/v1/database/?q=(columns:!(database_name,backend))`, undefined, login.json.access_token);
        assert.strictEqual(list.status, 200, JSON.stringify(list.json));
        assert.deepStrictEqual(list.json.result.map((d: any) => [d.database_name, d.backend]), [["Trino", "trino"]]);
    });

    it("runs with the generated secret key, the cache, results backend and Celery broker on the password-protected cache", async function () {
        engines(this, "superset 6.1.0", "redis 7.0");
        const probe = [
            "import json, os",
            "from superset.app import create_app",
            "app = create_app()",
            "with app.app_context():",
            "    from superset.extensions import cache_manager, celery_app",
            "    cache_manager.cache.set('engine-test', 'cached')",
            "    app.config['RESULTS_BACKEND'].set('engine-test', 'result')",
            "    celery_app.connection_for_write().ensure_connection(max_retries=1)",
            "    print(json.dumps({'secret': app.config['SECRET_KEY'] == os.environ['SECRET_KEY'], 'cache': cache_manager.cache.get('engine-test'), 'broker': celery_app.conf.broker_url.split('@')[-1]}))",
        ].join("\n");
        const out = await run(python, ["-c", probe], { env, timeoutMs: 120000 });
        const result = JSON.parse(out.stdout.trim().split("\n").pop()!);
        assert.deepStrictEqual(result, { secret: true, cache: "cached", broker: `127.0.0.1:${env.REDIS_PORT}/${env.REDIS_CELERY_DB}` });
        const redis = await RespClient.connect("127.0.0.1", Number(env.REDIS_PORT), env.REDIS_PASSWORD);
        await redis.command(["SELECT", env.REDIS_DB]);
        const keys = await redis.command(["KEYS", "*engine-test"]);
        redis.close();
        assert.deepStrictEqual((keys as string[]).sort(), ["superset_engine-test", "superset_resultsengine-test"]);
    });
});
