/**
 * Air-gapped mirroring list: runs the program for a stack under Pulumi's mock runtime (no cluster,
 * no Pulumi CLI) and prints every chart it installs and every image it runs, with the commands that
 * copy them into a mirror (docs/air-gapped.md).
 *
 *   npm run artifacts -- --stack prod                          text
 *   npm run artifacts -- --stack prod --json                   JSON for machines
 *   npm run artifacts -- --stack prod --registry reg.internal/mirror [--chart-mirror oci://reg.internal/charts] [--charts-dir charts]
 *
 * The program is run with upstream registries and charts, whatever the stack sets, so the list
 * names what to copy. The mirror defaults to the stack's `imageRegistry` and, for charts, to its
 * `chartSource` (an `oci` location to push to, a `local` folder to pull into). With a mirror, the
 * program is run a second time with `imageRegistry` set to it, and every image still pulled from
 * elsewhere is reported.
 *
 * The program names every image of every chart in the chart's values, so the list needs nothing
 * beside the project. `--reference <dir>` (a folder with `charts/<chart>/values.yaml`, such as the
 * upstream reference data CI has) also walks the charts' default values, which shows any image a
 * chart would run that the values do not name.
 */
import * as fs from "fs";
import * as path from "path";
import { Artifacts, ImageEntry, NO_REFERENCE, collectArtifacts, helmPullLine, imageSourceOf, helmPushLine, loadReference, skopeoLine } from "./lib/artifacts";
import { ImageRegistry } from "../components/lib/images";
import { UsageError, runCli } from "./lib/cli";
import { builtImages } from "./lib/images";
import { PROJECT_DIR, resolve, runProgram, stackConfig, useMocks } from "./lib/mockProgram";

const USAGE = "usage: npm run artifacts -- --stack <name> [--json] [--registry <host/path>] [--chart-mirror oci://<host/path>] [--charts-dir <dir>] [--reference <dir>]";

function usage(message: string): never {
    throw new UsageError(message);
}

async function run(config: Record<string, unknown>, referenceDir: string | undefined, imageRegistry: ImageRegistry): Promise<{ profile: string; artifacts: Artifacts }> {
    const capture = await useMocks(config);
    const exported = await runProgram();
    const profile = String(await resolve(exported.profile));
    return { profile, artifacts: collectArtifacts(capture, referenceDir === undefined ? NO_REFERENCE : loadReference(referenceDir), imageRegistry) };
}

/** The artifacts list for a command line (without `npm run artifacts --`); what the CLI prints. */
export async function artifactsCommand(argv: readonly string[]): Promise<string> {
    let stack: string | undefined;
    let json = false;
    let registry: string | undefined;
    let chartMirror: string | undefined;
    let chartsDir: string | undefined;
    // Upstream chart defaults are optional: the program names every chart image in its values.
    let referenceDir: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const value = () => argv[++i] ?? usage(`${a} needs a value`);
        if (a === "--stack") stack = value();
        else if (a === "--json") json = true;
        else if (a === "--registry") registry = value().replace(/\/+$/, "");
        else if (a === "--chart-mirror") chartMirror = value();
        else if (a === "--charts-dir") chartsDir = value();
        else if (a === "--reference") referenceDir = path.resolve(value());
        else usage(`unknown argument ${a}`);
    }
    if (stack === undefined) usage("--stack is required");
    if (!fs.existsSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`))) usage(`no Pulumi.${stack}.yaml`);
    if (chartMirror !== undefined && !chartMirror.startsWith("oci://")) usage("--chart-mirror takes an oci://host/path");

    const config = stackConfig(stack);
    const source = (config.chartSource ?? {}) as { mode?: string; location?: string };
    const mirror = registry ?? (typeof config.imageRegistry === "string" ? config.imageRegistry : "");
    const ociMirror = chartMirror ?? (source.mode === "oci" ? source.location : undefined);
    const dir = chartsDir ?? (source.mode === "local" && source.location !== undefined ? source.location : "charts");

    // Upstream references: what to copy.
    // The platform's own images are built, not copied: they are pushed to the stack's platformImageRegistry,
    // or to the mirror when the stack names none (a prod or openshift stack refuses the dev registry).
    const ownRegistry = typeof config.platformImageRegistry === "string" && config.platformImageRegistry !== "" ? config.platformImageRegistry : mirror;
    const upstream = { ...config, imageRegistry: "", platformImageRegistry: ownRegistry, chartSource: {} };
    const { profile, artifacts } = await run(upstream, referenceDir, imageSourceOf(upstream));
    // With the mirror as imageRegistry: what the stack would still pull from elsewhere.
    let notRedirected: ImageEntry[] | undefined;
    if (mirror !== "") {
        const redirected = { ...config, imageRegistry: mirror, chartSource: {} };
        const mirrored = (await run(redirected, referenceDir, imageSourceOf(redirected))).artifacts;
        notRedirected = [...mirrored.images, ...mirrored.onDemand].filter((i) => !i.ref.startsWith(`${mirror}/`));
    }

    const charts = artifacts.charts.map((c) => ({ ...c, pull: helmPullLine(c, dir), ...(ociMirror === undefined ? {} : { push: helmPushLine(c, dir, ociMirror) }) }));
    const withMirror = <T extends ImageEntry>(i: T) => (mirror === "" ? i : { ...i, copy: skopeoLine(i.ref, mirror) });
    if (json) {
        const out = {
            stack,
            profile,
            charts,
            images: artifacts.images.map(withMirror),
            onDemand: artifacts.onDemand.map(withMirror),
            unresolved: artifacts.unresolved,
            build: builtImages([...artifacts.images, ...artifacts.onDemand].map((i) => i.ref), mirror),
            ...(notRedirected === undefined ? {} : { mirror, notRedirected }),
        };
        return `${JSON.stringify(out, null, 2)}\n`;
    }

    const out: string[] = [];
    out.push(`Artifacts for stack ${stack} (profile ${profile}): ${charts.length} charts, ${artifacts.images.length} images`);
    out.push("", "Charts:");
    for (const c of charts) out.push(`  ${c.chart} ${c.version}  ${c.source}  [${c.component}]`);
    out.push("", `Fetch into ${dir}/ (chartSource mode local reads <chart>-<version>.tgz from there):`);
    for (const c of charts) out.push(`  ${c.pull}`);
    if (ociMirror === undefined) {
        out.push("", "Push to an OCI mirror (chartSource mode oci): rerun with --chart-mirror oci://<host>/<path>");
    } else {
        out.push("", `Push to ${ociMirror} (chartSource mode oci, location ${ociMirror}):`);
        for (const c of charts) out.push(`  ${c.push ?? ""}`);
    }
    out.push("", `Images (${artifacts.images.length}):`);
    for (const i of artifacts.images) out.push(`  ${i.ref}`, `      from ${i.source}${i.note === undefined ? "" : `  (${i.note})`}`);
    if (artifacts.onDemand.length > 0) {
        out.push("", "Images used only when a feature is switched on (mirror them if you use it):");
        for (const i of artifacts.onDemand) out.push(`  ${i.ref}`, `      when ${i.when}; from ${i.source}`);
    }
    const own = builtImages([...artifacts.images, ...artifacts.onDemand].map((i) => i.ref), mirror);
    if (own.length > 0) {
        out.push("", "Built by the platform, not copied (Dockerfiles under images/; push them to the mirror):");
        for (const b of own) out.push(`  ${b.ref}`, `      from ${b.context}: ${b.build}`);
    }
    if (artifacts.unresolved.length > 0) {
        out.push("", "Not known without the cluster (resolve by hand):");
        for (const u of artifacts.unresolved) out.push(`  ${u.pattern}`, `      ${u.reason}; from ${u.source}`);
    }
    if (mirror === "") {
        out.push("", "Copy commands: rerun with --registry <host>/<path> (or set imageRegistry in the stack).");
    } else {
        out.push("", `Copy into ${mirror} (imageRegistry replaces the registry only; the repository paths stay):`);
        for (const i of artifacts.images) out.push(`  ${skopeoLine(i.ref, mirror)}`);
        if (artifacts.onDemand.length > 0) {
            out.push("  # on demand:");
            for (const i of artifacts.onDemand) out.push(`  ${skopeoLine(i.ref, mirror)}`);
        }
        out.push("", `Still pulled from outside ${mirror} with imageRegistry set to it: ${notRedirected?.length === 0 ? "none" : ""}`);
        for (const i of notRedirected ?? []) out.push(`  ${i.ref}`, `      from ${i.source}`);
    }
    return `${out.join("\n")}\n`;
}

if (require.main === module) runCli("artifacts", USAGE, artifactsCommand);
