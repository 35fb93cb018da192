import * as assert from "assert";
import * as YAML from "yaml";
import { charts, images } from "../components/catalog";
import { imageRef } from "../components/lib/images";
import {
    Artifacts,
    ChartContext,
    ReferenceData,
    authoredImages,
    chartImages,
    chartOf,
    collectArtifacts,
    dedupe,
    dependencyEnabled,
    helmPullLine,
    helmPushLine,
    mirrorRef,
    normalizeRef,
    parseVersionsTable,
    skopeoLine,
} from "../scripts/lib/artifacts";
import { artifactsCommand } from "../scripts/artifacts";
import { Capture, Registered, runProgram, stackConfig, useMocks } from "./harness";

const MIRROR = "registry.internal:5000/mirror";

function ctx(chart: string, defaultTag?: string, kafkaVersions: string[] = []): ChartContext {
    return { chart, version: "1.0.0", defaultTag, kafkaVersions };
}

function refsOf(found: ReturnType<typeof chartImages>): Record<string, string> {
    return Object.fromEntries(found.map((f) => [f.path, "refs" in f.composed ? f.composed.refs.join(" ") : f.composed.pattern]));
}

function registered(type: string, name: string, inputs: Record<string, any>, parent = ""): Registered {
    return { type, name, urn: `urn:pulumi:test::analytics-platform::${type}::${name}`, parent, custom: true, inputs, dependencies: [], protect: false };
}

/** No upstream reference data: what a clone of the project has. */
const NONE: ReferenceData = { values: () => undefined, appVersion: () => undefined, dependencies: () => [] };

async function artifactsFor(stack: string, imageRegistry = ""): Promise<Artifacts> {
    const capture = await useMocks({ ...stackConfig(stack), imageRegistry });
    await runProgram();
    return collectArtifacts(capture, NONE, imageRegistry);
}

describe("artifacts: image walkers", () => {
    it("finds every container, init container and sidecar image of a pod spec and skips other strings", () => {
        const deployment = {
            metadata: { name: "app", labels: { image: "not-a-ref" } },
            spec: {
                template: {
                    spec: {
                        initContainers: [{ name: "init", image: "docker.io/library/busybox:1.36", imagePullPolicy: "IfNotPresent" }],
                        containers: [
                            { name: "app", image: "ghcr.io/acme/app:2.0", env: [{ name: "IMAGE", value: "x/y:1" }] },
                            { name: "proxy", image: "envoyproxy/envoy:v1.31.0" },
                        ],
                    },
                },
            },
        };
        assert.deepStrictEqual(authoredImages(deployment), [
            ["spec.template.spec.initContainers[0].image", "docker.io/library/busybox:1.36"],
            ["spec.template.spec.containers[0].image", "ghcr.io/acme/app:2.0"],
            ["spec.template.spec.containers[1].image", "envoyproxy/envoy:v1.31.0"],
        ]);
    });

    it("finds image and imageName fields at any depth of custom resources", () => {
        const pxc = { spec: { pxc: { image: "docker.io/percona/percona-xtradb-cluster:8.4.8-8.1" }, haproxy: { image: "docker.io/percona/haproxy:2.8.18-1" }, backup: { image: "docker.io/percona/percona-xtrabackup:8.4.0-5.1" } } };
        const cnpg = { spec: { imageName: "ghcr.io/cloudnative-pg/postgresql:17.5", imagePullPolicy: "IfNotPresent" } };
        const flink = { spec: { image: "docker.io/flink:1.20.3-java17", flinkVersion: "v1_20" } };
        assert.deepStrictEqual(
            [...authoredImages(pxc), ...authoredImages(cnpg), ...authoredImages(flink)],
            [
                ["spec.pxc.image", "docker.io/percona/percona-xtradb-cluster:8.4.8-8.1"],
                ["spec.haproxy.image", "docker.io/percona/haproxy:2.8.18-1"],
                ["spec.backup.image", "docker.io/percona/percona-xtrabackup:8.4.0-5.1"],
                ["spec.imageName", "ghcr.io/cloudnative-pg/postgresql:17.5"],
                ["spec.image", "docker.io/flink:1.20.3-java17"],
            ],
        );
    });
});

describe("artifacts: chart defaults", () => {
    const defaults = YAML.parse(
        [
            "image:",
            "  registry: quay.io",
            "  repository: acme/operator",
            '  tag: ""',
            "webhook:",
            "  image:",
            "    repository: ghcr.io/acme/webhook",
            "    tag: 1.2.3",
            "metrics:",
            "  enabled: false",
            "  image:",
            "    repository: acme/exporter",
            "    tag: 0.1.0",
            "sidecars:",
            "  reloader:",
            "    registry: docker.io",
            "    repository: acme/reloader",
            "    tag: v2",
            "helper:",
            "  image: busybox:1.36",
        ].join("\n"),
    );

    it("composes registry, repository and tag, the appVersion for an empty tag, and skips disabled sections", () => {
        assert.deepStrictEqual(refsOf(chartImages(defaults, {}, ctx("acme", "v9.9.9"))), {
            image: "quay.io/acme/operator:v9.9.9",
            "webhook.image": "ghcr.io/acme/webhook:1.2.3",
            "sidecars.reloader": "docker.io/acme/reloader:v2",
            "helper.image": "busybox:1.36",
        });
    });

    it("lets our values override the defaults and marks those images as ours", () => {
        const found = chartImages(defaults, { image: { registry: MIRROR, tag: "v1" }, metrics: { enabled: true } }, ctx("acme", "v9.9.9"));
        assert.strictEqual(refsOf(found).image, `${MIRROR}/acme/operator:v1`);
        assert.strictEqual(refsOf(found)["metrics.image"], "acme/exporter:0.1.0");
        assert.deepStrictEqual(found.filter((f) => f.ours).map((f) => f.path), ["image"]);
    });

    it("follows cert-manager's imageRegistry/imageNamespace/name convention and keeps the acmesolver on demand", () => {
        const certManager = { imageRegistry: "quay.io", imageNamespace: "jetstack", image: { name: "cert-manager-controller" }, acmesolver: { image: { name: "cert-manager-acmesolver" } } };
        const found = chartImages(certManager, { imageRegistry: MIRROR }, ctx("cert-manager", "v1.21.1"));
        assert.deepStrictEqual(refsOf(found), { image: `${MIRROR}/jetstack/cert-manager-controller:v1.21.1`, "acmesolver.image": `${MIRROR}/jetstack/cert-manager-acmesolver:v1.21.1` });
        assert.deepStrictEqual(found.map((f) => f.when), [undefined, "an ACME issuer solves HTTP-01 challenges (the platform CA does not)"]);
    });

    it("names Strimzi's Kafka image per pinned Kafka version, and as a pattern when none is pinned", () => {
        const strimzi = { defaultImageRegistry: "quay.io", defaultImageRepository: "strimzi", defaultImageTag: "1.2.0", kafka: { image: { registry: "", repository: "", name: "kafka", tagPrefix: "" } } };
        assert.deepStrictEqual(refsOf(chartImages(strimzi, {}, ctx("strimzi-kafka-operator", undefined, ["4.1.0", "4.2.0"]))), { "kafka.image": "quay.io/strimzi/kafka:1.2.0-kafka-4.1.0 quay.io/strimzi/kafka:1.2.0-kafka-4.2.0" });
        assert.deepStrictEqual(refsOf(chartImages(strimzi, {}, ctx("strimzi-kafka-operator"))), { "kafka.image": "quay.io/strimzi/kafka:1.2.0-kafka-<Kafka version>" });
    });

    it("reads the newest chart version and a plain app version from the VERSIONS table", () => {
        const md = [
            "| Component | Chart name | Repo | Newest chart version | App version | Hooks | CRDs |",
            "|---|---|---|---|---|---|---|",
            "| cert-manager | `cert-manager` | `oci://quay.io/jetstack/charts/cert-manager` | **v1.21.1** | v1.21.1 | Yes | No |",
            "| Project Nessie | `nessie` | `https://charts.projectnessie.org` | **0.108.4** | – (no appVersion) | No | No |",
        ].join("\n");
        assert.deepStrictEqual([...parseVersionsTable(md)], [
            ["cert-manager", { version: "v1.21.1", appVersion: "v1.21.1" }],
            ["nessie", { version: "0.108.4" }],
        ]);
    });

    it("installs a subchart unless its first set condition is false", () => {
        const dep = { name: "grafana", version: "12.11.1", repository: "https://example.org", condition: "grafana.enabled,monitoring.grafana" };
        assert.deepStrictEqual(
            [dependencyEnabled(dep, {}), dependencyEnabled(dep, { grafana: { enabled: false } }), dependencyEnabled(dep, { monitoring: { grafana: false } }), dependencyEnabled(dep, { grafana: { enabled: true }, monitoring: { grafana: false } })],
            [true, false, false, true],
        );
    });

    it("falls back to the catalog pin for a chart without reference values, marked as such", () => {
        const capture = new Capture();
        capture.resources.push(registered("kubernetes:helm.sh/v3:Release", "superset-chart", { chart: "superset", version: "0.22.8", name: "superset", namespace: "platform-apps", repositoryOpts: { repo: charts.superset.repository }, values: {} }));
        const none: ReferenceData = { values: () => undefined, appVersion: () => undefined, dependencies: () => [] };
        assert.deepStrictEqual(collectArtifacts(capture, none, MIRROR).images, [
            { ref: imageRef(images.superset, MIRROR), source: "superset-chart: catalog images.superset", origin: "catalog", note: "from catalog pin; chart may run more images" },
        ]);
    });

    it("marks images of the platform's own namespace as built from images/", () => {
        const capture = new Capture();
        capture.resources.push(registered("kubernetes:apps/v1:Deployment", "duckdb", { spec: { template: { spec: { containers: [{ name: "duckdb", image: "ghcr.io/analytics-platform/duckdb:1.5.2" }] } } } }));
        const none: ReferenceData = { values: () => undefined, appVersion: () => undefined, dependencies: () => [] };
        assert.deepStrictEqual(collectArtifacts(capture, none, "").images.map((i) => [i.ref, i.note]), [
            ["ghcr.io/analytics-platform/duckdb:1.5.2", "built by the platform from images/: build and push it if it is not published"],
        ]);
    });
});

describe("artifacts: references and commands", () => {
    it("writes out docker.io and keeps the repository path in the mirror", () => {
        assert.deepStrictEqual(
            [normalizeRef("flink:1.20.3-java17"), normalizeRef("trinodb/trino:480"), normalizeRef("localhost:5000/x/y:1"), mirrorRef("docker.io/flink:1.20.3-java17", MIRROR), mirrorRef("ghcr.io/kubeflow/spark-operator/controller:2.5.2", `${MIRROR}/`)],
            ["docker.io/flink:1.20.3-java17", "docker.io/trinodb/trino:480", "localhost:5000/x/y:1", `${MIRROR}/flink:1.20.3-java17`, `${MIRROR}/kubeflow/spark-operator/controller:2.5.2`],
        );
    });

    it("formats one skopeo copy line per image, with every platform of the image", () => {
        assert.strictEqual(skopeoLine("quay.io/jetstack/cert-manager-controller:v1.21.1", MIRROR), `skopeo copy --all docker://quay.io/jetstack/cert-manager-controller:v1.21.1 docker://${MIRROR}/jetstack/cert-manager-controller:v1.21.1`);
    });

    it("merges images found twice into one entry with both sources and sorts by reference", () => {
        const merged = dedupe([
            { ref: "quay.io/b:1", source: "x: chart b image", origin: "chart-default" as const },
            { ref: "docker.io/a:1", source: "y: Deployment a spec.image", origin: "authored" as const },
            { ref: "quay.io/b:1", source: "z: Kafka k spec.image", origin: "authored" as const },
        ]);
        assert.deepStrictEqual(merged, [
            { ref: "docker.io/a:1", source: "y: Deployment a spec.image", origin: "authored" },
            { ref: "quay.io/b:1", source: "x: chart b image; z: Kafka k spec.image", origin: "authored" },
        ]);
    });

    it("reads a Release as an HTTP repository, OCI or local chart and prints the matching helm pull and push", () => {
        const repo = chartOf({ chart: "trino", version: "1.42.2", name: "trino", namespace: "p", repositoryOpts: { repo: "https://trinodb.github.io/charts" } }, "trino");
        const oci = chartOf({ chart: "oci://quay.io/jetstack/charts/cert-manager", version: "v1.21.1", name: "cert-manager", namespace: "c" }, "cert-manager");
        const local = chartOf({ chart: "/mirror/charts/operator-7.1.1.tgz", name: "minio-operator", namespace: "o" }, "minio-operator");
        assert.deepStrictEqual([local.chart, local.version, local.kind], ["operator", "7.1.1", "local"]);
        assert.deepStrictEqual(
            [repo, oci, local].map((c) => [helmPullLine(c, "charts"), helmPushLine(c, "charts", "oci://registry.internal/charts")]),
            [
                ["helm pull trino --repo https://trinodb.github.io/charts --version 1.42.2 --destination charts", "helm push charts/trino-1.42.2.tgz oci://registry.internal/charts"],
                ["helm pull oci://quay.io/jetstack/charts/cert-manager --version v1.21.1 --destination charts", "helm push charts/cert-manager-v1.21.1.tgz oci://registry.internal/charts"],
                ["# operator 7.1.1 is already a local archive: /mirror/charts/operator-7.1.1.tgz", "helm push /mirror/charts/operator-7.1.1.tgz oci://registry.internal/charts"],
            ],
        );
    });
});

describe("artifacts: real stacks", () => {
    it("lists prod's charts with their pins and the CNPG PostgreSQL image from the catalog", async () => {
        const a = await artifactsFor("prod");
        const chartPins = a.charts.map((c) => `${c.chart}@${c.version}`);
        for (const pin of [charts.certManager, charts.cloudnativePg, charts.strimzi, charts.trino]) assert.ok(chartPins.includes(`${pin.chart}@${pin.version}`), chartPins.join(", "));
        const byRef = new Map(a.images.map((i) => [i.ref, i]));
        assert.strictEqual(byRef.get(imageRef(images.postgres, ""))?.source, "platform-pg: Cluster platform-pg-cluster spec.imageName");
        assert.ok(byRef.has(imageRef(images.pxcBackup, "")), "prod runs XtraDB backups");
        assert.deepStrictEqual(a.images.map((i) => i.ref), [...a.images.map((i) => i.ref)].sort());
    });

    it("with imageRegistry set, every image the program or our chart values name comes from the mirror", async () => {
        const a = await artifactsFor("dev", MIRROR);
        const ours = a.images.filter((i) => i.origin !== "chart-default");
        assert.ok(ours.length >= 15, `only ${ours.length} images`);
        assert.deepStrictEqual(ours.filter((i) => !i.ref.startsWith(`${MIRROR}/`)).map((i) => `${i.ref} (${i.source})`), []);
    });

    it("runs the command line and prints JSON with charts, images and copy lines", async () => {
        const out = await artifactsCommand(["--stack", "dev", "--json", "--registry", MIRROR]);
        const result = JSON.parse(out);
        assert.strictEqual(result.stack, "dev");
        assert.ok(result.charts.some((c: any) => c.pull === `helm pull oci://quay.io/jetstack/charts/cert-manager --version ${charts.certManager.version} --destination charts`));
        const valkey = result.images.find((i: any) => i.ref === imageRef(images.valkey, ""));
        assert.strictEqual(valkey.copy, skopeoLine(imageRef(images.valkey, ""), MIRROR));
        assert.ok(Array.isArray(result.notRedirected));
    });
});
