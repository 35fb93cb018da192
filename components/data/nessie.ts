import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { charts, images } from "../catalog";
import { ChartSource, Resources } from "../config";
import { installChart } from "../lib/chart";
import { ScrapeTarget } from "../lib/monitoring";
import { ServedPorts } from "../lib/network";
import { Footprint, podsFootprint } from "../lib/footprint";
import { ImageRegistry, repositoryRef, tagFor } from "../lib/images";
import { Endpoint, portForwardCommand } from "../lib/outputs";
import { resourceRequirements } from "../lib/security";
import { S3Location, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } from "../lib/storage";
import { DatabaseAccess } from "./postgresCluster";

export interface NessieArgs {
    /** Namespace for Nessie; the database and S3 Secrets must be in it. */
    readonly namespace: pulumi.Input<string>;
    /** Chart source (upstream, OCI mirror, local folder). */
    readonly chartSource: ChartSource;
    /** Registry replacing ghcr.io for the Nessie image; empty keeps ghcr.io. */
    readonly imageRegistry: ImageRegistry;
    /** Version store: a database in the platform PostgreSQL. */
    readonly database: DatabaseAccess;
    /** The bucket holding the Iceberg warehouse. */
    readonly warehouse: S3Location;
    /** Resources of each Nessie pod. */
    readonly resources: Resources;
    /** Two replicas spread over nodes, with a PodDisruptionBudget. Default false. */
    readonly highAvailability?: boolean;
}

const RELEASE = "nessie";
const PORT = 19120;
/** Quarkus management interface (health and metrics): the chart's `managementService` port. */
export const NESSIE_MANAGEMENT_PORT = 9000;
const MANAGEMENT_PORT_NAME = "nessie-mgmt";
/** Symbolic name of the default Iceberg warehouse, as clients name it in `warehouse=`. */
export const WAREHOUSE_NAME = "warehouse";

/**
 * Project Nessie as the Iceberg REST catalog: version store JDBC2 on its own PostgreSQL database,
 * warehouse in the object store; both credentials are read from Secrets by name.
 */
export class Nessie extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** The pods and ports clients connect to (for NetworkPolicies). */
    public readonly serves: ServedPorts;
    public readonly endpoint: Endpoint;
    public readonly footprint: Footprint;
    /** Iceberg REST catalog URI for engines (Trino, Flink, Spark, DuckDB). */
    public readonly icebergRestUri: pulumi.Output<string>;
    /** Nessie's own API (v2). */
    public readonly apiUri: pulumi.Output<string>;
    /** Quarkus's Micrometer endpoint `/q/metrics` on the management container port `nessie-mgmt` (9000). */
    public readonly metrics: ScrapeTarget[];

    constructor(name: string, args: NessieArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:Nessie", name, {}, opts);
        const ha = args.highAvailability ?? false;
        const db = args.database;
        const replicas = ha ? 2 : 1;
        this.release = installChart(
            `${name}-chart`,
            {
                pin: charts.nessie,
                source: args.chartSource,
                releaseName: RELEASE,
                namespace: args.namespace,
                values: {
                    replicaCount: replicas,
                    image: { repository: repositoryRef(images.nessie, args.imageRegistry), tag: tagFor(images.nessie, args.imageRegistry) },
                    versionStoreType: "JDBC2",
                    jdbc: {
                        jdbcUrl: pulumi.interpolate`jdbc:postgresql://${db.host}:${db.port}/${db.database}`,
                        secret: { name: db.secretName, username: "username", password: "password" },
                    },
                    catalog: {
                        enabled: true,
                        iceberg: {
                            defaultWarehouse: WAREHOUSE_NAME,
                            warehouses: [{ name: WAREHOUSE_NAME, location: `s3://${args.warehouse.bucket}/` }],
                        },
                        storage: {
                            s3: {
                                defaultOptions: {
                                    endpoint: args.warehouse.endpoint,
                                    pathStyleAccess: true,
                                    region: "us-east-1",
                                    authType: "STATIC",
                                    // No remote signing: Nessie's default (true) signs S3 requests for any client
                                    // that reaches it, with Nessie's own write grant, which would undo a reader's
                                    // read-only key (DuckDB). Every client uses its own S3 user (decision 0043).
                                    requestSigningEnabled: false,
                                    accessKeySecret: { name: args.warehouse.secretName, awsAccessKeyId: S3_ACCESS_KEY_ID, awsSecretAccessKey: S3_SECRET_ACCESS_KEY },
                                },
                            },
                        },
                    },
                    // Metrics on the management port; the chart's own ServiceMonitor (on by default, created
                    // whenever the monitoring CRDs exist) stays off: monitors are created centrally.
                    metrics: { enabled: true },
                    serviceMonitor: { enabled: false },
                    managementService: { portName: MANAGEMENT_PORT_NAME, portNumber: NESSIE_MANAGEMENT_PORT },
                    podSecurityContext: { runAsNonRoot: true, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
                    securityContext: {
                        runAsNonRoot: true,
                        allowPrivilegeEscalation: false,
                        readOnlyRootFilesystem: true,
                        capabilities: { drop: ["ALL"] },
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    resources: resourceRequirements(args.resources),
                    podDisruptionBudget: { enabled: ha, policy: { maxUnavailable: 1 } },
                    affinity: ha
                        ? {
                              podAntiAffinity: {
                                  preferredDuringSchedulingIgnoredDuringExecution: [
                                      {
                                          weight: 100,
                                          podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "app.kubernetes.io/name": RELEASE } } },
                                      },
                                  ],
                              },
                          }
                        : {},
                },
            },
            // Nessie migrates its version store at start and checks the warehouse bucket in its
            // readiness probe: the database and the object store must be ready first.
            { parent: this, dependsOn: [...db.ready, ...args.warehouse.ready] },
        );
        const namespace = this.release.status.namespace.apply((ns) => ns ?? "");
        const base = pulumi.interpolate`http://${RELEASE}.${namespace}.svc.cluster.local:${PORT}`;
        this.icebergRestUri = pulumi.interpolate`${base}/iceberg`;
        this.apiUri = pulumi.interpolate`${base}/api/v2`;
        this.endpoint = { internal: base, external: null, portForward: portForwardCommand(namespace, RELEASE, PORT, PORT) };
        this.footprint = podsFootprint(args.resources, replicas);
        const podLabels = { "app.kubernetes.io/name": RELEASE, "app.kubernetes.io/instance": RELEASE };
        this.serves = { namespace: args.namespace, podLabels, ports: [PORT] };
        this.metrics = [
            {
                name,
                namespace: args.namespace,
                kind: "pod",
                selector: podLabels,
                port: MANAGEMENT_PORT_NAME,
                containerPort: NESSIE_MANAGEMENT_PORT,
                path: "/q/metrics",
            },
        ];
        this.registerOutputs({ endpoint: this.endpoint, icebergRestUri: this.icebergRestUri });
    }
}
