import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { chartImages, images } from "../components/catalog";
import { ConfigError, parseConfig } from "../components/config";
import { imageRef, imageValues, parseRef, registryFor, repositoryPath, repositoryRef, tagFor } from "../components/lib/images";
import { PlatformImage, buildCommands, builtImages, buildInputs, expectedTag, inputsHash, isBuildInput, parseTag, platformImages, shellLine } from "../scripts/lib/images";
import { imagesCommand } from "../scripts/images";
import { UsageError } from "../scripts/lib/cli";
import { PROJECT_DIR } from "./harness";

const DIGEST = "a".repeat(64);

function raw(values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

function refused(values: Record<string, unknown>, key: string, allowedPart: RegExp): void {
    assert.throws(
        () => parseConfig(raw({ profile: "dev", ...values })),
        (e: unknown) => {
            assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
            assert.strictEqual(e.key, key);
            assert.match(e.allowed, allowedPart);
            return true;
        },
    );
}

describe("images: config", () => {
    it("takes a full reference per catalog key, with or without a digest", () => {
        const cfg = parseConfig(raw({ profile: "dev", images: { duckdb: "registry.internal:5000/lake/duckdb:1.5.2", trino: `docker.io/trinodb/trino:480@sha256:${DIGEST}` } }));
        assert.deepStrictEqual(cfg.images, { duckdb: "registry.internal:5000/lake/duckdb:1.5.2", trino: `docker.io/trinodb/trino:480@sha256:${DIGEST}` });
    });

    it("refuses an image name the catalog does not have, naming the allowed ones", () => {
        refused({ images: { duckDB: "registry.internal/duckdb:1" } }, "images.duckDB", /no such key; images takes postgres, .*duckdb, icebergAppender/);
    });

    it("refuses references without a registry host or without a tag", () => {
        refused({ images: { duckdb: "analytics/duckdb:1.5.2" } }, "images.duckdb", /full image reference with registry and tag/);
        refused({ images: { duckdb: "registry.internal/analytics/duckdb" } }, "images.duckdb", /full image reference with registry and tag/);
        refused({ images: { duckdb: `registry.internal/analytics/duckdb@sha256:${DIGEST}` } }, "images.duckdb", /full image reference with registry and tag/);
    });

    it("defaults to no overrides, no pull policy and no pull secrets", () => {
        const cfg = parseConfig(raw({ profile: "dev" }));
        assert.deepStrictEqual([cfg.images, cfg.imagePullPolicy, cfg.imagePullSecrets], [{}, "", []]);
    });

    it("takes a pull policy Kubernetes knows and refuses others", () => {
        assert.strictEqual(parseConfig(raw({ profile: "dev", imagePullPolicy: "Always" })).imagePullPolicy, "Always");
        refused({ imagePullPolicy: "always" }, "imagePullPolicy", /"Always" or "IfNotPresent" or "Never"/);
    });

    it("takes pull Secrets by name, each once", () => {
        assert.deepStrictEqual(parseConfig(raw({ profile: "dev", imagePullSecrets: ["registry-login", "mirror.login"] })).imagePullSecrets, ["registry-login", "mirror.login"]);
        refused({ imagePullSecrets: { name: "registry-login" } }, "imagePullSecrets", /a list of Secret names/);
        refused({ imagePullSecrets: ["Registry_Login"] }, "imagePullSecrets[0]", /name of an existing Secret/);
        refused({ imagePullSecrets: ["a", "a"] }, "imagePullSecrets", /each Secret name once \(a is listed twice\)/);
    });

    it("refuses the CDC job without a connectors image, naming the key", () => {
        refused({ flink: { jobEnabled: true } }, "flink.connectorsImage", /a Flink image with the CDC job's connectors, built from images\/flink .* when flink.jobEnabled is true/);
    });

    it("accepts the CDC job with a connectors image", () => {
        const cfg = parseConfig(raw({ profile: "dev", flink: { jobEnabled: true, connectorsImage: "registry.internal/analytics-platform/flink:1.20.3-0123456789ab" } }));
        assert.deepStrictEqual([cfg.flink.jobEnabled, cfg.flink.connectorsImage], [true, "registry.internal/analytics-platform/flink:1.20.3-0123456789ab"]);
    });

    it("no longer takes per-component image keys under lake", () => {
        refused({ lake: { duckdbImage: "registry.internal/duckdb:1" } }, "lake.duckdbImage", /no such key/);
    });
});

describe("images: resolving a pin", () => {
    const src = { registry: "mirror.internal", overrides: { trino: `registry.internal:5000/own/trino:480-1@sha256:${DIGEST}` } };

    it("uses the override as given, the registry override not applying to it", () => {
        assert.strictEqual(imageRef(images.trino, src), `registry.internal:5000/own/trino:480-1@sha256:${DIGEST}`);
        assert.deepStrictEqual(
            [registryFor(images.trino, src), repositoryRef(images.trino, src), repositoryPath(images.trino, src), tagFor(images.trino, src)],
            ["registry.internal:5000", "registry.internal:5000/own/trino", "own/trino", `480-1@sha256:${DIGEST}`],
        );
    });

    it("applies the registry override to pins without an override", () => {
        assert.strictEqual(imageRef(images.nessie, src), `mirror.internal/projectnessie/nessie:${images.nessie.tag}`);
        assert.strictEqual(tagFor(images.nessie, src), images.nessie.tag);
    });

    it("keeps the upstream registry with a bare empty string", () => {
        assert.strictEqual(imageRef(images.valkey, ""), `docker.io/valkey/valkey:${images.valkey.tag}`);
    });

    it("takes a reference apart at the registry, the last colon of the name and the digest", () => {
        assert.deepStrictEqual(parseRef("localhost:5001/analytics-platform/spark:3.5.7-0123456789ab"), { registry: "localhost:5001", repository: "analytics-platform/spark", tag: "3.5.7-0123456789ab" });
    });
});

describe("images: catalog pins", () => {
    it("pins the MinIO sidecar to a published tag, the operator v7.1.1's own default", () => {
        assert.strictEqual(images.minioSidecar.tag, "v7.0.1");
    });

    it("runs Spark from the platform's image, not apache/spark with a submit-time download", () => {
        assert.deepStrictEqual([images.spark.repository, images.spark.build, parseTag(images.spark.tag)?.version], ["analytics-platform/spark", "spark", "3.5.7"]);
    });

    it("names every platform image by the hash of its folder's build inputs", () => {
        const own = platformImages();
        assert.deepStrictEqual(
            own.map((i) => i.key),
            (Object.keys(images) as (keyof typeof images)[]).filter((k) => "build" in images[k]),
        );
        for (const i of own) assert.strictEqual(i.pin.tag, expectedTag(i, PROJECT_DIR), `images.${i.key}: set the tag to what \`npm run images -- list\` prints`);
    });
});

describe("images: tag derivation", () => {
    it("changes the hash when any input's content changes, and not with the order files are listed in", () => {
        const a = inputsHash([["Dockerfile", "FROM x:1\n"], ["requirements.txt", "a==1\n"]]);
        assert.strictEqual(inputsHash([["requirements.txt", "a==1\n"], ["Dockerfile", "FROM x:1\n"]]), a);
        assert.notStrictEqual(inputsHash([["Dockerfile", "FROM x:1\n"], ["requirements.txt", "a==2\n"]]), a);
        assert.notStrictEqual(inputsHash([["Dockerfile", "FROM x:1\n"], ["requirements.lock", "a==1\n"]]), a);
        assert.match(a, /^[0-9a-f]{12}$/);
    });

    it("counts every file but documentation, tests and caches as a build input", () => {
        assert.deepStrictEqual(
            ["Dockerfile", "jars.txt", "fetch-jars.sh", "src/app.py", "README.md", "test_appender.py", "app_test.go", "__pycache__/a.pyc", ".pytest_cache/x"].map(isBuildInput),
            [true, true, true, true, false, false, false, false, false],
        );
        assert.deepStrictEqual(buildInputs(path.join(PROJECT_DIR, "images", "spark")), ["Dockerfile", "fetch-jars.sh", "jars.txt"]);
    });

    it("reads the version and the hash out of a platform tag", () => {
        assert.deepStrictEqual([parseTag("3.5.7-0123456789ab"), parseTag("0.1.0-rc1-0123456789ab"), parseTag("3.5.7")], [{ version: "3.5.7", hash: "0123456789ab" }, { version: "0.1.0-rc1", hash: "0123456789ab" }, undefined]);
    });
});

describe("images: build commands", () => {
    const own: PlatformImage[] = [
        { key: "spark", pin: { registry: "localhost:5001", repository: "analytics-platform/spark", tag: "3.5.7-0123456789ab", build: "spark" }, context: "images/spark" },
        { key: "duckdb", pin: { registry: "localhost:5001", repository: "analytics-platform/duckdb", tag: "1.5.2-ba9876543210", build: "duckdb" }, context: "images/duckdb" },
    ];

    it("loads each image into the local store under its catalog name by default", () => {
        assert.deepStrictEqual(buildCommands(own, {}), [
            ["docker", "buildx", "build", "--tag", "localhost:5001/analytics-platform/spark:3.5.7-0123456789ab", "--load", "images/spark"],
            ["docker", "buildx", "build", "--tag", "localhost:5001/analytics-platform/duckdb:1.5.2-ba9876543210", "--load", "images/duckdb"],
        ]);
    });

    it("pushes to another registry under the same path and tag, for the platforms asked", () => {
        assert.deepStrictEqual(buildCommands(own, { push: "registry.internal:5000/mirror", platforms: ["linux/amd64", "linux/arm64"], only: ["duckdb"] }), [
            ["docker", "buildx", "build", "--platform", "linux/amd64,linux/arm64", "--tag", "registry.internal:5000/mirror/analytics-platform/duckdb:1.5.2-ba9876543210", "--push", "images/duckdb"],
        ]);
    });

    it("prints a command as a shell line, quoting only what needs it", () => {
        assert.strictEqual(shellLine(["docker", "buildx", "build", "--tag", "r/x:1", "it's here"]), "docker buildx build --tag r/x:1 'it'\\''s here'");
    });
});

describe("images: Dockerfiles", () => {
    const dirs = fs.readdirSync(path.join(PROJECT_DIR, "images")).filter((d) => fs.existsSync(path.join(PROJECT_DIR, "images", d, "Dockerfile")));

    /** Every base image of a Dockerfile, with `${ARG}` defaults substituted. */
    function bases(dockerfile: string): string[] {
        const args = new Map([...dockerfile.matchAll(/^ARG (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
        const stages = new Set([...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gim)].map((m) => m[1]));
        return [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1].replace(/\$\{(\w+)\}/g, (_, a: string) => args.get(a) ?? `<${a} unset>`)).filter((b) => !stages.has(b));
    }

    it("pins every base image by a tag other than latest", () => {
        for (const d of dirs) {
            for (const b of bases(fs.readFileSync(path.join(PROJECT_DIR, "images", d, "Dockerfile"), "utf8"))) {
                const name = b.split("@")[0];
                const tag = name.lastIndexOf(":") > name.lastIndexOf("/") ? name.slice(name.lastIndexOf(":") + 1) : "";
                assert.ok(tag !== "" && tag !== "latest", `images/${d}: FROM ${b} has no pinned tag`);
            }
        }
    });

    it("ends every image as a numeric non-root user", () => {
        for (const d of dirs) {
            const users = [...fs.readFileSync(path.join(PROJECT_DIR, "images", d, "Dockerfile"), "utf8").matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
            const last = users[users.length - 1] ?? "";
            assert.ok(/^[1-9][0-9]*$/.test(last), `images/${d}: the last USER is "${last}"`);
        }
    });

    it("lists each jar with its coordinates and a sha256 (comment lines aside)", () => {
        for (const d of dirs.filter((x) => fs.existsSync(path.join(PROJECT_DIR, "images", x, "jars.txt")))) {
            for (const line of fs.readFileSync(path.join(PROJECT_DIR, "images", d, "jars.txt"), "utf8").split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"))) {
                assert.match(line, /^[\w.-]+:[\w.-]+:[\w.-]+(:[\w.-]+)? [0-9a-f]{64}$/, `images/${d}/jars.txt`);
            }
        }
    });

    it("adds to Spark 3.5.7 the hadoop-aws of its Hadoop 3.3.4 and that release's AWS SDK bundle", () => {
        const coords = fs.readFileSync(path.join(PROJECT_DIR, "images", "spark", "jars.txt"), "utf8").trim().split("\n").map((l) => l.split(" ")[0]);
        assert.deepStrictEqual(coords, ["org.apache.hadoop:hadoop-aws:3.3.4", "com.amazonaws:aws-java-sdk-bundle:1.12.262"]);
    });

    it("installs the DuckDB release the catalog tag names, with the extensions the shell loads", () => {
        const lines = fs.readFileSync(path.join(PROJECT_DIR, "images", "duckdb", "contents.txt"), "utf8").trim().split("\n");
        assert.deepStrictEqual(lines, [`duckdb ${parseTag(images.duckdb.tag)?.version}`, "extension httpfs", "extension avro", "extension iceberg"]);
    });
});

describe("images: artifacts", () => {
    it("names the platform images a stack runs with the command that builds and pushes them", () => {
        const spark = `mirror.internal/analytics-platform/spark:${images.spark.tag}`;
        assert.deepStrictEqual(builtImages(["docker.io/trinodb/trino:480", spark], "mirror.internal"), [
            { ref: spark, context: "images/spark", build: "npm run images -- build --push mirror.internal --only spark" },
        ]);
        assert.deepStrictEqual(builtImages([imageRef(images.duckdb, "")], "").map((b) => b.build), ["npm run images -- build --push <registry> --only duckdb"]);
    });
});

describe("images: Airflow DAG repository config", () => {
    it("takes a repository with defaults for branch, folder, credentials and period", () => {
        assert.deepStrictEqual(parseConfig(raw({ profile: "dev", airflow: { dags: { repo: "https://git.example.com/dags.git" } } })).airflow.dags, {
            repo: "https://git.example.com/dags.git",
            branch: "main",
            subPath: "",
            credentialsSecret: "",
            periodSeconds: 60,
        });
    });

    it("leaves DAG delivery to the image when no repository is configured", () => {
        assert.strictEqual(parseConfig(raw({ profile: "dev" })).airflow.dags, undefined);
    });

    it("refuses credentials in the URL and a missing repository", () => {
        refused({ airflow: { dags: { repo: "https://user:token@git.example.com/dags.git" } } }, "airflow.dags.repo", /without credentials/);
        refused({ airflow: { dags: { branch: "main" } } }, "airflow.dags.repo", /required with airflow.dags/);
        refused({ airflow: { dags: { repo: "https://git.example.com/d.git", token: "x" } } }, "airflow.dags.token", /no such key/);
    });
});

describe("images: the command", () => {
    it("prints the buildx commands of a dry run, one per image asked for, pushed to the registry given", async () => {
        const out = await imagesCommand(["build", "--push", "registry.internal:5000/", "--only", "spark,duckdb", "--dry-run"]);
        assert.deepStrictEqual(out.trim().split("\n"), [
            `docker buildx build --tag registry.internal:5000/analytics-platform/spark:${images.spark.tag} --push images/spark`,
            `docker buildx build --tag registry.internal:5000/analytics-platform/duckdb:${images.duckdb.tag} --push images/duckdb`,
        ]);
    });

    it("runs each build after checking buildx, and stops at the first failure naming it", async () => {
        const ran: string[] = [];
        const runner = (argv: readonly string[]) => {
            ran.push(argv.slice(0, 3).join(" "));
            return argv.includes("images/duckdb") ? 1 : 0;
        };
        await assert.rejects(imagesCommand(["build", "--only", "spark,duckdb"], runner), /^Error: failed \(exit 1\): docker buildx build --tag localhost:5001\/analytics-platform\/duckdb:/);
        assert.deepStrictEqual(ran, ["docker buildx version", "docker buildx build", "docker buildx build"]);
    });

    it("says what is missing when docker buildx cannot run", async () => {
        await assert.rejects(imagesCommand(["build", "--only", "spark"], () => undefined), /docker buildx version` failed: install Docker with the buildx plugin/);
    });

    it("refuses unknown images, a multi-platform load and unknown arguments as usage errors", async () => {
        await assert.rejects(imagesCommand(["build", "--only", "sparkk"]), (e: Error) => e instanceof UsageError && /--only takes superset, minio, flinkConnectors, spark, airflow, duckdb, icebergAppender; not sparkk/.test(e.message));
        await assert.rejects(imagesCommand(["build", "--platform", "linux/amd64,linux/arm64"]), (e: Error) => e instanceof UsageError && /need --push/.test(e.message));
        await assert.rejects(imagesCommand(["list", "--push", "x"]), (e: Error) => e instanceof UsageError && /unknown argument --push/.test(e.message));
    });

    it("lists each platform image with its catalog reference and folder", async () => {
        const out = await imagesCommand(["list"]);
        for (const i of platformImages()) assert.ok(out.includes(`${i.pin.registry}/${i.pin.repository}:${i.pin.tag}\n      from ${i.context}/`), i.key);
    });
});

describe("images: chart images are overridable too", () => {
    it("keeps the program's and the charts' image keys apart", () => {
        assert.deepStrictEqual(Object.keys(images).filter((k) => k in chartImages), []);
    });

    it("takes a chart image's override into the chart's image object", () => {
        const ref = "registry.internal/jetstack/cert-manager-controller:v1.21.1-patched";
        assert.deepStrictEqual(parseConfig(raw({ profile: "dev", images: { certManagerController: ref } })).images, { certManagerController: ref });
        assert.deepStrictEqual(imageValues(chartImages.certManagerController, { registry: "mirror.internal", overrides: { certManagerController: ref } }), {
            registry: "registry.internal",
            repository: "jetstack/cert-manager-controller",
            tag: "v1.21.1-patched",
        });
    });
});

describe("images: list for a stack", function () {
    this.timeout(180000);
    it("marks the platform's own images the dev stack runs with their folder", async () => {
        const out = await imagesCommand(["list", "--stack", "dev"]);
        assert.ok(out.includes(`  ${imageRef(images.duckdb, "")}  (built from images/duckdb)\n`), out);
        assert.ok(out.includes(`  ${imageRef(images.minioSidecar, "")}\n`), out);
    });
});
