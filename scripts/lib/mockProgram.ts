import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

/**
 * Runs components or the whole program under Pulumi's mock runtime and records every registered
 * resource with its inputs, parent and the dependencies the engine would see. Used by the tests
 * and by the offline plan (`npm run plan`); needs neither a cluster nor the Pulumi CLI.
 */

/** Every generated secret value the mocks return contains this marker. */
export const SECRET_MARK = "GENERATED-SECRET";
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
const PROJECT = "analytics-platform";

export interface Registered {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly parent: string;
    /** False for component resources. */
    readonly custom: boolean;
    readonly inputs: Record<string, any>;
    readonly dependencies: string[];
    readonly protect: boolean;
    /** URNs of the `replaceWith` option. */
    readonly replaceWith?: string[];
    /** The `customTimeouts` option; empty strings where unset. */
    readonly customTimeouts?: { create: string; update: string; delete: string };
}

const SIG = "4dabf18193072939515e22adb298388d";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Turns Pulumi's wire form (secrets, resource references, unknowns) into plain values. */
function plain(value: any): any {
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === "object") {
        if (SIG in value) return value.value !== undefined ? plain(value.value) : value.urn ?? null;
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    }
    return value === UNKNOWN ? "<unknown>" : value;
}

function pem(kind: string, name: string): string {
    return `-----BEGIN ${kind}-----\n${SECRET_MARK}-${name}\n-----END ${kind}-----\n`;
}

/** Outputs a provider would compute: random values, keys, certificates, Helm release status. */
function computed(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
    const state: Record<string, any> = { ...inputs };
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
        case "random:index/randomString:RandomString":
            state.result = `${SECRET_MARK}-${name}`;
            break;
        case "random:index/randomBytes:RandomBytes":
            state.base64 = `${SECRET_MARK}-${name}`;
            state.hex = `${SECRET_MARK}-${name}`;
            break;
        case "random:index/randomId:RandomId":
            state.b64Std = `${SECRET_MARK}-${name}`;
            state.b64Url = `${SECRET_MARK}-${name}`;
            state.hex = `${SECRET_MARK}-${name}`;
            break;
        case "tls:index/privateKey:PrivateKey":
            state.privateKeyPem = pem("PRIVATE KEY", name);
            state.publicKeyPem = `-----BEGIN PUBLIC KEY-----\npublic-${name}\n-----END PUBLIC KEY-----\n`;
            break;
        case "tls:index/selfSignedCert:SelfSignedCert":
            state.certPem = `-----BEGIN CERTIFICATE-----\ncert-${name}\n-----END CERTIFICATE-----\n`;
            break;
        case "kubernetes:helm.sh/v3:Release":
            state.status = { name: inputs.name ?? name, namespace: inputs.namespace ?? "default", status: "deployed", version: inputs.version ?? "", chart: inputs.chart };
            break;
        default:
            if (type.startsWith("kubernetes:")) {
                const meta = inputs.metadata ?? {};
                state.metadata = { ...meta, name: meta.name ?? name, ...(type === "kubernetes:core/v1:Namespace" ? {} : { namespace: meta.namespace ?? "default" }) };
            }
    }
    return state;
}

export class Capture {
    readonly resources: Registered[] = [];

    ofType(type: string): Registered[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The one resource of `type` named `name`; fails the test when there is not exactly one. */
    one(type: string, name: string): Registered {
        const found = this.resources.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) {
            throw new Error(`expected one ${type} named ${name}, found ${found.length}; registered: ${this.resources.map((r) => `${r.type} ${r.name}`).join(", ")}`);
        }
        return found[0];
    }

    /** A resource's dependencies as `type::name`, read from the URNs the engine was sent. */
    dependencyNames(r: Registered): string[] {
        return r.dependencies.map((urn) => {
            const m = /^urn:pulumi:[^:]*::[^:]*::(?:.*\$)?([^$]+)::(.+)$/.exec(urn);
            return m ? `${m[1]}::${m[2]}` : urn;
        });
    }
}

let inflight = 0;
/** Counts registrations sent and answered: settle() is done when it stops moving. */
let activity = 0;
/** The config key and capture of the last useMocks call, for runProgram. */
let current: { readonly key: string; readonly capture: Capture } | undefined;

/** The runtime's name of a config key: project keys get the project prefix, `<namespace>:<key>` stays. */
const fullKey = (k: string) => (k.includes(":") ? k : `${PROJECT}:${k}`);

/**
 * Installs mocks with the given config and a fresh capture. Keys of the project are given without
 * the project prefix; keys of other namespaces (a provider's, such as `kubernetes:context`) with theirs.
 */
export async function useMocks(config: Record<string, unknown>, secretKeys: string[] = []): Promise<Capture> {
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) flat[fullKey(k)] = typeof v === "string" ? v : JSON.stringify(v);
    const secrets = secretKeys.map(fullKey);
    pulumi.runtime.setAllConfig(flat, secrets);
    const capture = new Capture();
    current = { key: JSON.stringify([Object.entries(flat).sort(([a], [b]) => a.localeCompare(b)), [...secrets].sort()]), capture };
    await pulumi.runtime.setMocks(
        {
            newResource: (args: pulumi.runtime.MockResourceArgs) => ({ id: `${args.name}-id`, state: computed(args.type, args.name, args.inputs) }),
            call: () => ({}),
        },
        PROJECT,
        "test",
        false,
    );
    const monitor: any = pulumi.runtime.getMonitor();
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, res: any) => void) => {
        inflight++;
        activity++;
        const type: string = req.getType();
        const name: string = req.getName();
        const parent: string = req.getParent() ?? "";
        // The URN the engine would give: the parent's qualified type, then this type.
        const parentType = parent === "" ? "" : (/^urn:pulumi:[^:]*::[^:]*::(.+)::[^:]*$/.exec(parent)?.[1] ?? "");
        const urn = `urn:pulumi:test::${PROJECT}::${parentType === "" ? type : `${parentType}$${type}`}::${name}`;
        capture.resources.push({
            type,
            name,
            urn,
            parent,
            custom: req.getCustom(),
            inputs: plain(req.getObject()?.toJavaScript() ?? {}),
            dependencies: req.getDependenciesList(),
            protect: req.getProtect(),
            replaceWith: req.getReplaceWithList(),
            customTimeouts: {
                create: req.getCustomtimeouts()?.getCreate() ?? "",
                update: req.getCustomtimeouts()?.getUpdate() ?? "",
                delete: req.getCustomtimeouts()?.getDelete() ?? "",
            },
        });
        return original(req, (err: any, res: any) => {
            inflight--;
            activity++;
            callback(err, res);
        });
    };
    return capture;
}

/**
 * Pulumi's own wait for outstanding resource operations (what the CLI waits for before it ends a
 * program): every registration holds it open from the call to the answer, including the time its
 * inputs take to resolve. Internal to @pulumi/pulumi, hence the guarded lookup.
 */
const waitForRPCs: (() => Promise<void>) | undefined = (() => {
    const fn: unknown = require("@pulumi/pulumi/runtime/settings").waitForRPCs;
    return typeof fn === "function" ? (fn as () => Promise<void>) : undefined;
})();

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** Waits until every registration has been answered and no new one follows. */
export async function settle(): Promise<void> {
    if (waitForRPCs === undefined) {
        // Without the runtime's queue: a quiet period after the last answer.
        let last = -1;
        while (inflight > 0 || last !== activity) {
            last = activity;
            await new Promise((r) => setTimeout(r, 50));
        }
        return;
    }
    for (;;) {
        const seen = activity;
        await waitForRPCs();
        await nextTurn();
        if (inflight === 0 && activity === seen) return;
    }
}

/**
 * Under ts-node, the program's modules are compiled once per process: a re-evaluation of the
 * program executes them afresh (new module state) from the memoized JavaScript of the same source.
 */
(function memoizeTranspile(): void {
    const service: any = (process as any)[Symbol.for("ts-node.register.instance")];
    if (service === undefined || typeof service.compile !== "function" || service.compile.memoized === true) return;
    const compile = service.compile.bind(service);
    const memo = new Map<string, { code: string; output: string }>();
    const memoized = (code: string, fileName: string, lineOffset?: number): string => {
        const seen = memo.get(fileName);
        if (seen !== undefined && seen.code === code && lineOffset === undefined) return seen.output;
        const output: string = compile(code, fileName, lineOffset);
        if (lineOffset === undefined) memo.set(fileName, { code, output });
        return output;
    };
    memoized.memoized = true;
    service.compile = memoized;
})();

/**
 * Pulumi records a stack trace for every promise and resource it creates. ts-node maps every
 * stack trace through source maps, which made that bookkeeping most of a program run's time; the
 * runtime's own traces (started inside @pulumi/pulumi) keep V8's plain format (a promise's trace, kept
 * for a leak report the mocks never print, only its first line), everything else
 * (a failing test's trace) is still mapped to the TypeScript source.
 */
(function plainRuntimeTraces(): void {
    const mapped = Error.prepareStackTrace?.bind(Error);
    if (mapped === undefined || (Error.prepareStackTrace as any).plainRuntimeTraces === true) return;
    const runtimeDir = `${path.sep}@pulumi${path.sep}pulumi${path.sep}`;
    const promiseTrace = `${runtimeDir}runtime${path.sep}debuggable.js`;
    const prepare = (err: Error, frames: NodeJS.CallSite[]): unknown => {
        const top = frames[0]?.getFileName() ?? "";
        // The trace each promise carries is read only to report promises left pending at exit.
        if (top.endsWith(promiseTrace)) return String(err);
        if (top.includes(runtimeDir)) return [String(err), ...frames.map((f) => `    at ${f.getFunctionName() ?? "<anonymous>"} (${f.getFileName() ?? "<unknown>"}:${f.getLineNumber() ?? 0}:${f.getColumnNumber() ?? 0})`)].join("\n");
        return mapped(err, frames);
    };
    prepare.plainRuntimeTraces = true;
    Error.prepareStackTrace = prepare;
})();

interface ProgramRun {
    readonly resources: readonly Registered[];
    readonly exported: Record<string, any>;
}

/** One evaluation of the program per distinct configuration (and secret keys) in this process. */
const programRuns = new Map<string, Promise<ProgramRun>>();

/** Freezes captured inputs so a test cannot change what later tests of the same stack read. */
function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
}

async function evaluate(capture: Capture): Promise<ProgramRun> {
    for (const id of Object.keys(require.cache)) {
        const own = id.startsWith(PROJECT_DIR) && !id.includes(`${path.sep}node_modules${path.sep}`);
        if (own && !id.includes(`${path.sep}tests${path.sep}`) && !id.includes(`${path.sep}scripts${path.sep}`)) delete require.cache[id];
    }
    const exported = require(path.join(PROJECT_DIR, "index.ts"));
    await settle();
    return { resources: deepFreeze([...capture.resources]), exported };
}

/**
 * Runs the program (index.ts) under the mocks and configuration of the last {@link useMocks}
 * call and returns its exports; the capture useMocks returned receives every registered resource.
 * The program is evaluated once per distinct configuration in a test run: a later call with the
 * same configuration replays the recorded resources into the new capture and returns the same
 * exports (recorded inputs are frozen). A configuration the program refuses rejects every time.
 */
export async function runProgram(): Promise<Record<string, any>> {
    if (current === undefined) throw new Error("runProgram: call useMocks first");
    const { key, capture } = current;
    let run = programRuns.get(key);
    if (run === undefined) {
        run = evaluate(capture);
        programRuns.set(key, run);
        return (await run).exported;
    }
    const recorded = await run;
    capture.resources.push(...recorded.resources);
    return recorded.exported;
}

/** Resolves an Output (or plain value) under the mocks; secrets resolve to their plain value. */
export function resolve<T>(value: pulumi.Input<T>): Promise<T> {
    return new Promise((res) => pulumi.output(value).apply((v) => {
        res(v as T);
        return v;
    }));
}

/** Whether an Output is marked secret. */
export function isSecret(value: pulumi.Input<unknown>): Promise<boolean> {
    return (pulumi.output(value) as any).isSecret as Promise<boolean>;
}

/**
 * A stack's configuration as the Pulumi CLI would hand it over: Pulumi.yaml defaults, then the stack
 * file (read from `dir`, the project by default). Project keys lose their prefix; other namespaces'
 * keys (`kubernetes:context`, `kubernetes:namespace`, ...) keep theirs.
 */
export function stackConfig(stack: string, dir: string = PROJECT_DIR): Record<string, unknown> {
    const project = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"));
    const out: Record<string, unknown> = {};
    for (const [k, decl] of Object.entries<any>(project.config ?? {})) {
        if (decl && typeof decl === "object" && "default" in decl) out[k] = decl.default;
    }
    const stackFile = YAML.parse(fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8"));
    for (const [k, v] of Object.entries(stackFile.config ?? {})) out[k.startsWith(`${PROJECT}:`) ? k.slice(PROJECT.length + 1) : k] = v;
    return out;
}

/** Every string inside a value, with its dotted path. */
export function strings(value: unknown, at = ""): Array<[string, string]> {
    if (typeof value === "string") return [[at, value]];
    if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
    return [];
}

/**
 * Where a generated value stands outside a Secret: `type name path` for every string input of a
 * resource other than a Secret or a provider that generates values (random, tls) that carries one.
 */
export function secretLeaks(capture: Capture): string[] {
    return capture.resources
        .filter((r) => r.type !== "kubernetes:core/v1:Secret" && !r.type.startsWith("random:") && !r.type.startsWith("tls:"))
        .flatMap((r) => strings(r.inputs).filter(([, s]) => s.includes(SECRET_MARK)).map(([p]) => `${r.type} ${r.name} ${p}`));
}
