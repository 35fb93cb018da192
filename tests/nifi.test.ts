import * as assert from "assert";
import { images } from "../components/catalog";
import { Nifi, NifiArgs, NifiSizing, nifiDevSizing, nifiProdSizing } from "../components/apps/nifi";
import { Capture, Registered, SECRET_MARK, isSecret, resolve, settle, useMocks, secretLeaks } from "./harness";

const STS = "kubernetes:apps/v1:StatefulSet";
const CERT = "kubernetes:cert-manager.io/v1:Certificate";
const SECRET = "kubernetes:core/v1:Secret";
const SERVICE = "kubernetes:core/v1:Service";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const NS = "platform-apps";
const FQDN = "nifi.platform-apps.svc.cluster.local";
const HOME = "/opt/nifi/nifi-current";

interface Built {
    capture: Capture;
    nifi: Nifi;
}

/** NiFi as the program wires it: dev sizing unless `prod`, in the apps namespace, issued by the platform CA. */
async function build(prod: boolean, overrides: Partial<NifiArgs> = {}): Promise<Built> {
    const capture = await useMocks({ profile: prod ? "prod" : "dev" });
    const nifi = new Nifi("nifi", {
        namespace: NS,
        sizing: prod ? nifiProdSizing : nifiDevSizing,
        storageClass: "",
        imageRegistry: "",
        clusterIssuer: "platform-ca",
        ...(prod ? { protect: true } : {}),
        ...overrides,
    });
    await settle();
    return { capture, nifi };
}

function statefulSet(capture: Capture): Registered {
    return capture.one(STS, "nifi-statefulset");
}

function container(capture: Capture): any {
    const containers = statefulSet(capture).inputs.spec.template.spec.containers;
    assert.strictEqual(containers.length, 1);
    return containers[0];
}

function envMap(capture: Capture): Record<string, any> {
    return Object.fromEntries(container(capture).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

async function refusal(sizing: NifiSizing): Promise<string> {
    await useMocks({ profile: "dev" });
    try {
        new Nifi("nifi", { namespace: NS, sizing, storageClass: "", imageRegistry: "", clusterIssuer: "platform-ca" });
    } catch (e) {
        return (e as Error).message;
    }
    throw new Error("the sizing was accepted");
}

describe("Nifi", () => {
    describe("dev", () => {
        let capture: Capture;
        let nifi: Nifi;
        before(async () => {
            ({ capture, nifi } = await build(false));
        });

        it("runs one node from the pinned image, started through the image's script after moving the flow to the data volume", () => {
            const sts = statefulSet(capture);
            const spec = sts.inputs.spec;
            assert.deepStrictEqual(sts.inputs.metadata, {
                name: "nifi",
                namespace: NS,
                labels: { "app.kubernetes.io/name": "nifi", "app.kubernetes.io/instance": "nifi", "app.kubernetes.io/part-of": "analytics-platform", "app.kubernetes.io/managed-by": "pulumi" },
            });
            assert.strictEqual(spec.replicas, 1);
            assert.strictEqual(spec.serviceName, "nifi");
            assert.deepStrictEqual(spec.selector, { matchLabels: { "app.kubernetes.io/name": "nifi", "app.kubernetes.io/instance": "nifi" } });
            assert.strictEqual(spec.template.spec.automountServiceAccountToken, false);
            assert.strictEqual(spec.template.spec.enableServiceLinks, false);
            assert.strictEqual(spec.template.spec.terminationGracePeriodSeconds, 60);
            assert.strictEqual(spec.template.spec.affinity, undefined);
            const c = container(capture);
            assert.strictEqual(c.image, "docker.io/apache/nifi:1.23.2");
            assert.deepStrictEqual(c.command.slice(0, 2), ["/bin/sh", "-c"]);
            assert.deepStrictEqual(c.command[2].split("\n"), [
                "set -e",
                "sed -i" +
                    ` -e 's|^nifi.flow.configuration.file=.*|nifi.flow.configuration.file=${HOME}/flow/flow.xml.gz|'` +
                    ` -e 's|^nifi.flow.configuration.json.file=.*|nifi.flow.configuration.json.file=${HOME}/flow/flow.json.gz|'` +
                    ` -e 's|^nifi.flow.configuration.archive.dir=.*|nifi.flow.configuration.archive.dir=${HOME}/flow/archive/|'` +
                    " -e 's|^nifi.security.autoreload.enabled=.*|nifi.security.autoreload.enabled=true|'" +
                    ` ${HOME}/conf/nifi.properties`,
                "exec /opt/nifi/scripts/start.sh",
            ]);
            assert.deepStrictEqual(c.ports, [{ name: "https", containerPort: 8443 }]);
            assert.deepStrictEqual(c.resources, { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } });
            assert.strictEqual(sts.protect, false);
        });

        it("probes the HTTPS listener with TCP: startup up to ten minutes, then readiness and liveness", () => {
            const c = container(capture);
            assert.deepStrictEqual(c.startupProbe, { tcpSocket: { port: "https" }, periodSeconds: 10, failureThreshold: 60 });
            assert.deepStrictEqual(c.readinessProbe, { tcpSocket: { port: "https" }, periodSeconds: 10, failureThreshold: 3 });
            assert.deepStrictEqual(c.livenessProbe, { tcpSocket: { port: "https" }, periodSeconds: 20, failureThreshold: 3 });
        });

        it("runs as the image's uid 1000 under the restricted profile, root filesystem writable", () => {
            assert.deepStrictEqual(statefulSet(capture).inputs.spec.template.spec.securityContext, {
                runAsNonRoot: true,
                seccompProfile: { type: "RuntimeDefault" },
                fsGroup: 1000,
                fsGroupChangePolicy: "OnRootMismatch",
            });
            assert.deepStrictEqual(container(capture).securityContext, {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: false,
                runAsNonRoot: true,
                runAsUser: 1000,
                runAsGroup: 1000,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            });
        });

        it("keeps the repositories, local state and flow on three claims and mounts the TLS Secret read-only", () => {
            const sts = statefulSet(capture).inputs.spec;
            assert.deepStrictEqual(container(capture).volumeMounts, [
                { name: "data", mountPath: `${HOME}/flow`, subPath: "flow" },
                { name: "data", mountPath: `${HOME}/flowfile_repository`, subPath: "flowfile_repository" },
                { name: "data", mountPath: `${HOME}/database_repository`, subPath: "database_repository" },
                { name: "data", mountPath: `${HOME}/state`, subPath: "state" },
                { name: "content", mountPath: `${HOME}/content_repository` },
                { name: "provenance", mountPath: `${HOME}/provenance_repository` },
                { name: "tls", mountPath: "/opt/nifi/tls", readOnly: true },
            ]);
            assert.deepStrictEqual(sts.template.spec.volumes, [{ name: "tls", secret: { secretName: "nifi-tls", defaultMode: 0o440 } }]);
            const claims = sts.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec]);
            assert.deepStrictEqual(claims, [
                ["data", { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } }],
                ["content", { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } } }],
                ["provenance", { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } }],
            ]);
        });

        it("has cert-manager issue a PKCS12 keystore for every service name, gated on Ready", () => {
            const cert = capture.one(CERT, "nifi-certificate").inputs;
            assert.strictEqual(cert.metadata.name, "nifi-tls");
            assert.strictEqual(cert.metadata.namespace, NS);
            assert.deepStrictEqual(cert.metadata.annotations, { "pulumi.com/waitFor": "condition=Ready" });
            assert.deepStrictEqual(cert.spec.issuerRef, { group: "cert-manager.io", kind: "ClusterIssuer", name: "platform-ca" });
            assert.strictEqual(cert.spec.secretName, "nifi-tls");
            assert.deepStrictEqual(cert.spec.dnsNames, ["nifi", "nifi.platform-apps", "nifi.platform-apps.svc", FQDN, "localhost"]);
            assert.deepStrictEqual(cert.spec.keystores, { pkcs12: { create: true, passwordSecretRef: { name: "nifi-keys", key: "keystore-password" }, profile: "LegacyDES" } });
            assert.deepStrictEqual(cert.spec.privateKey, { algorithm: "RSA", size: 2048, rotationPolicy: "Always" });
            assert.deepStrictEqual([cert.spec.duration, cert.spec.renewBefore], ["8760h", "720h"]);
        });

        it("starts the StatefulSet only once the Certificate is Ready", () => {
            const deps = capture.dependencyNames(statefulSet(capture));
            assert.ok(deps.includes(`${CERT}::nifi-certificate`), `statefulset deps: ${deps.join(", ")}`);
        });

        it("reads every credential from a Secret through secretKeyRef", () => {
            const env = envMap(capture);
            const ref = (name: string, key: string) => ({ secretKeyRef: { name, key } });
            assert.deepStrictEqual(
                {
                    KEYSTORE_PASSWORD: env.KEYSTORE_PASSWORD,
                    TRUSTSTORE_PASSWORD: env.TRUSTSTORE_PASSWORD,
                    SINGLE_USER_CREDENTIALS_USERNAME: env.SINGLE_USER_CREDENTIALS_USERNAME,
                    SINGLE_USER_CREDENTIALS_PASSWORD: env.SINGLE_USER_CREDENTIALS_PASSWORD,
                    NIFI_SENSITIVE_PROPS_KEY: env.NIFI_SENSITIVE_PROPS_KEY,
                },
                {
                    KEYSTORE_PASSWORD: ref("nifi-keys", "keystore-password"),
                    TRUSTSTORE_PASSWORD: ref("nifi-keys", "keystore-password"),
                    SINGLE_USER_CREDENTIALS_USERNAME: ref("nifi-credentials", "username"),
                    SINGLE_USER_CREDENTIALS_PASSWORD: ref("nifi-credentials", "password"),
                    NIFI_SENSITIVE_PROPS_KEY: ref("nifi-keys", "sensitive-props-key"),
                },
            );
        });

        it("configures HTTPS with the mounted stores and keeps single-user login", () => {
            const env = envMap(capture);
            delete env.KEYSTORE_PASSWORD;
            delete env.TRUSTSTORE_PASSWORD;
            delete env.SINGLE_USER_CREDENTIALS_USERNAME;
            delete env.SINGLE_USER_CREDENTIALS_PASSWORD;
            delete env.NIFI_SENSITIVE_PROPS_KEY;
            assert.deepStrictEqual(env, {
                NIFI_WEB_HTTPS_PORT: "8443",
                NIFI_WEB_HTTPS_HOST: "0.0.0.0",
                NIFI_WEB_PROXY_HOST: `nifi:8443,nifi.platform-apps:8443,nifi.platform-apps.svc:8443,${FQDN}:8443,localhost:8443`,
                NIFI_REMOTE_INPUT_HOST: FQDN,
                NIFI_JVM_HEAP_INIT: "1024m",
                NIFI_JVM_HEAP_MAX: "1024m",
                AUTH: "tls",
                NIFI_SECURITY_USER_AUTHORIZER: "single-user-authorizer",
                NIFI_SECURITY_USER_LOGIN_IDENTITY_PROVIDER: "single-user-provider",
                KEYSTORE_PATH: "/opt/nifi/tls/keystore.p12",
                KEYSTORE_TYPE: "PKCS12",
                TRUSTSTORE_PATH: "/opt/nifi/tls/truststore.p12",
                TRUSTSTORE_TYPE: "PKCS12",
            });
        });

        it("generates the admin password, sensitive-properties key and keystore password into two Secrets", () => {
            const creds = capture.one(SECRET, "nifi-credentials").inputs;
            assert.strictEqual(creds.type, "kubernetes.io/basic-auth");
            assert.deepStrictEqual(creds.stringData, { username: "admin", password: `${SECRET_MARK}-nifi-admin-password` });
            const keys = capture.one(SECRET, "nifi-keys").inputs;
            assert.deepStrictEqual(keys.stringData, { "sensitive-props-key": `${SECRET_MARK}-nifi-sensitive-props-key`, "keystore-password": `${SECRET_MARK}-nifi-keystore-password` });
            // NiFi refuses either under 12 characters; the start scripts put them into sed expressions.
            for (const name of ["nifi-admin-password", "nifi-sensitive-props-key", "nifi-keystore-password"]) {
                const r = capture.one("random:index/randomPassword:RandomPassword", name).inputs;
                assert.ok(r.length >= 12, `${name} length ${r.length}`);
                assert.strictEqual(r.special, false);
            }
        });

        it("keeps every generated secret inside Secrets", () => {
            assert.deepStrictEqual(secretLeaks(capture), []);
        });

        it("serves HTTPS 8443 through a ClusterIP Service named after the instance", () => {
            const svc = capture.one(SERVICE, "nifi-service").inputs;
            assert.deepStrictEqual(svc.spec, {
                selector: { "app.kubernetes.io/name": "nifi", "app.kubernetes.io/instance": "nifi" },
                ports: [{ name: "https", port: 8443, targetPort: "https" }],
            });
            assert.deepStrictEqual(nifi.serves, { namespace: NS, podLabels: { "app.kubernetes.io/name": "nifi", "app.kubernetes.io/instance": "nifi" }, ports: [8443] });
        });

        it("reports the internal URL, the port-forward command and no external URL", async () => {
            assert.strictEqual(await resolve(nifi.endpoint.internal), `https://${FQDN}:8443/nifi`);
            assert.strictEqual(await resolve(nifi.endpoint.portForward), "kubectl -n platform-apps port-forward svc/nifi 8443:8443");
            assert.strictEqual(nifi.endpoint.external, null);
        });

        it("names the login's Secret and keys, the password only as a Pulumi secret", async () => {
            const c = nifi.credential;
            assert.deepStrictEqual(
                [await resolve(c.namespace), await resolve(c.secret), c.usernameKey, c.username, c.passwordKey],
                [NS, "nifi-credentials", "username", "admin", "password"],
            );
            assert.strictEqual(await isSecret(c.password), true);
        });

        it("offers the UI for exposure as an HTTPS backend", async () => {
            assert.strictEqual(await resolve(nifi.web.service), "nifi");
            assert.deepStrictEqual(nifi.web, {
                host: "nifi",
                namespace: NS,
                service: nifi.web.service,
                port: 8443,
                backendTls: true,
                podLabels: { "app.kubernetes.io/name": "nifi", "app.kubernetes.io/instance": "nifi" },
                containerPort: 8443,
            });
        });

        it("counts one pod and its three claims in its footprint", () => {
            assert.deepStrictEqual(nifi.footprint, { cpuMillis: 250, memoryMiB: 1024, cpuLimitMillis: 2000, memoryLimitMiB: 2048, storageGiB: 9 });
        });
    });

    describe("prod", () => {
        let capture: Capture;
        let nifi: Nifi;
        before(async () => {
            ({ capture, nifi } = await build(true, { storageClass: "fast-ssd", domain: "analytics.example.com" }));
        });

        it("still runs one protected node, so neither a PodDisruptionBudget nor anti-affinity", () => {
            const sts = statefulSet(capture);
            assert.strictEqual(sts.inputs.spec.replicas, 1);
            assert.strictEqual(sts.protect, true);
            assert.strictEqual(sts.inputs.spec.template.spec.affinity, undefined);
            assert.strictEqual(capture.ofType(PDB).length, 0);
        });

        it("sizes the pod, the heap and the claims from the prod sizing, on the given StorageClass", () => {
            assert.deepStrictEqual(container(capture).resources, { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "4", memory: "8Gi" } });
            assert.deepStrictEqual([envMap(capture).NIFI_JVM_HEAP_INIT, envMap(capture).NIFI_JVM_HEAP_MAX], ["4096m", "4096m"]);
            const claims = statefulSet(capture).inputs.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.storageClassName, t.spec.resources.requests.storage]);
            assert.deepStrictEqual(claims, [
                ["data", "fast-ssd", "20Gi"],
                ["content", "fast-ssd", "100Gi"],
                ["provenance", "fast-ssd", "50Gi"],
            ]);
            assert.strictEqual(nifi.footprint.storageGiB, 170);
        });

        it("accepts the exposed host name in the certificate and as a Host header, and reports it", async () => {
            const cert = capture.one(CERT, "nifi-certificate").inputs;
            assert.deepStrictEqual(cert.spec.dnsNames.slice(4), ["localhost", "nifi.analytics.example.com"]);
            assert.strictEqual(
                envMap(capture).NIFI_WEB_PROXY_HOST,
                `nifi:8443,nifi.platform-apps:8443,nifi.platform-apps.svc:8443,${FQDN}:8443,localhost:8443,nifi.analytics.example.com,nifi.analytics.example.com:443`,
            );
            assert.notStrictEqual(nifi.endpoint.external, null);
            assert.strictEqual(await resolve(nifi.endpoint.external as any), "https://nifi.analytics.example.com/nifi");
        });
    });

    it("pulls the image from the configured registry", async () => {
        const { capture } = await build(false, { imageRegistry: "registry.example.com:5000/mirror" });
        assert.strictEqual(container(capture).image, `registry.example.com:5000/mirror/${images.nifi.repository}:${images.nifi.tag}`);
    });

    it("refuses a memory limit under 1Gi", async () => {
        assert.strictEqual(await refusal({ ...nifiDevSizing, memoryLimit: "768Mi" }), "Nifi nifi: memoryLimit must be at least 1Gi (half of it is the JVM heap), got 768Mi");
    });

    it("refuses a volume size that is not a whole binary quantity", async () => {
        assert.strictEqual(
            await refusal({ ...nifiDevSizing, storage: { ...nifiDevSizing.storage, content: "5G" } }),
            "Nifi nifi: storage.content must be a whole Mi, Gi or Ti quantity, got 5G",
        );
    });
});
