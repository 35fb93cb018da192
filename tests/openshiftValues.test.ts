import * as assert from "assert";
import { ChartKey, charts } from "../components/catalog";
import { chartLocation } from "../components/lib/chart";
import { CHART_FIXED_ID_PATHS, chartKeyOf, withNullAt } from "../components/lib/openshift";
import { fixedIdPaths, helmMerge } from "../scripts/lib/effectiveValues";
import { Capture, runProgram, stackConfig, useMocks } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";

describe("OpenShift: chart defaults with fixed IDs", () => {
    it("keeps a list for every pinned chart", () => {
        assert.deepStrictEqual(Object.keys(CHART_FIXED_ID_PATHS).sort(), Object.keys(charts).sort());
    });

    it("lists only dotted map paths ending in a fixed UID, GID or fsGroup, each once", () => {
        const bad = Object.entries(CHART_FIXED_ID_PATHS).flatMap(([key, paths]) =>
            paths.filter((p, i) => !/^([A-Za-z0-9_-]+\.)*(runAsUser|runAsGroup|fsGroup)$/.test(p) || paths.indexOf(p) !== i).map((p) => `${key} ${p}`),
        );
        assert.deepStrictEqual(bad, []);
    });

    it("names the chart defaults that restricted-v2 rejects in the CloudNativePG and MinIO operators", () => {
        assert.deepStrictEqual([...CHART_FIXED_ID_PATHS.cloudnativePg], ["containerSecurityContext.runAsUser", "containerSecurityContext.runAsGroup"]);
        for (const p of ["operator.securityContext.runAsUser", "operator.securityContext.fsGroup", "operator.containerSecurityContext.runAsUser"]) {
            assert.ok(CHART_FIXED_ID_PATHS.minioOperator.includes(p), p);
        }
    });

    it("recognises a pinned chart from upstream, an OCI mirror and a local folder", () => {
        const found = (Object.keys(charts) as ChartKey[]).flatMap((key) =>
            [
                chartLocation(charts[key], { mode: "upstream", location: "" }),
                chartLocation(charts[key], { mode: "oci", location: "oci://mirror.example/charts" }),
                chartLocation(charts[key], { mode: "local", location: "/charts/" }),
            ].map((loc) => [key, chartKeyOf(loc.chart)]),
        );
        assert.deepStrictEqual(found.filter(([key, got]) => key !== got), []);
        assert.strictEqual(chartKeyOf("oci://mirror.example/charts/some-other-chart"), undefined);
    });

    it("sets null at each path, keeping the program's sibling values", () => {
        const out = withNullAt({ a: { b: { keep: 1, runAsUser: 5 } }, top: 2 }, ["a.b.runAsUser", "a.c.fsGroup", "runAsUser"]);
        assert.deepStrictEqual(out, { a: { b: { keep: 1, runAsUser: null }, c: { fsGroup: null } }, top: 2, runAsUser: null });
    });
});

describe("effective values (Helm's merge)", () => {
    it("merges maps key by key, replaces lists and scalars, and deletes a default given null", () => {
        const merged = helmMerge({ a: { x: 1, y: 2 }, l: [1, 2], s: "d", gone: { runAsUser: 1 } }, { a: { y: 3 }, l: [9], gone: { runAsUser: null } });
        assert.deepStrictEqual(merged, { a: { x: 1, y: 3 }, l: [9], s: "d", gone: {} });
    });

    it("finds fixed IDs under maps and lists, ignoring nulls", () => {
        assert.deepStrictEqual(fixedIdPaths({ sc: { runAsUser: 1000, fsGroup: null }, pools: [{ securityContext: { runAsGroup: 0 } }] }), ["sc.runAsUser", "pools[0].securityContext.runAsGroup"]);
    });

    describe("openshift stack", () => {
        let capture: Capture;
        before(async () => {
            capture = await useMocks(stackConfig("openshift"));
            await runProgram();
        });

        it("leaves none of a chart's listed fixed IDs in any release's effective values", () => {
            // The listed defaults stand in for the chart's values.yaml (which the unit tests never read).
            const left = capture.ofType(RELEASE).flatMap((r) => {
                const key = chartKeyOf(r.inputs.chart) as ChartKey;
                const defaults: Record<string, unknown> = {};
                for (const p of CHART_FIXED_ID_PATHS[key]) setAt(defaults, p, 4242);
                return fixedIdPaths(helmMerge(defaults, r.inputs.values)).map((p) => `${r.name} ${p}`);
            });
            assert.deepStrictEqual(left, []);
        });
    });
});

function setAt(obj: Record<string, unknown>, dotted: string, value: unknown): void {
    const parts = dotted.split(".");
    let at = obj;
    for (const p of parts.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
    at[parts[parts.length - 1]] = value;
}
