/**
 * Least-privilege S3 against the real MinIO (decision 0043): the prod program's provisioning Job
 * (its ConfigMap, its projected client Secrets, its command and environment) run against the MinIO
 * server and `mc` of images/minio/contents.txt, then every client's key tried inside and outside its
 * grants, the backups bucket's versioning and lifecycle read back.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { S3Server, minioContents, s3Request, startS3 } from "./engines";
import { Capture, engineHome, engines, programCapture, run, tempDir } from "./harness";
import { MINIO_INSTALL } from "./engines";

const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const SECRET = "kubernetes:core/v1:Secret";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const JOB = "kubernetes:batch/v1:Job";
const STORE = "object-store";

/** Alphanumeric text of `length`, as random.RandomPassword with `special: false` makes it. */
function generated(length: number): string {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    return Array.from(crypto.randomBytes(length), (b) => alphabet[b % alphabet.length]).join("");
}

interface Client {
    readonly name: string;
    readonly accessKey: string;
    readonly secretKey: string;
}

/**
 * Each RandomPassword of the capture as a real one would come out (its captured length), and each
 * Secret's stringData with the mocks' generated values replaced by those.
 */
function realize(capture: Capture): { secretData: (name: string) => Record<string, string> } {
    const values = new Map<string, string>();
    for (const p of capture.ofType(PASSWORD)) values.set(`GENERATED-SECRET-${p.name}`, generated(p.inputs.length));
    const swap = (s: string) => s.replace(/GENERATED-SECRET-[A-Za-z0-9-]+/g, (m) => values.get(m) ?? m);
    return {
        secretData: (name) => {
            const found = capture.ofType(SECRET).filter((r) => r.inputs.metadata.name === name);
            assert.strictEqual(found.length, 1, `one Secret named ${name}`);
            return Object.fromEntries(Object.entries(found[0].inputs.stringData as Record<string, string>).map(([k, v]) => [k, swap(v)]));
        },
    };
}

describe("S3 users against MinIO: the prod program's provisioning Job", function () {
    let s3: S3Server;
    let clients: Record<string, Client>;
    let provisioned: { stdout: string; again: string };
    let capture: Capture;
    let oldAdmin: { accessKey: string; secretKey: string };
    /** Runs the Job's command once more, with its environment and volumes as they are now. */
    let rerun: () => Promise<string>;
    let keysDir: string;
    let configDir: string;

    before(async function () {
        const home = engineHome(MINIO_INSTALL);
        const mc = path.join(home, "bin", "mc");
        assert.ok(fs.existsSync(mc), `mc missing in ${home}: run scripts/engines/install-minio.sh`);
        capture = await programCapture("prod");
        const real = realize(capture);
        const root = real.secretData(`${STORE}-root-credentials`);
        s3 = await startS3({ accessKey: root.username, secretKey: root.password });
        // What the operator does at initialization: the Tenant's buckets.
        const tenant = capture.one("kubernetes:minio.min.io/v2:Tenant", `${STORE}-tenant`).inputs.spec;
        for (const b of tenant.buckets) await s3.createBucket(b.name);
        assert.strictEqual(tenant.users, undefined);

        const job = capture.one(JOB, `${STORE}-s3-provision`).inputs.spec.template.spec;
        const container = job.containers[0];
        const mounts = Object.fromEntries(container.volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]));
        const volumes = Object.fromEntries(job.volumes.map((v: { name: string }) => [v.name, v]));
        // Each volume as the kubelet would fill it, in a temporary directory standing for its mount path.
        const dirs: Record<string, string> = {};
        for (const name of Object.keys(mounts)) dirs[name] = tempDir(`s3-provision-${name}`);
        const config = capture.ofType(CONFIGMAP).find((c) => c.inputs.metadata.name === volumes.config.configMap.name);
        assert.ok(config, "the Job's ConfigMap");
        for (const [file, text] of Object.entries(config.inputs.data as Record<string, string>)) fs.writeFileSync(path.join(dirs.config, file), text);
        clients = {};
        for (const source of volumes.keys.projected.sources) {
            const data = real.secretData(source.secret.name);
            for (const item of source.secret.items) {
                fs.mkdirSync(path.dirname(path.join(dirs.keys, item.path)), { recursive: true });
                fs.writeFileSync(path.join(dirs.keys, item.path), data[item.key]);
            }
            const name = path.dirname(source.secret.items[0].path);
            clients[name] = { name, accessKey: data.AWS_ACCESS_KEY_ID, secretKey: data.AWS_SECRET_ACCESS_KEY };
        }
        // A path inside a mount, as the same path inside that mount's directory (the longest mount path that holds it).
        const local = (p: string) => {
            const [name, mount] = (Object.entries(mounts) as [string, string][]).filter(([, m]) => p === m || p.startsWith(`${m}/`)).sort(([, a], [, b]) => b.length - a.length)[0] ?? [];
            return name === undefined || mount === undefined ? p : path.join(dirs[name], p.slice(mount.length));
        };
        const env: Record<string, string> = { PATH: `${path.dirname(mc)}:${process.env.PATH ?? ""}` };
        for (const e of container.env) {
            if (e.valueFrom) env[e.name] = real.secretData(e.valueFrom.secretKeyRef.name)[e.valueFrom.secretKeyRef.key];
            else env[e.name] = local(e.value);
        }
        env.S3_ENDPOINT = s3.endpoint;
        // An application key from before: a user holding consoleAdmin, as the operator made of Tenant `users`.
        oldAdmin = { accessKey: generated(20), secretKey: generated(40) };
        const mcEnv = { PATH: env.PATH, MC_CONFIG_DIR: path.join(dirs.tmp, ".mc-setup"), MC_HOST_s: `${s3.endpoint.replace("://", `://${root.username}:${root.password}@`)}` };
        await run(mc, ["admin", "user", "add", "s"], { env: mcEnv, input: `${oldAdmin.accessKey}\n${oldAdmin.secretKey}\n` });
        await run(mc, ["admin", "policy", "attach", "s", "consoleAdmin", "--user", oldAdmin.accessKey], { env: mcEnv });

        const [command, ...args] = container.command.map(local);
        rerun = async () => (await run(command, args, { env, timeoutMs: 120000 })).stdout;
        keysDir = dirs.keys;
        configDir = dirs.config;
        const first = await rerun();
        // Idempotent: the Job's next run (a new version of it) changes nothing and fails on nothing.
        const again = await rerun();
        provisioned = { stdout: first, again };
    });

    after(async () => {
        await s3?.stop();
    });

    const as = (client: string) => ({ endpoint: s3.endpoint, region: s3.region, accessKey: clients[client].accessKey, secretKey: clients[client].secretKey });
    const put = (client: string, key: string) => s3Request(as(client), "PUT", `/${key}`, {}, `written by ${client}`);
    const get = (client: string, key: string) => s3Request(as(client), "GET", `/${key}`);
    const del = (client: string, key: string) => s3Request(as(client), "DELETE", `/${key}`);

    it("provisions one user per client, then finds everything in place on a second run", function () {
        engines(this, `minio ${minioContents().minio}`, `mc ${minioContents().mc}`);
        assert.deepStrictEqual(Object.keys(clients).sort(), ["clickhouse-backups", "duckdb", "flink", "iceberg-appender", "nessie", "postgres-backups", "spark", "trino", "xtradb-backups"]);
        assert.deepStrictEqual(
            provisioned.again.split("\n").filter((l) => l !== ""),
            [...Object.keys(clients).map((c) => `user of ${c}: policy platform-s3-${c} attached`), "bucket backups: versioned, lifecycle imported"],
        );
        for (const c of Object.values(clients)) assert.ok(!`${provisioned.stdout}${provisioned.again}`.includes(c.secretKey) && !`${provisioned.stdout}${provisioned.again}`.includes(c.accessKey), `${c.name}'s keys in the Job's output`);
    });

    it("removes the earlier consoleAdmin user: its key is refused", async function () {
        engines(this, "minio");
        assert.match(provisioned.stdout, new RegExp(`^user ${oldAdmin.accessKey}: removed \\(held consoleAdmin\\)$`, "m"));
        const res = await s3Request({ endpoint: s3.endpoint, region: s3.region, ...oldAdmin }, "GET", "/backups");
        assert.strictEqual(res.status, 403);
        assert.match(res.body, /<Code>InvalidAccessKeyId<\/Code>/);
    });

    it("lets each database write, read and delete its own backups prefix, and no other", async function () {
        engines(this, "minio");
        for (const [client, own, other] of [
            ["postgres-backups", "backups/postgresql/platform-pg/base/1", "backups/xtradb/full/1"],
            ["xtradb-backups", "backups/xtradb/full/1", "backups/postgresql/platform-pg/wals/1"],
            ["clickhouse-backups", "backups/clickhouse/2026-12-06/1", "backups/postgresql/platform-pg/wals/2"],
        ]) {
            assert.deepStrictEqual([(await put(client, own)).status, (await get(client, own)).status, (await del(client, own)).status], [200, 200, 204], `${client} in ${own}`);
            assert.strictEqual((await put(client, other)).status, 403, `${client} writes ${other}`);
            assert.strictEqual((await put(client, "warehouse/x.parquet")).status, 403, `${client} writes the warehouse`);
        }
    });

    it("refuses the backups bucket to every client that is not a database backup", async function () {
        engines(this, "minio");
        assert.strictEqual((await put("postgres-backups", "backups/postgresql/platform-pg/base/keep")).status, 200);
        for (const client of ["duckdb", "spark", "flink", "trino", "nessie", "iceberg-appender"]) {
            assert.deepStrictEqual(
                [(await put(client, "backups/postgresql/platform-pg/base/evil")).status, (await get(client, "backups/postgresql/platform-pg/base/keep")).status, (await del(client, "backups/postgresql/platform-pg/base/keep")).status],
                [403, 403, 403],
                `${client} on the backups bucket`,
            );
        }
    });

    it("lets DuckDB read the warehouse and nothing more", async function () {
        engines(this, "minio");
        assert.strictEqual((await put("iceberg-appender", "warehouse/telemetry/logs/data/1.parquet")).status, 200);
        assert.strictEqual((await get("duckdb", "warehouse/telemetry/logs/data/1.parquet")).status, 200);
        assert.strictEqual((await s3Request(as("duckdb"), "GET", "/warehouse", { "list-type": "2", prefix: "telemetry/" })).status, 200);
        assert.deepStrictEqual([(await put("duckdb", "warehouse/telemetry/x")).status, (await del("duckdb", "warehouse/telemetry/logs/data/1.parquet")).status], [403, 403]);
        assert.strictEqual((await get("duckdb", "checkpoints/cdc/checkpoints/x")).status, 403);
    });

    it("lets the lake's writers write the warehouse, Flink its state buckets, Spark its event logs, each nowhere else", async function () {
        engines(this, "minio");
        for (const client of ["nessie", "trino", "iceberg-appender"]) assert.strictEqual((await put(client, `warehouse/${client}/f`)).status, 200, client);
        for (const key of ["checkpoints/cdc/checkpoints/chk-1/_metadata", "savepoints/cdc/savepoints/sp-1/_metadata"]) assert.strictEqual((await put("flink", key)).status, 200, key);
        assert.strictEqual((await put("spark", "spark-events/app-1")).status, 200);
        assert.deepStrictEqual(
            [(await put("spark", "warehouse/x")).status, (await put("flink", "warehouse/x")).status, (await put("trino", "checkpoints/x")).status, (await put("iceberg-appender", "spark-events/x")).status],
            [403, 403, 403, 403],
        );
    });

    it("refuses every client the bucket configuration and version deletion", async function () {
        engines(this, "minio");
        const off = "<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>";
        assert.strictEqual((await s3Request(as("postgres-backups"), "PUT", "/backups", { versioning: "" }, off)).status, 403);
        assert.strictEqual((await s3Request(as("postgres-backups"), "DELETE", "/backups", { lifecycle: "" })).status, 403);
        const written = await put("postgres-backups", "backups/postgresql/platform-pg/base/v");
        assert.strictEqual(written.status, 200);
        const versions = await s3Request(s3, "GET", "/backups", { versions: "", prefix: "postgresql/platform-pg/base/v" });
        const versionId = /<VersionId>([^<]+)<\/VersionId>/.exec(versions.body)?.[1];
        assert.ok(versionId, versions.body);
        assert.strictEqual((await s3Request(as("postgres-backups"), "DELETE", "/backups/postgresql/platform-pg/base/v", { versionId })).status, 403);
    });

    it("keeps the backups bucket versioned: a deleted backup stays as a noncurrent version", async function () {
        engines(this, "minio");
        assert.match((await s3Request(s3, "GET", "/backups", { versioning: "" })).body, /<Status>Enabled<\/Status>/);
        const key = "postgresql/platform-pg/base/20261206T020000/data.tar.gz";
        assert.strictEqual((await put("postgres-backups", `backups/${key}`)).status, 200);
        assert.strictEqual((await del("postgres-backups", `backups/${key}`)).status, 204);
        const versions = (await s3Request(s3, "GET", "/backups", { versions: "", prefix: key })).body;
        assert.deepStrictEqual([(versions.match(/<Version>/g) ?? []).length, (versions.match(/<DeleteMarker>/g) ?? []).length], [1, 1]);
        assert.strictEqual((await s3Request(s3, "GET", "/backups", { versioning: "" })).status, 200);
        assert.strictEqual((await s3Request(s3, "GET", "/warehouse", { versioning: "" })).body.includes("<Status>"), false);
    });

    it("holds the lifecycle rules: noncurrent versions expire after backups.retention, orphaned delete markers go, ClickHouse's backups expire", async function () {
        engines(this, "minio");
        const res = await s3Request(s3, "GET", "/backups", { lifecycle: "" });
        assert.strictEqual(res.status, 200, res.body);
        const rules = [...res.body.matchAll(/<Rule>(.*?)<\/Rule>/gs)].map((m) => m[1]);
        assert.strictEqual(rules.length, 2, res.body);
        const clickhouse = rules.find((r) => r.includes("<ID>backups-clickhouse-expiry</ID>")) ?? "";
        assert.match(clickhouse, /<Prefix>clickhouse\/<\/Prefix>/);
        assert.match(clickhouse, /<Expiration><Days>14<\/Days><\/Expiration>/);
        const rule = rules.find((r) => r.includes("<ID>backups-retention</ID>")) ?? "";
        assert.match(rule, /<ID>backups-retention<\/ID>/);
        assert.match(rule, /<Status>Enabled<\/Status>/);
        assert.match(rule, /<NoncurrentVersionExpiration><NoncurrentDays>14<\/NoncurrentDays><\/NoncurrentVersionExpiration>/);
        assert.match(rule, /<Expiration><ExpiredObjectDeleteMarker>true<\/ExpiredObjectDeleteMarker><\/Expiration>/);
        assert.doesNotMatch(rule, /<Expiration><Days>/);
    });

    it("refuses a rotated-away access key after the next run, and the key of a client switched off", async function () {
        engines(this, "minio");
        // Rotation as docs/operations.md has it: a new access key (and secret key) in the client's Secret, the Job run again.
        const old = clients.trino;
        const rotated = { name: "trino", accessKey: generated(20), secretKey: generated(40) };
        fs.writeFileSync(path.join(keysDir, "trino", "AWS_ACCESS_KEY_ID"), rotated.accessKey);
        fs.writeFileSync(path.join(keysDir, "trino", "AWS_SECRET_ACCESS_KEY"), rotated.secretKey);
        // Spark switched off: it leaves the Job's user list.
        const spark = clients.spark;
        const users = path.join(configDir, "users");
        fs.writeFileSync(users, fs.readFileSync(users, "utf8").replace(/^spark\n/m, ""));
        const out = await rerun();
        clients.trino = rotated;
        assert.match(out, new RegExp(`^user ${old.accessKey}: removed \\(held platform-s3-trino\\)$`, "m"));
        assert.match(out, new RegExp(`^user ${spark.accessKey}: removed \\(held platform-s3-spark\\)$`, "m"));
        for (const gone of [old, spark]) {
            const res = await s3Request({ endpoint: s3.endpoint, region: s3.region, accessKey: gone.accessKey, secretKey: gone.secretKey }, "GET", "/warehouse");
            assert.strictEqual(res.status, 403, gone.name);
            assert.match(res.body, /<Code>InvalidAccessKeyId<\/Code>/, gone.name);
        }
        assert.strictEqual((await put("trino", "warehouse/trino/rotated")).status, 200);
    });
});
