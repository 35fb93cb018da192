import * as assert from "assert";
import { PLATFORM_REGISTRY, images } from "../components/catalog";
import { ConfigError, parseConfig } from "../components/config";
import { imageRef } from "../components/lib/images";

/** Raw config as Pulumi hands it over: strings, with structured values as JSON text. */
function raw(values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** The keys a prod stack needs besides the registry (the API server rule is separate). */
const PROD = { profile: "prod", domain: "example.com", exposure: { mode: "ingress", ingressClassName: "nginx" }, networkPolicies: { apiServerCidrs: ["10.0.0.1/32"] } };

describe("platformImageRegistry", () => {
    it("refuses a prod stack whose own images would come from the dev registry, naming the key and the images", () => {
        assert.throws(
            () => parseConfig(raw(PROD)),
            (e: unknown) => {
                assert.ok(e instanceof ConfigError);
                assert.strictEqual(e.key, "platformImageRegistry");
                assert.match(e.allowed, /superset, minio, flinkConnectors, spark, airflow, duckdb, icebergAppender: the default localhost:5001/);
                return true;
            },
        );
    });

    it("refuses an openshift dev stack without a registry for the platform's images", () => {
        assert.throws(() => parseConfig(raw({ profile: "dev", platform: "openshift", components: { nifi: false } })), (e: unknown) => e instanceof ConfigError && e.key === "platformImageRegistry");
    });

    it("accepts prod when imageRegistry mirrors everything", () => {
        assert.strictEqual(parseConfig(raw({ ...PROD, imageRegistry: "mirror.internal:5000" })).platformImageRegistry, "");
    });

    it("keeps dev on the local registry by default", () => {
        assert.strictEqual(parseConfig(raw({ profile: "dev" })).platformImageRegistry, "");
        assert.strictEqual(imageRef(images.superset, { registry: "" }), `${PLATFORM_REGISTRY}/${images.superset.repository}:${images.superset.tag}`);
    });

    it("pulls the platform's own images from it, ahead of imageRegistry, and leaves upstream images alone", () => {
        const src = { registry: "mirror.internal:5000", platformRegistry: "registry.example.com/team" };
        assert.strictEqual(imageRef(images.airflow, src), `registry.example.com/team/${images.airflow.repository}:${images.airflow.tag}`);
        assert.strictEqual(imageRef(images.trino, src), `mirror.internal:5000/${images.trino.repository}:${images.trino.tag}`);
        assert.strictEqual(imageRef(images.trino, { registry: "", platformRegistry: "registry.example.com" }), `${images.trino.registry}/${images.trino.repository}:${images.trino.tag}`);
    });

    it("lets images.<key> win over it", () => {
        assert.strictEqual(imageRef(images.duckdb, { registry: "", platformRegistry: "registry.example.com", overrides: { duckdb: "r.io/x/duckdb:1" } }), "r.io/x/duckdb:1");
    });
});
