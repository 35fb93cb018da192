import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ImageKey, ImagePin, images } from "../../components/catalog";

/**
 * The platform's own images: the catalog pins with a `build` folder under `images/`. Their tag is
 * `<version>-<12 hex>`, the hex being a hash of the folder's build inputs, so a changed
 * requirement, jar or Dockerfile line means a new tag (tests keep the catalog equal to it).
 */

/** Where the Dockerfiles live, relative to the project. */
export const IMAGES_DIR = "images";
/** Digits of the inputs hash in a tag. */
const HASH_LENGTH = 12;
const TAG = new RegExp(`^(.+)-([0-9a-f]{${HASH_LENGTH}})$`);

/** A catalog pin the platform builds itself. */
export interface PlatformImage {
    readonly key: ImageKey;
    readonly pin: ImagePin & { readonly build: string };
    /** The build context, relative to the project: `images/<build>`. */
    readonly context: string;
}

/** Every pin with a `build` folder, in catalog order. */
export function platformImages(): PlatformImage[] {
    return (Object.entries(images) as [ImageKey, ImagePin][]).flatMap(([key, pin]) =>
        pin.build === undefined ? [] : [{ key, pin: pin as ImagePin & { build: string }, context: `${IMAGES_DIR}/${pin.build}` }],
    );
}

/**
 * Whether a file of an image folder is a build input: documentation (`*.md`), tests (`test_*`,
 * `*_test.*`) and caches (dot-folders, `__pycache__`) are not, everything else is.
 */
export function isBuildInput(relative: string): boolean {
    const parts = relative.split("/");
    const base = parts[parts.length - 1];
    if (parts.some((p) => p.startsWith(".") || p === "__pycache__")) return false;
    return !(base.endsWith(".md") || base.startsWith("test_") || /_test\.[a-z]+$/.test(base));
}

/** The build inputs of a folder, as sorted relative paths. */
export function buildInputs(dir: string): string[] {
    const out: string[] = [];
    const walk = (rel: string) => {
        for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
            const r = rel === "" ? entry.name : `${rel}/${entry.name}`;
            if (entry.isDirectory()) walk(r);
            else if (isBuildInput(r)) out.push(r);
        }
    };
    walk("");
    return out.sort();
}

/** Hash of named file contents: each path and the sha256 of its bytes, in path order. */
export function inputsHash(files: ReadonlyArray<readonly [string, Buffer | string]>): string {
    const h = createHash("sha256");
    for (const [name, content] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        h.update(`${name}\0${createHash("sha256").update(content).digest("hex")}\n`);
    }
    return h.digest("hex").slice(0, HASH_LENGTH);
}

/** The hash of an image folder's build inputs. */
export function folderHash(dir: string): string {
    return inputsHash(buildInputs(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))] as const));
}

/** Splits a platform tag into the version it names and its inputs hash; undefined if it has no hash. */
export function parseTag(tag: string): { version: string; hash: string } | undefined {
    const m = TAG.exec(tag);
    return m === null ? undefined : { version: m[1], hash: m[2] };
}

/** The tag a platform image must have: its catalog version with the hash of its folder as it is now. */
export function expectedTag(image: PlatformImage, projectDir: string): string {
    const version = parseTag(image.pin.tag)?.version ?? image.pin.tag;
    return `${version}-${folderHash(path.join(projectDir, image.context))}`;
}

/** The reference an image is pushed to: `registry` (default: the catalog's) with the catalog path and tag. */
export function pushRef(image: PlatformImage, registry?: string): string {
    return `${registry ?? image.pin.registry}/${image.pin.repository}:${image.pin.tag}`;
}

export interface BuildOptions {
    /** Registry to push to; absent, the images are loaded into the local Docker image store under their catalog names. */
    readonly push?: string;
    /** Target platforms, e.g. ["linux/amd64", "linux/arm64"]; empty builds for the builder's own platform. */
    readonly platforms?: readonly string[];
    /** Only these catalog keys; empty builds them all. */
    readonly only?: readonly string[];
}

/** One `docker buildx build` invocation per platform image, as argv lists. */
export function buildCommands(all: readonly PlatformImage[], opts: BuildOptions): string[][] {
    const chosen = opts.only === undefined || opts.only.length === 0 ? all : all.filter((i) => opts.only?.includes(i.key));
    return chosen.map((i) => [
        "docker",
        "buildx",
        "build",
        ...(opts.platforms === undefined || opts.platforms.length === 0 ? [] : ["--platform", opts.platforms.join(",")]),
        "--tag",
        pushRef(i, opts.push),
        opts.push === undefined ? "--load" : "--push",
        i.context,
    ]);
}

/** An argv list as a shell line, quoting what a POSIX shell would split or expand. */
export function shellLine(argv: readonly string[]): string {
    return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
}

/** A platform image a stack runs, with the command that builds and pushes it. */
export interface BuildEntry {
    readonly ref: string;
    readonly context: string;
    readonly build: string;
}

/**
 * The platform images among a stack's image references (matched by repository path and tag, so a
 * mirrored reference counts), each with its `npm run images` command for `registry` (a placeholder
 * when none is known).
 */
export function builtImages(refs: readonly string[], registry: string): BuildEntry[] {
    const target = registry === "" ? "<registry>" : registry;
    return platformImages().flatMap((i) => {
        const ref = refs.find((r) => r.endsWith(`/${i.pin.repository}:${i.pin.tag}`));
        return ref === undefined ? [] : [{ ref, context: i.context, build: `npm run images -- build --push ${target} --only ${i.key}` }];
    });
}
