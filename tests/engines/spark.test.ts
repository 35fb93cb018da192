/**
 * Spark with the platform's S3A settings: Spark 3.5.7 (the version of the platform's Spark image,
 * Scala 2.12 and Hadoop 3.3.4) from Maven Central plus exactly images/spark/jars.txt (hadoop-aws and
 * the AWS SDK bundle), installed by scripts/engines/install-spark.sh. A local session (`local[1]`,
 * SparkS3.java) loads the `spark-defaults.conf` the program generates for every SparkApplication
 * (components/processing/sparkJobs.ts; the same settings as the applications' `sparkConf`) and
 * writes 100 rows as Parquet to MinIO through s3a://, reads them back, and leaves its event log in
 * the event log bucket. Changed here, and printed: the S3 endpoint (an address, by host name so
 * path-style access is not implied by an IP), and the driver's loopback address and no UI, which
 * the operator's driver pod does not need. The key pair reaches the session as environment
 * variables, as the applications' pods get it from the S3 Secret.
 *
 * Failure it caught: the program logged events to the bucket root as `s3a://spark-events/`; Spark
 * strips the trailing slash and Hadoop 3.3.4's S3A then refuses the bare bucket ("path must be
 * absolute") before the session starts, so every application would have failed (sparkJobs.ts now
 * writes the root with a second slash). The same failure is the mutation: one slash back.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { S3Server, startS3 } from "./engines";
import { PROJECT_DIR, engineHome, engines, programCapture, run, tempDir } from "./harness";
import { record } from "./timings";

const SPARK_VERSION = "3.5.7";
const JARS_TXT = path.join(PROJECT_DIR, "images", "spark", "jars.txt");
const PROGRAM = path.join(__dirname, "SparkS3.java");
/** What Spark's launcher passes Java 17 (launcher's JavaModuleOptions in 3.5). */
const JAVA_17_OPTIONS = [
    "-XX:+IgnoreUnrecognizedVMOptions",
    ...["java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio", "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "jdk.internal.ref", "sun.nio.ch", "sun.nio.cs", "sun.security.action", "sun.util.calendar"].map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`),
    "-Djdk.reflect.useDirectMethodHandle=false",
];

describe("Spark: a local session with the program's S3A settings against MinIO", function () {
    let s3: S3Server;
    let defaults: Array<[string, string]>;

    before(async function () {
        const capture = await programCapture("dev");
        const configMaps = capture.ofType("kubernetes:core/v1:ConfigMap").filter((c) => c.inputs.metadata?.name === "spark-defaults");
        assert.strictEqual(configMaps.length, 1, "the program declares the spark-defaults ConfigMap");
        defaults = configMaps[0].inputs.data["spark-defaults.conf"].trim().split("\n").map((line: string) => {
            const m = /^(\S+)\s+(.*)$/.exec(line);
            assert.ok(m, `spark-defaults.conf line: ${line}`);
            return [m[1], m[2]] as [string, string];
        });
        s3 = await startS3();
    });
    after(async () => {
        await s3?.stop();
    });

    it("writes and reads Parquet on s3:// through hadoop-aws and the SDK bundle of the image's list, and logs its events there", async function () {
        engines(this, `spark ${SPARK_VERSION}`, "s3");
        const jars = path.join(engineHome(`spark-${SPARK_VERSION}`), "jars");
        const digest = crypto.createHash("sha256").update(fs.readFileSync(JARS_TXT)).digest("hex").slice(0, 12);
        const s3a = engineHome(`spark-jars-${digest}`);
        const conf = new Map(defaults);
        const endpointKey = "spark.hadoop.fs.s3a.endpoint";
        assert.ok(conf.has(endpointKey), `the program sets ${endpointKey}`);
        const changed: Record<string, string> = { [endpointKey]: s3.endpoint.replace("//127.0.0.1:", "//localhost:") };
        const added: Record<string, string> = { "spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1", "spark.ui.enabled": "false" };
        for (const k of Object.keys(added)) assert.ok(!conf.has(k), `the program does not set ${k}`);
        console.log(`      [spark] spark-defaults.conf changed here: ${JSON.stringify(changed)}; added: ${JSON.stringify(added)}`);
        const file = path.join(tempDir("spark"), "spark-defaults.conf");
        fs.writeFileSync(file, [...Object.entries({ ...Object.fromEntries(conf), ...changed, ...added })].map(([k, v]) => `${k} ${v}`).join("\n") + "\n");

        const eventLog = /^s3a:\/\/([^/]+)\/(.*)$/.exec(conf.get("spark.eventLog.dir") ?? "");
        assert.ok(eventLog && conf.get("spark.eventLog.enabled") === "true", "event logs go to an s3a:// directory");
        await s3.createBucket(eventLog[1]);
        const output = `s3a://${eventLog[1]}/engine-suite/numbers`;
        const started = Date.now();
        const out = await run("java", ["-Xmx768m", ...JAVA_17_OPTIONS, "-cp", `${path.join(jars, "*")}${path.delimiter}${path.join(s3a, "*")}`, PROGRAM, file, output], {
            env: { AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey },
            timeoutMs: 300000,
        });
        record("spark local session (start, write and read on S3)", Date.now() - started);
        assert.match(out.stdout, /^ROWS 100 SUM 9900$/m, out.stdout);
        const app = /^APPLICATION (\S+)$/m.exec(out.stdout)?.[1];
        assert.ok(app, out.stdout);
        const keys = await s3.listKeys(eventLog[1]);
        assert.ok(keys.includes("engine-suite/numbers/_SUCCESS"), keys.join(", "));
        assert.ok(keys.some((k) => /^engine-suite\/numbers\/part-.*\.parquet$/.test(k)), keys.join(", "));
        const prefix = eventLog[2].replace(/^\/+|\/+$/g, "");
        const logKey = prefix === "" ? app : `${prefix}/${app}`;
        assert.ok(keys.includes(logKey), `the event log ${logKey} is in the bucket: ${keys.join(", ")}`);
    });
});
