import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { ChartSource } from "../../components/config";
import { SparkJobs, sparkApplicationSpec } from "../../components/processing/sparkJobs";
import { SparkOperator } from "../../components/processing/sparkOperator";
import { resolve, settle, useMocks } from "../harness";
import { REFERENCE_DIR } from "./reference";

const CRD_FILE = path.join(REFERENCE_DIR, "crds", "spark-operator", "SparkApplication.yaml");

/** Paths in `value` the schema does not allow: unknown fields, wrong basic types, missing required fields. */
function schemaViolations(schema: any, value: unknown, at = "spec"): string[] {
    if (schema["x-kubernetes-preserve-unknown-fields"] === true && !schema.properties) return [];
    if (schema["x-kubernetes-int-or-string"] === true) return typeof value === "string" || Number.isInteger(value) ? [] : [`${at}: not int-or-string`];
    switch (schema.type) {
        case "object": {
            if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${at}: not an object`];
            const obj = value as Record<string, unknown>;
            const missing = (schema.required ?? []).filter((k: string) => !(k in obj)).map((k: string) => `${at}.${k}: required`);
            return [
                ...missing,
                ...Object.entries(obj).flatMap(([k, v]) => {
                    const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
                    return sub ? schemaViolations(sub, v, `${at}.${k}`) : [`${at}.${k}: unknown field`];
                }),
            ];
        }
        case "array":
            return Array.isArray(value) ? value.flatMap((v, i) => schemaViolations(schema.items, v, `${at}[${i}]`)) : [`${at}: not an array`];
        case "string":
            return typeof value === "string" ? [] : [`${at}: not a string`];
        case "integer":
            return Number.isInteger(value) ? [] : [`${at}: not an integer`];
        case "boolean":
            return typeof value === "boolean" ? [] : [`${at}: not a boolean`];
        default:
            return [];
    }
}

function sparkApplicationSchema(): any {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(CRD_FILE, "utf8"))) {
        const crd = doc.toJSON();
        if (crd?.kind !== "CustomResourceDefinition") continue;
        return crd.spec.versions.find((v: any) => v.name === "v1beta2").schema.openAPIV3Schema.properties.spec;
    }
    throw new Error("no SparkApplication CRD");
}

const upstream: ChartSource = { mode: "upstream", location: "" };

describe("reference: Spark", () => {
    let sj: SparkJobs;
    before(async () => {
        await useMocks({ profile: "dev" });
        const operator = new SparkOperator("spark-operator", { namespace: "platform-operators", chartSource: upstream, imageRegistry: "", highAvailability: false, jobNamespaces: ["platform-apps"] });
        const ready = new k8s.core.v1.ConfigMap("object-store-ready", { metadata: { name: "object-store-ready", namespace: "platform-data" } });
        sj = new SparkJobs("spark-jobs", {
            namespace: "platform-apps",
            operator,
            eventLog: { endpoint: "http://minio.platform-data.svc.cluster.local", secretName: "object-store-s3-credentials", bucket: "spark", ready: [ready] },
            imageRegistry: "",
        });
        await settle();
    });

    it("builds SparkApplication specs that validate against the v1beta2 CRD", async () => {
        const spec = await resolve(
            pulumi.output(
                sparkApplicationSpec(sj.applicationDefaults, {
                    type: "Scala",
                    mainApplicationFile: "local:///opt/spark/examples/jars/spark-examples.jar",
                    mainClass: "org.apache.spark.examples.SparkPi",
                    arguments: ["100"],
                    driver: { cores: 1, memory: "1g" },
                    executor: { instances: 2, cores: 1, memory: "1g" },
                }),
            ),
        );
        assert.deepStrictEqual(schemaViolations(sparkApplicationSchema(), spec), []);
        // And the checker does catch a stray field.
        assert.deepStrictEqual(schemaViolations(sparkApplicationSchema(), { ...spec, driverr: {} }), ["spec.driverr: unknown field"]);
    });
});
