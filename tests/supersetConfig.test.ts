import * as assert from "assert";
import { SUPERSET_CONFIG_OVERRIDES, supersetAdminScript } from "../components/apps/superset";
import { Capture, SECRET_MARK, runProgram, stackConfig, useMocks } from "./harness";

describe("Superset configuration the chart renders", () => {
    let capture: Capture;
    before(async function () {
        this.timeout(120000);
        capture = await useMocks(stackConfig("dev"));
        await runProgram();
    });

    it("gives the chart's superset_config its SECRET_KEY variable, the generated key (not the chart's published default)", () => {
        const env = capture.one("kubernetes:core/v1:Secret", "superset-env").inputs.stringData;
        assert.strictEqual(env.SECRET_KEY, `${SECRET_MARK}-superset-secret-key`);
        assert.strictEqual(env.SUPERSET_SECRET_KEY, env.SECRET_KEY);
    });

    it("overrides the chart's Celery broker and results backend with ones that carry the cache password", () => {
        const values = capture.one("kubernetes:helm.sh/v3:Release", "superset-chart").inputs.values;
        assert.deepStrictEqual(values.configOverrides, { platform: SUPERSET_CONFIG_OVERRIDES });
        assert.strictEqual(values.supersetNode.connections, undefined, "no Redis password in the values");
        assert.match(SUPERSET_CONFIG_OVERRIDES, /^CELERY_CONFIG = CeleryConfig$/m);
        assert.match(SUPERSET_CONFIG_OVERRIDES, /_CELERY_URL = f"redis:\/\/:\{quote\(os\.environ\['REDIS_PASSWORD'\], safe=''\)\}@\{os\.environ\['REDIS_HOST'\]\}:\{os\.environ\['REDIS_PORT'\]\}\/\{os\.environ\['REDIS_CELERY_DB'\]\}"/);
        assert.match(SUPERSET_CONFIG_OVERRIDES, /RESULTS_BACKEND = RedisCache\(.*password=os\.environ\['REDIS_PASSWORD'\]/);
    });

    it("creates the admin in Python from the environment, after the chart's bootstrap and init", () => {
        const values = capture.one("kubernetes:helm.sh/v3:Release", "superset-chart").inputs.values;
        const [shell, flag, script] = values.init.command;
        assert.deepStrictEqual([shell, flag], ["/bin/sh", "-c"]);
        assert.ok(script.endsWith(["python - <<'PY'", supersetAdminScript("admin"), "PY"].join("\n")), script);
        assert.match(supersetAdminScript("admin"), /password = os\.environ\["SUPERSET_ADMIN_PASSWORD"\]/);
        assert.doesNotMatch(script, /--password/);
    });
});
