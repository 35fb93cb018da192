/**
 * `npm run verify -- --stack <name> [--timeout <seconds>]`: checks a deployed stack's data path.
 * Produces a marked event to the telemetry topic, waits until DuckDB sees it in the Iceberg table
 * (through the appender and Nessie), then asks Trino, and prints each hop's latency. Needs `kubectl`
 * on the cluster of the current context; reads names from the program (docs/operations.md).
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import { runProgram, stackConfig, useMocks } from "./lib/mockProgram";
import { markedEvent, verifyPlan } from "./lib/verify";

function arg(name: string, fallback?: string): string {
    const i = process.argv.indexOf(`--${name}`);
    const value = i >= 0 ? process.argv[i + 1] : fallback;
    if (value === undefined) throw new Error(`usage: npm run verify -- --stack <name> [--timeout <seconds>] (missing --${name})`);
    return value;
}

function kubectl(args: string[], input?: string): string {
    const out = spawnSync("kubectl", args, { input, encoding: "utf8", timeout: 120000 });
    if (out.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${out.stderr || out.error?.message}`);
    return out.stdout.trim();
}

async function waitCount(what: string, command: string[], deadline: number): Promise<number> {
    for (;;) {
        try {
            if (Number(kubectl(command).split("\n").pop()) >= 1) return Date.now();
        } catch (e) {
            if (Date.now() > deadline) throw e;
        }
        if (Date.now() > deadline) throw new Error(`${what}: the marked event did not arrive in time`);
        await new Promise((r) => setTimeout(r, 5000));
    }
}

async function main(): Promise<void> {
    const stack = arg("stack");
    const timeoutSeconds = Number(arg("timeout", "300"));
    const capture = await useMocks(stackConfig(stack));
    await runProgram();
    const plan = verifyPlan(capture);
    const marker = `verify-${crypto.randomBytes(6).toString("hex")}`;
    const deadline = Date.now() + timeoutSeconds * 1000;
    const pod = kubectl(plan.brokerPods).split("\n")[0];
    if (!pod) throw new Error("no Kafka broker pod found");
    const start = Date.now();
    kubectl(plan.produce(pod), markedEvent(marker, new Date()) + "\n");
    const produced = Date.now();
    console.log(`produced ${marker} to ${plan.topic} in ${produced - start} ms`);
    if (!plan.duckdb) throw new Error("the stack has no DuckDB to read the lake with");
    const inLake = await waitCount("DuckDB", plan.duckdb(marker), deadline);
    console.log(`Kafka -> appender -> Iceberg (${plan.table}) -> DuckDB: ${((inLake - produced) / 1000).toFixed(1)} s`);
    if (plan.trino) {
        const inTrino = await waitCount("Trino", plan.trino(marker), deadline);
        console.log(`Trino sees it ${((inTrino - inLake) / 1000).toFixed(1)} s later (${((inTrino - produced) / 1000).toFixed(1)} s after producing)`);
    } else {
        console.log("Trino: not deployed in this stack, skipped");
    }
    console.log("lake verified");
}

main().catch((e: Error) => {
    console.error(`verify failed: ${e.message}`);
    process.exit(1);
});
