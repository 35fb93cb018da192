/**
 * Offline plan: runs the program for a stack under Pulumi's mock runtime (no cluster, no Pulumi
 * CLI) and prints what `pulumi up` would deploy: components, charts and versions, the dependency
 * waves, the critical path with estimated durations, requested resources, endpoints, and who can
 * reach what on which ports, derived from the NetworkPolicies it generates.
 *
 *   npm run plan -- --stack prod            text
 *   npm run plan -- --stack prod --json     JSON for machines
 *   npm run plan -- --stack prod --mermaid  the component graph and the data flows as Mermaid (Markdown blocks)
 */
import * as fs from "fs";
import * as path from "path";
import { buildPlan, dataFlowMermaid, duration, mermaid, reachabilityReport } from "./lib/plan";
import { UsageError, runCli } from "./lib/cli";
import { PROJECT_DIR, resolve, runProgram, stackConfig, useMocks } from "./lib/mockProgram";

const USAGE = "usage: npm run plan -- --stack <name> [--json | --mermaid]";

function usage(message: string): never {
    throw new UsageError(message);
}

/** The plan's text for a command line (without `npm run plan --`); what the CLI prints. */
export async function planCommand(argv: readonly string[]): Promise<string> {
    let stack: string | undefined;
    let format: "text" | "json" | "mermaid" = "text";
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--stack") stack = argv[++i];
        else if (a === "--json") format = "json";
        else if (a === "--mermaid") format = "mermaid";
        else usage(`unknown argument ${a}`);
    }
    if (stack === undefined) usage("--stack is required");
    if (!fs.existsSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`))) usage(`no Pulumi.${stack}.yaml`);

    const capture = await useMocks(stackConfig(stack));
    const exported = await runProgram();
    const profile = (await resolve(exported.profile)) as "dev" | "prod";
    const plan = buildPlan(capture, profile);
    const footprint = await resolve(exported.footprint);
    const endpoints = await resolve(exported.endpoints);
    const reachable = reachabilityReport(capture);

    if (format === "json") return `${JSON.stringify({ stack, profile, ...plan, footprint, endpoints, reachability: reachable }, null, 2)}\n`;
    // Markdown, as docs/architecture.md embeds it: the component graph, then the data flows.
    if (format === "mermaid") return ["```mermaid", mermaid(plan), "```", "", "```mermaid", dataFlowMermaid(capture), "```", ""].join("\n");
    const out: string[] = [];
    out.push(`Plan for stack ${stack} (profile ${profile}): ${plan.components.length} components, ${plan.resourceCount} resources`);
    out.push("", "Charts:");
    for (const c of plan.components) for (const ch of c.charts) out.push(`  ${ch.chart} ${ch.version ?? "(local archive)"}  -> namespace ${ch.namespace}  [${c.name}]`);
    out.push("", "Waves (each starts when everything it waits for is ready):");
    plan.waves.forEach((w, i) => out.push(`  ${i + 1}. ${w.join(", ")}`));
    out.push("", `Critical path (about ${duration(plan.criticalPathSeconds)}; ${duration(plan.sequentialSeconds)} if nothing ran in parallel):`);
    for (const step of plan.criticalPath) {
        const c = plan.components.find((x) => x.name === step.name);
        out.push(`  ${step.name.padEnd(18)} ${duration(step.seconds).padStart(6)}  ${c?.estimateReason ?? ""}`);
    }
    const t = footprint.total;
    out.push("", `Requests: ${t.cpuRequests} CPU, ${t.memoryRequests} memory (limits ${t.cpuLimits} CPU, ${t.memoryLimits}), volumes ${t.storage}`);
    out.push("", "Endpoints (in-cluster):");
    for (const [name, e] of Object.entries<any>(endpoints)) out.push(`  ${name.padEnd(20)} ${typeof e === "string" ? e : e.internal}${e?.external ? `  external ${e.external}` : ""}`);
    out.push("", reachable.length === 0 ? "Reachability: no NetworkPolicies (every pod reaches every pod)" : "Reachability (derived from the generated NetworkPolicies; nothing else connects):");
    for (const line of reachable) out.push(`  ${line}`);
    return `${out.join("\n")}\n`;
}

if (require.main === module) runCli("plan", USAGE, planCommand);
