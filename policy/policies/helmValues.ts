import { resourcePolicy } from "../lib/adapter";
import { PolicyResource, describe, isObj, str } from "../lib/values";
import { HELM_RELEASE } from "./images";

/**
 * Helm releases are opaque to the pack (it sees the values, not the rendered objects), but the
 * values themselves must not carry a password: the house rule is that secrets live in Kubernetes
 * Secrets and charts are pointed at them. This is a name-based heuristic: a non-empty string
 * under a password/token/secret-key-like key, or an env entry with such a name and a literal
 * `value`, plus (under any key) a URI with a password in its user-info or a literal `password=` inside
 * a string. Keys inside a Secret reference (`secretKeyRef`, `existingSecret`, an object with a
 * `secretName`, ...) name keys, not secrets, and are skipped. Messages name the path, never the value.
 */

const SECRET_KEY = /(password|passwd|pwd|secret_?key|api_?key|access_?token|auth_?token|^token|fernet_?key|^secret)$/i;
/** `pass` as a word at the end of a key (`db_pass`, `dbPass`), not inside one (`bypass`). */
const PASS_KEY = /(^|[_-])pass$|^pass$|[a-z0-9]Pass$/;
/** A URI whose user-info carries a password (`scheme://user:password@host`), the password not a placeholder. */
const URI_USER_INFO = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:(?![{$%<])[^/\s@]+@/i;
/** `password=` with a literal value inside a longer string (DSNs, JDBC URLs, connection strings); code such as `password=os.environ[...]` is not a value. */
const INLINE_PASSWORD = /(^|[\s;&?,])(password|passwd|pwd)\s*=\s*(?![{$%<'"])[^\s;&,()[\]'"]+(?=$|[\s;&,])/i;
/** Keys that name where a secret is, rather than hold one. */
const NAMING_KEY = /(existing|name$|ref$|file$|path$|key_?ref)/i;
/** Parents whose children are key names inside a referenced Secret. */
const REFERENCE_PARENT = /^(secret|secretRef|secretKeyRef|existingSecret|valueFrom)$|SecretRef$/i;
/** Siblings that make an object a Secret reference (`{ secretName, secretKey }`). */
const REFERENCE_SIBLING = /^(secretName|existingSecret|secretRef)$/i;
const ENV_SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY)/i;

function literal(v: unknown): v is string {
    return typeof v === "string" && v !== "" && !v.includes("{{") && !v.startsWith("$");
}

function dotted(path: string[]): string {
    return path.join(".").replace(/\.\[/g, "[");
}

function walk(v: unknown, path: string[], out: string[]): void {
    if (Array.isArray(v)) {
        (v as unknown[]).forEach((x, i) => walk(x, [...path, `[${i}]`], out));
        return;
    }
    if (!isObj(v)) return;
    const envName = str(v.name);
    if (envName !== undefined && ENV_SECRET_NAME.test(envName) && literal(v.value)) out.push(`${dotted(path)} (env ${envName}) has a literal value`);
    const parent = path.filter((p) => !p.startsWith("[")).pop() ?? "";
    const inReference = REFERENCE_PARENT.test(parent) || Object.keys(v).some((k) => REFERENCE_SIBLING.test(k));
    for (const [k, x] of Object.entries(v)) {
        if (!inReference && (SECRET_KEY.test(k) || PASS_KEY.test(k)) && !NAMING_KEY.test(k) && literal(x)) out.push(`${dotted([...path, k])} holds a literal secret`);
        else if (typeof x === "string" && URI_USER_INFO.test(x)) out.push(`${dotted([...path, k])} holds a URI with a password in its user-info`);
        else if (typeof x === "string" && INLINE_PASSWORD.test(x)) out.push(`${dotted([...path, k])} holds a literal password= inside a string`);
        walk(x, [...path, k], out);
    }
}

/** Paths of chart values that look like literal secrets. */
export function plainSecretViolations(r: PolicyResource): string[] {
    if (r.type !== HELM_RELEASE) return [];
    const out: string[] = [];
    walk(r.props.values, ["values"], out);
    return out.map((m) => `${describe(r)}: ${m}; put it in a Secret and point the chart at it`);
}

export const helmValuesPolicy = resourcePolicy(
    {
        name: "helm-values-no-plain-secrets",
        description: "Helm release values hold no literal password, token or secret key (charts read them from existing Secrets).",
        category: "security",
        settings: [],
        remediationSteps: "Generate the value with @pulumi/random, store it in a Secret and use the chart's existing-secret option.",
    },
    (r) => plainSecretViolations(r),
);
