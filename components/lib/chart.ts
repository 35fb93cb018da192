import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartPin } from "../catalog";
import { ChartSource } from "../config";
import { ImageRegistry } from "./images";

/** Where Helm fetches a chart from, after the configured mirror has been applied. */
export interface ChartLocation {
    /** `chart` as Helm takes it: a bare name (with `repo`), an `oci://` reference, or a `.tgz` path. */
    readonly chart: string;
    /** The pinned version; omitted for a local `.tgz`, whose file name is the pin. */
    readonly version?: string;
    /** HTTP(S) repository: upstream charts served from one, or the `http` mirror. */
    readonly repo?: string;
}

/** Applies the chart source (upstream, OCI mirror or local folder) to a pinned chart. */
export function chartLocation(pin: ChartPin, source: ChartSource): ChartLocation {
    switch (source.mode) {
        case "upstream":
            return pin.repository.startsWith("oci://")
                ? { chart: `${pin.repository}/${pin.chart}`, version: pin.version }
                : { chart: pin.chart, version: pin.version, repo: pin.repository };
        case "oci":
            return { chart: `${source.location}/${pin.chart}`, version: pin.version };
        case "http":
            return { chart: pin.chart, version: pin.version, repo: source.location };
        case "local":
            return { chart: `${source.location.replace(/\/+$/, "")}/${pin.chart}-${pin.version}.tgz` };
    }
}

/**
 * What every operator component takes: where to install, where charts and images come from, and
 * the HA switch (two or more leader-elected replicas, spread over nodes, where the chart allows).
 */
export interface OperatorArgs {
    /** Namespace to install into; the operator watches every namespace. */
    readonly namespace: pulumi.Input<string>;
    /** Chart source (upstream, OCI mirror, local folder). */
    readonly chartSource: ChartSource;
    /** Registry replacing the upstream registry of the chart's images; empty keeps upstream. */
    readonly imageRegistry: ImageRegistry;
    /** Run two replicas. Default false. */
    readonly highAvailability?: boolean;
}

export interface ChartArgs {
    /** The pinned chart. */
    readonly pin: ChartPin;
    /** Upstream, OCI mirror or local folder. */
    readonly source: ChartSource;
    /** Helm release name; also the prefix of the objects the chart creates, so it stays stable. */
    readonly releaseName: string;
    readonly namespace: pulumi.Input<string>;
    /** Chart values. Never put a generated secret here: reference Secrets by name instead. */
    readonly values: pulumi.Inputs;
    /** How long Helm may wait for the release's workloads and hook Jobs, in seconds. Default 600. */
    readonly timeoutSeconds?: number;
}

/**
 * Installs a chart as a Helm release (see docs/decisions/0001-helm-release.md): Helm runs the
 * chart's hooks and waits until its Deployments, StatefulSets and hook Jobs are ready, so a
 * dependent only starts once the release really serves.
 */
export function installChart(name: string, args: ChartArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    const loc = chartLocation(args.pin, args.source);
    return new k8s.helm.v3.Release(
        name,
        {
            name: args.releaseName,
            namespace: args.namespace,
            chart: loc.chart,
            ...(loc.version === undefined ? {} : { version: loc.version }),
            ...repositoryOpts(loc, args.source),
            values: args.values,
            createNamespace: false,
            atomic: false,
            cleanupOnFail: true,
            waitForJobs: true,
            skipAwait: false,
            maxHistory: 10,
            timeout: args.timeoutSeconds ?? 600,
        },
        opts,
    );
}

/**
 * Helm's repository options: the HTTP repository, and the mirror's credentials for `oci` and `http`
 * sources (the password stays a secret: encrypted in the state, never in values).
 */
function repositoryOpts(loc: ChartLocation, source: ChartSource): { repositoryOpts?: k8s.types.input.helm.v3.RepositoryOpts } {
    const credentials = source.username !== undefined && source.password !== undefined && (source.mode === "oci" || source.mode === "http") ? { username: source.username, password: source.password } : {};
    const opts = { ...(loc.repo === undefined ? {} : { repo: loc.repo }), ...credentials };
    return Object.keys(opts).length === 0 ? {} : { repositoryOpts: opts };
}
