/**
 * OpenShift effective values, checked against the pinned charts' own values.yaml files:
 *
 *   npx ts-node --transpile-only -P tsconfig.json scripts/openshiftValues.ts <reference-dir>
 *
 * (.ci/run passes ../shared/reference when it exists; the unit tests never read it.) Fails when
 *  1. a chart's values.yaml sets a fixed UID, GID or fsGroup at a path its entry in
 *     CHART_FIXED_ID_PATHS (components/lib/openshift.ts) does not list, or the list names a path
 *     the values.yaml does not hold; or
 *  2. a Helm release of the `openshift` stack, its values merged over the chart's defaults as Helm
 *     merges them, still holds a fixed ID anywhere.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ChartKey, charts } from "../components/catalog";
import { CHART_FIXED_ID_PATHS, chartKeyOf } from "../components/lib/openshift";
import { fixedIdPaths, helmMerge } from "./lib/effectiveValues";
import { runProgram, stackConfig, useMocks } from "./lib/mockProgram";

/** Where each chart's values.yaml sits under the reference folder (charts/<dir>/values.yaml). */
const REFERENCE_DIR: Readonly<Record<ChartKey, string>> = {
    certManager: "cert-manager",
    cloudnativePg: "cloudnative-pg",
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

async function main(reference: string | undefined): Promise<number> {
    if (reference === undefined || !fs.existsSync(path.join(reference, "charts"))) {
        process.stderr.write("usage: scripts/openshiftValues.ts <reference-dir holding charts/<chart>/values.yaml>\n");
        return 2;
    }
    const failures: string[] = [];
    const defaults = new Map<ChartKey, unknown>();
    for (const key of Object.keys(charts) as ChartKey[]) {
        const file = path.join(reference, "charts", REFERENCE_DIR[key], "values.yaml");
        if (!fs.existsSync(file)) {
            process.stdout.write(`skip ${key}: no ${file} (its list comes from the chart's sources)\n`);
            continue;
        }
        const values: unknown = YAML.parse(fs.readFileSync(file, "utf8"));
        defaults.set(key, values);
        const found = fixedIdPaths(values);
        const listed = CHART_FIXED_ID_PATHS[key];
        for (const p of found) if (!listed.includes(p)) failures.push(`${key}: values.yaml sets ${p}, which CHART_FIXED_ID_PATHS.${key} does not list`);
        for (const p of listed) if (!found.includes(p)) failures.push(`${key}: CHART_FIXED_ID_PATHS.${key} lists ${p}, which values.yaml does not set`);
        process.stdout.write(`list ${key}: ${found.length} fixed-ID paths in values.yaml, ${listed.length} listed\n`);
    }

    await useMocks(stackConfig("openshift")).then(async (capture) => {
        await runProgram();
        for (const r of capture.ofType("kubernetes:helm.sh/v3:Release")) {
            const key = chartKeyOf(String(r.inputs.chart));
            if (key === undefined) {
                failures.push(`release ${r.name}: chart ${r.inputs.chart} is not a pinned chart`);
                continue;
            }
            const effective = helmMerge(defaults.get(key) ?? {}, r.inputs.values ?? {});
            const left = fixedIdPaths(effective);
            for (const p of left) failures.push(`release ${r.name} (${key}): effective values keep ${p}`);
            process.stdout.write(`release ${r.name} (${key}${defaults.has(key) ? "" : ", program values only"}): ${left.length} fixed IDs left\n`);
        }
    });
    for (const f of failures) process.stdout.write(`FAIL ${f}\n`);
    process.stdout.write(`openshift values: ${failures.length} failed\n`);
    return failures.length === 0 ? 0 : 1;
}

main(process.argv[2]).then(
    (code) => process.exit(code),
    (err) => {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
    },
);
