/**
 * Harness of the engine suite (`npm run test:engines`, tests/engines/**\/*.test.ts): real software on
 * loopback, configured from what the Pulumi program generates. Installs come from
 * `bash scripts/engines/setup.sh`; nothing here downloads anything.
 *
 * API
 * - `freePort()`: a TCP port on 127.0.0.1 that nothing listens on now.
 * - `engineHome(name)`: the directory an install script left for `name` under
 *   `${XDG_CACHE_HOME:-~/.cache}/analytics-platform/engines/` (e.g. "kafka-4.3.1"); throws, naming
 *   setup.sh, when it is missing or unfinished. `lockedEnvironment(name, lockFile)`: a virtualenv
 *   installed from a lock (directory named after the lock's digest, see install-python.sh).
 * - `tempDir(prefix)`: a fresh directory under the OS temp dir, removed after the run.
 * - `startProcess(spec)`: spawns a process in its own process group with its output in a log file;
 *   waits for `spec.ready()` (polled) up to `spec.readyTimeoutMs`, failing with the log's tail if the
 *   process exits or the time runs out. Returns an {@link EngineProcess}: `stop()` (SIGTERM, then
 *   SIGKILL after `stopTimeoutMs`), `kill(signal)`, `exited`, `log()`, `startupMs`.
 *   Every process started is stopped after its test file at the latest (root hook), and killed if
 *   node exits.
 * - `waitFor(what, check, timeoutMs)`: polls `check` until it returns a truthy value; the error names
 *   `what`; a check that throws `StopWaiting` ends the wait at once.
 * - `portOpen(port)`, `httpOk(url)`: readiness probes for `ready`.
 * - `run(command, args, opts)`: runs a command to completion within a timeout; rejects with its
 *   output when it exits non-zero.
 * - `programCapture(stack, overrides?)`: evaluates the stack (Pulumi.yaml defaults + Pulumi.<stack>.yaml, then `overrides`) under
 *   the mocks of scripts/lib/mockProgram.ts, once per stack, and returns the Capture; tests read
 *   the settings they need (env, Secrets, chart values, bucket names, catalog URIs) from its
 *   registered resources, never retype them. Helpers: `deploymentEnv`, `releaseValues`.
 * - `engines(this)`: names the engines a test used in its title line (`[engines: kafka, nessie]`).
 * - When a test fails, the log of every process started since that test began is printed (its last
 *   200 lines), and each engine's start-up time is printed when it becomes ready.
 *
 * Engine starters (Kafka, PostgreSQL, Nessie, S3) live in ./engines.ts.
 */
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Capture, PROJECT_DIR, runProgram, stackConfig, useMocks } from "../../scripts/lib/mockProgram";

export { Capture, PROJECT_DIR };

/** Where scripts/engines/install-*.sh put their installs. */
export const ENGINES_DIR = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "analytics-platform", "engines");

const SETUP_HINT = "run `bash scripts/engines/setup.sh` first";

/** The install directory of `name`; throws when the install script has not completed it. */
export function engineHome(name: string): string {
    const dir = path.join(ENGINES_DIR, name);
    if (!fs.existsSync(path.join(dir, ".complete")) && !fs.existsSync(path.join(dir, "bindir"))) {
        throw new Error(`engine "${name}" is not installed in ${dir}: ${SETUP_HINT}`);
    }
    return dir;
}

/** The virtualenv install-python.sh made from `lockFile` (its directory carries the lock's digest). */
export function lockedEnvironment(name: string, lockFile: string): { dir: string; python: string } {
    const digest = crypto.createHash("sha256").update(fs.readFileSync(lockFile)).digest("hex").slice(0, 16);
    const dir = engineHome(`${name}-${digest}`);
    return { dir, python: path.join(dir, "bin", "python") };
}

const tempDirs: string[] = [];

/** A fresh, empty directory, removed when the run ends. */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `engines-${prefix}-`));
    tempDirs.push(dir);
    return dir;
}

/** A loopback TCP port free at the time of the call. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ port, host });
        const done = (ok: boolean) => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(1000, () => done(false));
        socket.once("connect", () => done(true));
        socket.once("error", () => done(false));
    });
}

/** Whether a GET of `url` answers 2xx. */
export function httpOk(url: string): Promise<boolean> {
    return new Promise((resolve) => {
        const req = http.get(url, { timeout: 2000 }, (res) => {
            res.resume();
            resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
        });
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(false));
    });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Thrown by a `waitFor` check to end the wait at once (e.g. the process being waited on died). */
export class StopWaiting extends Error {}

/** Polls `check` every `intervalMs` until it returns a truthy value, for at most `timeoutMs`; a StopWaiting ends it at once. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs: number, intervalMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const value = await check();
            if (value) return value;
        } catch (e) {
            if (e instanceof StopWaiting) throw e;
            last = e;
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
        await sleep(intervalMs);
    }
}

export interface ProcessSpec {
    /** Name in logs and messages, e.g. "kafka". */
    readonly name: string;
    readonly command: string;
    readonly args: readonly string[];
    /** Added to the harness's environment. */
    readonly env?: Readonly<Record<string, string>>;
    readonly cwd?: string;
    /** Readiness check, polled until it returns true. Default: none (ready at once). */
    readonly ready?: () => Promise<boolean> | boolean;
    /** Longest wait for readiness. Default 120 s. */
    readonly readyTimeoutMs?: number;
    /** Longest wait after SIGTERM before SIGKILL. Default 20 s. */
    readonly stopTimeoutMs?: number;
    /** Appends to this log file instead of a new one (a restart keeps one log). */
    readonly logFile?: string;
}

export interface EngineProcess {
    readonly name: string;
    readonly pid: number;
    readonly logFile: string;
    /** Milliseconds from spawn to ready. */
    readonly startupMs: number;
    /** Resolves with the exit code (or the signal's name) once the process has exited. */
    readonly exited: Promise<number | string>;
    /** Whether the process has exited. */
    hasExited(): boolean;
    /** SIGTERM, then SIGKILL after the stop timeout; resolves once it has exited. */
    stop(): Promise<number | string>;
    /** Sends `signal` to the process group. */
    kill(signal: NodeJS.Signals): void;
    /** The log so far. */
    log(): string;
}

interface Tracked {
    readonly proc: EngineProcess;
    readonly startedAt: number;
}

const tracked: Tracked[] = [];

function tail(text: string, lines: number): string {
    const all = text.split("\n");
    return all.slice(Math.max(0, all.length - lines)).join("\n");
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    if (child.pid === undefined) return;
    try {
        process.kill(-child.pid, signal);
    } catch {
        try {
            child.kill(signal);
        } catch {
            /* already gone */
        }
    }
}

/** Spawns `spec` in its own process group, logs to a file and waits for readiness. */
export async function startProcess(spec: ProcessSpec): Promise<EngineProcess> {
    const logFile = spec.logFile ?? path.join(tempDir(`log-${spec.name}`), `${spec.name}.log`);
    const fd = fs.openSync(logFile, "a");
    const started = Date.now();
    const child = spawn(spec.command, spec.args as string[], {
        cwd: spec.cwd,
        env: { ...process.env, ...(spec.env ?? {}) },
        stdio: ["ignore", fd, fd],
        detached: true,
    });
    fs.closeSync(fd);
    let exitedWith: number | string | undefined;
    const exited = new Promise<number | string>((resolve) => {
        child.once("exit", (code, signal) => {
            exitedWith = code ?? signal ?? "unknown";
            resolve(exitedWith);
        });
        child.once("error", (e) => {
            exitedWith = `spawn error: ${e.message}`;
            resolve(exitedWith);
        });
    });
    const stopTimeout = spec.stopTimeoutMs ?? 20000;
    const proc: EngineProcess = {
        name: spec.name,
        pid: child.pid ?? -1,
        logFile,
        startupMs: 0,
        exited,
        hasExited: () => exitedWith !== undefined,
        kill: (signal) => {
            if (exitedWith === undefined) signalGroup(child, signal);
        },
        stop: async () => {
            if (exitedWith !== undefined) return exitedWith;
            signalGroup(child, "SIGTERM");
            const timer = setTimeout(() => signalGroup(child, "SIGKILL"), stopTimeout);
            const result = await exited;
            clearTimeout(timer);
            // Anything the process left in its group (children) goes too.
            signalGroup(child, "SIGKILL");
            return result;
        },
        log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : ""),
    };
    tracked.push({ proc, startedAt: started });
    const timeout = spec.readyTimeoutMs ?? 120000;
    if (spec.ready) {
        const ready = spec.ready;
        try {
            // An exit ends the wait at once (the check returns true), and is reported below.
            await waitFor(`${spec.name} to be ready`, async () => exitedWith !== undefined || (await ready()), timeout, 200);
            if (exitedWith !== undefined) throw new Error(`${spec.name} exited (${exitedWith}) before it was ready`);
        } catch (e) {
            await proc.stop();
            throw new Error(`${(e as Error).message}\n--- ${spec.name} log (${logFile}) ---\n${tail(proc.log(), 80)}`);
        }
    }
    (proc as { startupMs: number }).startupMs = Date.now() - started;
    console.log(`      [engine] ${spec.name} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${proc.pid})`);
    return proc;
}

export interface RunResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs a command to completion within `timeoutMs` (default 120 s); rejects with its output unless it exits 0 (or `allowFailure`). */
export function run(
    command: string,
    args: readonly string[],
    opts: { env?: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number; allowFailure?: boolean } = {},
): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args as string[], { cwd: opts.cwd, env: { ...process.env, ...(opts.env ?? {}) }, stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"], detached: true });
        let stdout = "";
        let stderr = "";
        child.stdout?.on("data", (d) => (stdout += d));
        child.stderr?.on("data", (d) => (stderr += d));
        const timeoutMs = opts.timeoutMs ?? 120000;
        const timer = setTimeout(() => signalGroup(child, "SIGKILL"), timeoutMs);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            const result = { code: code ?? -1, stdout, stderr };
            if (code === 0 || opts.allowFailure) resolve(result);
            else reject(new Error(`${command} ${args.join(" ")} exited ${code ?? signal}${signal === "SIGKILL" ? ` (killed after ${timeoutMs} ms)` : ""}\n--- stdout ---\n${tail(stdout, 60)}\n--- stderr ---\n${tail(stderr, 60)}`));
        });
        if (child.stdin) {
            // A command may exit before reading all of its input; its exit code tells what happened.
            child.stdin.on("error", () => undefined);
            child.stdin.end(opts.input);
        }
    });
}

// ---------------------------------------------------------------------------------------------
// The program's configuration

const captures = new Map<string, Promise<Capture>>();
let captureChain: Promise<unknown> = Promise.resolve();

/**
 * The stack evaluated under the mocks (once per stack and overrides; evaluations run one after
 * another, since the mocks are process-wide). `overrides` sets top-level config keys the way a
 * stack file would (e.g. `{ flink: {...} }`), for settings no stack file enables. Tests read
 * generated settings from its registered resources.
 */
export function programCapture(stack: string, overrides: Record<string, unknown> = {}): Promise<Capture> {
    const key = Object.keys(overrides).length === 0 ? stack : `${stack} ${JSON.stringify(overrides)}`;
    let found = captures.get(key);
    if (!found) {
        found = captureChain.then(async () => {
            const capture = await useMocks({ ...stackConfig(stack), ...overrides });
            await runProgram();
            return capture;
        });
        captureChain = found.catch(() => undefined);
        captures.set(key, found);
    }
    return found;
}

/** The env of a Deployment's first container (or the one named `container`) as name -> entry. */
export function deploymentEnv(capture: Capture, deployment: string, container?: string): Record<string, { value?: string; valueFrom?: any }> {
    const spec = capture.one("kubernetes:apps/v1:Deployment", deployment).inputs.spec.template.spec;
    const c = container ? spec.containers.find((x: any) => x.name === container) : spec.containers[0];
    assert.ok(c, `Deployment ${deployment} has no container ${container ?? "(first)"}`);
    return Object.fromEntries((c.env ?? []).map((e: any) => [e.name, { value: e.value, valueFrom: e.valueFrom }]));
}

/** The values of the Helm release whose release name is `releaseName`. */
export function releaseValues(capture: Capture, releaseName: string): Record<string, any> {
    const found = capture.ofType("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.name === releaseName);
    assert.strictEqual(found.length, 1, `expected one Helm release named ${releaseName}, found ${found.length}`);
    return found[0].inputs.values ?? {};
}

/** Appends `[engines: a, b]` to the running test's title, so the report names what it ran on. */
export function engines(ctx: Mocha.Context, ...names: string[]): void {
    if (ctx.test) ctx.test.title = `${ctx.test.title} [engines: ${names.join(", ")}]`;
}

// ---------------------------------------------------------------------------------------------
// Root hooks (loaded through tests/engines/.mocharc.json): logs on failure, cleanup.

let testStartedAt = 0;

function stopAll(): Promise<unknown> {
    return Promise.all(tracked.map((t) => t.proc.stop()));
}

export const mochaHooks = {
    beforeEach(): void {
        testStartedAt = Date.now();
    },
    afterEach(this: Mocha.Context): void {
        const test = this.currentTest;
        if (!test || test.state !== "failed") return;
        for (const t of tracked) {
            if (t.proc.hasExited() && t.startedAt < testStartedAt) continue;
            console.log(`\n----- ${t.proc.name} (pid ${t.proc.pid}, ${t.proc.logFile}), last 200 lines -----\n${tail(t.proc.log(), 200)}\n----- end of ${t.proc.name} -----`);
        }
    },
    async afterAll(): Promise<void> {
        await stopAll();
        for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    },
};

process.on("exit", () => {
    for (const t of tracked) if (!t.proc.hasExited()) t.proc.kill("SIGKILL");
});
