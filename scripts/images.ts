/**
 * The platform's own images (components/catalog.ts pins with a `build` folder under images/).
 *
 *   npm run images -- list                          each image: catalog reference, folder, whether its tag is current
 *   npm run images -- list --stack dev              every image the stack runs, ours marked with their folder
 *   npm run images -- build                         docker buildx build each, loaded into the local Docker under its catalog name
 *   npm run images -- build --push <registry>       ... pushed to <registry>/<repository>:<tag> (the path imageRegistry expects)
 *        [--platform linux/amd64,linux/arm64] [--only spark,duckdb] [--dry-run]
 *
 * The tag is `<version>-<hash of the folder's build inputs>`; `build` refuses to run while a catalog
 * tag differs from its folder (the image would be pushed under a name the stack does not use).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { UsageError, runCli } from "./lib/cli";
import { BuildOptions, buildCommands, expectedTag, platformImages, shellLine } from "./lib/images";
import { PROJECT_DIR } from "./lib/mockProgram";

const USAGE = [
    "usage: npm run images -- list [--stack <name>]",
    "       npm run images -- build [--push <registry>] [--platform <os/arch>[,...]] [--only <key>[,...]] [--dry-run]",
].join("\n");

/** Runs one command with the terminal attached; returns its exit status (undefined: it could not start). */
export type Runner = (argv: readonly string[]) => number | undefined;

const spawnRunner: Runner = (argv) => {
    const r = spawnSync(argv[0], argv.slice(1), { cwd: PROJECT_DIR, stdio: "inherit" });
    return r.error === undefined ? (r.status ?? 1) : undefined;
};

/** Catalog pins (of the keys given, or all) whose tag no longer matches their folder, as messages. */
export function staleTags(only: readonly string[] = []): string[] {
    return platformImages().filter((i) => only.length === 0 || only.includes(i.key)).flatMap((i) => {
        const want = expectedTag(i, PROJECT_DIR);
        return want === i.pin.tag ? [] : [`images.${i.key}: the catalog tag is ${i.pin.tag}, ${i.context} builds ${want}; set it in components/catalog.ts`];
    });
}

async function list(stack: string | undefined): Promise<string> {
    const own = platformImages();
    if (stack === undefined) {
        const out = ["The platform's own images (build them with `npm run images -- build [--push <registry>]`):"];
        for (const i of own) {
            const want = expectedTag(i, PROJECT_DIR);
            out.push(`  ${i.key.padEnd(16)} ${i.pin.registry}/${i.pin.repository}:${i.pin.tag}`, `      from ${i.context}/${want === i.pin.tag ? "" : `  (STALE: inputs now hash to ${want})`}`);
        }
        return `${out.join("\n")}\n`;
    }
    if (!fs.existsSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`))) throw new UsageError(`no Pulumi.${stack}.yaml`);
    // Loaded here: evaluating the program needs the mock runtime, which the plain list does not.
    const { stackImages } = await import("./lib/stackImages");
    const refs = await stackImages(stack);
    const out = [`Images of stack ${stack} (${refs.length}):`];
    for (const r of refs) {
        const mine = own.find((i) => r.endsWith(`/${i.pin.repository}:${i.pin.tag}`));
        out.push(`  ${r}${mine === undefined ? "" : `  (built from ${mine.context})`}`);
    }
    return `${out.join("\n")}\n`;
}

function build(opts: BuildOptions, dryRun: boolean, run: Runner): string {
    const stale = staleTags(opts.only);
    if (stale.length > 0) throw new Error(stale.join("\n"));
    const commands = buildCommands(platformImages(), opts);
    if (dryRun) return commands.map((c) => `${shellLine(c)}\n`).join("");
    if (run(["docker", "buildx", "version"]) !== 0) throw new Error("`docker buildx version` failed: install Docker with the buildx plugin (or pass --dry-run to print the commands)");
    for (const argv of commands) {
        process.stdout.write(`${shellLine(argv)}\n`);
        const status = run(argv);
        if (status !== 0) throw new Error(`failed (${status === undefined ? "could not start" : `exit ${status}`}): ${shellLine(argv)}`);
    }
    return `built ${commands.length} image(s)\n`;
}

/** The command as a function of its arguments (the tests call it without a process). */
export async function imagesCommand(argv: readonly string[], run: Runner = spawnRunner): Promise<string> {
    const [command, ...rest] = argv;
    let stack: string | undefined;
    let push: string | undefined;
    let platforms: string[] = [];
    let only: string[] = [];
    let dryRun = false;
    for (let i = 0; i < rest.length; i++) {
        const a = rest[i];
        const value = () => {
            const v = rest[++i];
            if (v === undefined) throw new UsageError(`${a} needs a value`);
            return v;
        };
        if (a === "--stack" && command === "list") stack = value();
        else if (a === "--push" && command === "build") push = value().replace(/\/+$/, "");
        else if (a === "--platform" && command === "build") platforms = value().split(",");
        else if (a === "--only" && command === "build") only = value().split(",");
        else if (a === "--dry-run" && command === "build") dryRun = true;
        else throw new UsageError(`unknown argument ${a}`);
    }
    const keys = platformImages().map((i) => i.key as string);
    const unknown = only.filter((k) => !keys.includes(k));
    if (unknown.length > 0) throw new UsageError(`--only takes ${keys.join(", ")}; not ${unknown.join(", ")}`);
    if (push === undefined && platforms.length > 1) throw new UsageError("several --platform values need --push (the local image store holds one platform per tag)");
    if (command === "list") return list(stack);
    if (command === "build") return build({ ...(push === undefined ? {} : { push }), platforms, only }, dryRun, run);
    throw new UsageError(command === undefined ? "a command is required" : `unknown command ${command}`);
}

if (require.main === module) runCli("images", USAGE, (argv) => imagesCommand(argv));
