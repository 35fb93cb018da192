import { PolicyConfigSchema } from "@pulumi/policy";
import { images } from "../../components/catalog";

export type Profile = "dev" | "prod";

/**
 * What the pack's config files (`policy/config.<profile>.json`) tell the policies. Each policy
 * declares, in its `configSchema`, only the keys it reads; the CLI fills in the defaults below.
 */
export interface PackSettings {
    /** The stack's profile: prod-only checks (HA sizes, disruption budgets, spread) skip dev. Default "dev". */
    readonly profile: Profile;
    /**
     * The stack's `imageRegistry` config: images must come from it; empty means the upstream
     * registries the catalog pins (`components/catalog.ts` `images`). Default "".
     */
    readonly imageRegistry: string;
    /** Further allowed registries (host[:port][/path]), e.g. where a Kafka Connect image is built. Default none. */
    readonly extraRegistries: readonly string[];
    /** Service types allowed besides ClusterIP (e.g. "LoadBalancer", "NodePort"). Default ["ClusterIP"]. */
    readonly allowedServiceTypes: readonly string[];
}

export const DEFAULT_SETTINGS: PackSettings = { profile: "dev", imageRegistry: "", extraRegistries: [], allowedServiceTypes: ["ClusterIP"] };

export type SettingKey = keyof PackSettings;

/** JSON Schema of each setting, as a policy's `configSchema.properties` entry. */
export const SETTING_SCHEMAS: Record<SettingKey, PolicyConfigSchema["properties"][string]> = {
    profile: { type: "string", enum: ["dev", "prod"], default: DEFAULT_SETTINGS.profile, description: "The stack's profile; prod-only checks skip dev." },
    imageRegistry: {
        type: "string",
        default: DEFAULT_SETTINGS.imageRegistry,
        description: "The stack's imageRegistry; empty allows the upstream registries of components/catalog.ts.",
    },
    extraRegistries: { type: "array", items: { type: "string" }, default: [], description: "Further allowed registries (host[:port][/path])." },
    allowedServiceTypes: {
        type: "array",
        items: { type: "string", enum: ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"] },
        default: ["ClusterIP"],
        description: "Service types allowed; ClusterIP always is.",
    },
};

/** Typed settings from a policy's config (`args.getConfig()`), defaults for what is absent. */
export function readSettings(config: Record<string, unknown>): PackSettings {
    const strings = (v: unknown, fallback: readonly string[]): readonly string[] =>
        Array.isArray(v) ? (v as unknown[]).filter((x): x is string => typeof x === "string") : fallback;
    const profile = config.profile === "prod" ? "prod" : DEFAULT_SETTINGS.profile;
    return {
        profile,
        imageRegistry: typeof config.imageRegistry === "string" ? config.imageRegistry : DEFAULT_SETTINGS.imageRegistry,
        extraRegistries: strings(config.extraRegistries, DEFAULT_SETTINGS.extraRegistries),
        allowedServiceTypes: strings(config.allowedServiceTypes, DEFAULT_SETTINGS.allowedServiceTypes),
    };
}

/** The upstream registries the catalog pins, allowed when no `imageRegistry` is set. */
export function upstreamRegistries(): string[] {
    return [...new Set(Object.values(images).map((pin) => pin.registry))].sort();
}

/** Registries images may come from under these settings. */
export function allowedRegistries(s: PackSettings): string[] {
    return [...(s.imageRegistry === "" ? upstreamRegistries() : [s.imageRegistry]), ...s.extraRegistries];
}
