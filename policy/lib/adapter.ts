import { EnforcementLevel, PolicyConfigSchema, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { PackSettings, Profile, SETTING_SCHEMAS, SettingKey, readSettings } from "./settings";
import { Finding, PolicyResource, isObj, plain } from "./values";

/**
 * Thin adapters from the pure checks (plain resources in, messages out) to `@pulumi/policy`
 * policies. The checks hold all the logic and are what the tests call.
 */

/** Security policies are mandatory everywhere; reliability policies are advisory in dev and mandatory in prod. */
export type Category = "security" | "reliability";

export interface PolicyMeta {
    /** Policy name, unique in the pack (kebab-case). */
    readonly name: string;
    readonly description: string;
    readonly category: Category;
    /** Pack settings the check reads; they become the policy's `configSchema`. */
    readonly settings: readonly SettingKey[];
    readonly remediationSteps: string;
}

/** A check over one resource: the violation messages, none when it complies or does not apply. */
export type ResourceCheck = (resource: PolicyResource, settings: PackSettings) => string[];
/** A check over every resource of the stack: violations attributed to resources. */
export type StackCheck = (resources: readonly PolicyResource[], settings: PackSettings) => Finding[];

/** The enforcement level of a category under a profile. */
export function enforcementFor(category: Category, profile: Profile): EnforcementLevel {
    return category === "security" || profile === "prod" ? "mandatory" : "advisory";
}

/** The category a policy of this pack was built with (kept in its tags). */
export function categoryOf(policy: { readonly tags?: string[] }): Category {
    return policy.tags?.includes("security") ? "security" : "reliability";
}

function configSchema(keys: readonly SettingKey[]): PolicyConfigSchema | undefined {
    if (keys.length === 0) return undefined;
    return { properties: Object.fromEntries(keys.map((k) => [k, SETTING_SCHEMAS[k]])) };
}

function common(meta: PolicyMeta) {
    const schema = configSchema(meta.settings);
    return {
        name: meta.name,
        description: meta.description,
        // The default is the dev level: `config.prod.json` raises reliability policies to mandatory.
        enforcementLevel: enforcementFor(meta.category, "dev"),
        tags: [meta.category],
        remediationSteps: meta.remediationSteps,
        ...(schema === undefined ? {} : { configSchema: schema }),
    };
}

/** Resource inputs as plain data (see `plain`), unknown values marked rather than throwing. */
export function toPolicyResource(r: { type: string; name: string; urn: string; props: Record<string, unknown> }): PolicyResource {
    const props = plain(r.props);
    return { type: r.type, name: r.name, urn: r.urn, props: isObj(props) ? props : {} };
}

export function resourcePolicy(meta: PolicyMeta, check: ResourceCheck): ResourceValidationPolicy {
    return {
        ...common(meta),
        validateResource: (args, reportViolation) => {
            const settings = readSettings(args.getConfig<Record<string, unknown>>());
            for (const message of check(toPolicyResource(args), settings)) reportViolation(message);
        },
    };
}

export function stackPolicy(meta: PolicyMeta, check: StackCheck): StackValidationPolicy {
    return {
        ...common(meta),
        validateStack: (args, reportViolation) => {
            const settings = readSettings(args.getConfig<Record<string, unknown>>());
            for (const f of check(args.resources.map(toPolicyResource), settings)) reportViolation(f.message, f.urn);
        },
    };
}
