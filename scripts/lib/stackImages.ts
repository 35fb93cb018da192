import * as path from "path";
import { collectArtifacts, loadReference } from "./artifacts";
import { PROJECT_DIR, runProgram, stackConfig, useMocks } from "./mockProgram";

/**
 * Every image reference a stack runs, as the artifacts list finds them (authored workloads and
 * custom resources, chart values), sorted. Runs the program once under the mock runtime.
 */
export async function stackImages(stack: string): Promise<string[]> {
    const config = stackConfig(stack);
    const capture = await useMocks(config);
    await runProgram();
    const registry = typeof config.imageRegistry === "string" ? config.imageRegistry : "";
    const found = collectArtifacts(capture, loadReference(path.resolve(PROJECT_DIR, "..", "shared", "reference")), registry);
    return found.images.map((i) => i.ref);
}
