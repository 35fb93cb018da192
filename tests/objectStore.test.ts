import * as assert from "assert";
import { charts, images } from "../components/catalog";
import { MinioOperator } from "../components/data/minioOperator";
import { ObjectStore, ObjectStoreArgs, ObjectStoreSizing } from "../components/data/objectStore";
import { Capture, Registered, SECRET_MARK, isSecret, resolve, settle, strings, useMocks, secretLeaks } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const TENANT = "kubernetes:minio.min.io/v2:Tenant";
const SECRET = "kubernetes:core/v1:Secret";
const CHART_SOURCE = { mode: "upstream", location: "" } as const;

const DEV_SIZING: ObjectStoreSizing = { servers: 1, volumesPerServer: 1, volumeSize: "5Gi", cpu: "100m", memory: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" };
const HA_SIZING: ObjectStoreSizing = { servers: 4, volumesPerServer: 2, volumeSize: "50Gi", cpu: "1", memory: "2Gi", cpuLimit: "2", memoryLimit: "4Gi" };

interface Built {
    capture: Capture;
    operator: MinioOperator;
    store: ObjectStore;
}

/** The operator and a tenant as the program wires them, dev unless `ha`. */
async function build(ha: boolean, overrides: Partial<ObjectStoreArgs> = {}, imageRegistry = ""): Promise<Built> {
    const capture = await useMocks({ profile: ha ? "prod" : "dev" });
    const operator = new MinioOperator("minio-operator", { namespace: "platform-operators", chartSource: CHART_SOURCE, imageRegistry, highAvailability: ha });
    const store = new ObjectStore("minio", {
        namespace: "platform-data",
        operator: operator.release,
        imageRegistry,
        storageClass: ha ? "fast-ssd" : "",
        sizing: ha ? HA_SIZING : DEV_SIZING,
        buckets: ["lakehouse", "backups"],
        highAvailability: ha,
        protect: ha,
        ...overrides,
    });
    await settle();
    return { capture, operator, store };
}

function tenant(capture: Capture): Registered {
    return capture.one(TENANT, "minio-tenant");
}

describe("MinioOperator", () => {
    it("installs the pinned operator chart as release minio-operator with one replica in dev", async () => {
        const { capture } = await build(false);
        const release = capture.one(RELEASE, "minio-operator-chart").inputs;
        assert.strictEqual(release.name, "minio-operator");
        assert.strictEqual(release.chart, charts.minioOperator.chart);
        assert.strictEqual(release.version, charts.minioOperator.version);
        assert.deepStrictEqual(release.repositoryOpts, { repo: charts.minioOperator.repository });
        assert.strictEqual(release.namespace, "platform-operators");
        assert.deepStrictEqual(release.values, {
            operator: {
                replicaCount: 1,
                image: { repository: `${images.minioOperator.registry}/${images.minioOperator.repository}`, tag: images.minioOperator.tag },
                sidecarImage: { repository: `${images.minioSidecar.registry}/${images.minioSidecar.repository}`, tag: images.minioSidecar.tag },
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
            },
        });
    });

    it("runs two operator replicas with highAvailability", async () => {
        const { capture } = await build(true);
        assert.strictEqual(capture.one(RELEASE, "minio-operator-chart").inputs.values.operator.replicaCount, 2);
    });

    it("counts its replicas' requests and limits in its footprint", async () => {
        const { operator } = await build(true);
        assert.deepStrictEqual(operator.footprint, { cpuMillis: 200, memoryMiB: 256, cpuLimitMillis: 1000, memoryLimitMiB: 1024, storageGiB: 0 });
    });

    it("pulls the operator, its tenant sidecar and the MinIO server from the registry override", async () => {
        const reg = "mirror.internal:5000/hub";
        const { capture } = await build(false, {}, reg);
        assert.strictEqual(capture.one(RELEASE, "minio-operator-chart").inputs.values.operator.image.repository, `${reg}/${images.minioOperator.repository}`);
        assert.strictEqual(capture.one(RELEASE, "minio-operator-chart").inputs.values.operator.sidecarImage.repository, `${reg}/${images.minioSidecar.repository}`);
        assert.strictEqual(tenant(capture).inputs.spec.image, `${reg}/${images.minio.repository}:${images.minio.tag}`);
    });
});

describe("ObjectStore", () => {
    it("dev runs one standalone server with one volume, no affinity and TLS off", async () => {
        const { capture } = await build(false);
        const spec = tenant(capture).inputs.spec;
        assert.strictEqual(spec.image, `${images.minio.registry}/${images.minio.repository}:${images.minio.tag}`);
        assert.strictEqual(spec.requestAutoCert, false);
        assert.strictEqual(spec.pools.length, 1);
        const pool = spec.pools[0];
        assert.deepStrictEqual([pool.name, pool.servers, pool.volumesPerServer], ["pool-0", 1, 1]);
        assert.deepStrictEqual(pool.volumeClaimTemplate, {
            metadata: { name: "data" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } } },
        });
        assert.deepStrictEqual(pool.resources, { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } });
        assert.strictEqual(pool.affinity, undefined);
        assert.strictEqual(pool.topologySpreadConstraints, undefined);
    });

    it("HA runs an erasure-coded pool of four servers, one per node, spread over zones", async () => {
        const { capture } = await build(true);
        const pool = tenant(capture).inputs.spec.pools[0];
        assert.deepStrictEqual([pool.servers, pool.volumesPerServer], [4, 2]);
        assert.strictEqual(pool.volumeClaimTemplate.spec.storageClassName, "fast-ssd");
        assert.deepStrictEqual(pool.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution, [
            { labelSelector: { matchLabels: { "v1.min.io/tenant": "minio" } }, topologyKey: "kubernetes.io/hostname" },
        ]);
        assert.deepStrictEqual(pool.topologySpreadConstraints, [
            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { "v1.min.io/tenant": "minio" } } },
        ]);
        assert.strictEqual(tenant(capture).protect, true);
    });

    it("counts every server and every volume in its footprint", async () => {
        const { store } = await build(true);
        assert.deepStrictEqual(store.footprint, { cpuMillis: 4000, memoryMiB: 8192, cpuLimitMillis: 8000, memoryLimitMiB: 16384, storageGiB: 400 });
    });

    it("rejects highAvailability with fewer than four servers", async () => {
        await useMocks({ profile: "prod" });
        assert.throws(
            () => new ObjectStore("minio", { namespace: "platform-data", operator: undefined as never, imageRegistry: "", storageClass: "", sizing: { ...HA_SIZING, servers: 3 }, highAvailability: true }),
            /^Error: ObjectStore minio: highAvailability needs sizing.servers >= 4 \(an erasure-coded distributed pool\), got 3$/,
        );
    });

    it("rejects two or three servers even without highAvailability", async () => {
        await useMocks({ profile: "dev" });
        assert.throws(
            () => new ObjectStore("minio", { namespace: "platform-data", operator: undefined as never, imageRegistry: "", storageClass: "", sizing: { ...DEV_SIZING, servers: 2 } }),
            /sizing.servers must be 1 \(standalone\) or 4 and more \(distributed\), got 2/,
        );
    });

    it("rejects a bucket name S3 does not allow", async () => {
        await useMocks({ profile: "dev" });
        assert.throws(
            () => new ObjectStore("minio", { namespace: "platform-data", operator: undefined as never, imageRegistry: "", storageClass: "", sizing: DEV_SIZING, buckets: ["Lake_House"] }),
            /bucket "Lake_House" is not a valid S3 bucket name/,
        );
    });

    it("creates the requested buckets declaratively through the Tenant", async () => {
        const { capture, store } = await build(false);
        assert.deepStrictEqual(tenant(capture).inputs.spec.buckets, [{ name: "lakehouse" }, { name: "backups" }]);
        assert.deepStrictEqual(store.buckets, ["lakehouse", "backups"]);
    });

    it("gates the Tenant on the operator release and on being initialized", async () => {
        const { capture } = await build(false);
        const t = tenant(capture);
        assert.ok(capture.dependencyNames(t).includes(`${RELEASE}::minio-operator-chart`), `tenant deps: ${capture.dependencyNames(t).join(", ")}`);
        assert.strictEqual(t.inputs.metadata.annotations["pulumi.com/waitFor"], "jsonpath={.status.currentState}=Initialized");
        assert.strictEqual(t.inputs.metadata.namespace, "platform-data");
        assert.strictEqual(t.protect, false);
    });

    it("keeps the generated root login only in the config.env Secret the Tenant names", async () => {
        const { capture } = await build(false);
        const root = capture.one(SECRET, "minio-root-credentials").inputs;
        const user = `${SECRET_MARK}-minio-root-user`;
        const password = `${SECRET_MARK}-minio-root-password`;
        assert.deepStrictEqual(root.stringData, {
            "config.env": `export MINIO_ROOT_USER="${user}"\nexport MINIO_ROOT_PASSWORD="${password}"\n`,
            username: user,
            password,
        });
        assert.deepStrictEqual(tenant(capture).inputs.spec.configuration, { name: "minio-root-credentials" });
    });

    it("lists no Tenant users: the operator would give each one consoleAdmin", async () => {
        const { capture } = await build(false, { clients: [{ name: "duckdb", grants: [{ bucket: "lakehouse", access: "read" }] }] });
        assert.strictEqual(tenant(capture).inputs.spec.users, undefined);
    });

    it("runs the tenant pods under the restricted profile as uid 1000", async () => {
        const { capture } = await build(false);
        const pool = tenant(capture).inputs.spec.pools[0];
        assert.deepStrictEqual(pool.securityContext, {
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
            fsGroup: 1000,
            fsGroupChangePolicy: "OnRootMismatch",
            runAsUser: 1000,
            runAsGroup: 1000,
        });
        assert.strictEqual(pool.containerSecurityContext.allowPrivilegeEscalation, false);
        assert.deepStrictEqual(pool.containerSecurityContext.capabilities, { drop: ["ALL"] });
        assert.strictEqual(pool.containerSecurityContext.runAsNonRoot, true);
        assert.deepStrictEqual(pool.containerSecurityContext.seccompProfile, { type: "RuntimeDefault" });
    });

    it("exposes the operator's minio and console Services over plain HTTP", async () => {
        const { store } = await build(false);
        assert.strictEqual(await resolve(store.s3Endpoint), "http://minio.platform-data.svc.cluster.local");
        assert.strictEqual(await resolve(store.endpoint.internal), "http://minio.platform-data.svc.cluster.local");
        assert.strictEqual(store.endpoint.external, null);
        assert.strictEqual(await resolve(store.endpoint.portForward), "kubectl -n platform-data port-forward svc/minio 9000:80");
        assert.strictEqual(await resolve(store.consoleEndpoint.internal), "http://minio-console.platform-data.svc.cluster.local:9090");
        assert.strictEqual(await resolve(store.consoleEndpoint.portForward), "kubectl -n platform-data port-forward svc/minio-console 9090:9090");
        assert.deepStrictEqual(store.ready, [store.tenant, store.provisioning]);
        assert.strictEqual(await isSecret(store.s3Endpoint), false);
    });

    it("names the root login's Secret and keys, with the password as a secret", async () => {
        const { store } = await build(false);
        assert.strictEqual(await resolve(store.credential.secret), "minio-root-credentials");
        assert.deepStrictEqual([store.credential.usernameKey, store.credential.passwordKey], ["username", "password"]);
        assert.strictEqual(await isSecret(store.credential.password), true);
        assert.strictEqual(await resolve(store.credential.password), `${SECRET_MARK}-minio-root-password`);
    });

    for (const ha of [false, true]) {
        it(`keeps every generated value inside Secrets (${ha ? "HA" : "dev"})`, async () => {
            const { capture } = await build(ha, { clients: [{ name: "duckdb", grants: [{ bucket: "lakehouse", access: "read" }] }] });
            assert.deepStrictEqual(secretLeaks(capture), []);
            const inSecrets = capture.ofType(SECRET).flatMap((r) => strings(r.inputs.stringData).filter(([, s]) => s.includes(SECRET_MARK)));
            // The root login's config.env, username and password; the client's access and secret key.
            assert.strictEqual(inSecrets.length, 5);
        });
    }
});
