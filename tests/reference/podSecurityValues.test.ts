import * as assert from "assert";
import { chartKeyOf } from "../../components/lib/openshift";
import { helmMerge } from "../../scripts/lib/effectiveValues";
import { valuesPodSecurityViolations } from "../../policy/policies/helmPodSecurity";
import { runProgram, stackConfig, useMocks } from "../harness";
import { chartDefaults } from "./reference";

/**
 * The policy pack's `helm-values-pod-security` sees the values the program passes; here the same
 * check runs on each release's effective values (the pinned chart's defaults merged with ours as
 * Helm merges them), so a chart default that would not pass restricted admission shows up too.
 * Parts the chart does not render are left out: any block with `enabled: false`, and the paths
 * below, each with why. Charts whose values.yaml the reference does not hold (Superset, Airflow,
 * the Barman Cloud plugin) are judged on our values alone.
 */

/** Value paths of a chart that render nothing in the program's configuration. */
const NOT_RENDERED: Readonly<Record<string, readonly string[]>> = {
    // Rendered only with admissionWebhooks.patch.enabled; the program issues the webhook certificate with cert-manager and turns patching off (monitoring.ts).
    kubePrometheusStack: ["prometheusOperator.admissionWebhooks.createSecretJob", "prometheusOperator.admissionWebhooks.patchWebhookJob"],
};

/** The values without the blocks switched off (`enabled: false`) and without the paths listed. */
function rendered(values: unknown, skip: readonly string[], at = ""): unknown {
    if (Array.isArray(values)) return values.map((v) => rendered(v, skip, at));
    if (typeof values !== "object" || values === null) return values;
    const obj = values as Record<string, unknown>;
    if (obj.enabled === false) return undefined;
    return Object.fromEntries(
        Object.entries(obj).flatMap(([k, v]) => {
            const p = at === "" ? k : `${at}.${k}`;
            return skip.includes(p) ? [] : [[k, rendered(v, skip, p)]];
        }),
    );
}

describe("reference: effective chart values pass restricted pod security", () => {
    for (const stack of ["dev", "prod", "openshift"]) {
        it(`${stack}: no release's effective values hold a context, container or host setting restricted admission would refuse`, async () => {
            const capture = await useMocks(stackConfig(stack));
            await runProgram();
            const found = capture.ofType("kubernetes:helm.sh/v3:Release").flatMap((r) => {
                const key = chartKeyOf(String(r.inputs.chart));
                if (key === undefined) return [`${r.name}: chart ${r.inputs.chart} is not a pinned chart`];
                const effective = helmMerge(chartDefaults(key) ?? {}, r.inputs.values ?? {});
                return valuesPodSecurityViolations(rendered(effective, NOT_RENDERED[key] ?? [])).map((m) => `${r.name} (${key}): ${m}`);
            });
            assert.deepStrictEqual(found, []);
        });
    }
});
