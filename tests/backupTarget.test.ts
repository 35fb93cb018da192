import * as assert from "assert";
import { parseConfig } from "../components/config";
import { configError, raw } from "./configHelpers";
import { Capture, runProgram, stackConfig, useMocks } from "./harness";

const EXTERNAL = { mode: "external", endpoint: "https://s3.eu-central-1.amazonaws.com", bucket: "analytics-prod-backups", credentialsSecret: "offsite-backup-credentials" };

describe("backups.target", () => {
    it("defaults to the platform's object store", () => {
        assert.strictEqual(parseConfig(raw(stackConfig("prod"))).backups.target.mode, "in-cluster");
    });

    it("refuses an external target without its credentials Secret", () => {
        const e = configError({ ...stackConfig("prod"), backups: { target: { ...EXTERNAL, credentialsSecret: "" } } });
        assert.strictEqual(e.key, "backups.target.credentialsSecret");
    });

    it("refuses an unknown mode", () => {
        assert.strictEqual(configError({ ...stackConfig("prod"), backups: { target: { mode: "tape" } } }).key, "backups.target.mode");
    });

    it("allows external backups without the platform's object store", () => {
        const cfg = parseConfig(raw({ profile: "dev", components: { objectStore: false, nessie: false, flink: false, spark: false, duckdb: false, appender: false }, backups: { enabled: true, target: EXTERNAL } }));
        assert.strictEqual(cfg.backups.target.bucket, "analytics-prod-backups");
    });

    describe("external, in prod", () => {
        let capture: Capture;
        before(async function () {
            this.timeout(120000);
            capture = await useMocks({ ...stackConfig("prod"), backups: { target: EXTERNAL } });
            await runProgram();
        });

        it("PostgreSQL archives to the external endpoint and bucket with the user's Secret", () => {
            const conf = capture.one("kubernetes:barmancloud.cnpg.io/v1:ObjectStore", "platform-pg-object-store").inputs.spec.configuration;
            assert.deepStrictEqual([conf.endpointURL, conf.destinationPath, conf.s3Credentials.accessKeyId.name], ["https://s3.eu-central-1.amazonaws.com", "s3://analytics-prod-backups/postgresql/", "offsite-backup-credentials"]);
        });

        it("XtraDB backs up to the external endpoint and bucket with the user's Secret", () => {
            const storage = capture.one("kubernetes:pxc.percona.com/v1:PerconaXtraDBCluster", "xtradb-cluster").inputs.spec.backup.storages["s3-full"].s3;
            assert.deepStrictEqual([storage.endpointUrl, storage.bucket, storage.credentialsSecret], ["https://s3.eu-central-1.amazonaws.com", "analytics-prod-backups/xtradb/full", "offsite-backup-credentials"]);
        });

        it("the first PostgreSQL backup waits for nothing in the cluster's object store", () => {
            const deps = capture.dependencyNames(capture.one("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", "platform-pg-scheduled-backup"));
            assert.deepStrictEqual(deps.filter((d) => d.includes("minio.min.io")), []);
        });
    });
});
