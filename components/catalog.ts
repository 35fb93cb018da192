/**
 * The one place where chart versions, chart repositories and default images are pinned.
 *
 * Versions follow `../shared/reference/VERSIONS.md`; a chart upgrade is a one-line change here
 * (see docs/operations.md). Every chart can be redirected to an OCI mirror or a local folder of
 * `.tgz` files through the `chartSource` config key, and every image registry through
 * `imageRegistry`, so the same program runs air-gapped.
 */

/** A chart as published upstream. */
export interface ChartPin {
    /** The chart's name in its repository (and the `.tgz` file prefix in a local mirror). */
    readonly chart: string;
    /** The exact chart version; never a range. */
    readonly version: string;
    /** Upstream location: an HTTP(S) Helm repository URL, or an `oci://` registry path holding the chart. */
    readonly repository: string;
}

export const charts = {
    certManager: { chart: "cert-manager", version: "v1.21.1", repository: "oci://quay.io/jetstack/charts" },
    cloudnativePg: { chart: "cloudnative-pg", version: "0.29.0", repository: "https://cloudnative-pg.github.io/charts" },
    superset: { chart: "superset", version: "0.22.8", repository: "https://apache.github.io/superset" },
} as const satisfies Record<string, ChartPin>;

export type ChartKey = keyof typeof charts;

/**
 * Images the program runs itself or sets explicitly in chart values. Each is `registry/repository:tag`
 * so that `imageRegistry` can replace the registry part alone.
 */
export const images = {
    /** PostgreSQL operand image for CloudNativePG clusters (the operator's own image comes from its chart). */
    postgres: { registry: "ghcr.io", repository: "cloudnative-pg/postgresql", tag: "17.5" },
    /** CloudNativePG operator. */
    cnpgOperator: { registry: "ghcr.io", repository: "cloudnative-pg/cloudnative-pg", tag: "1.30.0" },
    /** Valkey: the BSD-licensed, actively maintained Redis fork, used as cache and Celery broker. */
    valkey: { registry: "docker.io", repository: "valkey/valkey", tag: "8.1.3" },
    /** Apache Superset, the image the chart's appVersion names. */
    superset: { registry: "docker.io", repository: "apache/superset", tag: "6.1.0" },
} as const satisfies Record<string, ImagePin>;

export type ImageKey = keyof typeof images;

export interface ImagePin {
    readonly registry: string;
    readonly repository: string;
    readonly tag: string;
}
