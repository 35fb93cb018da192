import * as k8s from "@pulumi/kubernetes";
import { Resources } from "../config";

/**
 * Security settings for the workloads the platform runs: they satisfy the Pod Security
 * Standards "restricted" profile (non-root, no privilege escalation, every capability dropped,
 * RuntimeDefault seccomp).
 */

/** Pod-level settings; `runAsUser` is left to the image (and to OpenShift's SCC where it assigns one). */
export function restrictedPodSecurityContext(fsGroup?: number): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
        ...(fsGroup === undefined ? {} : { fsGroup, fsGroupChangePolicy: "OnRootMismatch" }),
    };
}

/** Container-level settings. */
export function restrictedContainerSecurityContext(runAsUser?: number): k8s.types.input.core.v1.SecurityContext {
    return {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        ...(runAsUser === undefined ? {} : { runAsUser, runAsGroup: runAsUser }),
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Kubernetes `resources` from the configured sizing. */
export function resourceRequirements(r: Resources): { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } } {
    return { requests: { cpu: r.cpu, memory: r.memory }, limits: { cpu: r.cpuLimit, memory: r.memoryLimit } };
}
