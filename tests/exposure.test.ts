import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { Exposure, ExposureArgs } from "../components/foundation/exposure";
import { WebService } from "../components/lib/exposure";
import { Capture, settle, useMocks } from "./harness";

const CERT = "kubernetes:cert-manager.io/v1:Certificate";
const CA_PEM = "-----BEGIN CERTIFICATE-----\nplatform-ca\n-----END CERTIFICATE-----\n";

/** A UI with its own login (plain HTTP), and one that serves HTTPS itself. */
const superset: WebService = { host: "superset", namespace: "platform-apps", service: "superset", port: 8088, podLabels: { app: "superset" }, containerPort: 8088 };
const nifi: WebService = { host: "nifi", namespace: "platform-apps", service: "nifi", port: 8443, backendTls: true, podLabels: { app: "nifi" }, containerPort: 8443 };

async function expose(args: Partial<ExposureArgs>): Promise<{ capture: Capture; exposure: Exposure }> {
    const capture = await useMocks({ profile: "prod" });
    const certManager = new k8s.core.v1.ConfigMap("cert-manager-ready", { metadata: { name: "cert-manager-ready" } });
    const exposure = new Exposure("exposure", {
        mode: "ingress",
        domain: "analytics.example.com",
        services: [superset, nifi],
        clusterIssuer: "platform-ca",
        certManager,
        backendCaPem: CA_PEM,
        ...args,
    });
    await settle();
    return { capture, exposure };
}

describe("Exposure", () => {
    it("ingress: edge certificates do not take the name of a backend's own TLS Secret, and wait until issued", async () => {
        const { capture } = await expose({ mode: "ingress", ingressClassName: "nginx" });
        const cert = capture.one(CERT, "exposure-nifi-certificate").inputs;
        assert.deepStrictEqual([cert.metadata.name, cert.spec.secretName], ["nifi-edge-tls", "nifi-edge-tls"]);
        assert.strictEqual(cert.metadata.annotations["pulumi.com/waitFor"], "condition=Ready");
        const ingress = capture.one("kubernetes:networking.k8s.io/v1:Ingress", "exposure-nifi").inputs;
        assert.deepStrictEqual(ingress.spec.tls, [{ hosts: ["nifi.analytics.example.com"], secretName: "nifi-edge-tls" }]);
        assert.strictEqual(ingress.metadata.annotations["nginx.ingress.kubernetes.io/backend-protocol"], "HTTPS");
        assert.strictEqual(capture.one("kubernetes:networking.k8s.io/v1:Ingress", "exposure-superset").inputs.metadata.annotations, undefined);
    });

    it("gateway: an HTTPS backend gets a BackendTLSPolicy that checks it against the platform CA", async () => {
        const { capture } = await expose({ mode: "gateway", gatewayClassName: "eg", gatewayNamespace: "gateway-system" });
        const policy = capture.one("kubernetes:gateway.networking.k8s.io/v1:BackendTLSPolicy", "exposure-nifi-backend-tls").inputs;
        assert.deepStrictEqual(policy.spec, {
            targetRefs: [{ group: "", kind: "Service", name: "nifi" }],
            validation: { caCertificateRefs: [{ group: "", kind: "ConfigMap", name: "nifi-backend-ca" }], hostname: "nifi.platform-apps.svc.cluster.local" },
        });
        assert.deepStrictEqual(capture.one("kubernetes:core/v1:ConfigMap", "exposure-nifi-backend-ca").inputs.data, { "ca.crt": CA_PEM });
        assert.deepStrictEqual(capture.ofType("kubernetes:gateway.networking.k8s.io/v1:BackendTLSPolicy").map((p) => p.name), ["exposure-nifi-backend-tls"]);
    });

    it("gateway with ACME HTTP-01: a port-80 listener, and the Gateway does not wait for the certificates it serves the challenges of", async () => {
        const { capture } = await expose({ mode: "gateway", gatewayClassName: "eg", gatewayNamespace: "gateway-system", clusterIssuer: "letsencrypt", acmeHttp01: true });
        const gw = capture.one("kubernetes:gateway.networking.k8s.io/v1:Gateway", "exposure-gateway");
        assert.deepStrictEqual(gw.inputs.spec.listeners.at(-1), { name: "acme-http01", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "Same" } } });
        assert.deepStrictEqual(capture.dependencyNames(gw).filter((d) => d.startsWith(CERT)), []);
        assert.ok(capture.dependencyNames(gw).includes("kubernetes:core/v1:ConfigMap::cert-manager-ready"));
        assert.deepStrictEqual(capture.ofType(CERT).map((c) => `${c.inputs.metadata.namespace}/${c.inputs.metadata.name}`), ["gateway-system/superset-edge-tls", "gateway-system/nifi-edge-tls"]);
    });

    it("route: edge for plain backends, re-encrypt with the platform CA for an HTTPS backend, no Certificate", async () => {
        const { capture, exposure } = await expose({ mode: "route", clusterIssuer: "" });
        const route = (host: string) => capture.one("kubernetes:route.openshift.io/v1:Route", `exposure-${host}-route`).inputs.spec;
        assert.deepStrictEqual(route("nifi").tls, { termination: "reencrypt", insecureEdgeTerminationPolicy: "Redirect", destinationCACertificate: CA_PEM });
        assert.deepStrictEqual(route("nifi").port, { targetPort: 8443 });
        assert.deepStrictEqual(route("superset").tls, { termination: "edge", insecureEdgeTerminationPolicy: "Redirect" });
        assert.deepStrictEqual(capture.ofType(CERT), []);
        assert.deepStrictEqual(exposure.urls, { superset: "https://superset.analytics.example.com", nifi: "https://nifi.analytics.example.com" });
    });

    it("none: registers nothing and publishes no URL", async () => {
        const { capture, exposure } = await expose({ mode: "none" });
        assert.deepStrictEqual(capture.resources.filter((r) => r.custom && r.name !== "cert-manager-ready"), []);
        assert.deepStrictEqual([exposure.urls, exposure.edges], [{}, []]);
    });

    it("refuses a host published twice", async () => {
        await useMocks({ profile: "prod" });
        const certManager = new k8s.core.v1.ConfigMap("cm", {});
        assert.throws(
            () => new Exposure("exposure", { mode: "ingress", domain: "a.example.com", services: [superset, superset], clusterIssuer: "x", certManager, backendCaPem: CA_PEM }),
            /^Error: Exposure exposure: host "superset" is published twice$/,
        );
    });
});
