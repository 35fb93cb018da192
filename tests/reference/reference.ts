import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ChartKey } from "../../components/catalog";

/**
 * Checks against upstream reference data (chart values, CRDs) that a clone of the project does not
 * have: `PLATFORM_REFERENCE=<folder> npm run test:reference` runs them (`.ci/run` does, when it has
 * the folder). The folder holds charts/ and crds/; the project itself names no place for it.
 */
export const REFERENCE_DIR = path.resolve(process.env.PLATFORM_REFERENCE ?? "");

if (process.env.PLATFORM_REFERENCE === undefined || process.env.PLATFORM_REFERENCE === "") {
    throw new Error("npm run test:reference needs PLATFORM_REFERENCE: a folder with charts/ and crds/ (the upstream chart values and CRDs)");
}

if (!fs.existsSync(path.join(REFERENCE_DIR, "charts"))) {
    throw new Error(`no reference data in ${REFERENCE_DIR}: set PLATFORM_REFERENCE to a folder with charts/ and crds/ (the upstream values and CRDs)`);
}

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
export function chartDefaults(key: ChartKey): unknown {
    const file = path.join(REFERENCE_DIR, "charts", CHART_DIR[key], "values.yaml");
    return fs.existsSync(file) ? YAML.parse(fs.readFileSync(file, "utf8")) : undefined;
}
