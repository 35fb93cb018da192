import { Resources } from "../config";

/**
 * What a component asks of the cluster: the sum of its pods' requests and the volumes it claims,
 * for the `footprint` stack output and the documentation's footprint table. Transient pods (hook
 * Jobs, backups) are not counted.
 */
export interface Footprint {
    /** Requested CPU in millicores. */
    readonly cpuMillis: number;
    /** Requested memory in MiB. */
    readonly memoryMiB: number;
    /** CPU limits in millicores. */
    readonly cpuLimitMillis: number;
    /** Memory limits in MiB. */
    readonly memoryLimitMiB: number;
    /** Persistent volume claims in GiB. */
    readonly storageGiB: number;
}

export const NO_FOOTPRINT: Footprint = { cpuMillis: 0, memoryMiB: 0, cpuLimitMillis: 0, memoryLimitMiB: 0, storageGiB: 0 };

/** Millicores in a CPU quantity such as "250m" or "1.5". */
export function cpuMillis(q: string): number {
    return q.endsWith("m") ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

const BINARY: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 };

/** MiB in a memory or storage quantity with a binary suffix (Ki, Mi, Gi, Ti). */
export function mebibytes(q: string): number {
    const m = /^([0-9.]+)(Ki|Mi|Gi|Ti)$/.exec(q);
    if (!m) throw new Error(`not a binary quantity: ${q}`);
    return Number(m[1]) * BINARY[m[2]];
}

/** The footprint of `replicas` pods with the given resources, each claiming `storage` (if any). */
export function podsFootprint(resources: Resources, replicas: number, storage?: string): Footprint {
    return {
        cpuMillis: cpuMillis(resources.cpu) * replicas,
        memoryMiB: mebibytes(resources.memory) * replicas,
        cpuLimitMillis: cpuMillis(resources.cpuLimit) * replicas,
        memoryLimitMiB: mebibytes(resources.memoryLimit) * replicas,
        storageGiB: storage === undefined ? 0 : (mebibytes(storage) / 1024) * replicas,
    };
}

export function sumFootprints(parts: readonly Footprint[]): Footprint {
    return parts.reduce(
        (a, b) => ({
            cpuMillis: a.cpuMillis + b.cpuMillis,
            memoryMiB: a.memoryMiB + b.memoryMiB,
            cpuLimitMillis: a.cpuLimitMillis + b.cpuLimitMillis,
            memoryLimitMiB: a.memoryLimitMiB + b.memoryLimitMiB,
            storageGiB: a.storageGiB + b.storageGiB,
        }),
        NO_FOOTPRINT,
    );
}

/** A footprint as people read it: CPU in cores or millicores, memory and storage in GiB or MiB. */
export interface FootprintSummary {
    readonly cpuRequests: string;
    readonly memoryRequests: string;
    readonly cpuLimits: string;
    readonly memoryLimits: string;
    readonly storage: string;
}

function cpuText(millis: number): string {
    return millis < 1000 ? `${millis}m` : `${Number((millis / 1000).toFixed(2))}`;
}

function memText(mib: number): string {
    return mib >= 1024 ? `${(mib / 1024).toFixed(2).replace(/\.?0+$/, "")}Gi` : `${Math.round(mib)}Mi`;
}

export function summarize(f: Footprint): FootprintSummary {
    return {
        cpuRequests: cpuText(f.cpuMillis),
        memoryRequests: memText(f.memoryMiB),
        cpuLimits: cpuText(f.cpuLimitMillis),
        memoryLimits: memText(f.memoryLimitMiB),
        storage: memText(f.storageGiB * 1024),
    };
}
