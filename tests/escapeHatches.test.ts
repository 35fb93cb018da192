import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig } from "../components/config";
import { chartImages } from "../components/catalog";
import { deepMerge } from "../components/lib/overrides";
import { Capture, isSecret, runProgram, stackConfig, useMocks } from "./harness";

/** Raw config as Pulumi hands it over: strings, with structured values as JSON text. */
function raw(values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** The key parseConfig refuses `values` at. */
function refusedKey(values: Record<string, unknown>): string {
    try {
        parseConfig(raw({ profile: "dev", ...values }));
    } catch (e) {
        if (e instanceof ConfigError) return e.key;
        throw e;
    }
    throw new Error(`accepted: ${JSON.stringify(values)}`);
}

const RELEASE = "kubernetes:helm.sh/v3:Release";
const KAFKA = "kubernetes:kafka.strimzi.io/v1:Kafka";
const FLINK = "kubernetes:flink.apache.org/v1beta1:FlinkDeployment";

/** Dev with every escape hatch used at once (one program run for all the captured-value tests). */
const HATCHES = {
    overrides: { certManager: { values: { replicaCount: 3, webhook: { timeoutSeconds: 20 }, extraArgs: ["--v=4"] } }, kubePrometheusStack: { values: { grafana: { admin: { existingSecret: "my-grafana-admin" } } } } },
    flink: { configuration: { "taskmanager.memory.managed.fraction": "0.2", "taskmanager.numberOfTaskSlots": "3" }, sqlGateway: { enabled: false } },
    kafka: { config: { "log.retention.hours": 6, "compression.type": "zstd" } },
    airflow: { config: { core: { parallelism: 64 }, scheduler: { min_file_process_interval: 60 } } },
    chartSource: { mode: "http", location: "https://charts.internal/stable", username: "robot", password: "s3cret-pw" },
};

describe("escape hatches", () => {
    describe("on the dev stack, all at once", () => {
        let capture: Capture;
        before(async () => {
            capture = await useMocks({ ...stackConfig("dev"), ...HATCHES }, ["chartSource"]);
            await runProgram();
        });

        it("deep-merges overrides.<chart>.values last: maps merge, scalars and lists replace, the platform's other values stay", () => {
            const v = capture.one(RELEASE, "cert-manager-chart").inputs.values;
            assert.strictEqual(v.replicaCount, 3);
            assert.strictEqual(v.webhook.timeoutSeconds, 20);
            assert.deepStrictEqual(v.extraArgs, ["--v=4"]);
            assert.deepStrictEqual(v.webhook.image, { repository: `${chartImages.certManagerWebhook.registry}/${chartImages.certManagerWebhook.repository}`, tag: chartImages.certManagerWebhook.tag });
            assert.deepStrictEqual(v.crds, { enabled: true, keep: true });
        });

        it("merges flink.configuration last into the session cluster's flinkConfiguration", () => {
            const conf = capture.one(FLINK, "cdc-cluster").inputs.spec.flinkConfiguration;
            assert.strictEqual(conf["taskmanager.memory.managed.fraction"], "0.2");
            assert.strictEqual(conf["taskmanager.numberOfTaskSlots"], "3");
            assert.strictEqual(conf["execution.checkpointing.interval"], "30s");
        });

        it("scales the SQL gateway to zero with flink.sqlGateway.enabled false", () => {
            assert.strictEqual(capture.one("kubernetes:apps/v1:Deployment", "cdc-sql-gateway").inputs.spec.replicas, 0);
        });

        it("merges kafka.config over the dev defaults (3 partitions, 1 h retention) and the platform's settings", () => {
            const config = capture.one(KAFKA, "kafka-kafka").inputs.spec.kafka.config;
            assert.strictEqual(config["num.partitions"], 3);
            assert.strictEqual(config["log.retention.hours"], 6);
            assert.strictEqual(config["compression.type"], "zstd");
            assert.strictEqual(config["auto.create.topics.enable"], false);
        });

        it("merges airflow.config sections into the chart's config, keeping the platform's options", () => {
            const config = capture.one(RELEASE, "airflow-chart").inputs.values.config;
            assert.strictEqual(config.core.parallelism, 64);
            assert.strictEqual(config.core.load_examples, "False");
            assert.strictEqual(config.scheduler.min_file_process_interval, 60);
        });

        it("pulls every chart from the http mirror with the chartSource credentials", () => {
            const releases = capture.ofType(RELEASE);
            assert.ok(releases.length >= 10);
            for (const r of releases) {
                assert.deepStrictEqual(r.inputs.repositoryOpts, { repo: "https://charts.internal/stable", username: "robot", password: "s3cret-pw" }, r.name);
                assert.ok(!r.inputs.chart.includes("/"), r.inputs.chart);
            }
        });
    });

    it("applies seed 004's broker defaults in dev only", async () => {
        const capture = await useMocks(stackConfig("prod"));
        await runProgram();
        const config = capture.one(KAFKA, "kafka-kafka").inputs.spec.kafka.config;
        assert.deepStrictEqual([config["num.partitions"], config["log.retention.hours"]], [undefined, undefined]);
        assert.deepStrictEqual(parseConfig(raw({ profile: "dev" })).overrides.kafkaConfig, { "num.partitions": 3, "log.retention.hours": 1 });
    });

    it("keeps the chart password a secret Output and refuses one not set with --secret", async () => {
        const cfg = parseConfig(raw({ profile: "dev", chartSource: HATCHES.chartSource }));
        assert.strictEqual(await isSecret(cfg.chartSource.password ?? ""), true);
        await useMocks({ ...stackConfig("dev"), chartSource: HATCHES.chartSource });
        await assert.rejects(runProgram(), (e: unknown) => pulumi.RunError.isInstance(e) && /chartSource\.password: got "\(hidden\)".*pulumi config set --secret --path chartSource\.password/.test(String(e)));
    });

    it("refuses and lets through broker settings by Strimzi's own prefixes and exceptions", () => {
        assert.strictEqual(refusedKey({ kafka: { config: { "cruise.control.metrics.topic": "m" } } }), "kafka.config.cruise.control.metrics.topic");
        assert.strictEqual(refusedKey({ kafka: { config: { "log.dirs": "/x" } } }), "kafka.config.log.dirs");
        assert.strictEqual(refusedKey({ kafka: { config: { "controller.quorum.voters": "1@x:9090" } } }), "kafka.config.controller.quorum.voters");
        const allowed = { "sasl.server.max.receive.size": 524288, "ssl.secure.random.implementation": "SHA1PRNG", "cruise.control.metrics.topic.retention.ms": 3600000, "controller.quorum.fetch.timeout.ms": 4000 };
        const config = parseConfig(raw({ profile: "dev", kafka: { config: allowed } })).overrides.kafkaConfig;
        assert.deepStrictEqual(Object.fromEntries(Object.keys(allowed).map((k) => [k, config[k]])), allowed);
    });

    it("refuses literal credentials in chart values, Flink options and airflow.cfg options, and accepts Secret names", () => {
        assert.strictEqual(refusedKey({ overrides: { superset: { values: { extraSecretEnv: { SUPERSET_SECRET_KEY: "x" } } } } }), "overrides.superset.values.extraSecretEnv.SUPERSET_SECRET_KEY");
        assert.strictEqual(refusedKey({ overrides: { trino: { values: { auth: { passwordAuth: "admin:hash" } } } } }), "overrides.trino.values.auth.passwordAuth");
        assert.strictEqual(refusedKey({ overrides: { nessie: { values: { tls: { key: "-----BEGIN PRIVATE KEY-----" } } } } }), "overrides.nessie.values.tls.key");
        assert.strictEqual(refusedKey({ flink: { configuration: { "s3.secret-key": "abc" } } }), "flink.configuration.s3.secret-key");
        assert.strictEqual(refusedKey({ airflow: { config: { database: { sql_alchemy_conn: "postgresql://u:p@h/db" } } } }), "airflow.config.database.sql_alchemy_conn");
        assert.strictEqual(refusedKey({ airflow: { config: { api: { secret_key: "abc" } } } }), "airflow.config.api.secret_key");
        const ok = parseConfig(raw({ profile: "dev", overrides: { kubePrometheusStack: { values: { grafana: { admin: { existingSecret: "g", passwordKey: "pw" } } } } }, airflow: { config: { database: { sql_alchemy_conn_secret: "my-conn" } } } }));
        assert.deepStrictEqual(ok.overrides.airflowConfig, { database: { sql_alchemy_conn_secret: "my-conn" } });
    });

    it("refuses unknown charts, non-object values, non-string Flink options, broker settings Strimzi manages, and a gateway off under a job", () => {
        assert.strictEqual(refusedKey({ overrides: { grafana: { values: {} } } }), "overrides.grafana");
        assert.strictEqual(refusedKey({ overrides: { trino: { values: [1] } } }), "overrides.trino.values");
        assert.strictEqual(refusedKey({ overrides: { trino: { value: {} } } }), "overrides.trino.value");
        assert.strictEqual(refusedKey({ flink: { configuration: { "parallelism.default": 4 } } }), "flink.configuration.parallelism.default");
        assert.strictEqual(refusedKey({ kafka: { config: { listeners: "PLAINTEXT://:9092" } } }), "kafka.config.listeners");
        assert.strictEqual(refusedKey({ kafka: { config: { "ssl.keystore.location": "/x" } } }), "kafka.config.ssl.keystore.location");
        assert.strictEqual(refusedKey({ kafka: { config: { "log.retention.hours": [1] } } }), "kafka.config.log.retention.hours");
        assert.strictEqual(refusedKey({ airflow: { config: { Core: { x: 1 } } } }), "airflow.config.Core");
        assert.strictEqual(refusedKey({ flink: { jobEnabled: true, connectorsImage: "registry.internal/analytics-platform/flink:1.20.3-0123456789ab", sqlGateway: { enabled: false } } }), "flink.sqlGateway.enabled");
        assert.strictEqual(refusedKey({ chartSource: { mode: "oci", location: "oci://r.internal/charts", username: "robot" } }), "chartSource.password");
        assert.strictEqual(refusedKey({ chartSource: { mode: "local", location: "/srv/charts", username: "u", password: "p" } }), "chartSource.username");
        assert.strictEqual(refusedKey({ chartSource: { mode: "http", location: "oci://r.internal/charts" } }), "chartSource.location");
        assert.deepStrictEqual(parseConfig(raw({ profile: "dev", kafka: { config: { "ssl.cipher.suites": "TLS_AES_256_GCM_SHA384" } } })).overrides.kafkaConfig["ssl.cipher.suites"], "TLS_AES_256_GCM_SHA384");
    });

    it("merges as Helm does, through values only known at deploy time", async () => {
        const merged = deepMerge({ a: { b: 1, c: [1, 2] }, d: pulumi.output({ e: "x", f: "y" }) }, { a: { c: [3] }, d: { f: "z" }, g: null });
        const { d, ...rest } = merged as Record<string, unknown>;
        assert.deepStrictEqual(rest, { a: { b: 1, c: [3] }, g: null });
        assert.deepStrictEqual(await new Promise((res) => (d as pulumi.Output<unknown>).apply(res)), { e: "x", f: "z" });
    });
});
