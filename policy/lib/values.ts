/**
 * Plain-value helpers for the policies: resource inputs arrive as untyped JSON, partly unknown
 * during `pulumi preview`, so every read goes through these narrowing functions.
 */

/** A value the engine cannot know yet (an output of a resource not yet created). */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

/** A JSON object. */
export type Obj = Record<string, unknown>;

/** One resource as a policy sees it: the type token and the inputs. */
export interface PolicyResource {
    /** Pulumi type token, e.g. `kubernetes:apps/v1:Deployment`. */
    readonly type: string;
    /** Logical (Pulumi) name, for messages. */
    readonly name: string;
    /** URN, so stack policies can attribute a violation; empty in fixtures that do not need one. */
    readonly urn: string;
    readonly props: Obj;
}

/** A violation a stack policy attributes to one resource. */
export interface Finding {
    readonly urn: string;
    readonly message: string;
}

/**
 * The sentinels `@pulumi/policy` puts where a value is unknown during preview (one per kind:
 * bool, number, string, array, asset, archive, object). Reading them through the SDK's proxy
 * throws; `plain` replaces them with `UNKNOWN` so a policy can skip what it cannot judge yet.
 */
export const PREVIEW_SENTINELS: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/**
 * A deep copy of resource inputs without the SDK's unknown-checking proxy. Values are read through
 * property descriptors, which the proxy does not intercept, so an unknown value becomes `UNKNOWN`
 * instead of aborting the whole policy.
 */
export function plain(value: unknown): unknown {
    if (typeof value === "string") return PREVIEW_SENTINELS.has(value) ? UNKNOWN : value;
    if (typeof value !== "object" || value === null) return value;
    const read = (key: string): unknown => plain(Object.getOwnPropertyDescriptor(value, key)?.value);
    if (Array.isArray(value)) return Object.keys(value).map(read);
    return Object.fromEntries(Object.keys(value).map((k) => [k, read(k)]));
}

export function isUnknown(v: unknown): v is Unknown {
    return v === UNKNOWN;
}

export function isObj(v: unknown): v is Obj {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value at `path`, `UNKNOWN` if an unknown value is on the way, undefined if absent. */
export function at(v: unknown, ...path: (string | number)[]): unknown {
    let cur = v;
    for (const key of path) {
        if (isUnknown(cur)) return UNKNOWN;
        if (typeof key === "number") {
            if (!Array.isArray(cur)) return undefined;
            cur = (cur as unknown[])[key];
        } else {
            if (!isObj(cur)) return undefined;
            cur = cur[key];
        }
    }
    return cur;
}

/** The objects of an array (unknown or missing arrays give none). */
export function objects(v: unknown): Obj[] {
    return Array.isArray(v) ? (v as unknown[]).filter(isObj) : [];
}

export function str(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}

/** A number, also from a numeric string (operator configs often hold numbers as strings). */
export function num(v: unknown): number | undefined {
    if (typeof v === "number") return v;
    if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
    return undefined;
}

/** Set to something (an unknown value counts: it will be set once known). */
export function present(v: unknown): boolean {
    return v !== undefined && v !== null && v !== "";
}

/** `metadata.namespace`, `default` when absent, `UNKNOWN` when not yet known. */
export function namespaceOf(r: PolicyResource): string | Unknown {
    const ns = at(r.props, "metadata", "namespace");
    if (isUnknown(ns)) return UNKNOWN;
    return str(ns) ?? "default";
}

/** `metadata.name` when known, the Pulumi name otherwise: how messages name an object. */
export function displayName(r: PolicyResource): string {
    return str(at(r.props, "metadata", "name")) ?? r.name;
}

/** `Kind name` for messages, e.g. `Deployment schema-registry`. */
export function describe(r: PolicyResource): string {
    const kind = r.type.split(":").pop() ?? r.type;
    return `${kind} ${displayName(r)}`;
}

/** A value as messages quote it. */
export function show(v: unknown): string {
    if (isUnknown(v)) return "(unknown)";
    if (typeof v === "string") return v;
    if (v === undefined) return "not set";
    return JSON.stringify(v) ?? "not set";
}
