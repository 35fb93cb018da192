/**
 * A chart's effective values as Helm computes them: the program's values merged over the chart's
 * defaults, maps merged key by key, anything else replaced, and a null deleting the default.
 */
export function helmMerge(defaults: unknown, given: unknown): unknown {
    if (!isMap(defaults) || !isMap(given)) return given === undefined ? defaults : given;
    const out: Record<string, unknown> = { ...defaults };
    for (const [k, v] of Object.entries(given)) {
        if (v === null) delete out[k];
        else out[k] = helmMerge(defaults[k], v);
    }
    return out;
}

const FIXED_IDS = new Set(["runAsUser", "runAsGroup", "fsGroup"]);

/** Dotted paths (arrays as `[i]`) under which a fixed UID, GID or fsGroup holds a value. */
export function fixedIdPaths(value: unknown, at = ""): string[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => fixedIdPaths(v, `${at}[${i}]`));
    if (!isMap(value)) return [];
    return Object.entries(value).flatMap(([k, v]) => {
        const p = at === "" ? k : `${at}.${k}`;
        return FIXED_IDS.has(k) && v !== null && v !== undefined && typeof v !== "object" ? [p] : fixedIdPaths(v, p);
    });
}

function isMap(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}
