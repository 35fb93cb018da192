import { ImageKey, ImagePin, chartImages, images } from "../catalog";

/**
 * Where the platform's images come from. Components take it as `imageRegistry`: a bare string is
 * the registry override alone (what tests and single-component callers pass); the program passes
 * the whole {@link ImageSource} built from config.
 */
export type ImageRegistry = string | ImageSource;

/** Kubernetes' container `imagePullPolicy` values. */
export type PullPolicy = "Always" | "IfNotPresent" | "Never";

export interface ImageSource {
    /** `imageRegistry`: replaces the registry of every catalog pin, keeping its repository path; "" keeps upstream. */
    readonly registry: string;
    /** `platformImageRegistry`: the registry of the platform's own images (pins with `build`); it wins over `registry` for them. */
    readonly platformRegistry?: string;
    /** `images.<key>`: a full reference replacing that catalog pin (the registry override does not apply to it). */
    readonly overrides?: Readonly<Partial<Record<OverridableImage, string>>>;
    /** `imagePullPolicy` for every container; undefined leaves Kubernetes' (and each chart's) default. */
    readonly pullPolicy?: PullPolicy;
    /** `imagePullSecrets`: names of existing Secrets in each workload's namespace. Default none. */
    readonly pullSecrets?: readonly string[];
}

/** A reference taken apart: `registry/repository:tag`, the tag possibly carrying `@sha256:…`. */
export interface ParsedRef {
    readonly registry: string;
    readonly repository: string;
    /** The tag, or `tag@sha256:<digest>` for a reference pinned by both. */
    readonly tag: string;
}

/** Every catalog image a stack can override by key: the program's own pins and the charts' images. */
export type OverridableImage = ImageKey | keyof typeof chartImages;
/** The pins by key, `images` and `chartImages` together (their keys do not overlap; a test keeps it so). */
export const OVERRIDABLE: Readonly<Record<OverridableImage, ImagePin>> = { ...images, ...chartImages };

const KEY_OF = new Map<ImagePin, OverridableImage>((Object.entries(OVERRIDABLE) as [OverridableImage, ImagePin][]).map(([k, p]) => [p, k]));

function source(src: ImageRegistry): ImageSource {
    return typeof src === "string" ? { registry: src } : src;
}

/** The config override of a catalog pin (looked up by identity), if any. */
function override(pin: ImagePin, src: ImageRegistry): ParsedRef | undefined {
    const key = KEY_OF.get(pin);
    const ref = key === undefined ? undefined : source(src).overrides?.[key];
    return ref === undefined ? undefined : parseRef(ref);
}

/**
 * Splits a full reference `host[:port]/path:tag[@sha256:…]`. The first path segment is the registry
 * (config validation requires one), the tag is everything after the last `:` of the name.
 */
export function parseRef(ref: string): ParsedRef {
    const at = ref.indexOf("@");
    const name = at < 0 ? ref : ref.slice(0, at);
    const digest = at < 0 ? "" : ref.slice(at);
    const slash = name.indexOf("/");
    const colon = name.lastIndexOf(":");
    const hasTag = colon > name.lastIndexOf("/");
    return {
        registry: name.slice(0, slash),
        repository: name.slice(slash + 1, hasTag ? colon : undefined),
        tag: `${hasTag ? name.slice(colon + 1) : ""}${digest}`,
    };
}

/**
 * The reference to run for a catalog pin: its `images.<key>` override when configured, otherwise
 * the pin with the registry override applied.
 */
export function imageRef(pin: ImagePin, src: ImageRegistry): string {
    const o = override(pin, src);
    return o === undefined ? `${registryFor(pin, src)}/${pin.repository}:${pin.tag}` : `${o.registry}/${o.repository}:${o.tag}`;
}

/** The registry an image is pulled from: the override's, the configured registry, or the pin's own. */
export function registryFor(pin: ImagePin, src: ImageRegistry): string {
    const o = override(pin, src);
    if (o !== undefined) return o.registry;
    const { registry, platformRegistry } = source(src);
    if (pin.build !== undefined && platformRegistry !== undefined && platformRegistry !== "") return platformRegistry;
    return registry === "" ? pin.registry : registry;
}

/** `registry/repository` without the tag, for charts that take repository and tag apart. */
export function repositoryRef(pin: ImagePin, src: ImageRegistry): string {
    const o = override(pin, src);
    return o === undefined ? `${registryFor(pin, src)}/${pin.repository}` : `${o.registry}/${o.repository}`;
}

/** The repository path without the registry, for charts that take registry, repository and tag apart. */
export function repositoryPath(pin: ImagePin, src: ImageRegistry): string {
    return override(pin, src)?.repository ?? pin.repository;
}

/** The tag (with `@sha256:…` when the override pins a digest too), for charts that take it apart. */
export function tagFor(pin: ImagePin, src: ImageRegistry): string {
    return override(pin, src)?.tag ?? pin.tag;
}

/** The configured pull policy, or undefined for the default. */
export function pullPolicyOf(src: ImageRegistry): PullPolicy | undefined {
    return source(src).pullPolicy;
}

/** The configured pull secrets' names (possibly none). */
export function pullSecretNames(src: ImageRegistry): readonly string[] {
    return source(src).pullSecrets ?? [];
}

/** The configured `imageRegistry` alone ("" when upstream registries are kept), for charts that take a global registry. */
export function registryOverride(src: ImageRegistry): string {
    return source(src).registry;
}

/** `{registry, repository, tag}`, the image object most charts take, with the configured overrides applied. */
export function imageValues(pin: ImagePin, src: ImageRegistry): { registry: string; repository: string; tag: string } {
    return { registry: registryFor(pin, src), repository: repositoryPath(pin, src), tag: tagFor(pin, src) };
}
