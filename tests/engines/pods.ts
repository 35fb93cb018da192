/**
 * "Pods" on one machine for the services' engine tests: each process runs in its own mount
 * namespace (`unshare -m`), where the volumes of its pod spec are bind-mounted at their mount paths
 * and /etc/hosts and /etc/resolv.conf are the test's, so scripts and configuration files the program
 * generates run with their own absolute paths and cluster DNS names, unchanged. Each pod gets its
 * own loopback address (127.77.0.x) in place of a pod IP.
 */
import * as dgram from "dgram";
import * as fs from "fs";
import * as path from "path";
import { EngineProcess, ProcessSpec, run, startProcess, tempDir } from "./harness";

/** Cluster names and the loopback addresses standing in for their pods. */
export class ClusterDns {
    private readonly names = new Map<string, string>();
    private socket?: dgram.Socket;
    readonly dir = tempDir("dns");

    /** The address of the test's DNS server, as resolv.conf names it. */
    constructor(readonly serverAddress = "127.77.0.53") {}

    add(name: string, address: string): void {
        this.names.set(name.toLowerCase(), address);
        fs.writeFileSync(this.hostsFile, ["127.0.0.1 localhost", ...[...this.names].map(([n, a]) => `${a} ${n}`), ""].join("\n"));
    }

    get hostsFile(): string {
        return path.join(this.dir, "hosts");
    }

    get resolvConf(): string {
        return path.join(this.dir, "resolv.conf");
    }

    /**
     * A DNS server on `serverAddress`:53 answering A queries for the known names (NXDOMAIN
     * otherwise, no records for other types), for programs with their own resolver (HAProxy).
     */
    async serve(): Promise<void> {
        fs.writeFileSync(this.resolvConf, `nameserver ${this.serverAddress}\noptions ndots:1\n`);
        const socket = dgram.createSocket("udp4");
        socket.on("message", (query, from) => {
            const answer = this.answer(query);
            if (answer) socket.send(answer, from.port, from.address);
        });
        await new Promise<void>((resolve, reject) => {
            socket.once("error", reject);
            socket.bind(53, this.serverAddress, () => resolve());
        });
        this.socket = socket;
    }

    close(): void {
        this.socket?.close();
        this.socket = undefined;
    }

    private answer(query: Buffer): Buffer | undefined {
        if (query.length < 17) return undefined;
        let at = 12;
        const labels: string[] = [];
        while (at < query.length && query[at] !== 0) {
            labels.push(query.subarray(at + 1, at + 1 + query[at]).toString("ascii"));
            at += query[at] + 1;
        }
        const questionEnd = at + 5;
        if (questionEnd > query.length) return undefined;
        const type = query.readUInt16BE(at + 1);
        const address = this.names.get(labels.join(".").toLowerCase());
        const header = Buffer.alloc(12);
        query.copy(header, 0, 0, 2);
        header.writeUInt16BE(address === undefined ? 0x8183 : 0x8180, 2);
        header.writeUInt16BE(1, 4);
        const answers = address !== undefined && type === 1 ? 1 : 0;
        header.writeUInt16BE(answers, 6);
        const question = query.subarray(12, questionEnd);
        if (answers === 0) return Buffer.concat([header, question]);
        const record = Buffer.alloc(16);
        record.writeUInt16BE(0xc00c, 0);
        record.writeUInt16BE(1, 2);
        record.writeUInt16BE(1, 4);
        record.writeUInt32BE(1, 6);
        record.writeUInt16BE(4, 10);
        (address as string).split(".").forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
        return Buffer.concat([header, question, record]);
    }
}

const createdMountPoints: string[] = [];

/** Makes sure each mount point exists (an empty directory); the ones made here go at cleanup. */
export function ensureMountPoints(paths: readonly string[]): void {
    for (const p of paths) {
        if (fs.existsSync(p)) continue;
        let top = p;
        while (!fs.existsSync(path.dirname(top))) top = path.dirname(top);
        fs.mkdirSync(p, { recursive: true });
        createdMountPoints.push(top);
    }
}

/** Removes the mount points ensureMountPoints made (only when still empty). */
export function removeMountPoints(): void {
    for (const p of createdMountPoints.splice(0).reverse()) {
        try {
            fs.rmSync(p, { recursive: false });
        } catch {
            try {
                fs.rmdirSync(p);
            } catch {
                /* not empty or gone: leave it */
            }
        }
    }
}

export interface PodSpec {
    /** Volume mount path -> directory standing in for the volume. */
    readonly mounts: Readonly<Record<string, string>>;
    readonly dns: ClusterDns;
    /** Environment of the container (added to the harness's). */
    readonly env: Readonly<Record<string, string>>;
    /** Directories put first on PATH. */
    readonly path?: readonly string[];
}

/** `unshare -m` wrapping `argv` with the pod's mounts, hosts and resolv.conf. */
export function inPod(pod: PodSpec, argv: readonly string[]): { command: string; args: string[]; env: Record<string, string> } {
    ensureMountPoints(Object.keys(pod.mounts));
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const binds = [
        [pod.dns.hostsFile, "/etc/hosts"],
        [pod.dns.resolvConf, "/etc/resolv.conf"],
        ...Object.entries(pod.mounts).map(([mountPath, dir]) => [dir, mountPath]),
    ].map(([from, to]) => `mount --bind ${quote(from)} ${quote(to)}`);
    const script = `set -e; mount --make-rprivate / 2>/dev/null || true; ${binds.join("; ")}; exec "$@"`;
    const env = { ...pod.env, PATH: [...(pod.path ?? []), process.env.PATH ?? "/usr/bin:/bin"].join(":") };
    return { command: "unshare", args: ["-m", "--", "sh", "-c", script, "sh", ...argv], env };
}

/** Starts a long-running container process of a pod. */
export function startInPod(name: string, pod: PodSpec, argv: readonly string[], spec: Partial<ProcessSpec> = {}): Promise<EngineProcess> {
    const wrapped = inPod(pod, argv);
    return startProcess({ name, command: wrapped.command, args: wrapped.args, env: wrapped.env, ...spec });
}

/** Runs a command of a pod (an init container, a probe) to completion. */
export async function runInPod(pod: PodSpec, argv: readonly string[], timeoutMs = 60000, allowFailure = false) {
    const wrapped = inPod(pod, argv);
    return run(wrapped.command, wrapped.args, { env: wrapped.env, timeoutMs, allowFailure });
}

/** Every process's command line, as /proc shows it to anyone on the machine. */
export function allCommandLines(): string[] {
    const out: string[] = [];
    for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
        try {
            out.push(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" "));
        } catch {
            /* gone */
        }
    }
    return out;
}
