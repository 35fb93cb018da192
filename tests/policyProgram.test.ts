import * as assert from "assert";
import { packConfig, policies } from "../policy/pack";
import { toPolicyResource } from "../policy/lib/adapter";
import { Capture, runProgram, stackConfig, useMocks } from "./harness";

/**
 * The policy pack over the whole program, as `pulumi preview --policy-pack policy` would run it:
 * every resource each stack registers, every policy at the stack profile's enforcement level.
 */

interface Violation {
    readonly policy: string;
    readonly level: string;
    readonly at: string;
    readonly message: string;
}

function violations(capture: Capture, profile: "dev" | "prod", imageRegistry: string, platformImageRegistry = ""): Violation[] {
    // The platform's own images come from the stack's platformImageRegistry: the pack allows it as an extra registry.
    const config = packConfig(profile, { imageRegistry, extraRegistries: platformImageRegistry === "" ? [] : [platformImageRegistry] });
    const resources = capture.resources.filter((r) => r.custom).map((r) => toPolicyResource({ type: r.type, name: r.name, urn: r.urn, props: r.inputs }));
    const out: Violation[] = [];
    for (const policy of policies as any[]) {
        const { enforcementLevel, ...settings } = config[policy.name];
        const getConfig = () => settings;
        if ("validateResource" in policy) {
            for (const r of resources) policy.validateResource({ ...r, getConfig }, (message: string) => out.push({ policy: policy.name, level: enforcementLevel, at: `${r.type} ${r.name}`, message }));
        } else {
            policy.validateStack({ resources, getConfig }, (message: string, urn?: string) => out.push({ policy: policy.name, level: enforcementLevel, at: urn ?? "stack", message }));
        }
    }
    return out;
}

describe("policy pack over the program", () => {
    for (const [stack, profile] of [
        ["dev", "dev"],
        ["prod", "prod"],
        ["openshift", "prod"],
    ] as const) {
        it(`the ${stack} stack has no mandatory violation`, async () => {
            const config = stackConfig(stack);
            const capture = await useMocks(config);
            await runProgram();
            const registry = (config.imageRegistry as string | undefined) ?? "";
            const found = violations(capture, profile, registry, (config.platformImageRegistry as string | undefined) ?? "");
            assert.deepStrictEqual(
                found.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.at}: ${v.message}`),
                [],
            );
        });
    }

    it("reports images of authored workloads and operator resources alike when the pack expects another registry", async () => {
        const capture = await useMocks(stackConfig("prod"));
        await runProgram();
        const found = violations(capture, "prod", "mirror.invalid:5000").filter((v) => v.policy === "image-registry-allowed");
        // Authored workloads and operator custom resources (chart images are the chart's, set through values).
        const kinds = new Set(found.map((v) => v.at.split(" ")[0]));
        for (const kind of ["kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment", "kubernetes:postgresql.cnpg.io/v1:Cluster", "kubernetes:pxc.percona.com/v1:PerconaXtraDBCluster", "kubernetes:minio.min.io/v2:Tenant"]) {
            assert.ok(kinds.has(kind), `no registry violation on a ${kind}: ${[...kinds].join(", ")}`);
        }
        assert.ok(found.every((v) => v.level === "mandatory"));
    });
});
