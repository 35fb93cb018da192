import * as assert from "assert";
import { Capture, runProgram, secretLeaks, stackConfig, useMocks } from "./harness";

const KAFKA = "kubernetes:kafka.strimzi.io/v1:Kafka";
const USER = "kubernetes:kafka.strimzi.io/v1:KafkaUser";
const SECRET = "kubernetes:core/v1:Secret";

describe("Kafka closed and authenticated (program)", () => {
    for (const stack of ["prod", "openshift"]) {
        describe(`${stack} stack`, () => {
            let capture: Capture;
            before(async () => {
                capture = await useMocks(stackConfig(stack));
                await runProgram();
            });

            it("leaves NetworkPolicies to the platform: Strimzi generates none", () => {
                const strimzi = capture.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === "strimzi");
                assert.strictEqual(strimzi?.inputs.values.generateNetworkPolicy, false);
            });

            it("authenticates every listener with SCRAM-SHA-512 over TLS and authorizes with ACLs", () => {
                for (const k of capture.ofType(KAFKA)) {
                    const spec = k.inputs.spec.kafka;
                    assert.deepStrictEqual(
                        spec.listeners.map((l: any) => [l.name, l.tls, l.authentication?.type]),
                        spec.listeners.map((l: any) => [l.name, true, "scram-sha-512"]),
                    );
                    assert.deepStrictEqual(spec.authorization, { type: "simple" });
                }
            });

            it("gives each client its own KafkaUser, with a password from a Secret and ACLs naming its resources", () => {
                const users = capture.ofType(USER);
                assert.deepStrictEqual(users.map((u) => u.inputs.metadata.name).sort(), ["airflow", "cdc", "iceberg-appender", "kafka-connect", "schema-registry", "trino"]);
                for (const u of users) {
                    assert.deepStrictEqual(u.inputs.spec.authentication, {
                        type: "scram-sha-512",
                        password: { valueFrom: { secretKeyRef: { name: `${u.inputs.metadata.name}-password`, key: "password" } } },
                    });
                    const wide = u.inputs.spec.authorization.acls.filter((a: any) => a.resource.type === "cluster" || a.resource.name === "*" || a.resource.name === "" || a.operations.includes("All"));
                    assert.deepStrictEqual(wide, [], `${u.inputs.metadata.name} has a cluster-wide or wildcard ACL`);
                }
            });

            it("puts each client's credentials in its own namespace, by name", () => {
                const where = (name: string) => capture.ofType(SECRET).find((s) => s.inputs.metadata.name === `kafka-${name}`)?.inputs.metadata.namespace;
                assert.deepStrictEqual(
                    ["airflow", "cdc", "iceberg-appender", "kafka-connect", "schema-registry", "trino"].map(where),
                    ["platform-apps", "platform-processing", "platform-apps", "platform-data", "platform-data", "platform-processing"],
                );
                assert.deepStrictEqual(secretLeaks(capture), []);
            });
        });
    }
});
