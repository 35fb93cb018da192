import * as pulumi from "@pulumi/pulumi";

/**
 * The program's only configuration reader. Every key of the `analytics-platform` namespace is read
 * here once and validated before any resource is registered: unknown keys, wrong types and
 * impossible combinations throw a {@link ConfigError} naming the key, the value given and what is
 * allowed. Components receive the typed {@link PlatformConfig}; none of them reads config itself.
 */

export const PROJECT = "analytics-platform";

export type Profile = "dev" | "prod";
export type ExposureMode = "none" | "ingress";
export type ChartSourceMode = "upstream" | "oci" | "local";

/** CPU and memory for one container or pod: requests, and limits that cap them. */
export interface Resources {
    readonly cpu: string;
    readonly memory: string;
    readonly cpuLimit: string;
    readonly memoryLimit: string;
}

export interface PostgresSizing extends Resources {
    readonly instances: number;
    readonly storage: string;
}

export interface CacheSizing extends Resources {
    readonly storage: string;
}

export interface SupersetSizing extends Resources {
    readonly replicas: number;
    readonly workerReplicas: number;
}

export interface Sizing {
    readonly postgres: PostgresSizing;
    readonly cache: CacheSizing;
    readonly superset: SupersetSizing;
}

export interface ComponentSwitches {
    readonly postgres: boolean;
    readonly cache: boolean;
    readonly superset: boolean;
}

export interface Namespaces {
    readonly certManager: string;
    readonly operators: string;
    readonly data: string;
    readonly apps: string;
}

export interface Exposure {
    readonly mode: ExposureMode;
    /** IngressClass to use; empty means the cluster's default class. */
    readonly ingressClassName: string;
    /** ClusterIssuer that signs the ingress certificates; empty means the platform CA. */
    readonly clusterIssuer: string;
}

export interface ChartSource {
    readonly mode: ChartSourceMode;
    /** `oci://host/path` for `oci`, a folder of `<chart>-<version>.tgz` for `local`, empty for `upstream`. */
    readonly location: string;
}

export interface PlatformConfig {
    readonly profile: Profile;
    readonly components: ComponentSwitches;
    readonly namespaces: Namespaces;
    /** StorageClass for every volume; empty means the cluster's default class. */
    readonly storageClass: string;
    /** DNS domain under which exposed services get `<service>.<domain>`. */
    readonly domain: string;
    readonly exposure: Exposure;
    /** Registry host (and optional path) that replaces every image's registry; empty keeps upstream. */
    readonly imageRegistry: string;
    readonly chartSource: ChartSource;
    readonly sizing: Sizing;
    /** Protect stateful resources (databases, volumes) against deletion by `pulumi destroy` or a replace. */
    readonly protectData: boolean;
}

/** A configuration mistake, raised before any resource exists. */
export class ConfigError extends Error {
    constructor(
        readonly key: string,
        readonly given: unknown,
        readonly allowed: string,
    ) {
        super(`config ${PROJECT}:${key}: got ${describe(given)}; allowed: ${allowed}`);
        this.name = "ConfigError";
    }
}

function describe(v: unknown): string {
    if (v === undefined) return "nothing";
    const json = JSON.stringify(v);
    return `${json} (${Array.isArray(v) ? "array" : v === null ? "null" : typeof v})`;
}

// ---------------------------------------------------------------------------------------------
// Profile defaults: what each key means when a stack does not set it.

const PROFILE_DEFAULTS: Record<Profile, Omit<PlatformConfig, "profile">> = {
    dev: {
        components: { postgres: true, cache: true, superset: true },
        namespaces: { certManager: "cert-manager", operators: "platform-operators", data: "platform-data", apps: "platform-apps" },
        storageClass: "",
        domain: "analytics.localtest.me",
        exposure: { mode: "none", ingressClassName: "", clusterIssuer: "" },
        imageRegistry: "",
        chartSource: { mode: "upstream", location: "" },
        sizing: {
            postgres: { instances: 1, storage: "2Gi", cpu: "100m", memory: "256Mi", cpuLimit: "1", memoryLimit: "512Mi" },
            cache: { storage: "1Gi", cpu: "50m", memory: "64Mi", cpuLimit: "250m", memoryLimit: "128Mi" },
            superset: { replicas: 1, workerReplicas: 1, cpu: "200m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" },
        },
        protectData: false,
    },
    prod: {
        components: { postgres: true, cache: true, superset: true },
        namespaces: { certManager: "cert-manager", operators: "platform-operators", data: "platform-data", apps: "platform-apps" },
        storageClass: "",
        domain: "",
        exposure: { mode: "ingress", ingressClassName: "", clusterIssuer: "" },
        imageRegistry: "",
        chartSource: { mode: "upstream", location: "" },
        sizing: {
            postgres: { instances: 3, storage: "50Gi", cpu: "1", memory: "2Gi", cpuLimit: "2", memoryLimit: "4Gi" },
            cache: { storage: "8Gi", cpu: "250m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" },
            superset: { replicas: 2, workerReplicas: 2, cpu: "500m", memory: "1Gi", cpuLimit: "2", memoryLimit: "2Gi" },
        },
        protectData: true,
    },
};

/** Every key of the project namespace, with the shape its value must have. */
const KEYS = ["profile", "components", "namespaces", "storageClass", "domain", "exposure", "imageRegistry", "chartSource", "sizing", "protectData"] as const;
type Key = (typeof KEYS)[number];

// ---------------------------------------------------------------------------------------------
// Small validators. Each names the full dotted key in its error.

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function object(key: string, v: unknown, allowedKeys: readonly string[]): Obj {
    if (!isObj(v)) throw new ConfigError(key, v, `an object with keys ${allowedKeys.join(", ")}`);
    for (const k of Object.keys(v)) {
        if (!allowedKeys.includes(k)) throw new ConfigError(`${key}.${k}`, v[k], `no such key; ${key} takes ${allowedKeys.join(", ")}`);
    }
    return v;
}

function bool(key: string, v: unknown, dflt: boolean): boolean {
    if (v === undefined) return dflt;
    if (typeof v !== "boolean") throw new ConfigError(key, v, "true or false");
    return v;
}

function str(key: string, v: unknown, dflt: string, pattern?: RegExp, what?: string): string {
    if (v === undefined) return dflt;
    if (typeof v !== "string") throw new ConfigError(key, v, what ?? "a string");
    if (pattern && v !== "" && !pattern.test(v)) throw new ConfigError(key, v, what ?? `a string matching ${pattern}`);
    return v;
}

function oneOf<T extends string>(key: string, v: unknown, dflt: T, allowed: readonly T[]): T {
    if (v === undefined) return dflt;
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) throw new ConfigError(key, v, allowed.map((a) => `"${a}"`).join(" or "));
    return v as T;
}

function int(key: string, v: unknown, dflt: number, min: number, max: number): number {
    if (v === undefined) return dflt;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(key, v, `an integer from ${min} to ${max}`);
    return v;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CPU = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
const MEMORY = /^[0-9]+(Ki|Mi|Gi|Ti)$/;
const REGISTRY = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$/;

function resources(key: string, v: Obj, d: Resources): Resources {
    return {
        cpu: str(`${key}.cpu`, v.cpu, d.cpu, CPU, 'a CPU quantity such as "250m" or "2"'),
        memory: str(`${key}.memory`, v.memory, d.memory, MEMORY, 'a memory quantity such as "512Mi" or "2Gi"'),
        cpuLimit: str(`${key}.cpuLimit`, v.cpuLimit, d.cpuLimit, CPU, 'a CPU quantity such as "250m" or "2"'),
        memoryLimit: str(`${key}.memoryLimit`, v.memoryLimit, d.memoryLimit, MEMORY, 'a memory quantity such as "512Mi" or "2Gi"'),
    };
}

const RESOURCE_KEYS = ["cpu", "memory", "cpuLimit", "memoryLimit"] as const;

/** A raw value as the user wrote it: structured values decoded, anything else as the string. */
function readable(raw: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        return raw;
    }
}

/** Parses a raw config value: objects and numbers arrive as JSON text, plain strings as themselves. */
function decode(key: string, raw: string | undefined, kind: "string" | "boolean" | "json"): unknown {
    if (raw === undefined) return undefined;
    if (kind === "string") return raw;
    if (kind === "boolean") {
        if (raw === "true" || raw === "false") return raw === "true";
        throw new ConfigError(key, raw, "true or false");
    }
    try {
        return JSON.parse(raw);
    } catch {
        throw new ConfigError(key, raw, "a structured value (set it in the stack file as YAML, or with `pulumi config set --path`)");
    }
}

const KIND: Record<Key, "string" | "boolean" | "json"> = {
    profile: "string",
    components: "json",
    namespaces: "json",
    storageClass: "string",
    domain: "string",
    exposure: "json",
    imageRegistry: "string",
    chartSource: "json",
    sizing: "json",
    protectData: "boolean",
};

/**
 * Validates raw configuration (`key` without the project prefix, value as Pulumi hands it over:
 * a string, JSON text for structured values) and returns the typed config with profile defaults.
 */
export function parseConfig(raw: Readonly<Record<string, string>>): PlatformConfig {
    for (const k of Object.keys(raw)) {
        if (!(KEYS as readonly string[]).includes(k)) throw new ConfigError(k, readable(raw[k]), `no such key; the keys are ${KEYS.join(", ")}`);
    }
    const v = (k: Key): unknown => decode(k, raw[k], KIND[k]);

    const profileRaw = v("profile");
    if (profileRaw === undefined) throw new ConfigError("profile", undefined, '"dev" or "prod" (required)');
    const profile = oneOf<Profile>("profile", profileRaw, "dev", ["dev", "prod"]);
    const d = PROFILE_DEFAULTS[profile];

    const componentsIn = v("components") === undefined ? {} : object("components", v("components"), Object.keys(d.components));
    const components: ComponentSwitches = {
        postgres: bool("components.postgres", componentsIn.postgres, d.components.postgres),
        cache: bool("components.cache", componentsIn.cache, d.components.cache),
        superset: bool("components.superset", componentsIn.superset, d.components.superset),
    };

    const nsIn = v("namespaces") === undefined ? {} : object("namespaces", v("namespaces"), Object.keys(d.namespaces));
    const nsWhat = "a DNS label (lower-case letters, digits and '-', at most 63 characters)";
    const namespaces: Namespaces = {
        certManager: str("namespaces.certManager", nsIn.certManager, d.namespaces.certManager, DNS_LABEL, nsWhat),
        operators: str("namespaces.operators", nsIn.operators, d.namespaces.operators, DNS_LABEL, nsWhat),
        data: str("namespaces.data", nsIn.data, d.namespaces.data, DNS_LABEL, nsWhat),
        apps: str("namespaces.apps", nsIn.apps, d.namespaces.apps, DNS_LABEL, nsWhat),
    };
    for (const [k, name] of Object.entries(namespaces)) {
        if (name === "") throw new ConfigError(`namespaces.${k}`, name, nsWhat);
    }

    const storageClass = str("storageClass", v("storageClass"), d.storageClass, DNS_NAME, "a StorageClass name, or empty for the cluster default");
    const domain = str("domain", v("domain"), d.domain, DNS_NAME, "a DNS domain such as analytics.example.com");

    const expIn = v("exposure") === undefined ? {} : object("exposure", v("exposure"), Object.keys(d.exposure));
    const exposure: Exposure = {
        mode: oneOf<ExposureMode>("exposure.mode", expIn.mode, d.exposure.mode, ["none", "ingress"]),
        ingressClassName: str("exposure.ingressClassName", expIn.ingressClassName, d.exposure.ingressClassName, DNS_NAME, "an IngressClass name, or empty for the default class"),
        clusterIssuer: str("exposure.clusterIssuer", expIn.clusterIssuer, d.exposure.clusterIssuer, DNS_NAME, "a ClusterIssuer name, or empty for the platform CA"),
    };
    if (exposure.mode !== "none" && domain === "") {
        throw new ConfigError("domain", domain, `a DNS domain: exposure.mode "${exposure.mode}" publishes hostnames under it`);
    }

    const imageRegistry = str("imageRegistry", v("imageRegistry"), d.imageRegistry, REGISTRY, "a registry host with optional port and path, such as registry.internal:5000/mirror (no scheme, no trailing slash)");

    const csIn = v("chartSource") === undefined ? {} : object("chartSource", v("chartSource"), Object.keys(d.chartSource));
    const chartSource: ChartSource = {
        mode: oneOf<ChartSourceMode>("chartSource.mode", csIn.mode, d.chartSource.mode, ["upstream", "oci", "local"]),
        location: str("chartSource.location", csIn.location, d.chartSource.location),
    };
    if (chartSource.mode === "oci" && !/^oci:\/\/[^/\s]+(\/[^\s]*[^/\s])?$/.test(chartSource.location)) {
        throw new ConfigError("chartSource.location", chartSource.location, 'an OCI registry path such as "oci://registry.internal/charts" when chartSource.mode is "oci"');
    }
    if (chartSource.mode === "local" && chartSource.location.trim() === "") {
        throw new ConfigError("chartSource.location", chartSource.location, 'a folder holding <chart>-<version>.tgz files when chartSource.mode is "local"');
    }
    if (chartSource.mode === "upstream" && chartSource.location !== "") {
        throw new ConfigError("chartSource.location", chartSource.location, 'nothing when chartSource.mode is "upstream" (set mode to "oci" or "local" to use a mirror)');
    }

    const szIn = v("sizing") === undefined ? {} : object("sizing", v("sizing"), Object.keys(d.sizing));
    const pgIn = szIn.postgres === undefined ? {} : object("sizing.postgres", szIn.postgres, ["instances", "storage", ...RESOURCE_KEYS]);
    const cacheIn = szIn.cache === undefined ? {} : object("sizing.cache", szIn.cache, ["storage", ...RESOURCE_KEYS]);
    const ssIn = szIn.superset === undefined ? {} : object("sizing.superset", szIn.superset, ["replicas", "workerReplicas", ...RESOURCE_KEYS]);
    const storageWhat = 'a volume size such as "10Gi"';
    const sizing: Sizing = {
        postgres: {
            instances: int("sizing.postgres.instances", pgIn.instances, d.sizing.postgres.instances, 1, 9),
            storage: str("sizing.postgres.storage", pgIn.storage, d.sizing.postgres.storage, MEMORY, storageWhat),
            ...resources("sizing.postgres", pgIn, d.sizing.postgres),
        },
        cache: {
            storage: str("sizing.cache.storage", cacheIn.storage, d.sizing.cache.storage, MEMORY, storageWhat),
            ...resources("sizing.cache", cacheIn, d.sizing.cache),
        },
        superset: {
            replicas: int("sizing.superset.replicas", ssIn.replicas, d.sizing.superset.replicas, 1, 20),
            workerReplicas: int("sizing.superset.workerReplicas", ssIn.workerReplicas, d.sizing.superset.workerReplicas, 1, 50),
            ...resources("sizing.superset", ssIn, d.sizing.superset),
        },
    };
    if (profile === "prod" && sizing.postgres.instances < 3) {
        throw new ConfigError("sizing.postgres.instances", sizing.postgres.instances, "3 or more in the prod profile (one primary and two synchronous-capable standbys)");
    }

    const protectData = bool("protectData", v("protectData"), d.protectData);

    if (components.superset && !components.postgres) {
        throw new ConfigError("components.superset", true, "false while components.postgres is false: Superset keeps its metadata in the platform PostgreSQL");
    }
    if (components.superset && !components.cache) {
        throw new ConfigError("components.superset", true, "false while components.cache is false: Superset needs the cache for results and Celery");
    }

    return { profile, components, namespaces, storageClass, domain, exposure, imageRegistry, chartSource, sizing, protectData };
}

/** Reads the stack's configuration from the Pulumi runtime and validates it. */
export function loadConfig(): PlatformConfig {
    const prefix = `${PROJECT}:`;
    const cfg = new pulumi.Config(PROJECT);
    const raw: Record<string, string> = {};
    for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        const value = cfg.get(key);
        if (value !== undefined) raw[key] = value;
    }
    return parseConfig(raw);
}
