/** A minimal Redis-protocol (RESP2) client for the engine tests: one command at a time. */
import * as net from "net";

export type Reply = string | number | null | Reply[] | Error;

export class RespClient {
    private buffer = Buffer.alloc(0);
    private waiting: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
    private closed?: Error;

    private constructor(private readonly socket: net.Socket) {
        socket.on("data", (d) => {
            this.buffer = Buffer.concat([this.buffer, d]);
            this.drain();
        });
        const fail = (e: Error) => {
            this.closed = e;
            for (const w of this.waiting.splice(0)) w.reject(e);
        };
        socket.on("error", fail);
        socket.on("close", () => fail(new Error("connection closed")));
    }

    /** Connects and, with a password, authenticates. */
    static async connect(host: string, port: number, password?: string, timeoutMs = 2000): Promise<RespClient> {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
            const s = net.connect({ host, port });
            s.setTimeout(timeoutMs, () => s.destroy(new Error(`connect to ${host}:${port} timed out`)));
            s.once("connect", () => {
                s.setTimeout(0);
                resolve(s);
            });
            s.once("error", reject);
        });
        const client = new RespClient(socket);
        if (password !== undefined) {
            const ok = await client.command(["AUTH", password], timeoutMs);
            if (ok !== "OK") {
                client.close();
                throw new Error(`AUTH answered ${String(ok)}`);
            }
        }
        return client;
    }

    /** Sends one command; an error reply resolves as an Error value. */
    command(args: readonly string[], timeoutMs = 2000): Promise<Reply> {
        if (this.closed) return Promise.reject(this.closed);
        const payload = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
        return new Promise<Reply>((resolve, reject) => {
            const timer = setTimeout(() => {
                reject(new Error(`${args[0]} timed out after ${timeoutMs} ms`));
                this.socket.destroy();
            }, timeoutMs);
            this.waiting.push({
                resolve: (r) => {
                    clearTimeout(timer);
                    resolve(r);
                },
                reject: (e) => {
                    clearTimeout(timer);
                    reject(e);
                },
            });
            this.socket.write(payload);
        });
    }

    close(): void {
        this.socket.destroy();
    }

    private drain(): void {
        while (this.waiting.length > 0) {
            const parsed = parse(this.buffer, 0);
            if (!parsed) return;
            this.buffer = this.buffer.subarray(parsed.next);
            this.waiting.shift()!.resolve(parsed.value);
        }
    }
}

function parse(buf: Buffer, at: number): { value: Reply; next: number } | undefined {
    const eol = buf.indexOf("\r\n", at);
    if (eol < 0) return undefined;
    const line = buf.subarray(at + 1, eol).toString();
    switch (String.fromCharCode(buf[at])) {
        case "+":
            return { value: line, next: eol + 2 };
        case "-":
            return { value: new Error(line), next: eol + 2 };
        case ":":
            return { value: Number(line), next: eol + 2 };
        case "$": {
            const n = Number(line);
            if (n < 0) return { value: null, next: eol + 2 };
            if (buf.length < eol + 2 + n + 2) return undefined;
            return { value: buf.subarray(eol + 2, eol + 2 + n).toString(), next: eol + 2 + n + 2 };
        }
        case "*": {
            const n = Number(line);
            if (n < 0) return { value: null, next: eol + 2 };
            const items: Reply[] = [];
            let next = eol + 2;
            for (let i = 0; i < n; i++) {
                const item = parse(buf, next);
                if (!item) return undefined;
                items.push(item.value);
                next = item.next;
            }
            return { value: items, next };
        }
        default:
            throw new Error(`unexpected RESP byte ${buf[at]}`);
    }
}

/** `INFO replication` of a server as key -> value. */
export async function replicationInfo(host: string, port: number, password: string): Promise<Record<string, string>> {
    const c = await RespClient.connect(host, port, password);
    try {
        const text = await c.command(["INFO", "replication"]);
        if (typeof text !== "string") throw new Error(`INFO answered ${String(text)}`);
        return Object.fromEntries(text.split("\r\n").filter((l) => l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]));
    } finally {
        c.close();
    }
}
