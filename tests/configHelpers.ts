import { ConfigError, parseConfig } from "../components/config";
import { Capture, runProgram, stackConfig, useMocks } from "./harness";

/** Raw config as Pulumi hands it over: strings, with structured values as JSON text. */
export function raw(values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** The ConfigError `parseConfig` raises for these values; fails when it raises none. */
export function configError(values: Record<string, unknown>): ConfigError {
    try {
        parseConfig(raw(values));
    } catch (e) {
        if (e instanceof ConfigError) return e;
        throw e;
    }
    throw new Error("expected a ConfigError");
}

/** The program's registrations for a stack, from its stack file, under fresh mocks. */
export async function stackCapture(stack: string): Promise<Capture> {
    const capture = await useMocks(stackConfig(stack));
    await runProgram();
    return capture;
}
