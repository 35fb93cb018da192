import * as assert from "assert";
import { plainSecretViolations } from "../policy/policies/helmValues";

const release = (values: Record<string, unknown>) => ({ type: "kubernetes:helm.sh/v3:Release", name: "app", urn: "", props: { name: "app", values } });
const SUFFIX = "; put it in a Secret and point the chart at it";

describe("helm-values-no-plain-secrets: the cases a name list alone misses", () => {
    it("flags keys ending in pass, a fernetKey and a key named secret", () => {
        assert.deepStrictEqual(plainSecretViolations(release({ db: { db_pass: "pw1" }, conn: { dbPass: "pw2" }, fernetKey: "k3", secret: "s4" })), [
            `Release app: values.db.db_pass holds a literal secret${SUFFIX}`,
            `Release app: values.conn.dbPass holds a literal secret${SUFFIX}`,
            `Release app: values.fernetKey holds a literal secret${SUFFIX}`,
            `Release app: values.secret holds a literal secret${SUFFIX}`,
        ]);
    });

    it("flags a URI with a password in its user-info under any key, never quoting it", () => {
        const out = plainSecretViolations(release({ config: { broker: "redis://default:hunter2@valkey:6379/0" } }));
        assert.deepStrictEqual(out, [`Release app: values.config.broker holds a URI with a password in its user-info${SUFFIX}`]);
        assert.ok(!out[0].includes("hunter2"));
    });

    it("flags password= with a literal value inside a longer string", () => {
        assert.deepStrictEqual(plainSecretViolations(release({ jdbc: "host=pg port=5432 user=app password=hunter2 sslmode=require" })), [
            `Release app: values.jdbc holds a literal password= inside a string${SUFFIX}`,
        ]);
    });

    it("passes placeholders, user-only URIs, words that merely end in pass, and references", () => {
        const values = {
            bypass: "yes",
            uri: "postgresql://app@pg:5432/db",
            templated: "redis://:${REDIS_PASSWORD}@valkey:6379/0",
            python: "f\"postgresql://{env('DB_USER')}:{env('DB_PASS')}@{env('DB_HOST')}\"",
            dsn: "user=app password=${DB_PASSWORD}",
            code: "RedisCache(host=os.environ['REDIS_HOST'], password=os.environ['REDIS_PASSWORD'], db=1)",
            secret: [{ envName: "AIRFLOW_CONN", secretName: "airflow-connections", secretKey: "AIRFLOW_CONN" }],
            fernetKeySecretName: "airflow-keys",
        };
        assert.deepStrictEqual(plainSecretViolations(release(values)), []);
    });
});
