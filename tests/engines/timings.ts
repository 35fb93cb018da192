/**
 * Measurements the services' engine tests print at the end of the run (start-up times, the cache
 * failover), so the next change can be compared with this one.
 */
import { EngineProcess } from "./harness";

const measured: Array<[string, number]> = [];

/** Records a duration in ms, or the slowest start-up of a group of processes. */
export function record(what: string, value: number | readonly EngineProcess[]): void {
    measured.push([what, typeof value === "number" ? value : Math.max(...value.map((p) => p.startupMs))]);
}

// A root-level hook (this module is loaded with the spec files): prints once after every test.
after(function () {
    if (measured.length === 0) return;
    console.log("\n  Services engine measurements (ms):");
    for (const [what, ms] of measured) console.log(`    ${what.padEnd(60)} ${String(Math.round(ms)).padStart(8)}`);
});
