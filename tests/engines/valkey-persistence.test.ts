/**
 * The dev stack's cache start script (components/data/cache.ts, the same persistence settings and
 * restore step as prod's init.sh) run by the real server: Debian's Redis 7.0 under the name
 * valkey-server (tests/engines/valkey-failover.test.ts says why). The server accepts the generated
 * persistence settings, writes RDB snapshots next to the append-only file, and the documented
 * restore (docs/operations.md, "Restore the cache from a snapshot") brings a snapshot back after
 * the data was lost, with the append-only file continuing from it.
 *
 * Only paths, the port and the listen address differ from the pod: /etc/valkey and /data become
 * temporary folders, port 6379 a free loopback port.
 *
 * Mutation tried (fails the test): RESTORE_ON_START moving the snapshot to /data/dump.rdb (the
 * obvious restore) instead of making it the append-only file's base: the server ignores dump.rdb
 * while appendonly is on and "k" is gone after the restore.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { EngineProcess, engineHome, engines, freePort, programCapture, startProcess, tempDir, waitFor } from "./harness";
import { RespClient } from "./resp";

const PASSWORD = "persistence-test-password";

describe("cache persistence and restore (Redis 7.0 as valkey-server)", () => {
    let home: string;
    let script: string;
    let dataDir: string;
    let port: number;
    let server: EngineProcess | undefined;
    let logFile: string | undefined;

    before(async function () {
        try {
            home = engineHome("valkey");
        } catch (e) {
            console.log(`      SKIPPED: engine "valkey" (Redis + HAProxy from Debian) is missing: ${(e as Error).message}`);
            this.skip();
        }
        const capture = await programCapture("dev");
        const command: string[] = capture.one("kubernetes:apps/v1:StatefulSet", "valkey-statefulset").inputs.spec.template.spec.containers[0].command;
        assert.deepStrictEqual(command.slice(0, 2), ["sh", "-c"]);
        const confDir = tempDir("valkey-conf");
        dataDir = tempDir("valkey-data");
        port = await freePort();
        script = command[2].split("/etc/valkey").join(confDir).split("/data").join(dataDir).replace("--port 6379", `--port ${port} --bind 127.0.0.1`);
        assert.ok(script.includes(`--port ${port} --bind 127.0.0.1`), script);
    });

    afterEach(async () => {
        await server?.stop();
        server = undefined;
    });

    async function start(): Promise<RespClient> {
        server = await startProcess({
            name: "valkey",
            command: "sh",
            args: ["-c", script],
            env: { PATH: `${path.join(home, "bin")}:${process.env.PATH ?? ""}`, VALKEY_PASSWORD: PASSWORD },
            ...(logFile === undefined ? {} : { logFile }),
            readyTimeoutMs: 20000,
            ready: () =>
                RespClient.connect("127.0.0.1", port, PASSWORD)
                    .then(async (c) => {
                        // Ready once the dataset is loaded.
                        const info = String(await c.command(["INFO", "persistence"]));
                        c.close();
                        return info.includes("loading:0");
                    })
                    .catch(() => false),
        });
        logFile = server.logFile;
        return RespClient.connect("127.0.0.1", port, PASSWORD);
    }

    async function snapshot(c: RespClient): Promise<void> {
        assert.strictEqual(await c.command(["BGSAVE"]), "Background saving started");
        await waitFor(
            "the snapshot",
            async () => {
                const info = String(await c.command(["INFO", "persistence"]));
                return ["rdb_bgsave_in_progress:0", "rdb_last_bgsave_status:ok", "rdb_changes_since_last_save:0"].every((l) => info.includes(l));
            },
            15000,
        );
    }

    it("runs with the append-only file and the RDB snapshot schedule the program generates", async function () {
        engines(this, "redis 7.0 (valkey-server)");
        const c = await start();
        assert.deepStrictEqual(await c.command(["CONFIG", "GET", "save"]), ["save", "3600 1 300 100 60 10000"]);
        assert.deepStrictEqual(await c.command(["CONFIG", "GET", "appendonly"]), ["appendonly", "yes"]);
        assert.deepStrictEqual(await c.command(["CONFIG", "GET", "appendfsync"]), ["appendfsync", "everysec"]);
        assert.deepStrictEqual(await c.command(["CONFIG", "GET", "dbfilename"]), ["dbfilename", "dump.rdb"]);
        assert.strictEqual(await c.command(["SET", "k", "v1"]), "OK");
        await snapshot(c);
        c.close();
        assert.ok(fs.existsSync(path.join(dataDir, "dump.rdb")), "dump.rdb written");
        assert.ok(fs.existsSync(path.join(dataDir, "appendonlydir")), "append-only file written");
    });

    it("restores a snapshot dropped as restore.rdb at the next start, and keeps appending after it", async function () {
        engines(this, "redis 7.0 (valkey-server)");
        const kept = path.join(tempDir("valkey-kept"), "snapshot.rdb");
        fs.copyFileSync(path.join(dataDir, "dump.rdb"), kept);

        // The loss: everything flushed, one new key written; a restart keeps exactly that (the append-only file).
        let c = await start();
        assert.strictEqual(await c.command(["GET", "k"]), "v1");
        assert.strictEqual(await c.command(["FLUSHALL"]), "OK");
        assert.strictEqual(await c.command(["SET", "after-loss", "x"]), "OK");
        c.close();
        await server?.stop();
        c = await start();
        assert.deepStrictEqual([await c.command(["GET", "k"]), await c.command(["GET", "after-loss"])], [null, "x"]);
        c.close();
        await server?.stop();

        // The restore: the snapshot as restore.rdb, then a restart.
        fs.copyFileSync(kept, path.join(dataDir, "restore.rdb"));
        c = await start();
        assert.deepStrictEqual([await c.command(["GET", "k"]), await c.command(["GET", "after-loss"])], ["v1", null]);
        assert.ok(!fs.existsSync(path.join(dataDir, "restore.rdb")), "restore.rdb consumed");
        assert.strictEqual(await c.command(["SET", "after-restore", "y"]), "OK");
        c.close();
        await server?.stop();

        c = await start();
        assert.deepStrictEqual([await c.command(["GET", "k"]), await c.command(["GET", "after-restore"])], ["v1", "y"]);
        c.close();
    });
});
