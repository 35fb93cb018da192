import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { images } from "../components/catalog";
import { CacheSizing } from "../components/config";
import { Cache, CacheArgs, HAPROXY_IMAGE, RESTORE_ON_START } from "../components/data/cache";
import { Capture, Registered, resolve, secretLeaks, settle, useMocks } from "./harness";

const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const SERVICE = "kubernetes:core/v1:Service";
const STATEFULSET = "kubernetes:apps/v1:StatefulSet";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const SIZING: CacheSizing = { storage: "8Gi", cpu: "250m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" };
const VALKEY_SELECTOR = { "app.kubernetes.io/name": "valkey", "app.kubernetes.io/instance": "valkey" };
const PROXY_SELECTOR = { "app.kubernetes.io/name": "valkey-proxy", "app.kubernetes.io/instance": "valkey" };
const PASSWORD_ENV = { name: "VALKEY_PASSWORD", valueFrom: { secretKeyRef: { name: "valkey-credentials", key: "password" } } };
const HOST = "valkey.platform-data.svc.cluster.local";

interface Built {
    capture: Capture;
    cache: Cache;
}

/** The cache as the program builds it in the data namespace; dev unless `ha`. */
async function build(ha: boolean, extra: Partial<CacheArgs> = {}): Promise<Built> {
    const capture = await useMocks({ profile: ha ? "prod" : "dev" });
    const cache = new Cache("valkey", { namespace: "platform-data", sizing: SIZING, storageClass: "", imageRegistry: "", highAvailability: ha, ...extra });
    await settle();
    return { capture, cache };
}

const podSpec = (r: Registered) => r.inputs.spec.template.spec;
const containers = (r: Registered): any[] => [...(podSpec(r).initContainers ?? []), ...podSpec(r).containers];
const scripts = (capture: Capture) => capture.one(CONFIGMAP, "valkey-scripts").inputs.data;
const haproxyCfg = (capture: Capture): string => capture.one(CONFIGMAP, "valkey-proxy-config").inputs.data["haproxy.cfg"];

describe("Cache", () => {
    describe("dev shape", () => {
        let built: Built;
        before(async () => {
            built = await build(false);
        });

        it("runs one Valkey pod behind its Service, with no Sentinel, proxy or PodDisruptionBudget", () => {
            const { capture } = built;
            const sts = capture.one(STATEFULSET, "valkey-statefulset");
            assert.strictEqual(sts.inputs.spec.replicas, 1);
            assert.strictEqual(sts.inputs.spec.serviceName, "valkey");
            assert.deepStrictEqual(containers(sts).map((c) => c.name), ["valkey"]);
            assert.strictEqual(podSpec(sts).affinity, undefined);
            assert.deepStrictEqual(capture.one(SERVICE, "valkey-service").inputs.spec.selector, VALKEY_SELECTOR);
            assert.deepStrictEqual(
                [capture.ofType(SERVICE).length, capture.ofType(CONFIGMAP).length, capture.ofType(DEPLOYMENT).length, capture.ofType(PDB).length],
                [1, 0, 0, 0],
            );
        });

        it("starts the server with the password from the Secret and append-only persistence on a claim", () => {
            const sts = built.capture.one(STATEFULSET, "valkey-statefulset");
            const valkey = podSpec(sts).containers[0];
            assert.strictEqual(valkey.image, `docker.io/${images.valkey.repository}:${images.valkey.tag}`);
            // The password reaches the server through an in-memory config file, never its command line.
            assert.strictEqual(valkey.args, undefined);
            assert.deepStrictEqual(valkey.command, [
                "sh",
                "-c",
                [
                    "umask 077",
                    RESTORE_ON_START,
                    `printf 'requirepass "%s"\\n' "$VALKEY_PASSWORD" > /etc/valkey/valkey.conf`,
                    "printf '%s\\n' 'appendonly yes' 'appendfsync everysec' 'save 3600 1 300 100 60 10000' 'dbfilename dump.rdb' >> /etc/valkey/valkey.conf",
                    "exec valkey-server /etc/valkey/valkey.conf --port 6379 --dir /data --protected-mode no",
                ].join("\n"),
            ]);
            assert.deepStrictEqual(valkey.volumeMounts, [
                { name: "data", mountPath: "/data" },
                { name: "conf", mountPath: "/etc/valkey" },
            ]);
            // The file lives in memory only, and nothing else is writable.
            assert.deepStrictEqual(podSpec(sts).volumes, [{ name: "conf", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } }]);
            assert.strictEqual(valkey.securityContext.readOnlyRootFilesystem, true);
            assert.deepStrictEqual(valkey.env, [PASSWORD_ENV]);
            assert.deepStrictEqual(sts.inputs.spec.volumeClaimTemplates[0].spec, { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "8Gi" } } });
            assert.deepStrictEqual(secretLeaks(built.capture), []);
        });

        it("points clients at the single server and waits for its StatefulSet only", async () => {
            const { cache } = built;
            assert.strictEqual(await resolve(cache.host), HOST);
            assert.strictEqual(cache.port, 6379);
            assert.strictEqual(await resolve(cache.endpoint.internal), `redis://${HOST}:6379`);
            assert.deepStrictEqual(cache.serves, { namespace: "platform-data", podLabels: VALKEY_SELECTOR, ports: [6379] });
            assert.deepStrictEqual(cache.ready, [cache.statefulSet]);
            assert.strictEqual(cache.proxy, undefined);
        });

        it("counts one pod and one volume in its footprint", () => {
            assert.deepStrictEqual(built.cache.footprint, { cpuMillis: 250, memoryMiB: 512, cpuLimitMillis: 1000, memoryLimitMiB: 1024, storageGiB: 8 });
        });
    });

    describe("HA shape", () => {
        let built: Built;
        before(async () => {
            built = await build(true, { protect: true });
        });

        it("runs three Valkey pods with a Sentinel sidecar, at most one per node, named by a headless Service", () => {
            const sts = built.capture.one(STATEFULSET, "valkey-statefulset");
            assert.strictEqual(sts.inputs.spec.replicas, 3);
            assert.strictEqual(sts.inputs.spec.serviceName, "valkey-headless");
            assert.deepStrictEqual(containers(sts).map((c) => c.name), ["config", "valkey", "sentinel"]);
            assert.deepStrictEqual(podSpec(sts).affinity, {
                podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: VALKEY_SELECTOR }, topologyKey: "kubernetes.io/hostname" }] },
            });
            assert.deepStrictEqual(podSpec(sts).containers[1].command, ["valkey-server", "/etc/valkey/sentinel.conf", "--sentinel"]);
            assert.strictEqual(sts.protect, true);
            // The StatefulSet's headless Service names every pod, ready or not, for replication and Sentinel.
            const headless = built.capture.one(SERVICE, "valkey-headless").inputs.spec;
            assert.deepStrictEqual([headless.clusterIP, headless.publishNotReadyAddresses, headless.selector], ["None", true, VALKEY_SELECTOR]);
            assert.deepStrictEqual(headless.ports, [
                { name: "valkey", port: 6379, targetPort: "valkey" },
                { name: "sentinel", port: 26379, targetPort: "sentinel" },
            ]);
        });

        it("starts ordinal 0 as master unless a peer Sentinel names another, and monitors it with quorum 2", () => {
            const init: string = scripts(built.capture)["init.sh"];
            assert.ok(init.includes("sentinel get-master-addr-by-name valkey"), init);
            assert.ok(init.includes('[ -n "$master" ] || master="valkey-0.$domain"'), init);
            assert.ok(init.includes('echo "replicaof $master 6379"'), init);
            for (const line of ["sentinel resolve-hostnames yes", "sentinel announce-hostnames yes", "sentinel announce-ip $self", "sentinel monitor valkey $master 6379 2"]) {
                assert.ok(init.split("\n").includes(line), `init.sh lacks: ${line}`);
            }
            assert.ok(init.includes('domain="valkey-headless.$NAMESPACE.svc.cluster.local"'), init);
        });

        it("takes passwords from the Secret by secretKeyRef into in-memory configs, never into a ConfigMap", () => {
            const init: string = scripts(built.capture)["init.sh"];
            for (const line of ['requirepass "$VALKEY_PASSWORD"', 'masterauth "$VALKEY_PASSWORD"', 'sentinel auth-pass valkey "$VALKEY_PASSWORD"']) {
                assert.ok(init.split("\n").includes(line), `init.sh lacks: ${line}`);
            }
            assert.ok(haproxyCfg(built.capture).includes('tcp-check send "AUTH ${VALKEY_PASSWORD}\\r\\n"'));
            assert.deepStrictEqual(secretLeaks(built.capture), []);
            const conf = podSpec(built.capture.one(STATEFULSET, "valkey-statefulset")).volumes.find((v: any) => v.name === "conf");
            assert.deepStrictEqual(conf, { name: "conf", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } });
            const all = [...containers(built.capture.one(STATEFULSET, "valkey-statefulset")), ...containers(built.capture.one(DEPLOYMENT, "valkey-proxy"))];
            assert.deepStrictEqual(
                all.map((c) => [c.name, c.env.filter((e: any) => e.name === "VALKEY_PASSWORD")]),
                ["config", "valkey", "sentinel", "haproxy"].map((n) => [n, [PASSWORD_ENV]]),
            );
        });

        it("hands the master role over before a master pod stops", () => {
            const sts = built.capture.one(STATEFULSET, "valkey-statefulset");
            assert.deepStrictEqual(podSpec(sts).containers[0].lifecycle, { preStop: { exec: { command: ["sh", "/scripts/prestop.sh"] } } });
            const prestop: string = scripts(built.capture)["prestop.sh"];
            assert.ok(prestop.includes("client pause 20000 write"), prestop);
            assert.ok(prestop.includes("sentinel failover valkey"), prestop);
            assert.ok(prestop.includes('replicaof "$new" 6379'), prestop);
            assert.strictEqual(podSpec(sts).terminationGracePeriodSeconds, 40);
        });

        it("runs two HAProxy pods, one per node, that forward only to the server reporting role:master", () => {
            const dep = built.capture.one(DEPLOYMENT, "valkey-proxy");
            assert.strictEqual(dep.inputs.spec.replicas, 2);
            assert.strictEqual(podSpec(dep).containers[0].image, "docker.io/library/haproxy:3.2.19");
            assert.deepStrictEqual(podSpec(dep).affinity, {
                podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: PROXY_SELECTOR }, topologyKey: "kubernetes.io/hostname" }] },
            });
            const cfg = haproxyCfg(built.capture).split("\n").map((l) => l.trim());
            for (const line of ['tcp-check send "INFO replication\\r\\nQUIT\\r\\n"', "tcp-check expect string role:master", "balance first"]) {
                assert.ok(cfg.includes(line), `haproxy.cfg lacks: ${line}`);
            }
            assert.deepStrictEqual(
                cfg.filter((l) => l.startsWith("server ")),
                [0, 1, 2].map((i) => `server valkey-${i} valkey-${i}.valkey-headless.platform-data.svc.cluster.local:6379`),
            );
            assert.ok(cfg.some((l) => l.startsWith("default-server check ") && l.endsWith("on-marked-down shutdown-sessions")), cfg.join("\n"));
        });

        it("limits voluntary disruption to one Valkey pod and one proxy at a time", () => {
            const pdbs = built.capture.ofType(PDB).map((p) => [p.name, p.inputs.spec]);
            assert.deepStrictEqual(pdbs, [
                ["valkey-pdb", { maxUnavailable: 1, selector: { matchLabels: VALKEY_SELECTOR } }],
                ["valkey-proxy-pdb", { maxUnavailable: 1, selector: { matchLabels: PROXY_SELECTOR } }],
            ]);
        });

        it("points host, port, endpoint and served pods at the proxy", async () => {
            const { capture, cache } = built;
            assert.deepStrictEqual(capture.one(SERVICE, "valkey-service").inputs.spec, { selector: PROXY_SELECTOR, ports: [{ name: "valkey", port: 6379, targetPort: "valkey" }] });
            assert.deepStrictEqual(podSpec(capture.one(DEPLOYMENT, "valkey-proxy")).containers[0].ports, [
                { name: "valkey", containerPort: 6379 },
                { name: "health", containerPort: 8404 },
            ]);
            assert.strictEqual(await resolve(cache.host), HOST);
            assert.strictEqual(await resolve(cache.serviceName), "valkey");
            assert.strictEqual(await resolve(cache.endpoint.internal), `redis://${HOST}:6379`);
            assert.deepStrictEqual(cache.serves, { namespace: "platform-data", podLabels: PROXY_SELECTOR, ports: [6379] });
        });

        it("makes dependents wait for the StatefulSet and the proxy Deployment", async () => {
            const { capture, cache } = built;
            assert.deepStrictEqual(cache.ready, [cache.statefulSet, cache.proxy]);
            new k8s.core.v1.ConfigMap("dependent", { metadata: { name: "dependent" } }, { dependsOn: cache.ready });
            await settle();
            assert.deepStrictEqual(capture.dependencyNames(capture.one(CONFIGMAP, "dependent")).sort(), [`${DEPLOYMENT}::valkey-proxy`, `${STATEFULSET}::valkey-statefulset`]);
        });

        it("runs every container restricted, read-only, with requests, limits and probes", () => {
            const { capture } = built;
            for (const r of [capture.one(STATEFULSET, "valkey-statefulset"), capture.one(DEPLOYMENT, "valkey-proxy")]) {
                assert.strictEqual(podSpec(r).securityContext.runAsNonRoot, true, r.name);
                assert.strictEqual(podSpec(r).automountServiceAccountToken, false, r.name);
                for (const c of containers(r)) {
                    const sc = c.securityContext;
                    assert.deepStrictEqual([sc.allowPrivilegeEscalation, sc.readOnlyRootFilesystem, sc.capabilities, sc.seccompProfile], [false, true, { drop: ["ALL"] }, { type: "RuntimeDefault" }], c.name);
                    assert.deepStrictEqual(Object.keys(c.resources).sort(), ["limits", "requests"], c.name);
                    if (c.name !== "config") assert.ok(c.startupProbe && c.readinessProbe && c.livenessProbe, c.name);
                }
            }
            const runAs = (r: Registered) => containers(r).map((c) => c.securityContext.runAsUser);
            assert.deepStrictEqual(runAs(capture.one(STATEFULSET, "valkey-statefulset")), [999, 999, 999]);
            assert.deepStrictEqual(runAs(capture.one(DEPLOYMENT, "valkey-proxy")), [99]);
        });

        it("counts three servers with their claims, three Sentinels and two proxies in its footprint", () => {
            // 3 × (250m/512Mi, 1/1Gi, 8Gi) + 3 × Sentinel (25m/32Mi, 100m/64Mi) + 2 × HAProxy (50m/64Mi, 250m/128Mi).
            assert.deepStrictEqual(built.cache.footprint, { cpuMillis: 925, memoryMiB: 1760, cpuLimitMillis: 3800, memoryLimitMiB: 3520, storageGiB: 24 });
        });
    });

    describe("HA overrides", () => {
        it("sizes the Sentinel and proxy containers from their args, in the pods and the footprint", async () => {
            const sentinel = { cpu: "10m", memory: "16Mi", cpuLimit: "50m", memoryLimit: "32Mi" };
            const proxy = { cpu: "100m", memory: "128Mi", cpuLimit: "1", memoryLimit: "256Mi" };
            const { capture, cache } = await build(true, { sentinel, proxy });
            const byName = Object.fromEntries(containers(capture.one(STATEFULSET, "valkey-statefulset")).map((c) => [c.name, c.resources]));
            assert.deepStrictEqual(byName.sentinel, { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "50m", memory: "32Mi" } });
            assert.deepStrictEqual(podSpec(capture.one(DEPLOYMENT, "valkey-proxy")).containers[0].resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "256Mi" } });
            assert.deepStrictEqual(cache.footprint, { cpuMillis: 750 + 30 + 200, memoryMiB: 1536 + 48 + 256, cpuLimitMillis: 3000 + 150 + 2000, memoryLimitMiB: 3072 + 96 + 512, storageGiB: 24 });
        });

        it("pulls Valkey and HAProxy from the configured registry", async () => {
            const { capture } = await build(true, { imageRegistry: "mirror.example.com:5000" });
            const valkeyImages = containers(capture.one(STATEFULSET, "valkey-statefulset")).map((c) => c.image);
            assert.deepStrictEqual(new Set(valkeyImages), new Set([`mirror.example.com:5000/${images.valkey.repository}:${images.valkey.tag}`]));
            assert.strictEqual(podSpec(capture.one(DEPLOYMENT, "valkey-proxy")).containers[0].image, `mirror.example.com:5000/${HAPROXY_IMAGE.repository}:${HAPROXY_IMAGE.tag}`);
        });
    });
});
