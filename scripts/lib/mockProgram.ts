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
let lastActivity = Date.now();

/** Installs mocks with the given project config (keys without the project prefix) and a fresh capture. */
export async function useMocks(config: Record<string, unknown>, secretKeys: string[] = []): Promise<Capture> {
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) flat[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    pulumi.runtime.setAllConfig(flat, secretKeys.map((k) => `${PROJECT}:${k}`));
    const capture = new Capture();
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
        lastActivity = Date.now();
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
        });
        return original(req, (err: any, res: any) => {
            inflight--;
            lastActivity = Date.now();
            callback(err, res);
        });
    };
    return capture;
}

/** Waits until every registration has been answered. */
export async function settle(): Promise<void> {
    lastActivity = Math.max(lastActivity, Date.now());
    while (inflight > 0 || Date.now() - lastActivity < 100) await new Promise((r) => setTimeout(r, 20));
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

/** A stack's configuration as the Pulumi CLI would hand it over: Pulumi.yaml defaults, then the stack file. */
export function stackConfig(stack: string): Record<string, unknown> {
    const project = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"));
    const out: Record<string, unknown> = {};
    for (const [k, decl] of Object.entries<any>(project.config ?? {})) {
        if (decl && typeof decl === "object" && "default" in decl) out[k] = decl.default;
    }
    const stackFile = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"));
    for (const [k, v] of Object.entries(stackFile.config ?? {})) out[k.replace(`${PROJECT}:`, "")] = v;
    return out;
}

/** Loads the program (index.ts) afresh under the current mocks and returns its exports. */
export async function runProgram(): Promise<Record<string, any>> {
    for (const id of Object.keys(require.cache)) {
        const own = id.startsWith(PROJECT_DIR) && !id.includes(`${path.sep}node_modules${path.sep}`);
        if (own && !id.includes(`${path.sep}tests${path.sep}`) && !id.includes(`${path.sep}scripts${path.sep}`)) delete require.cache[id];
    }
    const exported = require(path.join(PROJECT_DIR, "index.ts"));
    await settle();
    return exported;
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
