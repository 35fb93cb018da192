import * as assert from "assert";
import { ChartKey, charts } from "../../components/catalog";
import { CHART_FIXED_ID_PATHS, chartKeyOf } from "../../components/lib/openshift";
import { fixedIdPaths, helmMerge } from "../../scripts/lib/effectiveValues";
import { Capture, runProgram, stackConfig, useMocks } from "../harness";
import { chartDefaults } from "./reference";

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
