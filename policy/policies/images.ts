import { resourcePolicy } from "../lib/adapter";
import { PackSettings, allowedRegistries } from "../lib/settings";
import { PolicyResource, describe, isObj } from "../lib/values";

/**
 * Image references: pinned (a tag other than `latest`, or a digest) and pulled from an allowed
 * registry. Images are found under every `image`/`imageName` key of a Kubernetes object's `spec`
 * (pod containers, and the operands of operator custom resources alike) and, for Helm releases,
 * of the chart `values`. Chart values split images differently per chart (`registry`,
 * `repository`, `tag`), so releases are only checked for an explicit `latest`.
 */

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const DOCKER_HUB = "docker.io";
const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

export interface ImageRef {
    /** Registry host (with port), `docker.io` when the reference names none. */
    readonly registry: string;
    /** Path inside the registry; Docker Hub's official images get their `library/` prefix. */
    readonly repository: string;
    readonly tag: string | undefined;
    readonly digest: string | undefined;
}

/** Splits an image reference the way container runtimes resolve it. */
export function parseImage(ref: string): ImageRef {
    const [nameAndTag, digest] = ref.split("@", 2) as [string, string | undefined];
    const lastSlash = nameAndTag.lastIndexOf("/");
    const colon = nameAndTag.lastIndexOf(":");
    const hasTag = colon > lastSlash;
    const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
    const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined;
    const slash = name.indexOf("/");
    const first = slash < 0 ? "" : name.slice(0, slash);
    const explicitRegistry = first.includes(".") || first.includes(":") || first === "localhost";
    const rawRegistry = explicitRegistry ? first : DOCKER_HUB;
    const registry = DOCKER_HUB_ALIASES.has(rawRegistry) ? DOCKER_HUB : rawRegistry;
    let repository = explicitRegistry ? name.slice(slash + 1) : name;
    if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;
    return { registry, repository, tag, digest };
}

/** One image found in a resource: a full reference, or (in chart values) a bare `tag`. */
export interface ImageField {
    readonly path: string;
    readonly ref?: string;
    readonly tag?: string;
    /** Found in Helm chart values rather than a Kubernetes object. */
    readonly chartValues: boolean;
}

function walk(v: unknown, path: string, chartValues: boolean, out: ImageField[]): void {
    if (Array.isArray(v)) {
        (v as unknown[]).forEach((x, i) => walk(x, `${path}[${i}]`, chartValues, out));
        return;
    }
    if (!isObj(v)) return;
    for (const [k, x] of Object.entries(v)) {
        const p = path === "" ? k : `${path}.${k}`;
        if ((k === "image" || k === "imageName") && typeof x === "string" && x !== "") out.push({ path: p, ref: x, chartValues });
        else if (k === "image" && isObj(x) && typeof x.tag === "string") out.push({ path: `${p}.tag`, tag: x.tag, chartValues });
        walk(x, p, chartValues, out);
    }
}

/** Every image a Kubernetes resource names: under `spec`, or a release's `values`. */
export function imagesOf(r: PolicyResource): ImageField[] {
    if (!r.type.startsWith("kubernetes:")) return [];
    const out: ImageField[] = [];
    if (r.type === HELM_RELEASE) walk(r.props.values, "values", true, out);
    else walk(r.props.spec, "spec", false, out);
    return out;
}

/** No `latest` and no untagged image (a digest pins too). */
export function imageTagViolations(r: PolicyResource): string[] {
    return imagesOf(r).flatMap((f) => {
        if (f.ref === undefined) return f.tag === "latest" ? [`${describe(r)}: ${f.path} is "latest"; pin a version`] : [];
        const img = parseImage(f.ref);
        if (img.tag === "latest") return [`${describe(r)}: ${f.path} ${f.ref} uses the "latest" tag; pin a version`];
        if (img.tag === undefined && img.digest === undefined && !f.chartValues) return [`${describe(r)}: ${f.path} ${f.ref} has no tag; pin a version`];
        return [];
    });
}

/** Whether an image comes from a registry entry (`host[:port][/path]`), Docker Hub's aliases counting as one host. */
export function fromRegistry(img: ImageRef, registry: string): boolean {
    const [host, ...path] = registry.replace(/\/+$/, "").split("/");
    if ((DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host) !== img.registry) return false;
    const prefix = path.join("/");
    return prefix === "" || img.repository.startsWith(`${prefix}/`);
}

/** Images of Kubernetes objects (not chart values) pulled from outside the allowed registries. */
export function imageRegistryViolations(r: PolicyResource, settings: PackSettings): string[] {
    const allowed = allowedRegistries(settings);
    return imagesOf(r)
        .filter((f): f is ImageField & { ref: string } => f.ref !== undefined && !f.chartValues)
        .filter((f) => !allowed.some((reg) => fromRegistry(parseImage(f.ref), reg)))
        .map((f) => `${describe(r)}: ${f.path} ${f.ref} is not from an allowed registry (${allowed.join(", ")})`);
}

export const imageTagPolicy = resourcePolicy(
    {
        name: "image-tag-pinned",
        description: "Images are pinned: no \"latest\" tag and no untagged reference, in pod specs, operator resources and chart values.",
        category: "security",
        settings: [],
        remediationSteps: "Pin the image in components/catalog.ts `images` and build the reference with imageRef().",
    },
    (r) => imageTagViolations(r),
);

export const imageRegistryPolicy = resourcePolicy(
    {
        name: "image-registry-allowed",
        description: "Images come from the stack's imageRegistry (or, when it is empty, the upstream registries the catalog pins) or an extra allowed registry.",
        category: "security",
        settings: ["imageRegistry", "extraRegistries"],
        remediationSteps: "Build image references with imageRef(pin, imageRegistry); set the pack's imageRegistry to the stack's, or list the registry in extraRegistries.",
    },
    (r, s) => imageRegistryViolations(r, s),
);
