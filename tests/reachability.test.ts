import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { NetworkPolicies } from "../components/foundation/networkPolicies";
import { Connection, connectionText, flowBetween } from "../components/lib/network";
import { reachabilityReport } from "../scripts/lib/plan";
import { PolicyObject, reachability, reachabilityText } from "../scripts/lib/reachability";
import { Capture, resolve, runProgram, settle, stackConfig, useMocks } from "./harness";

const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const ns = (name: string) => ({ matchLabels: { "kubernetes.io/metadata.name": name } });
const deny = (namespace: string): PolicyObject => ({ namespace, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } });
/** A client in `apps` reaching a server in `data` on 5432, opened at both ends. */
const egress: PolicyObject = {
    namespace: "apps",
    spec: { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: ns("data"), podSelector: { matchLabels: { app: "db" } } }], ports: [{ protocol: "TCP", port: 5432 }] }] },
};
const ingress: PolicyObject = {
    namespace: "data",
    spec: { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: ns("apps"), podSelector: { matchLabels: { app: "web" } } }], ports: [{ protocol: "TCP", port: 5432 }] }] },
};
const report = (policies: PolicyObject[]) => reachabilityText(reachability(policies));

describe("Reachability derived from NetworkPolicies", () => {
    it("a connection needs the client's egress and the server's ingress, on the ports both allow", () => {
        assert.deepStrictEqual(report([deny("apps"), deny("data"), egress, ingress]), ["apps{app=web} -> data{app=db} : TCP/5432"]);
        assert.deepStrictEqual(report([deny("apps"), deny("data"), egress]), [], "no ingress at the server: nothing");
        assert.deepStrictEqual(report([deny("apps"), deny("data"), ingress]), [], "no egress at the client: nothing");
    });

    it("an ingress open to a whole namespace or every port shows as such where the client's egress allows it", () => {
        const wide = { ...ingress, spec: { ...ingress.spec, ingress: [{ from: [{ namespaceSelector: ns("apps") }] }] } };
        const anyClient = { ...egress, spec: { ...egress.spec, podSelector: {}, egress: [{ to: [{ namespaceSelector: ns("data"), podSelector: { matchLabels: { app: "db" } } }] }] } };
        assert.deepStrictEqual(report([deny("apps"), deny("data"), anyClient, wide]), ["apps{} -> data{app=db} : all"]);
    });

    it("from a namespace the platform does not isolate, the server's ingress alone decides", () => {
        assert.deepStrictEqual(report([deny("data"), ingress]), ["apps{app=web} -> data{app=db} : TCP/5432"]);
        const webhook: PolicyObject = { namespace: "data", spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ ports: [{ protocol: "TCP", port: 9443 }] }] } };
        assert.deepStrictEqual(report([deny("data"), webhook]), ["any source -> data{} : TCP/9443"]);
    });

    it("leaves out what a broader connection between the same namespaces already allows", () => {
        const same: PolicyObject = { namespace: "data", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [{ podSelector: {} }] }], egress: [{ to: [{ podSelector: {} }] }] } };
        const edge: PolicyObject = { namespace: "data", spec: { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: 5432 }] }] } };
        assert.deepStrictEqual(report([deny("data"), same, edge]), ["*{} -> data{app=db} : TCP/5432", "data{} -> data{} : all"]);
    });
});

for (const stack of ["dev", "prod", "openshift"]) {
    describe(`Reachability of the ${stack} stack`, () => {
        let capture: Capture;
        let declared: string[];
        before(async function () {
            this.timeout(120000);
            capture = await useMocks(stackConfig(stack));
            const exported = await runProgram();
            declared = (await resolve(exported.networkConnections)) as string[];
        });

        it("is exactly the connections the components declare: nothing more, nothing less", () => {
            const derived = reachabilityReport(capture);
            const want = [...new Set(declared)].sort();
            assert.deepStrictEqual(
                { more: derived.filter((l) => !want.includes(l)), less: want.filter((l) => !derived.includes(l)) },
                { more: [], less: [] },
            );
            assert.ok(derived.length > 40, `${derived.length} connections`);
        });

        it("opens no cross-namespace allow without ports", () => {
            const open: string[] = [];
            for (const p of capture.ofType(NETPOL)) {
                const { spec, metadata } = p.inputs;
                for (const r of spec.ingress ?? []) if ((r.from ?? []).some((f: any) => f.namespaceSelector) && (r.ports ?? []).length === 0) open.push(`${metadata.namespace}/${metadata.name} ingress`);
                for (const r of spec.egress ?? []) if ((r.to ?? []).some((t: any) => t.namespaceSelector !== undefined || t.ipBlock !== undefined) && (r.ports ?? []).length === 0) open.push(`${metadata.namespace}/${metadata.name} egress`);
            }
            assert.deepStrictEqual(open, []);
        });

        it("every flow names its client pods at both ends, never a whole namespace", () => {
            const flows = capture.ofType(NETPOL).filter((p) => p.inputs.metadata.annotations?.["analytics-platform/flow-kind"] !== undefined);
            assert.ok(flows.length > 10, `${flows.length} flow policies`);
            const wide = flows
                .filter((p) => {
                    const s = p.inputs.spec;
                    const clientPeers = (s.ingress ?? []).flatMap((r: any) => r.from);
                    return Object.keys(s.podSelector.matchLabels ?? {}).length === 0 || clientPeers.some((f: any) => Object.keys(f.podSelector?.matchLabels ?? {}).length === 0);
                })
                .map((p) => p.inputs.metadata.name);
            assert.deepStrictEqual(wide, []);
        });
    });
}

describe("Operators reach only the pods they manage, on their management ports", () => {
    it("prod: one flow per operator and managed workload, on the ports the operators' docs and sources name", async function () {
        this.timeout(120000);
        const capture = await useMocks(stackConfig("prod"));
        await runProgram();
        const fromOperators = reachabilityReport(capture).filter((l) => l.startsWith("platform-operators{") && !l.startsWith("platform-operators{}"));
        assert.deepStrictEqual(fromOperators, [
            // Percona: HAProxy on 3306 (the SmartUpdate asks it for the primary: pkg/pxc/pxc.go GetProxyConnection, 1.20.0).
            "platform-operators{app.kubernetes.io/component=operator,app.kubernetes.io/instance=pxc-operator,app.kubernetes.io/name=pxc-operator} -> platform-data{app.kubernetes.io/component=haproxy,app.kubernetes.io/instance=xtradb} : TCP/3306",
            // Percona: user management over MySQL on the PXC nodes (3306, or the admin port 33062).
            "platform-operators{app.kubernetes.io/component=operator,app.kubernetes.io/instance=pxc-operator,app.kubernetes.io/name=pxc-operator} -> platform-data{app.kubernetes.io/component=pxc,app.kubernetes.io/instance=xtradb} : TCP/3306 TCP/33062",
            // Percona: the operator deletes a removed backup's objects from S3 in its own pod (deleteFromStorage;
            // percona-xtradb-cluster-operator pkg/controller/pxcbackup, runS3BackupFinalizer).
            "platform-operators{app.kubernetes.io/component=operator,app.kubernetes.io/instance=pxc-operator,app.kubernetes.io/name=pxc-operator} -> platform-data{v1.min.io/tenant=object-store} : TCP/9000",
            // CloudNativePG: every instance on the status port and PostgreSQL's.
            "platform-operators{app.kubernetes.io/instance=cnpg,app.kubernetes.io/name=cloudnative-pg} -> platform-data{cnpg.io/cluster=platform-pg} : TCP/5432 TCP/8000",
            // MinIO operator: the tenant's S3 API (admin calls), no TLS inside the cluster.
            "platform-operators{app.kubernetes.io/instance=minio-operator,app.kubernetes.io/name=operator} -> platform-data{v1.min.io/tenant=object-store} : TCP/9000",
            // Flink operator: the JobManager's REST API.
            "platform-operators{app.kubernetes.io/name=flink-kubernetes-operator} -> platform-processing{app=cdc,component=jobmanager,type=flink-native-kubernetes} : TCP/8081",
            // Strimzi: the KRaft control plane (the roller's quorum check: KafkaRoller, 1.2.0), the replication
            // listener and the Kafka agent on every node, Connect's REST API.
            "platform-operators{name=strimzi-cluster-operator,strimzi.io/kind=cluster-operator} -> platform-data{strimzi.io/cluster=kafka,strimzi.io/kind=Kafka} : TCP/8443 TCP/9090 TCP/9091",
            "platform-operators{name=strimzi-cluster-operator,strimzi.io/kind=cluster-operator} -> platform-data{strimzi.io/cluster=kafka-connect,strimzi.io/kind=KafkaConnect} : TCP/8083",
        ]);
    });
});

describe("NetworkPolicies refuses a flow that would open a namespace or every port", () => {
    const served = { namespace: "data", podLabels: { app: "db" }, ports: [5432] };
    const make = async (flow: ReturnType<typeof flowBetween>) => {
        await useMocks({ profile: "dev" });
        new NetworkPolicies("np", { namespaces: { apps: "apps", data: "data" }, flows: [flow], webhooks: [], exposed: [] });
        await settle();
    };
    it("no client pods", async () => {
        await assert.rejects(async () => make(flowBetween("data", "web", { namespace: "apps", podLabels: {} }, "db", served)), /flow web-db names no client pods/);
    });
    it("no ports", async () => {
        await assert.rejects(async () => make(flowBetween("data", "web", { namespace: "apps", podLabels: { app: "web" } }, "db", { ...served, ports: [] })), /flow web-db names no ports/);
    });
    it("declares what it opens, for the report to be compared with", async () => {
        await useMocks({ profile: "dev" });
        const np = new NetworkPolicies("np", { namespaces: { apps: "apps", data: "data" }, flows: [flowBetween("data", "web", { namespace: "apps", podLabels: { app: "web" } }, "db", served)], webhooks: [], exposed: [] });
        const connections: Connection[] = await resolve(pulumi.output(np.connections));
        const lines = connections.map(connectionText).sort();
        assert.deepStrictEqual(lines, [
            "apps{app=web} -> data{app=db} : TCP/5432",
            "apps{} -> apps{} : all",
            "apps{} -> cidr 0.0.0.0/0 : TCP/443 TCP/6443",
            "apps{} -> kube-system{k8s-app=kube-dns} : TCP/53 UDP/53",
            "data{} -> cidr 0.0.0.0/0 : TCP/443 TCP/6443",
            "data{} -> data{} : all",
            "data{} -> kube-system{k8s-app=kube-dns} : TCP/53 UDP/53",
        ]);
    });
});

describe("npm run plan prints the reachability report", () => {
    it("text: one line per derived connection under its heading; JSON: the same lines", async function () {
        this.timeout(120000);
        const { planCommand } = await import("../scripts/plan");
        const text = await planCommand(["--stack", "dev"]);
        const section = text.slice(text.indexOf("Reachability (derived from the generated NetworkPolicies; nothing else connects):\n"));
        const lines = section.split("\n").slice(1).filter((l) => l.startsWith("  ")).map((l) => l.trim());
        const json = JSON.parse(await planCommand(["--stack", "dev", "--json"]));
        assert.deepStrictEqual(lines, json.reachability);
        assert.ok(lines.includes("platform-apps{} -> platform-apps{} : all"), lines.join("\n"));
        assert.ok(lines.some((l) => l.startsWith("platform-apps{analytics-platform/app=superset} -> platform-data{cnpg.io/cluster=")), lines.join("\n"));
    });
});
