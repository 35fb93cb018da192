import * as assert from "assert";
import { ConfigError, parseConfig } from "../components/config";

/** Raw config as Pulumi hands it over: strings, with structured values as JSON text. */
function raw(values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

function rejects(values: Record<string, unknown>, key: string, allowedPart: RegExp): void {
    assert.throws(
        () => parseConfig(raw(values)),
        (e: unknown) => {
            assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
            assert.strictEqual(e.key, key);
            assert.match(e.message, new RegExp(`^config analytics-platform:${key.replace(/\./g, "\\.")}: got `));
            assert.match(e.allowed, allowedPart);
            return true;
        },
    );
}

describe("config", () => {
    describe("profiles", () => {
        it("dev defaults to one PostgreSQL instance, no exposure and every component on", () => {
            const cfg = parseConfig(raw({ profile: "dev" }));
            assert.strictEqual(cfg.profile, "dev");
            assert.strictEqual(cfg.sizing.postgres.instances, 1);
            assert.strictEqual(cfg.sizing.superset.replicas, 1);
            assert.deepStrictEqual(cfg.exposure, { mode: "none", ingressClassName: "", clusterIssuer: "" });
            assert.deepStrictEqual(cfg.components, { postgres: true, cache: true, superset: true });
            assert.strictEqual(cfg.protectData, false);
            assert.deepStrictEqual(cfg.chartSource, { mode: "upstream", location: "" });
        });

        it("prod defaults to three PostgreSQL instances, ingress exposure and protected data", () => {
            const cfg = parseConfig(raw({ profile: "prod", domain: "analytics.example.com" }));
            assert.strictEqual(cfg.sizing.postgres.instances, 3);
            assert.strictEqual(cfg.sizing.superset.replicas, 2);
            assert.strictEqual(cfg.exposure.mode, "ingress");
            assert.strictEqual(cfg.protectData, true);
        });

        it("a sizing override replaces only the keys it names", () => {
            const cfg = parseConfig(raw({ profile: "dev", sizing: { superset: { replicas: 3, memoryLimit: "3Gi" } } }));
            assert.deepStrictEqual(cfg.sizing.superset, { replicas: 3, workerReplicas: 1, cpu: "200m", memory: "512Mi", cpuLimit: "1", memoryLimit: "3Gi" });
        });

        it("accepts an OCI chart mirror and a registry with port and path", () => {
            const cfg = parseConfig(raw({ profile: "dev", chartSource: { mode: "oci", location: "oci://mirror.internal:5000/charts" }, imageRegistry: "mirror.internal:5000/images" }));
            assert.deepStrictEqual(cfg.chartSource, { mode: "oci", location: "oci://mirror.internal:5000/charts" });
            assert.strictEqual(cfg.imageRegistry, "mirror.internal:5000/images");
        });
    });

    describe("rejections", () => {
        it("a misspelt top-level key names the key and the known keys", () => {
            rejects({ profile: "dev", storgeClass: "fast" }, "storgeClass", /no such key; the keys are profile, components,/);
        });

        it("a misspelt nested key names its full path", () => {
            rejects({ profile: "dev", sizing: { postgres: { instnces: 2 } } }, "sizing.postgres.instnces", /sizing\.postgres takes instances, storage, cpu/);
        });

        it("a missing profile is an error", () => {
            rejects({}, "profile", /"dev" or "prod" \(required\)/);
        });

        it("an unknown profile lists the allowed ones", () => {
            rejects({ profile: "staging" }, "profile", /^"dev" or "prod"$/);
        });

        it("a string where a boolean belongs is an error", () => {
            rejects({ profile: "dev", components: { superset: "yes" } }, "components.superset", /^true or false$/);
        });

        it("a fractional instance count is an error", () => {
            rejects({ profile: "dev", sizing: { postgres: { instances: 1.5 } } }, "sizing.postgres.instances", /an integer from 1 to 9/);
        });

        it("prod with fewer than three PostgreSQL instances is an error", () => {
            rejects({ profile: "prod", domain: "a.example.com", sizing: { postgres: { instances: 1 } } }, "sizing.postgres.instances", /3 or more in the prod profile/);
        });

        it("Superset without PostgreSQL is an impossible combination", () => {
            rejects({ profile: "dev", components: { postgres: false } }, "components.superset", /components\.postgres is false/);
        });

        it("Superset without the cache is an impossible combination", () => {
            rejects({ profile: "dev", components: { cache: false } }, "components.superset", /components\.cache is false/);
        });

        it("ingress exposure without a domain is an error", () => {
            rejects({ profile: "prod" }, "domain", /exposure\.mode "ingress" publishes hostnames/);
        });

        it("an OCI chart source needs an oci:// location", () => {
            rejects({ profile: "dev", chartSource: { mode: "oci", location: "https://charts.internal" } }, "chartSource.location", /oci:\/\/registry\.internal\/charts/);
        });

        it("a local chart source needs a folder", () => {
            rejects({ profile: "dev", chartSource: { mode: "local" } }, "chartSource.location", /<chart>-<version>\.tgz/);
        });

        it("an image registry with a scheme is an error", () => {
            rejects({ profile: "dev", imageRegistry: "https://mirror.internal" }, "imageRegistry", /no scheme/);
        });

        it("a malformed CPU quantity is an error", () => {
            rejects({ profile: "dev", sizing: { cache: { cpu: "half" } } }, "sizing.cache.cpu", /a CPU quantity/);
        });

        it("a namespace that is not a DNS label is an error", () => {
            rejects({ profile: "dev", namespaces: { data: "Platform_Data" } }, "namespaces.data", /a DNS label/);
        });

        it("a structured key given as plain text is an error", () => {
            assert.throws(() => parseConfig({ profile: "dev", sizing: "big" }), (e: unknown) => e instanceof ConfigError && e.key === "sizing" && /a structured value/.test(e.allowed));
        });
    });
});
