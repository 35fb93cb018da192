import * as assert from "assert";
import { MinioOperator } from "../components/data/minioOperator";
import { ObjectStore, ObjectStoreArgs, provisioningFiles } from "../components/data/objectStore";
import { backupPrefixes, platformS3Clients, retentionDays, s3Users } from "../components/data/s3Clients";
import { PROVISION_SCRIPT, S3Client, clientPolicy, lifecycleConfiguration } from "../components/lib/s3Policy";
import { stackCapture } from "./configHelpers";
import { Capture, SECRET_MARK, isSecret, resolve, runProgram, settle, stackConfig, useMocks } from "./harness";

const SECRET = "kubernetes:core/v1:Secret";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const JOB = "kubernetes:batch/v1:Job";
const PROVISION = "object-store-s3-provision";
const ALL_ON = { postgres: true, xtradb: true, clickhouse: true, inClusterBackups: true, nessie: true, trino: true, flink: true, spark: true, duckdb: true, appender: true };

type Policy = ReturnType<typeof clientPolicy>;
/** The actions a policy allows (or denies) on an ARN, exactly as written. */
function allowed(policy: Policy, resource: string, effect: "Allow" | "Deny" = "Allow"): string[] {
    return policy.Statement.filter((s) => s.Effect === effect && s.Resource.includes(resource)).flatMap((s) => s.Action);
}

async function store(clients: readonly S3Client[], extra: Partial<ObjectStoreArgs> = {}): Promise<{ capture: Capture; store: ObjectStore }> {
    const capture = await useMocks({ profile: "dev" });
    const operator = new MinioOperator("minio-operator", { namespace: "platform-operators", chartSource: { mode: "upstream", location: "" }, imageRegistry: "" });
    const s = new ObjectStore("minio", {
        namespace: "platform-data",
        operator: operator.release,
        imageRegistry: "",
        storageClass: "",
        sizing: { servers: 1, volumesPerServer: 1, volumeSize: "5Gi", cpu: "100m", memory: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" },
        buckets: ["warehouse", "backups"],
        clients,
        ...extra,
    });
    await settle();
    return { capture, store: s };
}

describe("S3 users: the platform's clients", () => {
    it("declares one user per client component when every component is on", () => {
        assert.deepStrictEqual(
            platformS3Clients(ALL_ON).map((c) => c.name),
            ["postgres-backups", "xtradb-backups", "clickhouse-backups", "nessie", "trino", "iceberg-appender", "duckdb", "flink", "spark"],
        );
    });

    it("grants the backups bucket to the database backups only, each in its own prefix", () => {
        const onBackups = platformS3Clients(ALL_ON).filter((c) => c.grants.some((g) => g.bucket === "backups"));
        assert.deepStrictEqual(
            onBackups.map((c) => [c.name, c.grants]),
            [
                ["postgres-backups", [{ bucket: "backups", access: "readwrite", prefix: "postgresql/" }]],
                ["xtradb-backups", [{ bucket: "backups", access: "readwrite", prefix: "xtradb/" }]],
                ["clickhouse-backups", [{ bucket: "backups", access: "readwrite", prefix: "clickhouse/" }]],
            ],
        );
    });

    it("gives DuckDB read-only access to the warehouse and nothing else", () => {
        assert.deepStrictEqual(platformS3Clients(ALL_ON).find((c) => c.name === s3Users.duckdb)?.grants, [{ bucket: "warehouse", access: "read" }]);
    });

    it("declares no backup user when backups go to an external target", () => {
        const names = platformS3Clients({ ...ALL_ON, inClusterBackups: false }).map((c) => c.name);
        assert.deepStrictEqual(names.filter((n) => n.endsWith("-backups")), []);
    });

    it("declares only the users of the components that are on", () => {
        const off = Object.fromEntries(Object.keys(ALL_ON).map((k) => [k, false])) as unknown as typeof ALL_ON;
        assert.deepStrictEqual(platformS3Clients({ ...off, flink: true }).map((c) => c.name), ["flink"]);
    });

    it("keeps PostgreSQL's prefix equal to the Barman destination path", () => {
        assert.strictEqual(backupPrefixes.postgres, "postgresql/");
    });
});

describe("S3 users: policies", () => {
    const reader: S3Client = { name: "reader", grants: [{ bucket: "warehouse", access: "read" }] };
    const writer: S3Client = { name: "writer", grants: [{ bucket: "backups", access: "readwrite", prefix: "postgresql/" }] };

    it("lets a reader list the bucket and get objects, nothing more", () => {
        const p = clientPolicy(reader);
        assert.deepStrictEqual(allowed(p, "arn:aws:s3:::warehouse"), ["s3:GetBucketLocation", "s3:ListBucket"]);
        assert.deepStrictEqual(allowed(p, "arn:aws:s3:::warehouse/*"), ["s3:GetObject"]);
        assert.strictEqual(p.Statement.length, 2);
    });

    it("lets a writer put and delete only under its prefix", () => {
        const p = clientPolicy(writer);
        assert.deepStrictEqual(allowed(p, "arn:aws:s3:::backups/postgresql/*"), ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]);
        assert.deepStrictEqual(allowed(p, "arn:aws:s3:::backups/*"), []);
        assert.deepStrictEqual(allowed(p, "arn:aws:s3:::backups"), ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]);
    });

    it("allows no wildcard, version deletion, bucket configuration or admin action to any platform client", () => {
        const actions = platformS3Clients(ALL_ON).flatMap((c) => clientPolicy(c).Statement.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action));
        assert.deepStrictEqual(actions.filter((a) => a.includes("*") || /Version|PutBucket|PutLifecycle|admin:/.test(a)), []);
    });

    it("denies a writer the deletion of object versions outright, where it may delete objects", () => {
        assert.deepStrictEqual(allowed(clientPolicy(writer), "arn:aws:s3:::backups/postgresql/*", "Deny"), ["s3:DeleteObjectVersion"]);
        assert.deepStrictEqual(clientPolicy(writer).Statement.map((s) => s.Effect), ["Allow", "Allow", "Deny"]);
        assert.deepStrictEqual(clientPolicy(reader).Statement.map((s) => s.Effect), ["Allow", "Allow"]);
    });

    it("expires noncurrent versions after the given days and removes orphaned delete markers, never live objects", () => {
        assert.deepStrictEqual(lifecycleConfiguration({ bucket: "backups", noncurrentDays: 14 }), {
            Rules: [{ ID: "backups-retention", Status: "Enabled", Expiration: { ExpiredObjectDeleteMarker: true }, NoncurrentVersionExpiration: { NoncurrentDays: 14 } }],
        });
    });

    it("expires the objects of an expiring prefix after its days, and only there", () => {
        assert.deepStrictEqual(lifecycleConfiguration({ bucket: "backups", noncurrentDays: 14, expire: [{ prefix: "clickhouse/", days: 14 }] }).Rules[1], {
            ID: "backups-clickhouse-expiry",
            Status: "Enabled",
            Filter: { Prefix: "clickhouse/" },
            Expiration: { Days: 14 },
        });
    });

    it("counts backups.retention in days, a month as 31", () => {
        assert.deepStrictEqual(["14d", "4w", "3m"].map(retentionDays), [14, 28, 93]);
        assert.throws(() => retentionDays("14"), /backups.retention "14" is not a number of days/);
    });
});

describe("S3 users: the object store", () => {
    it("refuses a grant on a bucket the store does not have", async () => {
        await assert.rejects(store([{ name: "spark", grants: [{ bucket: "spark-events", access: "readwrite" }] }]), /S3 client "spark" is granted bucket "spark-events", which the store does not have \(warehouse, backups\)$/);
    });

    it("refuses a client declared twice", async () => {
        const c: S3Client = { name: "duckdb", grants: [{ bucket: "warehouse", access: "read" }] };
        await assert.rejects(store([c, c]), /S3 client "duckdb" is declared twice$/);
    });

    it("refuses a client name MinIO would not take as an access key", async () => {
        await assert.rejects(store([{ name: "Duck_DB", grants: [{ bucket: "warehouse", access: "read" }] }]), /S3 client name "Duck_DB" must be 3-32 lower-case letters/);
    });

    it("refuses an expiring prefix without its trailing slash", async () => {
        await assert.rejects(store([], { versionedBuckets: [{ bucket: "backups", noncurrentDays: 7, expire: [{ prefix: "clickhouse", days: 7 }] }] }), /expiring prefix "clickhouse" of bucket "backups" must be a key prefix ending in "\/"$/);
    });

    it("refuses a prefix without its trailing slash", async () => {
        await assert.rejects(store([{ name: "pgsql", grants: [{ bucket: "backups", access: "readwrite", prefix: "postgresql" }] }]), /prefix "postgresql" must be a key prefix ending in "\/"$/);
    });

    it("refuses a location for a bucket the client holds no grant on", async () => {
        const { store: s } = await store([{ name: "duckdb", grants: [{ bucket: "warehouse", access: "read" }] }]);
        assert.throws(() => s.location("backups", "duckdb"), /S3 client "duckdb" has no grant on bucket "backups"$/);
        assert.throws(() => s.location("warehouse", "spark"), /no S3 client "spark"; it has duckdb$/);
    });

    it("hands each client its own Secret with a generated access key and secret key, both Pulumi secrets", async () => {
        const { capture, store: s } = await store([{ name: "duckdb", grants: [{ bucket: "warehouse", access: "read" }] }]);
        const loc = s.location("warehouse", "duckdb");
        assert.strictEqual(loc.secretName, "minio-s3-duckdb");
        assert.deepStrictEqual(capture.one(SECRET, "minio-s3-duckdb").inputs.stringData, { AWS_ACCESS_KEY_ID: `${SECRET_MARK}-minio-s3-duckdb-access-key`, AWS_SECRET_ACCESS_KEY: `${SECRET_MARK}-minio-s3-duckdb-secret-key` });
        assert.deepStrictEqual([await isSecret(loc.keys?.accessKeyId ?? ""), await isSecret(loc.keys?.secretAccessKey ?? "")], [true, true]);
        assert.strictEqual(await resolve(loc.keys?.secretAccessKey ?? ""), `${SECRET_MARK}-minio-s3-duckdb-secret-key`);
    });

    it("makes clients wait for the provisioning Job, which waits for the tenant and mounts every client's Secret", async () => {
        const { capture, store: s } = await store([{ name: "duckdb", grants: [{ bucket: "warehouse", access: "read" }] }]);
        assert.deepStrictEqual(s.location("warehouse", "duckdb").ready, [s.tenant, s.provisioning]);
        const job = capture.one(JOB, "minio-s3-provision");
        const deps = capture.dependencyNames(job);
        assert.deepStrictEqual(["kubernetes:core/v1:Secret::minio-s3-duckdb", "kubernetes:minio.min.io/v2:Tenant::minio-tenant"].filter((d) => !deps.includes(d)), []);
        assert.deepStrictEqual(job.inputs.spec.template.spec.volumes[1].projected.sources, [
            {
                secret: {
                    name: "minio-s3-duckdb",
                    items: [
                        { key: "AWS_ACCESS_KEY_ID", path: "duckdb/AWS_ACCESS_KEY_ID" },
                        { key: "AWS_SECRET_ACCESS_KEY", path: "duckdb/AWS_SECRET_ACCESS_KEY" },
                    ],
                },
            },
        ]);
    });

    it("runs the Job again when a key changes: its template carries a digest of the keys, never the keys", async () => {
        const clients: S3Client[] = [{ name: "duckdb", grants: [{ bucket: "warehouse", access: "read" }] }];
        const annotations = async (storeName: string) => {
            const capture = await useMocks({ profile: "dev" });
            const operator = new MinioOperator("op", { namespace: "o", chartSource: { mode: "upstream", location: "" }, imageRegistry: "" });
            new ObjectStore(storeName, { namespace: "d", operator: operator.release, imageRegistry: "", storageClass: "", sizing: { servers: 1, volumesPerServer: 1, volumeSize: "1Gi", cpu: "1", memory: "1Gi", cpuLimit: "1", memoryLimit: "1Gi" }, buckets: ["warehouse"], clients });
            await settle();
            return capture.one(JOB, `${storeName}-s3-provision`).inputs.spec.template.metadata.annotations;
        };
        // Two stores of the same clients: the mocks generate different keys for each (named after the store).
        const [a, b] = [await annotations("one"), await annotations("two")];
        assert.strictEqual(a["analytics-platform/s3-provision-sha256"], b["analytics-platform/s3-provision-sha256"]);
        assert.notStrictEqual(a["analytics-platform/s3-keys-sha256"], b["analytics-platform/s3-keys-sha256"]);
        assert.match(a["analytics-platform/s3-keys-sha256"], /^[0-9a-f]{64}$/);
    });

    it("puts the script, the user list, each policy and each lifecycle rule in the provisioning ConfigMap", () => {
        const clients: S3Client[] = [{ name: "duckdb", grants: [{ bucket: "warehouse", access: "read" }] }];
        const files = provisioningFiles(clients, [{ bucket: "backups", noncurrentDays: 7 }]);
        assert.deepStrictEqual(Object.keys(files).sort(), ["lifecycle-backups.json", "policy-duckdb.json", "provision.sh", "users", "versioned-buckets"]);
        assert.deepStrictEqual([files.users, files["versioned-buckets"], files["provision.sh"]], ["duckdb\n", "backups\n", PROVISION_SCRIPT]);
        assert.deepStrictEqual(JSON.parse(files["policy-duckdb.json"]), clientPolicy(clients[0]));
    });
});

describe("S3 users: the provisioning script", () => {
    it("passes no key as an argument: the admin login by variable, each user's keys on standard input", () => {
        assert.match(PROVISION_SCRIPT, /\| mc admin user add store >\/dev\/null/);
        assert.deepStrictEqual(PROVISION_SCRIPT.split("\n").filter((l) => /^\s*mc /.test(l) && /SECRET|PASSWORD/.test(l)), []);
    });

    it("puts an access key on one command line only, policy attach's --user (mc has no other form)", () => {
        assert.deepStrictEqual(
            PROVISION_SCRIPT.split("\n").filter((l) => /\$access_key/.test(l) && !/^\s*(access_key=|declared=)/.test(l) && !/printf "%s\\n" "\$access_key"; cat .*\| mc admin user add store >\/dev\/null$/.test(l)),
            ['  mc admin policy attach store "$policy" --user "$access_key" >/dev/null'],
        );
    });

    it("removes every undeclared user holding consoleAdmin or a client policy (a rotated-away key, a client switched off)", () => {
        assert.match(PROVISION_SCRIPT, /case ",\$held," in \*,consoleAdmin,\* \| \*,platform-s3-\*\) mc admin user remove store "\$key"/);
    });

    it("names every client policy with the prefix the removal looks for", () => {
        assert.match(PROVISION_SCRIPT, /^ {2}policy="platform-s3-\$user"$/m);
        assert.match(PROVISION_SCRIPT, /^ {2}mc admin policy create store "\$policy" /m);
        assert.match(PROVISION_SCRIPT, /^ {2}mc admin policy attach store "\$policy" /m);
    });
});

describe("S3 users: prod", () => {
    let prod: Capture;
    before(async function () {
        this.timeout(120000);
        prod = await stackCapture("prod");
    });

    it("versions the backups bucket and keeps noncurrent versions for backups.retention", () => {
        const data = prod.one(CONFIGMAP, PROVISION).inputs.data;
        assert.strictEqual(data["versioned-buckets"], "backups\n");
        assert.deepStrictEqual(JSON.parse(data["lifecycle-backups.json"]).Rules[0].NoncurrentVersionExpiration, { NoncurrentDays: 14 });
    });

    it("expires ClickHouse's backups, which ClickHouse never deletes, after backups.retention", () => {
        const rules = JSON.parse(prod.one(CONFIGMAP, PROVISION).inputs.data["lifecycle-backups.json"]).Rules;
        assert.deepStrictEqual(rules.map((r: any) => [r.ID, r.Filter?.Prefix, r.Expiration]), [
            ["backups-retention", undefined, { ExpiredObjectDeleteMarker: true }],
            ["backups-clickhouse-expiry", "clickhouse/", { Days: 14 }],
        ]);
    });

    it("writes backups as each database's own user", () => {
        const pgStore = prod.ofType("kubernetes:barmancloud.cnpg.io/v1:ObjectStore")[0].inputs.spec.configuration;
        assert.deepStrictEqual([pgStore.destinationPath, pgStore.s3Credentials.accessKeyId.name], ["s3://backups/postgresql/", "object-store-s3-postgres-backups"]);
        const pxc = prod.one("kubernetes:pxc.percona.com/v1:PerconaXtraDBCluster", "xtradb-cluster").inputs.spec.backup.storages["s3-full"].s3;
        assert.deepStrictEqual([pxc.bucket, pxc.credentialsSecret], ["backups/xtradb/full", "object-store-s3-xtradb-backups"]);
    });

    it("gives the lake's clients their own keys: Nessie, DuckDB, the appender, Flink, Spark", () => {
        const keyOf = (secret: string) => prod.one(SECRET, secret).inputs.stringData.AWS_ACCESS_KEY_ID;
        assert.deepStrictEqual(
            ["duckdb-s3-credentials", "iceberg-appender-s3-credentials", "flink-s3-credentials", "spark-jobs-s3-credentials"].map(keyOf),
            ["duckdb", "iceberg-appender", "flink", "spark"].map((c) => `${SECRET_MARK}-object-store-s3-${c}-access-key`),
        );
        const nessie = prod.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === "nessie");
        assert.strictEqual(nessie?.inputs.values.catalog.storage.s3.defaultOptions.accessKeySecret.name, "object-store-s3-nessie");
    });

    it("turns Nessie's remote S3 signing off: it would sign any client's request with Nessie's own write grant", () => {
        const nessie = prod.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === "nessie");
        assert.strictEqual(nessie?.inputs.values.catalog.storage.s3.defaultOptions.requestSigningEnabled, false);
    });

    it("gives Trino its own key in its catalog credentials", () => {
        const creds = prod.one(SECRET, "trino-catalog-credentials").inputs.stringData;
        assert.deepStrictEqual([creds.S3_ACCESS_KEY, creds.S3_SECRET_KEY], [`${SECRET_MARK}-object-store-s3-trino-access-key`, `${SECRET_MARK}-object-store-s3-trino-secret-key`]);
    });

    it("lists no Tenant users and runs the provisioning Job with the root login from its Secret", () => {
        assert.strictEqual(prod.one("kubernetes:minio.min.io/v2:Tenant", "object-store-tenant").inputs.spec.users, undefined);
        const env = Object.fromEntries(prod.one(JOB, PROVISION).inputs.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.valueFrom?.secretKeyRef ?? e.value]));
        assert.deepStrictEqual([env.MINIO_ROOT_USER, env.MINIO_ROOT_PASSWORD], [
            { name: "object-store-root-credentials", key: "username" },
            { name: "object-store-root-credentials", key: "password" },
        ]);
    });
});

describe("S3 users: external backups", () => {
    it("creates no backup user and no versioned bucket in the platform's store", async function () {
        this.timeout(120000);
        const capture = await useMocks({
            ...stackConfig("prod"),
            backups: { target: { mode: "external", endpoint: "https://s3.example.com", bucket: "offsite", credentialsSecret: "offsite-credentials" } },
        });
        await runProgram();
        const data = capture.one(CONFIGMAP, PROVISION).inputs.data;
        assert.deepStrictEqual([data.users.split("\n").filter((u: string) => u.endsWith("-backups")), data["versioned-buckets"]], [[], ""]);
    });
});
