/**
 * Readiness gates for custom resources. The Kubernetes provider reads `pulumi.com/waitFor` and
 * does not report the resource as created until the condition holds, so anything that depends on
 * the resource (explicitly or through its outputs) waits for a resource that really works.
 */
export const WAIT_FOR = "pulumi.com/waitFor";

/** Annotation that waits for the status condition `type` to be True. */
export function waitForCondition(type: string): Record<string, string> {
    return { [WAIT_FOR]: `condition=${type}` };
}

/** Annotation that waits for a JSONPath expression in the object to have the given value. */
export function waitForJsonPath(path: string, value: string): Record<string, string> {
    return { [WAIT_FOR]: `jsonpath={${path}}=${value}` };
}
