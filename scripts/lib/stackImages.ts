import { NO_REFERENCE, collectArtifacts, imageSourceOf } from "./artifacts";
import { runProgram, stackConfig, useMocks } from "./mockProgram";

/**
 * Every image reference a stack runs, as the artifacts list finds them (authored workloads and
 * custom resources, chart values; no upstream reference data needed), sorted. Runs the program once
 * under the mock runtime.
 */
export async function stackImages(stack: string): Promise<string[]> {
    const config = stackConfig(stack);
    const capture = await useMocks(config);
    await runProgram();
    return collectArtifacts(capture, NO_REFERENCE, imageSourceOf(config)).images.map((i) => i.ref);
}
