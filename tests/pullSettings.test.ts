import * as assert from "assert";
import { CHART_VALUES, CUSTOM_RESOURCES, chartName, editAt, podSpecWithPull, pullSettingsTransformation } from "../components/lib/pullSettings";
import { Capture, Registered, runProgram, stackConfig, useMocks } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const WORKLOADS: Record<string, string[]> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

function at(v: any, path: readonly string[]): any {
    return path.reduce((x, k) => (x === undefined ? undefined : x[k]), v);
}

describe("pull settings: one transformation", () => {
    it("adds the Secrets after those a pod spec has, once each, and sets the policy on every container", () => {
        const spec = { imagePullSecrets: [{ name: "own" }, { name: "regcred" }], initContainers: [{ name: "init", image: "a:1" }], containers: [{ name: "app", image: "b:1", imagePullPolicy: "Always" }] };
        assert.deepStrictEqual(podSpecWithPull(spec, { policy: "IfNotPresent", secrets: ["regcred", "mirror"] }), {
            imagePullSecrets: [{ name: "own" }, { name: "regcred" }, { name: "mirror" }],
            initContainers: [{ name: "init", image: "a:1", imagePullPolicy: "IfNotPresent" }],
            containers: [{ name: "app", image: "b:1", imagePullPolicy: "IfNotPresent" }],
        });
    });

    it("creates the objects on the way to a field and leaves the input untouched", () => {
        const input = { spec: { replicas: 1 } };
        assert.deepStrictEqual(editAt(input, ["spec", "template", "spec", "x"], () => 1), { spec: { replicas: 1, template: { spec: { x: 1 } } } });
        assert.deepStrictEqual(input, { spec: { replicas: 1 } });
    });

    it("is no transformation at all when nothing is configured", () => {
        assert.strictEqual(pullSettingsTransformation({ secrets: [] }), undefined);
    });

    it("names charts as Helm does, whether upstream, OCI or a local archive", () => {
        assert.deepStrictEqual(
            ["trino", "oci://quay.io/jetstack/charts/cert-manager", "charts/cert-manager-v1.21.1.tgz", "/m/flink-kubernetes-operator-1.15.0.tgz", "operator"].map(chartName),
            ["trino", "cert-manager", "cert-manager", "flink-kubernetes-operator", "operator"],
        );
    });

    it("uses the first Secret where a CRD or chart takes one only, and the chart's own keys elsewhere", () => {
        const t = pullSettingsTransformation({ policy: "Always", secrets: ["regcred", "mirror"] });
        assert.ok(t !== undefined);
        const tenant = t({ type: "kubernetes:minio.min.io/v2:Tenant", name: "t", props: { spec: {} }, opts: {}, resource: undefined as never });
        assert.deepStrictEqual(tenant?.props, { spec: { imagePullSecret: { name: "regcred" }, imagePullPolicy: "Always" } });
        const airflow = t({ type: RELEASE, name: "a", props: { chart: "airflow", values: { images: { airflow: { tag: "x" } } } }, opts: {}, resource: undefined as never });
        assert.deepStrictEqual(airflow?.props.values, { images: { airflow: { tag: "x", pullPolicy: "Always" }, statsd: { pullPolicy: "Always" } }, registry: { secretName: "regcred" } });
        const spark = t({ type: RELEASE, name: "s", props: { chart: "spark-operator", values: {} }, opts: {}, resource: undefined as never });
        assert.deepStrictEqual(spark?.props.values, { image: { pullSecrets: [{ name: "regcred" }, { name: "mirror" }], pullPolicy: "Always" } });
    });
});

const CONNECTORS = "registry.internal/analytics-platform/flink:1.20.3-0123456789ab";

describe("pull settings: the prod stack with pull Secrets, a policy and the CDC job", function () {
    this.timeout(180000);
    let capture: Capture;
    before(async () => {
        const prod = stackConfig("prod");
        capture = await useMocks({ ...prod, imagePullSecrets: ["regcred"], imagePullPolicy: "IfNotPresent", flink: { ...(prod.flink as object), jobEnabled: true, connectorsImage: CONNECTORS } });
        await runProgram();
    });

    it("runs the Flink session cluster on the connectors image once the CDC job is on", () => {
        const deployments = capture.ofType("kubernetes:flink.apache.org/v1beta1:FlinkDeployment");
        assert.deepStrictEqual(deployments.map((d) => d.inputs.spec.image), [CONNECTORS]);
    });

    it("gives every workload the platform authors the Secret and every container the policy", () => {
        const workloads = capture.resources.filter((r) => r.type in WORKLOADS);
        assert.ok(workloads.length > 5, `only ${workloads.length} workloads`);
        for (const r of workloads) {
            const spec = at(r.inputs, WORKLOADS[r.type]);
            assert.deepStrictEqual(spec.imagePullSecrets, [{ name: "regcred" }], `${r.type} ${r.name}`);
            for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) assert.strictEqual(c.imagePullPolicy, "IfNotPresent", `${r.type} ${r.name} ${c.name}`);
        }
    });

    it("sets the Secret in every operator custom resource at the field its CRD defines", () => {
        const crs = capture.resources.filter((r) => r.type in CUSTOM_RESOURCES);
        assert.deepStrictEqual([...new Set(crs.map((r) => r.type))].sort(), Object.keys(CUSTOM_RESOURCES).sort());
        for (const r of crs) {
            for (const f of CUSTOM_RESOURCES[r.type].filter((x) => x.kind !== "policy")) {
                const want = f.kind === "oneSecret" ? { name: "regcred" } : [{ name: "regcred" }];
                assert.deepStrictEqual(at(r.inputs, f.path), want, `${r.type} ${r.name} ${f.path.join(".")}`);
            }
        }
    });

    it("knows the pull-Secret values of every chart the stack installs, and sets them", () => {
        const releases: Registered[] = capture.ofType(RELEASE);
        const names = releases.map((r) => chartName(String(r.inputs.chart)));
        assert.deepStrictEqual(names.filter((n) => !(n in CHART_VALUES)), []);
        for (const r of releases) {
            const secretFields = CHART_VALUES[chartName(String(r.inputs.chart))].filter((f) => f.kind !== "policy");
            assert.ok(secretFields.length > 0, String(r.inputs.chart));
            for (const f of secretFields) assert.deepStrictEqual(at(r.inputs.values, f.path), f.kind === "oneSecretName" ? "regcred" : [{ name: "regcred" }], `${r.name} ${f.path.join(".")}`);
        }
    });
});
