import * as pulumi from "@pulumi/pulumi";
import { ChartPin, charts } from "../catalog";
import { Overrides } from "../config";

/**
 * The escape hatches (`overrides.<chart>.values`, `flink.configuration`, `kafka.config`,
 * `airflow.config`) as one transformation that the program puts on every component. It applies
 * each last, over what the components set: a chart's values, the Flink session cluster's
 * `flinkConfiguration`, the Kafka cluster's broker `config`, Airflow's `config` (airflow.cfg).
 * Config validation (components/config.ts) has already refused literal credentials in them.
 * They can undo what the platform set (docs/operations.md, "Escape hatches").
 */

const RELEASE = "kubernetes:helm.sh/v3:Release";
const KAFKA = /^kubernetes:kafka\.strimzi\.io\/[^:]+:Kafka$/;
const FLINK_DEPLOYMENT = /^kubernetes:flink\.apache\.org\/[^:]+:FlinkDeployment$/;

function isMap(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v) && !pulumi.Output.isInstance(v) && !pulumi.Resource.isInstance(v);
}

/** Helm's merge: maps merge key by key, anything else in `over` (lists, scalars, null) replaces. */
export function deepMerge(base: unknown, over: unknown): unknown {
    if (pulumi.Output.isInstance(base)) return base.apply((b) => deepMerge(b, over));
    if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepMerge(base[k], v) : v;
    return out;
}

/** The catalog key of the chart a Release installs, from its chart reference (name, oci:// path or .tgz). */
export function chartKeyOf(chart: unknown): string | undefined {
    if (typeof chart !== "string") return undefined;
    const base = chart.split("/").pop() ?? chart;
    return Object.entries(charts as Record<string, ChartPin>).find(([, p]) => base === p.chart || base === `${p.chart}-${p.version}.tgz`)?.[0];
}

/** True when the overrides change nothing (the transformation is then left out). */
export function noOverrides(o: Overrides): boolean {
    return Object.keys(o.chartValues).length === 0 && Object.keys(o.flinkConfiguration).length === 0 && Object.keys(o.kafkaConfig).length === 0 && Object.keys(o.airflowConfig).length === 0;
}

/** The transformation applying `overrides` to the resources of the component it is given to. */
export function overridesTransformation(overrides: Overrides): pulumi.ResourceTransformation {
    return (args) => {
        const props = args.props as Record<string, unknown>;
        if (args.type === RELEASE) {
            const key = chartKeyOf(props.chart);
            let values: unknown = props.values;
            if (key === "airflow" && Object.keys(overrides.airflowConfig).length > 0) values = deepMerge(values, { config: overrides.airflowConfig });
            const chartValues = key === undefined ? undefined : (overrides.chartValues as Record<string, unknown>)[key];
            if (chartValues !== undefined) values = deepMerge(values, chartValues);
            return values === props.values ? undefined : { props: { ...props, values }, opts: args.opts };
        }
        if (KAFKA.test(args.type) && Object.keys(overrides.kafkaConfig).length > 0) {
            return { props: { ...props, spec: deepMerge(props.spec, { kafka: { config: overrides.kafkaConfig } }) }, opts: args.opts };
        }
        if (FLINK_DEPLOYMENT.test(args.type) && Object.keys(overrides.flinkConfiguration).length > 0) {
            return { props: { ...props, spec: deepMerge(props.spec, { flinkConfiguration: overrides.flinkConfiguration }) }, opts: args.opts };
        }
        return undefined;
    };
}
