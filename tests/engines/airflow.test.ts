/**
 * Airflow 3.2.2 from the image's lock (images/airflow/requirements.txt) with what the program gives
 * the chart: the metadata and broker URLs in the Secrets the chart reads (`data.*SecretName`, key
 * `connection`), the keys Secret, `config` (as the chart's airflow.cfg, here AIRFLOW__SECTION__KEY),
 * the connections Secret (`secret:` entries, AIRFLOW_CONN_*) and the create-user Job's script.
 * Real PostgreSQL for the metadata, a real Redis-protocol server with a password for Celery.
 * Only addresses change (Service names become loopback) and generated values become real random ones.
 *
 * Mutation tried (fails the test): apache-airflow-providers-apache-kafka removed from
 * requirements.in and the lock regenerated: "resolves every registered connection type" fails on
 * `kafka_default` (no provider for conn type kafka), and the DAG has an import error.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Capture, EngineProcess, PROJECT_DIR, engineHome, engines, lockedEnvironment, programCapture, releaseValues, run, tempDir } from "./harness";
import { PostgresEngine, startCache, startPostgres } from "./engines";
import { allCommandLines } from "./pods";
import { record } from "./timings";

const LOCK = path.join(PROJECT_DIR, "images", "airflow", "requirements.txt");

/** A DAG using the three registered connections the way the platform's DAGs do. */
const DAG = `
import pendulum
from airflow.sdk import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.apache.kafka.operators.produce import ProduceToTopicOperator
from airflow.providers.cncf.kubernetes.operators.spark_kubernetes import SparkKubernetesOperator

def records():
    yield ("key", "value")

with DAG("platform_connections", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), schedule=None, catchup=False):
    q = SQLExecuteQueryOperator(task_id="trino", conn_id="trino_default", sql="SELECT 1")
    k = ProduceToTopicOperator(task_id="kafka", kafka_config_id="kafka_default", topic="events", producer_function=records)
    s = SparkKubernetesOperator(task_id="spark", kubernetes_conn_id="spark_operator", namespace="platform-spark", application_file="app.yaml")
    q >> k >> s
`;

describe("Airflow: the chart's configuration from the program, on the image's lock", function () {
    this.timeout(900000);
    let capture: Capture;
    let env: Record<string, string>;
    let python: string;
    let bin: string;
    let postgres: PostgresEngine;
    let cache: EngineProcess;
    let connections: Record<string, string>;
    let adminOutput = "";
    let adminPassword = "";
    const leaks = new Set<string>();

    before(async function () {
        try {
            python = lockedEnvironment("airflow", LOCK).python;
            engineHome("valkey");
            engineHome("postgresql");
        } catch (e) {
            console.log(`      SKIPPED: ${(e as Error).message}`);
            this.skip();
        }
        bin = path.dirname(python);
        capture = await programCapture("prod");
        const values = releaseValues(capture, "airflow");
        const secret = (name: string): Record<string, string> => {
            const found = capture.ofType("kubernetes:core/v1:Secret").find((r) => r.inputs.metadata.name === name);
            assert.ok(found, `Secret ${name}`);
            return found.inputs.stringData;
        };
        // Generated values (marked by the mocks) become real random ones, the same wherever they recur.
        const generated = new Map<string, string>();
        const real = (text: string) =>
            text.replace(/GENERATED-SECRET-[a-z0-9-]+=?/g, (mark) => {
                if (!generated.has(mark)) generated.set(mark, mark.endsWith("=") ? `${crypto.randomBytes(32).toString("base64url")}=` : crypto.randomBytes(16).toString("hex"));
                return generated.get(mark)!;
            });

        // Metadata: the URL from the program's Secret, on a real PostgreSQL with that login and database.
        const metadata = new URL(real(secret(values.data.metadataSecretName).connection));
        postgres = await startPostgres();
        await postgres.createDatabase(metadata.pathname.slice(1), decodeURIComponent(metadata.username), decodeURIComponent(metadata.password));
        metadata.hostname = "127.0.0.1";
        metadata.port = String(postgres.port);
        // Broker: the URL from the program's Secret, on a real server with that password.
        const broker = new URL(real(secret(values.data.brokerUrlSecretName).connection));
        const brokerServer = await startCache("broker", decodeURIComponent(broker.password));
        cache = brokerServer.process;
        broker.hostname = "127.0.0.1";
        broker.port = String(brokerServer.port);

        const keys = Object.fromEntries(Object.entries(secret(values.fernetKeySecretName)).map(([k, v]) => [k, real(v)]));
        const admin = Object.fromEntries(Object.entries(secret(values.createUserJob.env[1].valueFrom.secretKeyRef.name)).map(([k, v]) => [k, real(v)]));
        adminPassword = admin[values.createUserJob.env[1].valueFrom.secretKeyRef.key];
        const conns = secret(values.secret[0].secretName);
        connections = Object.fromEntries(values.secret.map((s: { envName: string; secretKey: string }) => [s.envName, conns[s.secretKey]]));
        // `config` is what the chart writes into airflow.cfg; the environment form is equivalent.
        const cfg = Object.fromEntries(
            Object.entries<Record<string, string>>(values.config).flatMap(([section, entries]) => Object.entries(entries).map(([k, v]) => [`AIRFLOW__${section.toUpperCase()}__${k.toUpperCase()}`, v])),
        );
        const home = tempDir("airflow-home");
        fs.mkdirSync(path.join(home, "dags"));
        env = {
            ...cfg,
            ...connections,
            AIRFLOW_HOME: home,
            AIRFLOW__CORE__DAGS_FOLDER: path.join(home, "dags"),
            AIRFLOW__CORE__EXECUTOR: values.executor,
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: metadata.toString(),
            AIRFLOW__CELERY__BROKER_URL: broker.toString(),
            AIRFLOW__CORE__FERNET_KEY: keys["fernet-key"],
            AIRFLOW__API__SECRET_KEY: keys["api-secret-key"],
            AIRFLOW__API_AUTH__JWT_SECRET: keys["jwt-secret"],
            AIRFLOW__WEBSERVER__SECRET_KEY: keys["webserver-secret-key"],
            PATH: `${bin}:${process.env.PATH}`,
        };

        const started = Date.now();
        await run(path.join(bin, "airflow"), ["db", "migrate"], { env, timeoutMs: 600000 });
        record("airflow db migrate", Date.now() - started);

        // The create-user Job: its args, with the admin Secret's keys in its env.
        const jobEnv = Object.fromEntries(values.createUserJob.env.map((e: any) => [e.name, admin[e.valueFrom.secretKeyRef.key]]));
        const [command, ...args] = values.createUserJob.args as string[];
        const scanner = setInterval(() => allCommandLines().forEach((l) => l.includes(adminPassword) && leaks.add(l)), 100);
        try {
            const result = await run(command, args, { env: { ...env, ...jobEnv }, timeoutMs: 300000 });
            adminOutput = result.stdout + result.stderr;
        } finally {
            clearInterval(scanner);
        }
    });

    after(async () => {
        await cache?.stop();
        await postgres?.stop();
    });

    it("migrates the metadata database from the program's Secret format, and creates the admin without a password on a command line", async function () {
        engines(this, "airflow 3.2.2", "postgresql");
        const check = await run(path.join(bin, "airflow"), ["db", "check-migrations", "--migration-wait-timeout", "1"], { env, timeoutMs: 120000 });
        assert.strictEqual(check.code, 0);
        assert.match(adminOutput, /admin created/);
        assert.deepStrictEqual([...leaks], []);
        // The admin can log in: FAB checks the stored hash against the password.
        const verify = [
            "import os",
            "from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder",
            "with get_application_builder() as ab, ab.app.test_request_context():",
            "    print(ab.sm.auth_user_db(os.environ['U'], os.environ['P']) is not None, ab.sm.auth_user_db(os.environ['U'], os.environ['P'] + 'x') is not None)",
        ].join("\n");
        const out = await run(python, ["-c", verify], { env: { ...env, U: "admin", P: adminPassword }, timeoutMs: 120000 });
        assert.strictEqual(out.stdout.trim().split("\n").pop(), "True False");
    });

    it("resolves every registered connection type to an installed provider hook", async function () {
        engines(this, "airflow 3.2.2");
        const ids = Object.keys(connections).map((k) => k.replace(/^AIRFLOW_CONN_/, "").toLowerCase());
        const script = [
            "import json, sys",
            "from airflow.models.connection import Connection",
            "from airflow.providers_manager import ProvidersManager",
            "hooks = ProvidersManager().hooks",
            "out = {}",
            "for conn_id in sys.argv[1:]:",
            "    c = Connection.get_connection_from_secrets(conn_id)",
            "    info = hooks.get(c.conn_type)",
            "    out[conn_id] = [c.conn_type, info.package_name if info else None, type(c.get_hook()).__name__ if info else None]",
            "print(json.dumps(out))",
        ].join("\n");
        const out = await run(python, ["-c", script, ...ids], { env, timeoutMs: 120000 });
        const resolved = JSON.parse(out.stdout.trim().split("\n").pop()!);
        assert.deepStrictEqual(resolved, {
            trino_default: ["trino", "apache-airflow-providers-trino", "TrinoHook"],
            kafka_default: ["kafka", "apache-airflow-providers-apache-kafka", "KafkaBaseHook"],
            spark_operator: ["kubernetes", "apache-airflow-providers-cncf-kubernetes", "KubernetesHook"],
        });
    });

    it("parses a DAG using Trino, Kafka and SparkKubernetesOperator with no import errors", async function () {
        engines(this, "airflow 3.2.2");
        fs.writeFileSync(path.join(env.AIRFLOW__CORE__DAGS_FOLDER, "platform_connections.py"), DAG);
        const script = [
            "import json",
            "try:",
            "    from airflow.dag_processing.dagbag import DagBag",
            "except ImportError:",
            "    from airflow.models.dagbag import DagBag",
            "bag = DagBag(include_examples=False)",
            "print(json.dumps({'dags': sorted(bag.dag_ids), 'errors': bag.import_errors, 'tasks': sorted(t.task_id for t in bag.dags['platform_connections'].tasks) if 'platform_connections' in bag.dags else []}))",
        ].join("\n");
        const out = await run(python, ["-c", script], { env, timeoutMs: 180000 });
        assert.deepStrictEqual(JSON.parse(out.stdout.trim().split("\n").pop()!), { dags: ["platform_connections"], errors: {}, tasks: ["kafka", "spark", "trino"] });
    });

    it("reaches the password-protected cache through the Celery broker URL", async function () {
        engines(this, "airflow 3.2.2", "redis 7.0");
        const script = [
            "from airflow.providers.celery.executors.celery_executor_utils import app",
            "with app.connection_for_write() as c:",
            "    c.ensure_connection(max_retries=1)",
            "    print('broker ok', c.as_uri())",
        ].join("\n");
        const out = await run(python, ["-c", script], { env, timeoutMs: 120000 });
        const broker = new URL(env.AIRFLOW__CELERY__BROKER_URL);
        assert.match(out.stdout, new RegExp(`broker ok redis://:\\*\\*@127\\.0\\.0\\.1:${broker.port}${broker.pathname}`));
    });
});
