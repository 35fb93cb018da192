import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ChartKey, charts } from "../../components/catalog";
import { CHART_FIXED_ID_PATHS, chartKeyOf } from "../../components/lib/openshift";
import { fixedIdPaths, helmMerge } from "../../scripts/lib/effectiveValues";
import { Capture, runProgram, stackConfig, useMocks } from "../harness";
import { REFERENCE_DIR } from "./reference";

/** Where each pinned chart's values.yaml sits in the reference data (charts/<dir>/values.yaml). */
const CHART_DIR: Readonly<Record<ChartKey, string>> = {
    certManager: "cert-manager",
    cloudnativePg: "cloudnative-pg",
    barmanCloudPlugin: "plugin-barman-cloud",
    superset: "superset",
    pxcOperator: "pxc-operator",
    strimzi: "strimzi-kafka-operator",
    minioOperator: "minio-operator",
    nessie: "nessie",
    flinkOperator: "flink-kubernetes-operator",
    sparkOperator: "spark-operator",
    trino: "trino",
    airflow: "airflow",
    kubePrometheusStack: "kube-prometheus-stack",
};

/** The chart's default values, or undefined where the reference holds none (Superset, Airflow). */
function chartDefaults(key: ChartKey): unknown {
    const file = path.join(REFERENCE_DIR, "charts", CHART_DIR[key], "values.yaml");
    return fs.existsSync(file) ? YAML.parse(fs.readFileSync(file, "utf8")) : undefined;
}

describe("reference: OpenShift nulls every fixed ID of the pinned charts' defaults", () => {
    for (const key of Object.keys(charts) as ChartKey[]) {
        it(`${key}: CHART_FIXED_ID_PATHS lists exactly the fixed-ID paths of its values.yaml`, function () {
            const defaults = chartDefaults(key);
            if (defaults === undefined) this.skip();
            assert.deepStrictEqual([...CHART_FIXED_ID_PATHS[key]].sort(), fixedIdPaths(defaults).sort());
        });
    }

    describe("openshift stack", () => {
        let capture: Capture;
        before(async () => {
            capture = await useMocks(stackConfig("openshift"));
            await runProgram();
        });

        it("leaves no fixed UID, GID or fsGroup in any release's effective values (chart defaults merged with ours)", () => {
            const left = capture.ofType("kubernetes:helm.sh/v3:Release").flatMap((r) => {
                const key = chartKeyOf(String(r.inputs.chart));
                if (key === undefined) return [`${r.name}: chart ${r.inputs.chart} is not a pinned chart`];
                return fixedIdPaths(helmMerge(chartDefaults(key) ?? {}, r.inputs.values ?? {})).map((p) => `${r.name} (${key}): ${p}`);
            });
            assert.deepStrictEqual(left, []);
        });
    });
});
