/**
 * The superset_config.py the Superset chart (0.22.x) renders from the program's values (see
 * superset.test.ts's file comment for what the chart's template does), shared by the tests that run
 * Superset from the image's lock.
 */
import * as assert from "assert";

/** The chart's superset_config.py before the overrides, for values without `supersetNode.connections.redis_password`. */
export function chartSupersetConfig(values: Record<string, any>): string {
    assert.strictEqual(values.supersetNode?.connections?.redis_password, undefined, "the model below is for values without a Redis password");
    const overrides = Object.entries<string>(values.configOverrides ?? {}).map(([key, text]) => `# ${key}\n${text}`);
    return [
        "import os",
        "from flask_caching.backends.rediscache import RedisCache",
        "def env(key, default=None):",
        "    return os.getenv(key, default)",
        "CACHE_CONFIG = {'CACHE_TYPE': 'RedisCache', 'CACHE_DEFAULT_TIMEOUT': 300, 'CACHE_KEY_PREFIX': 'superset_', 'CACHE_REDIS_HOST': env('REDIS_HOST'), 'CACHE_REDIS_PORT': env('REDIS_PORT'), 'CACHE_REDIS_PASSWORD': env('REDIS_PASSWORD'), 'CACHE_REDIS_DB': env('REDIS_DB', 1)}",
        "DATA_CACHE_CONFIG = CACHE_CONFIG",
        "SQLALCHEMY_DATABASE_URI = f\"postgresql+psycopg2://{env('DB_USER')}:{env('DB_PASS')}@{env('DB_HOST')}:{env('DB_PORT')}/{env('DB_NAME')}\"",
        "SQLALCHEMY_TRACK_MODIFICATIONS = True",
        "SECRET_KEY = env('SECRET_KEY', 'the-key-published-in-the-chart')",
        "class CeleryConfig(object):",
        "  CELERY_IMPORTS = ('superset.sql_lab', )",
        "  BROKER_URL = f\"redis://{env('REDIS_HOST')}:{env('REDIS_PORT')}/0\"",
        "  CELERY_RESULT_BACKEND = f\"redis://{env('REDIS_HOST')}:{env('REDIS_PORT')}/0\"",
        "CELERY_CONFIG = CeleryConfig",
        "RESULTS_BACKEND = RedisCache(host=env('REDIS_HOST'), port=env('REDIS_PORT'), key_prefix='superset_results')",
        "# Overrides",
        ...overrides,
        "",
    ].join("\n");
}
