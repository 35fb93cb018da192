import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ChartPin, ImagePin, charts as chartPins, images as imagePins } from "../../components/catalog";
import { ImageRegistry, imageRef } from "../../components/lib/images";
import { Capture, Registered } from "./mockProgram";

/**
 * Lists what an air-gapped install has to mirror: every chart the program installs and every image
 * the stack runs. Images come from three places:
 *
 * - authored: `image`/`imageName` fields of the workloads and custom resources the program creates;
 * - chart values: each chart's reference `values.yaml` merged with our values, walked for image
 *   shapes (`image: {registry, repository, tag}` and the chart's own conventions, listed in
 *   {@link CONVENTIONS}); an empty tag is the chart's appVersion;
 * - catalog pins: for charts without reference values, and for images workloads submitted later
 *   run (Spark applications).
 */

export const RELEASE = "kubernetes:helm.sh/v3:Release";

/** Where an image reference was found. */
export type Origin = "authored" | "chart-values" | "chart-default" | "catalog";

export interface ImageEntry {
    /** Full reference, `registry/repository:tag`; a missing registry is written as docker.io. */
    readonly ref: string;
    /** Where it came from: `<component>: <Kind> <resource> <path>` or `<component>: chart <chart> <values path>`. */
    readonly source: string;
    readonly origin: Origin;
    /** Why the reference is as it is (appVersion tag, catalog fallback). */
    readonly note?: string;
}

/** An image the chart can run, but only when a feature the stack does not use is switched on. */
export interface OnDemandImage extends ImageEntry {
    readonly when: string;
}

/** An image whose exact reference cannot be known without the cluster. */
export interface Unresolved {
    /** The reference with a `<placeholder>` for the unknown part. */
    readonly pattern: string;
    readonly source: string;
    readonly reason: string;
}

export type ChartSourceKind = "repo" | "oci" | "local";

export interface ChartArtifact {
    /** The chart's name (the `.tgz` prefix Helm writes). */
    readonly chart: string;
    /** Pinned version; from the file name for a local archive. */
    readonly version: string;
    /** As the Release gives it: the repository URL, the `oci://` reference or the `.tgz` path. */
    readonly source: string;
    readonly kind: ChartSourceKind;
    readonly component: string;
    readonly release: string;
    readonly namespace: string;
}

export interface Artifacts {
    readonly charts: readonly ChartArtifact[];
    readonly images: readonly ImageEntry[];
    readonly onDemand: readonly OnDemandImage[];
    readonly unresolved: readonly Unresolved[];
}

/** Chart reference data: upstream default values and appVersions. */
export interface ReferenceData {
    /** The chart's default values, or undefined when no values.yaml is available. */
    values(chart: string): Record<string, unknown> | undefined;
    /** The appVersion of `chart` at `version`, or undefined when unknown. */
    appVersion(chart: string, version: string): string | undefined;
    /** The chart's dependencies (subcharts) from its Chart.yaml. */
    dependencies(chart: string): readonly Dependency[];
}

/** No upstream chart data: only what the program's values and objects name. */
export const NO_REFERENCE: ReferenceData = { values: () => undefined, appVersion: () => undefined, dependencies: () => [] };

export interface Dependency {
    readonly name: string;
    readonly version: string;
    /** Set for subcharts fetched from a repository; absent for ones bundled in the chart folder. */
    readonly repository?: string;
    /** Values path(s), comma-separated, that switch the subchart on or off. */
    readonly condition?: string;
}

/** Whether Helm installs a subchart: its first condition path that is set decides; none set means on. */
export function dependencyEnabled(dep: Dependency, values: Record<string, unknown>): boolean {
    for (const c of (dep.condition ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "")) {
        const v = get(values, c);
        if (typeof v === "boolean") return v;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Image references

/** `registry/repository:tag` with docker.io written out when the reference names no registry. */
export function normalizeRef(ref: string): string {
    const first = ref.split("/")[0];
    const hasRegistry = ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    return hasRegistry ? ref : `docker.io/${ref}`;
}

/** Splits a normalized reference into registry, repository path and tag (or `@digest`). */
export function splitRef(ref: string): { registry: string; repository: string; tag: string } {
    const n = normalizeRef(ref);
    const slash = n.indexOf("/");
    const registry = n.slice(0, slash);
    const rest = n.slice(slash + 1);
    const at = rest.indexOf("@");
    if (at >= 0) return { registry, repository: rest.slice(0, at), tag: rest.slice(at) };
    const colon = rest.lastIndexOf(":");
    return colon < 0 ? { registry, repository: rest, tag: "latest" } : { registry, repository: rest.slice(0, colon), tag: rest.slice(colon + 1) };
}

/** The reference in the mirror: the registry replaced, the repository path kept (as `imageRegistry` does). */
export function mirrorRef(ref: string, mirror: string): string {
    const { repository, tag } = splitRef(ref);
    return `${mirror.replace(/\/+$/, "")}/${repository}${tag.startsWith("@") ? tag : `:${tag}`}`;
}

export function skopeoLine(ref: string, mirror: string): string {
    return `skopeo copy --all docker://${normalizeRef(ref)} docker://${mirrorRef(ref, mirror)}`;
}

/** Whether a string can be an image reference rather than a word or a pull policy. */
function looksLikeRef(v: unknown): v is string {
    return typeof v === "string" && /^[^\s]+$/.test(v) && (v.includes("/") || v.includes(":")) && !v.includes("://");
}

const join = (...parts: string[]) => parts.filter((p) => p !== "").join("/");
const str = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");

/** Keys whose string value is an image reference in workloads and custom resources. */
const IMAGE_KEYS = new Set(["image", "imageName"]);

/**
 * Image references set in a resource's inputs: every `image` or `imageName` key holding a
 * reference, at any depth (containers, init containers, sidecars, custom resource specs).
 */
export function authoredImages(inputs: unknown, at = ""): Array<[string, string]> {
    if (Array.isArray(inputs)) return inputs.flatMap((v, i) => authoredImages(v, `${at}[${i}]`));
    if (inputs === null || typeof inputs !== "object") return [];
    return Object.entries(inputs).flatMap(([k, v]) => {
        const p = at === "" ? k : `${at}.${k}`;
        if (IMAGE_KEYS.has(k) && looksLikeRef(v)) return [[p, v] as [string, string]];
        return authoredImages(v, p);
    });
}

// ---------------------------------------------------------------------------------------------
// Chart values

/** Values merged as Helm does: maps merge key by key, anything else in `over` replaces. */
export function mergeValues(base: unknown, over: unknown): unknown {
    if (isMap(base) && isMap(over)) {
        const out: Record<string, unknown> = { ...base };
        for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeValues(base[k], v) : v;
        return out;
    }
    return over === undefined ? base : over;
}

function isMap(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function get(values: unknown, dotted: string): unknown {
    return dotted.split(".").reduce<unknown>((v, k) => (isMap(v) ? v[k] : undefined), values);
}

/** What a chart convention is told about the chart being walked. */
export interface ChartContext {
    readonly chart: string;
    readonly version: string;
    /** The tag an image gets when its `tag` is empty (the appVersion, or the chart version for some charts). */
    readonly defaultTag: string | undefined;
    /** Kafka versions pinned in the stack's Kafka and KafkaConnect resources. */
    readonly kafkaVersions: readonly string[];
}

/**
 * References composed from an image object (several for Strimzi's per-Kafka-version images, and
 * `defaultTag` when the tag is the chart's default tag), or a pattern naming what is unknown.
 */
type Composed = { refs: string[]; defaultTag: boolean } | { pattern: string; missing: string } | undefined;

/**
 * How a chart turns values into image references, for the charts that do not simply take
 * `image: {registry, repository, tag}`, and which of its images run only on demand.
 */
interface Convention {
    /** Composes the image object `obj` (`root`: all values); absent, the generic shape applies. */
    readonly compose?: (obj: Record<string, unknown>, root: Record<string, unknown>, ctx: ChartContext) => Composed;
    /** Images the chart builds from top-level keys instead of an image object. */
    readonly root?: (root: Record<string, unknown>, ctx: ChartContext) => Array<{ path: string; composed: Composed }>;
    /** Value paths of images used only when a feature is on, with that feature. */
    readonly onDemand?: Readonly<Record<string, string>>;
    /** `chartVersion`: an empty tag means the chart version (the chart has no appVersion). */
    readonly tagFrom?: "chartVersion";
}

/** `repository:tag`, the tag falling back to `fallback` (the chart's default tag) when empty. */
function withTag(repository: string, tag: string, fallback: string | undefined, digest: string, what: string): Composed {
    if (digest !== "") return { refs: [`${repository}@${digest}`], defaultTag: false };
    if (tag !== "") return { refs: [`${repository}:${tag}`], defaultTag: false };
    if (fallback === undefined || fallback === "") return { pattern: `${repository}:<appVersion>`, missing: `the appVersion of ${what}` };
    return { refs: [`${repository}:${fallback}`], defaultTag: true };
}

/**
 * `image: {registry?, repository, tag?, digest?}`; an empty tag is the chart's default tag. A
 * non-empty `global.imageRegistry` replaces the `registry` of every image that has one (the
 * convention of the charts that declare it).
 */
function genericCompose(obj: Record<string, unknown>, root: Record<string, unknown>, ctx: ChartContext): Composed {
    const repository = str(obj.repository);
    if (repository === "") return undefined;
    const globalRegistry = isMap(root.global) ? str(root.global.imageRegistry) : "";
    const registry = "registry" in obj && globalRegistry !== "" ? globalRegistry : str(obj.registry);
    return withTag(join(registry, repository), str(obj.tag), ctx.defaultTag, str(obj.digest), `${ctx.chart} ${ctx.version}`);
}

export const CONVENTIONS: Readonly<Record<string, Convention>> = {
    // `imageRegistry`/`imageNamespace`/`<component>.image.name`; `image.repository` overrides all three.
    "cert-manager": {
        compose(obj, root, ctx) {
            const name = str(obj.name);
            const repository = str(obj.repository) || (name === "" ? "" : join(str(root.imageRegistry), str(root.imageNamespace), name));
            if (repository === "") return undefined;
            return withTag(join(str(obj.registry), repository), str(obj.tag), ctx.defaultTag, str(obj.digest), `${ctx.chart} ${ctx.version}`);
        },
        onDemand: { "acmesolver.image": "an ACME issuer solves HTTP-01 challenges (the platform CA does not)" },
    },
    // `<registry|defaultImageRegistry>/<repository|defaultImageRepository>/<name>:<tag|defaultImageTag>`;
    // Kafka images are tagged `<tagPrefix|defaultImageTag>-kafka-<Kafka version>`, one per version.
    "strimzi-kafka-operator": {
        compose(obj, root, ctx) {
            const name = str(obj.name);
            if (name === "") return undefined;
            const repository = join(str(obj.registry) || str(root.defaultImageRegistry), str(obj.repository) || str(root.defaultImageRepository), name);
            if (!("tagPrefix" in obj)) return withTag(repository, str(obj.tag) || str(root.defaultImageTag), undefined, "", ctx.chart);
            const prefix = str(obj.tagPrefix) || str(root.defaultImageTag);
            if (ctx.kafkaVersions.length === 0) return { pattern: `${repository}:${prefix}-kafka-<Kafka version>`, missing: "the Kafka version" };
            return { refs: ctx.kafkaVersions.map((v) => `${repository}:${prefix}-kafka-${v}`), defaultTag: false };
        },
        onDemand: {
            "kafkaBridge.image": "a KafkaBridge exists",
            "kafkaMirrorMaker2.image": "a KafkaMirrorMaker2 exists",
            "cruiseControl.image": "the Kafka resource enables cruiseControl",
            "kafkaExporter.image": "the Kafka resource enables kafkaExporter",
            "kanikoExecutor.image": "a KafkaConnect uses spec.build (Kubernetes)",
            "buildah.image": "a KafkaConnect uses spec.build (OpenShift)",
            "mavenBuilder.image": "a KafkaConnect build downloads Maven artifacts",
        },
    },
    // `image` (a full reference) or `<operatorImageRepository>:<appVersion>`.
    "pxc-operator": {
        root(root, ctx) {
            if (str(root.image) !== "") return [];
            const repository = str(root.operatorImageRepository);
            return repository === "" ? [] : [{ path: "operatorImageRepository", composed: withTag(repository, "", ctx.defaultTag, "", `${ctx.chart} ${ctx.version}`) }];
        },
    },
    "spark-operator": { onDemand: { "hook.image": "hook.upgradeCrd is true" } },
    // Airflow's own image is `<defaultAirflowRepository>:<defaultAirflowTag>` unless `images.airflow` names one.
    airflow: {
        root(root) {
            const named = isMap(root.images) && isMap(root.images.airflow) ? str(root.images.airflow.repository) : "";
            const repository = str(root.defaultAirflowRepository);
            if (named !== "" || repository === "") return [];
            return [{ path: "defaultAirflowRepository", composed: withTag(repository, str(root.defaultAirflowTag), undefined, "", "airflow") }];
        },
    },
    "kube-prometheus-stack": { onDemand: { "prometheusOperator.thanosImage": "a Prometheus runs the Thanos sidecar" } },
    // The image tag defaults to the chart version (the chart has no appVersion).
    nessie: { tagFrom: "chartVersion" },
};

/** An image found in a chart's values, before dedup. */
export interface ChartImage {
    readonly path: string;
    readonly composed: Exclude<Composed, undefined>;
    /** True when the image's value (or part of it) came from our values rather than the chart's defaults. */
    readonly ours: boolean;
    /** Set for an image used only when a feature is on: that feature. */
    readonly when?: string;
}

/**
 * Every image a chart runs with our values over its defaults: image objects under keys named
 * `image`/`imageName` or ending in `Image` (objects, or reference strings), objects holding
 * `repository` with `tag` or `registry`, and the chart's own conventions. Sections switched off with
 * `enabled: false` (the image's object or any parent) are skipped.
 */
export function chartImages(defaults: Record<string, unknown>, ours: Record<string, unknown>, ctx: ChartContext): ChartImage[] {
    const merged = mergeValues(defaults, ours) as Record<string, unknown>;
    const convention = CONVENTIONS[ctx.chart] ?? {};
    const compose = convention.compose ?? genericCompose;
    const found: ChartImage[] = [];
    const add = (p: string, composed: Composed) => {
        if (composed === undefined) return;
        const mine = get(ours, p);
        const when = convention.onDemand?.[p];
        found.push({ path: p, composed, ours: mine !== undefined && !(isMap(mine) && Object.keys(mine).length === 0), ...(when === undefined ? {} : { when }) });
    };
    const walk = (v: unknown, at: string): void => {
        if (Array.isArray(v)) {
            v.forEach((x, i) => walk(x, `${at}[${i}]`));
            return;
        }
        if (!isMap(v) || v.enabled === false) return;
        for (const [k, x] of Object.entries(v)) {
            const p = at === "" ? k : `${at}.${k}`;
            const imageKey = k === "image" || k === "imageName" || /[a-z]Image$/.test(k);
            if (imageKey && looksLikeRef(x)) add(p, { refs: [x], defaultTag: false });
            else if (isMap(x) && x.enabled !== false && (imageKey || (typeof x.repository === "string" && ("tag" in x || "registry" in x)))) add(p, compose(x, merged, ctx));
            else walk(x, p);
        }
    };
    walk(merged, "");
    for (const r of convention.root?.(merged, ctx) ?? []) add(r.path, r.composed);
    return found;
}

// ---------------------------------------------------------------------------------------------
// Charts

/** The pin a Release's chart reference points at (bare name, `oci://…/<chart>` or `…/<chart>-<version>.tgz`). */
export function pinFor(chartInput: string): { key: string; pin: ChartPin } | undefined {
    const base = chartInput.split("/").pop() ?? chartInput;
    const found = Object.entries(chartPins).find(([, p]) => base === p.chart || base === `${p.chart}-${p.version}.tgz`);
    return found === undefined ? undefined : { key: found[0], pin: found[1] };
}

/** Chart name, version and source of a Release as its inputs give them. */
export function chartOf(inputs: Record<string, any>, component: string): ChartArtifact {
    const input = String(inputs.chart);
    const pinned = pinFor(input);
    const kind: ChartSourceKind = input.startsWith("oci://") ? "oci" : input.endsWith(".tgz") ? "local" : "repo";
    const base = input.split("/").pop() ?? input;
    const chart = pinned?.pin.chart ?? (kind === "local" ? base.replace(/-v?[0-9][^-]*\.tgz$/, "") : base);
    const version = str(inputs.version) || (pinned?.pin.version ?? (kind === "local" ? (/-(v?[0-9][^-]*)\.tgz$/.exec(base)?.[1] ?? "") : ""));
    const source = kind === "repo" ? str(inputs.repositoryOpts?.repo) : input;
    return { chart, version, source, kind, component, release: str(inputs.name), namespace: str(inputs.namespace) };
}

/** The `helm pull` that fetches a chart into `dir` (a local archive needs no pull: a comment says so). */
export function helmPullLine(c: ChartArtifact, dir: string): string {
    switch (c.kind) {
        case "oci":
            return `helm pull ${c.source} --version ${c.version} --destination ${dir}`;
        case "repo":
            return `helm pull ${c.chart} --repo ${c.source} --version ${c.version} --destination ${dir}`;
        case "local":
            return `# ${c.chart} ${c.version} is already a local archive: ${c.source}`;
    }
}

/** The archive `helm pull` writes into `dir`. */
export function archivePath(c: ChartArtifact, dir: string): string {
    return c.kind === "local" ? c.source : `${dir.replace(/\/+$/, "")}/${c.chart}-${c.version}.tgz`;
}

/** The `helm push` that puts a pulled chart into an OCI mirror (`oci://host/path`, as `chartSource.location`). */
export function helmPushLine(c: ChartArtifact, dir: string, ociMirror: string): string {
    return `helm push ${archivePath(c, dir)} ${ociMirror.replace(/\/+$/, "")}`;
}

// ---------------------------------------------------------------------------------------------
// Reference data

/** Reads chart defaults from `<dir>/charts/<chart>/values.yaml` and appVersions from VERSIONS.md. */
export function loadReference(dir: string): ReferenceData {
    const chartsDir = path.join(dir, "charts");
    // Folder per chart name, from each Chart.yaml (`operator` is saved as minio-operator).
    const folders = new Map<string, { folder: string; chartYaml: Record<string, unknown> }>();
    for (const folder of fs.existsSync(chartsDir) ? fs.readdirSync(chartsDir) : []) {
        const file = path.join(chartsDir, folder, "Chart.yaml");
        if (!fs.existsSync(file)) continue;
        const chartYaml = YAML.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
        folders.set(str(chartYaml.name) || folder, { folder, chartYaml });
    }
    const versions = parseVersionsTable(fs.existsSync(path.join(dir, "VERSIONS.md")) ? fs.readFileSync(path.join(dir, "VERSIONS.md"), "utf8") : "");
    return {
        values(chart) {
            const f = folders.get(chart);
            const file = f === undefined ? "" : path.join(chartsDir, f.folder, "values.yaml");
            if (file === "" || !fs.existsSync(file)) return undefined;
            return (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
        },
        dependencies(chart) {
            const deps = folders.get(chart)?.chartYaml.dependencies;
            return Array.isArray(deps)
                ? deps.filter(isMap).map((d) => ({
                      name: str(d.name),
                      version: str(d.version),
                      ...(str(d.repository) === "" ? {} : { repository: str(d.repository) }),
                      ...(str(d.condition) === "" ? {} : { condition: str(d.condition) }),
                  }))
                : [];
        },
        appVersion(chart, version) {
            const row = versions.get(chart);
            if (row !== undefined && row.version === version && row.appVersion !== undefined) return row.appVersion;
            const y = folders.get(chart)?.chartYaml;
            return y !== undefined && str(y.version) === version && str(y.appVersion) !== "" ? str(y.appVersion) : undefined;
        },
    };
}

/**
 * The VERSIONS.md table, by chart name: newest chart version (the bold one) and the app version
 * when the cell holds a plain version.
 */
export function parseVersionsTable(md: string): Map<string, { version: string; appVersion?: string }> {
    const out = new Map<string, { version: string; appVersion?: string }>();
    for (const line of md.split("\n")) {
        const cells = line.split("|").map((c) => c.trim());
        if (cells.length < 7) continue;
        const chart = /`([^`]+)`/.exec(cells[2])?.[1];
        const version = /\*\*([^*]+)\*\*/.exec(cells[4])?.[1];
        if (chart === undefined || version === undefined) continue;
        const app = cells[5].replace(/^"|"$/g, "");
        out.set(chart, { version, ...(/^v?[0-9][\w.+-]*$/.test(app) ? { appVersion: app } : {}) });
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// The whole stack

/**
 * Images that workloads submitted after `pulumi up` run, by component type: the program pins them
 * but no resource carries them.
 */
const RUNTIME_IMAGES: Readonly<Record<string, { pin: ImagePin; what: string }[]>> = {
    "analytics:processing:SparkJobs": [{ pin: imagePins.spark, what: "SparkApplications submitted later run it" }],
};

/** Catalog images a component runs only when a config feature is on (listed on demand until then). */
const FEATURE_IMAGES: Readonly<Record<string, { pin: ImagePin; when: string }[]>> = {
    "analytics:apps:Airflow": [{ pin: imagePins.gitSync, when: "airflow.dags is set (DAGs by git-sync)" }],
    "analytics:processing:FlinkCdc": [{ pin: imagePins.flinkConnectors, when: "flink.jobEnabled is true (flink.connectorsImage, built from images/flink, runs the session cluster)" }],
};

/** Merges entries with the same reference (sources and notes joined) and sorts them by reference. */
export function dedupe<T extends ImageEntry>(entries: readonly T[]): T[] {
    const byRef = new Map<string, T>();
    for (const e of entries) {
        const seen = byRef.get(e.ref);
        if (seen === undefined) {
            byRef.set(e.ref, e);
            continue;
        }
        const sources = seen.source.split("; ");
        const note = [seen.note, e.note].filter((n): n is string => n !== undefined && n !== "").filter((n, i, a) => a.indexOf(n) === i).join("; ");
        byRef.set(e.ref, {
            ...seen,
            source: sources.includes(e.source) ? seen.source : `${seen.source}; ${e.source}`,
            // Our own setting wins over a chart default or a catalog fallback for the same reference.
            origin: seen.origin === "authored" || e.origin === "authored" ? "authored" : seen.origin === "chart-values" || e.origin === "chart-values" ? "chart-values" : seen.origin,
            ...(note === "" ? {} : { note }),
        });
    }
    return [...byRef.values()].sort((a, b) => a.ref.localeCompare(b.ref));
}

/** Repository namespace of the images the platform builds itself (Dockerfiles under images/). */
export const PLATFORM_NAMESPACE = "analytics-platform/";
const PLATFORM_NOTE = "built by the platform from images/: build and push it if it is not published";

function topLevel(byUrn: Map<string, Registered>, r: Registered): Registered {
    let cur = r;
    for (let p = byUrn.get(cur.parent); p !== undefined; p = byUrn.get(cur.parent)) cur = p;
    return cur;
}

const kindOf = (type: string) => type.split(":").pop() ?? type;

/**
 * Charts and images of a captured program run. `imageRegistry` is the stack's registry override
 * (with its platformImageRegistry, where set), applied to catalog fallbacks as the components apply it.
 */
export function collectArtifacts(capture: Capture, reference: ReferenceData, imageRegistry: ImageRegistry): Artifacts {
    const byUrn = new Map(capture.resources.map((r) => [r.urn, r]));
    const kafkaVersions = [
        ...new Set(
            capture.resources
                .flatMap((r) => (r.type === "kubernetes:kafka.strimzi.io/v1:Kafka" ? [r.inputs.spec?.kafka?.version] : r.type === "kubernetes:kafka.strimzi.io/v1:KafkaConnect" ? [r.inputs.spec?.version] : []))
                .map(str)
                .filter((v) => v !== ""),
        ),
    ].sort();
    const charts: ChartArtifact[] = [];
    const images: ImageEntry[] = [];
    const onDemand: OnDemandImage[] = [];
    const unresolved: Unresolved[] = [];

    for (const r of capture.resources) {
        const component = topLevel(byUrn, r).name;
        if (r.type === RELEASE) {
            const c = chartOf(r.inputs, component);
            charts.push(c);
            const ours = isMap(r.inputs.values) ? r.inputs.values : {};
            const defaults = reference.values(c.chart);
            const appVersion = reference.appVersion(c.chart, c.version);
            const convention = CONVENTIONS[c.chart] ?? {};
            const defaultTag = convention.tagFrom === "chartVersion" ? c.version : appVersion;
            const ctx: ChartContext = { chart: c.chart, version: c.version, defaultTag, kafkaVersions };
            const foundImages = chartImages(defaults ?? {}, ours, ctx);
            for (const found of foundImages) {
                const source = `${component}: chart ${c.chart} ${found.path}`;
                if ("pattern" in found.composed) {
                    if (found.when === undefined) unresolved.push({ pattern: normalizeRef(found.composed.pattern), source, reason: `${found.composed.missing} is not pinned in the stack` });
                    continue;
                }
                const origin: Origin = found.ours ? "chart-values" : "chart-default";
                const note = found.composed.defaultTag ? `tag is ${convention.tagFrom === "chartVersion" ? "the chart version" : "the chart's appVersion"} ${defaultTag}` : undefined;
                for (const ref of found.composed.refs) {
                    const entry: ImageEntry = { ref: normalizeRef(ref), source, origin, ...(note === undefined ? {} : { note }) };
                    if (found.when === undefined) images.push(entry);
                    else onDemand.push({ ...entry, when: found.when });
                }
            }
            // Subcharts from other repositories: their own images are in values this tool does not have.
            const merged = mergeValues(defaults ?? {}, ours) as Record<string, unknown>;
            for (const dep of reference.dependencies(c.chart)) {
                if (dep.repository === undefined || !dependencyEnabled(dep, merged)) continue;
                unresolved.push({
                    pattern: `<images of subchart ${dep.name} ${dep.version}>`,
                    source: `${component}: chart ${c.chart} ${dep.name}`,
                    reason: `the subchart's default values are not in the reference; list them with helm template or helm show values ${dep.name} --repo ${dep.repository}`,
                });
            }
            // A chart whose values name no image and whose defaults are unknown: the catalog's pin.
            if (defaults === undefined && foundImages.length === 0) {
                const pinned = pinFor(String(r.inputs.chart));
                const pin = pinned === undefined ? undefined : (imagePins as Record<string, ImagePin>)[pinned.key];
                if (pin !== undefined) {
                    images.push({ ref: normalizeRef(imageRef(pin, imageRegistry)), source: `${component}: catalog images.${pinned?.key}`, origin: "catalog", note: "from catalog pin; chart may run more images" });
                } else {
                    unresolved.push({ pattern: `<images of ${c.chart} ${c.version}>`, source: `${component}: chart ${c.chart}`, reason: "no reference values.yaml and no catalog image pin" });
                }
            }
            continue;
        }
        if (!r.custom) {
            for (const rt of RUNTIME_IMAGES[r.type] ?? []) images.push({ ref: normalizeRef(imageRef(rt.pin, imageRegistry)), source: `${component}: catalog (${rt.what})`, origin: "catalog" });
            for (const f of FEATURE_IMAGES[r.type] ?? []) onDemand.push({ ref: normalizeRef(imageRef(f.pin, imageRegistry)), source: `${component}: catalog`, origin: "catalog", when: f.when });
            continue;
        }
        for (const [p, ref] of authoredImages(r.inputs)) {
            const own = splitRef(ref).repository.startsWith(PLATFORM_NAMESPACE);
            images.push({ ref: normalizeRef(ref), source: `${component}: ${kindOf(r.type)} ${r.name} ${p}`, origin: "authored", ...(own ? { note: PLATFORM_NOTE } : {}) });
        }
    }
    const uniqueUnresolved = unresolved.filter((u, i) => unresolved.findIndex((x) => x.pattern === u.pattern) === i);
    const required = dedupe(images);
    return {
        charts: [...charts].sort((a, b) => a.chart.localeCompare(b.chart) || a.release.localeCompare(b.release)),
        images: required,
        // An on-demand image the stack already runs for another reason is not on demand.
        onDemand: dedupe(onDemand).filter((o) => !required.some((i) => i.ref === o.ref)),
        unresolved: uniqueUnresolved,
    };
}

/** Where a stack's configuration takes images from: `imageRegistry` and `platformImageRegistry`. */
export function imageSourceOf(config: Readonly<Record<string, unknown>>): ImageRegistry {
    const text = (v: unknown) => (typeof v === "string" ? v : "");
    return { registry: text(config.imageRegistry), platformRegistry: text(config.platformImageRegistry) };
}
