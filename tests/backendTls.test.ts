import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { Exposure, ExposureArgs } from "../components/foundation/exposure";
import { WebService } from "../components/lib/exposure";
import { Capture, runProgram, settle, stackConfig, useMocks } from "./harness";

const CA_PEM = "-----BEGIN CERTIFICATE-----\nplatform-ca\n-----END CERTIFICATE-----\n";
const nifi: WebService = { host: "nifi", namespace: "platform-apps", service: "nifi", port: 8443, backendTls: true, podLabels: { app: "nifi" }, containerPort: 8443 };
const superset: WebService = { host: "superset", namespace: "platform-apps", service: "superset", port: 8088, podLabels: { app: "superset" }, containerPort: 8088 };

async function expose(args: Partial<ExposureArgs>): Promise<Capture> {
    const capture = await useMocks({ profile: "prod" });
    const certManager = new k8s.core.v1.ConfigMap("cert-manager-ready", { metadata: { name: "cert-manager-ready" } });
    new Exposure("exposure", { mode: "ingress", domain: "analytics.example.com", services: [superset, nifi], clusterIssuer: "platform-ca", certManager, backendCaPem: CA_PEM, ...args });
    await settle();
    return capture;
}

describe("An HTTPS backend is verified at the edge in every exposure mode", () => {
    it("ingress: ingress-nginx verifies NiFi's certificate against the platform CA and the Service's cluster name", async () => {
        const capture = await expose({ mode: "ingress", ingressClassName: "nginx" });
        const ingress = capture.one("kubernetes:networking.k8s.io/v1:Ingress", "exposure-nifi").inputs;
        assert.deepStrictEqual(ingress.metadata.annotations, {
            "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS",
            "nginx.ingress.kubernetes.io/proxy-ssl-secret": "platform-apps/nifi-backend-ca",
            "nginx.ingress.kubernetes.io/proxy-ssl-verify": "on",
            "nginx.ingress.kubernetes.io/proxy-ssl-name": "nifi.platform-apps.svc.cluster.local",
            "nginx.ingress.kubernetes.io/proxy-ssl-server-name": "on",
        });
    });

    it("ingress: the CA Secret the annotation names sits in the Ingress's namespace and holds the CA alone (no client key for nginx to present)", async () => {
        const capture = await expose({ mode: "ingress" });
        const secret = capture.one("kubernetes:core/v1:Secret", "exposure-nifi-backend-ca").inputs;
        assert.deepStrictEqual([secret.metadata.namespace, secret.metadata.name], ["platform-apps", "nifi-backend-ca"]);
        assert.deepStrictEqual(secret.stringData, { "ca.crt": CA_PEM });
        assert.deepStrictEqual(
            capture.ofType("kubernetes:core/v1:Secret").map((s) => s.name),
            ["exposure-nifi-backend-ca"],
            "a plain-HTTP backend gets no CA Secret",
        );
    });

    it("gateway: a BackendTLSPolicy checks the same CA and name", async () => {
        const capture = await expose({ mode: "gateway", gatewayClassName: "eg", gatewayNamespace: "gateway-system" });
        const policy = capture.one("kubernetes:gateway.networking.k8s.io/v1:BackendTLSPolicy", "exposure-nifi-backend-tls").inputs;
        assert.strictEqual(policy.spec.validation.hostname, "nifi.platform-apps.svc.cluster.local");
        assert.deepStrictEqual(capture.one("kubernetes:core/v1:ConfigMap", "exposure-nifi-backend-ca").inputs.data, { "ca.crt": CA_PEM });
    });

    it("route: a re-encrypt Route names the platform CA as its destination CA", async () => {
        const capture = await expose({ mode: "route" });
        const tls = capture.one("kubernetes:route.openshift.io/v1:Route", "exposure-nifi-route").inputs.spec.tls;
        assert.deepStrictEqual(tls, { termination: "reencrypt", insecureEdgeTerminationPolicy: "Redirect", destinationCACertificate: CA_PEM });
    });

    it("the prod stack (ingress mode, the default) verifies NiFi with the CA that signed nifi-tls", async function () {
        this.timeout(120000);
        const capture = await useMocks(stackConfig("prod"));
        await runProgram();
        const ingress = capture.ofType("kubernetes:networking.k8s.io/v1:Ingress").find((i) => i.inputs.metadata.name === "nifi");
        assert.ok(ingress, "prod publishes NiFi through an Ingress");
        const annotations = ingress.inputs.metadata.annotations;
        assert.strictEqual(annotations["nginx.ingress.kubernetes.io/proxy-ssl-verify"], "on");
        const caSecret = capture.one("kubernetes:core/v1:Secret", "exposure-nifi-backend-ca").inputs;
        const issuer = capture.one("kubernetes:cert-manager.io/v1:Certificate", "nifi-certificate").inputs.spec.issuerRef.name;
        assert.strictEqual(issuer, "platform-ca", "nifi-tls is signed by the platform CA");
        assert.match(caSecret.stringData["ca.crt"], /BEGIN CERTIFICATE/);
        assert.strictEqual(annotations["nginx.ingress.kubernetes.io/proxy-ssl-secret"], `${caSecret.metadata.namespace}/${caSecret.metadata.name}`);
    });
});
