import { EnforcementLevel, Policies, PolicyPackArgs } from "@pulumi/policy";
import { categoryOf, enforcementFor } from "./lib/adapter";
import { DEFAULT_SETTINGS, PackSettings, Profile, SettingKey } from "./lib/settings";
import { helmPodSecurityPolicy } from "./policies/helmPodSecurity";
import { helmValuesPolicy } from "./policies/helmValues";
import { imageRegistryPolicy, imageTagPolicy } from "./policies/images";
import { operatorPolicy } from "./policies/operators";
import { podSecurityPolicy } from "./policies/podSecurity";
import { serviceTypePolicy } from "./policies/services";
import { disruptionBudgetPolicy, probesPolicy, resourcesPolicy, spreadPolicy } from "./policies/workloadReliability";

/**
 * The pack's policies and the per-profile config the CLI reads with `--policy-pack-config`.
 * `index.ts` only starts the pack; everything here can be imported by tests without serving it.
 */

export const PACK_NAME = "analytics-platform";

export const policies: Policies = [
    podSecurityPolicy,
    imageTagPolicy,
    imageRegistryPolicy,
    serviceTypePolicy,
    helmValuesPolicy,
    helmPodSecurityPolicy,
    resourcesPolicy,
    probesPolicy,
    spreadPolicy,
    disruptionBudgetPolicy,
    operatorPolicy,
];

export const packArgs: PolicyPackArgs = {
    description: "Analytics platform guardrails: Pod Security restricted, pinned images from allowed registries, no external Services, no secrets in chart values, and resources, probes, disruption budgets, spread and operator HA sizes.",
    // Each policy sets its own level; a policy added without one stays advisory.
    enforcementLevel: "advisory",
    policies,
};

/** One policy's entry in a config file: its level and the settings it declares. */
export type PolicyConfigEntry = { enforcementLevel: EnforcementLevel } & Partial<Record<SettingKey, unknown>>;

/**
 * The content of `policy/config.<profile>.json`: every policy's enforcement level for the profile
 * and the settings it reads. `overrides` carries stack-specific settings (e.g. the stack's
 * `imageRegistry`); the checked-in files use the defaults.
 */
export function packConfig(profile: Profile, overrides: Partial<Omit<PackSettings, "profile">> = {}): Record<string, PolicyConfigEntry> {
    const settings: PackSettings = { ...DEFAULT_SETTINGS, ...overrides, profile };
    return Object.fromEntries(
        policies.map((p) => {
            const keys = Object.keys(p.configSchema?.properties ?? {}) as SettingKey[];
            const entry: PolicyConfigEntry = { enforcementLevel: enforcementFor(categoryOf(p), profile) };
            for (const k of keys) entry[k] = settings[k];
            return [p.name, entry];
        }),
    );
}
