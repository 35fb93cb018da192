import * as pulumi from "@pulumi/pulumi";
import { Superset } from "./components/apps/superset";
import { loadConfig } from "./components/config";
import { Cache } from "./components/data/cache";
import { ClickHouse } from "./components/data/clickhouse";
import { CnpgOperator } from "./components/data/cnpgOperator";
import { Kafka } from "./components/data/kafka";
import { MinioOperator } from "./components/data/minioOperator";
import { Nessie } from "./components/data/nessie";
import { ObjectStore } from "./components/data/objectStore";
import { PostgresCluster } from "./components/data/postgresCluster";
import { PxcOperator } from "./components/data/pxcOperator";
import { SchemaRegistry } from "./components/data/schemaRegistry";
import { StrimziOperator } from "./components/data/strimziOperator";
import { S3Access } from "./components/data/s3Access";
import { XtraDbCluster } from "./components/data/xtradb";
import { CertManager } from "./components/foundation/certManager";
import { Namespaces } from "./components/foundation/namespaces";
import { NetworkPolicies } from "./components/foundation/networkPolicies";
import { PlatformCa } from "./components/foundation/platformCa";
import { Footprint, summarize, sumFootprints } from "./components/lib/footprint";
import { FlinkCdc } from "./components/processing/flinkCdc";
import { FlinkOperator } from "./components/processing/flinkOperator";
import { SparkJobs } from "./components/processing/sparkJobs";
import { SparkOperator } from "./components/processing/sparkOperator";
import { Trino } from "./components/processing/trino";
import { Flow } from "./components/lib/network";
import { buckets, databases, hosts, names, podSecurity, webhookPorts } from "./components/names";

// Everything is validated before the first resource is registered.
const cfg = loadConfig();
const prod = cfg.profile === "prod";
const on = cfg.components;
const charts = { chartSource: cfg.chartSource, imageRegistry: cfg.imageRegistry };
const storage = { storageClass: cfg.storageClass, imageRegistry: cfg.imageRegistry, protect: cfg.protectData };

// ---- Foundation -------------------------------------------------------------------------------
const ns = new Namespaces(names.namespaces, {
    namespaces: Object.fromEntries(
        (Object.keys(cfg.namespaces) as (keyof typeof cfg.namespaces)[]).map((role) => [role, { name: cfg.namespaces[role], enforce: podSecurity[role] }]),
    ),
});
const certManager = new CertManager(names.certManager, { namespace: ns.names.certManager, ...charts, highAvailability: prod });
const ca = new PlatformCa(names.platformCa, { namespace: ns.names.certManager, certManager: certManager.release });
const issuer = cfg.exposure.clusterIssuer === "" ? ca.issuerName : pulumi.output(cfg.exposure.clusterIssuer);

// ---- Operators (independent of each other: they install in parallel) ---------------------------
const cnpg = on.postgres ? new CnpgOperator(names.cnpgOperator, { namespace: ns.names.operators, ...charts, highAvailability: prod }) : undefined;
const minioOperator = on.objectStore ? new MinioOperator(names.minioOperator, { namespace: ns.names.operators, ...charts, highAvailability: prod }) : undefined;
const pxcOperator = on.xtradb ? new PxcOperator(names.pxcOperator, { namespace: ns.names.operators, ...charts, highAvailability: prod }) : undefined;
const strimzi = on.kafka ? new StrimziOperator(names.strimzi, { namespace: ns.names.operators, ...charts, highAvailability: prod }) : undefined;
const flinkOperator = on.flink
    ? new FlinkOperator(names.flinkOperator, { namespace: ns.names.operators, ...charts, certManager: certManager.release, highAvailability: prod })
    : undefined;
const sparkOperator = on.spark
    ? new SparkOperator(names.sparkOperator, { namespace: ns.names.operators, ...charts, jobNamespaces: [ns.names.apps], highAvailability: prod })
    : undefined;

// ---- Data services ----------------------------------------------------------------------------
const objectStore = minioOperator
    ? new ObjectStore(names.objectStore, {
          namespace: ns.names.data,
          operator: minioOperator.release,
          sizing: cfg.sizing.objectStore,
          buckets: Object.values(buckets),
          highAvailability: prod,
          ...storage,
      })
    : undefined;
const backupTarget = cfg.backups.enabled && objectStore ? objectStore : undefined;

const postgres = cnpg
    ? new PostgresCluster(names.postgres, {
          namespace: ns.names.data,
          operator: cnpg.release,
          sizing: cfg.sizing.postgres,
          databases: [
              ...(on.superset ? [{ name: databases.superset }] : []),
              ...(on.nessie ? [{ name: databases.nessie }] : []),
              ...(on.trino ? [{ name: databases.analytics }] : []),
          ],
          highAvailability: prod,
          backup: backupTarget ? { ...backupTarget.location(buckets.backups), schedule: cfg.backups.schedule, retention: cfg.backups.retention } : undefined,
          ...storage,
      })
    : undefined;

const xtradb = pxcOperator
    ? new XtraDbCluster(names.xtradb, {
          namespace: ns.names.data,
          operator: pxcOperator.release,
          sizing: cfg.sizing.xtradb,
          tlsIssuer: ca.issuerName,
          highAvailability: prod,
          backup: backupTarget ? { ...backupTarget.location(buckets.backups), schedule: cfg.backups.schedule, keep: cfg.backups.keep, pitr: cfg.backups.pitr } : undefined,
          ...storage,
      })
    : undefined;

const cache = on.cache ? new Cache(names.cache, { namespace: ns.names.data, sizing: cfg.sizing.cache, ...storage }) : undefined;

const kafka = strimzi
    ? new Kafka(names.kafka, {
          namespace: ns.names.data,
          operator: strimzi.release,
          sizing: { brokers: cfg.sizing.kafkaBrokers, controllers: cfg.sizing.kafkaControllers },
          storageClass: cfg.storageClass,
          topics: cfg.kafka.topics,
          connect: on.kafkaConnect
              ? {
                    ...(cfg.kafka.connectImage === "" ? {} : { image: cfg.kafka.connectImage }),
                    replicas: cfg.sizing.kafkaConnect.replicas,
                    resources: cfg.sizing.kafkaConnect,
                    connectors: cfg.kafka.connectors,
                }
              : undefined,
          highAvailability: prod,
          protect: cfg.protectData,
      })
    : undefined;

const schemaRegistry =
    on.schemaRegistry && kafka
        ? new SchemaRegistry(names.schemaRegistry, { namespace: ns.names.data, kafka, imageRegistry: cfg.imageRegistry, resources: cfg.sizing.schemaRegistry, highAvailability: prod })
        : undefined;

const nessie =
    on.nessie && postgres && objectStore
        ? new Nessie(names.nessie, {
              namespace: ns.names.data,
              ...charts,
              database: postgres.databases[databases.nessie],
              warehouse: objectStore.location(buckets.warehouse),
              resources: cfg.sizing.nessie,
              highAvailability: prod,
          })
        : undefined;

const clickhouse = on.clickhouse ? new ClickHouse(names.clickhouse, { namespace: ns.names.data, sizing: cfg.sizing.clickhouse, ...storage }) : undefined;

// ---- Processing -------------------------------------------------------------------------------
const flinkS3 = flinkOperator && objectStore ? new S3Access(names.flinkS3, { namespace: ns.names.processing, location: objectStore.location(buckets.checkpoints) }) : undefined;
const flink =
    flinkOperator && flinkS3 && kafka
        ? new FlinkCdc(names.flink, {
              namespace: ns.names.processing,
              operator: flinkOperator.release,
              imageRegistry: cfg.imageRegistry,
              ...(cfg.flink.connectorsImage === "" ? {} : { connectorsImage: cfg.flink.connectorsImage }),
              checkpoints: flinkS3.location,
              savepoints: { ...flinkS3.location, bucket: buckets.savepoints },
              kafkaBootstrap: kafka.bootstrapServers,
              kafkaReady: kafka.ready,
              ...(cfg.flink.jobEnabled ? { jobSql: cfg.flink.sql, sourceSecretName: cfg.flink.sourceSecret } : {}),
              ...(cfg.flink.restoreFromSavepoint === "" ? {} : { restoreFromSavepoint: cfg.flink.restoreFromSavepoint }),
              sizing: { jobManager: cfg.sizing.flinkJobManager, taskManager: cfg.sizing.flinkTaskManager, sqlGateway: cfg.sizing.flinkSqlGateway },
              highAvailability: prod,
          })
        : undefined;

const warehouse = objectStore?.location(buckets.warehouse);
const analyticsDb = postgres?.databases[databases.analytics];
const trino = on.trino
    ? new Trino(names.trino, {
          namespace: ns.names.processing,
          ...charts,
          sizing: { workers: cfg.sizing.trinoWorker.replicas, coordinator: cfg.sizing.trinoCoordinator, worker: cfg.sizing.trinoWorker },
          iceberg:
              nessie && warehouse?.keys
                  ? {
                        restUri: nessie.icebergRestUri,
                        s3Endpoint: warehouse.endpoint,
                        s3AccessKeyId: warehouse.keys.accessKeyId,
                        s3SecretAccessKey: warehouse.keys.secretAccessKey,
                        ready: [nessie.release, ...warehouse.ready],
                    }
                  : undefined,
          postgresql: analyticsDb
              ? { host: analyticsDb.host, port: analyticsDb.port, database: analyticsDb.database, username: analyticsDb.username, password: analyticsDb.password, ready: analyticsDb.ready }
              : undefined,
          clickhouse: clickhouse
              ? { host: clickhouse.host, port: clickhouse.httpPort, username: clickhouse.credential.username ?? "", password: clickhouse.credential.password, ready: [clickhouse.statefulSet] }
              : undefined,
          kafka: kafka ? { bootstrapServers: kafka.bootstrapServers, topics: cfg.kafka.topics.map((t) => t.name), ready: kafka.ready } : undefined,
          highAvailability: prod,
      })
    : undefined;

const sparkEvents = objectStore?.location(buckets.sparkEvents);
const sparkJobs =
    sparkOperator && sparkEvents
        ? new SparkJobs(names.sparkJobs, {
              namespace: ns.names.apps,
              operator: sparkOperator,
              eventLog: sparkEvents,
              ...(sparkEvents.keys ? { s3Keys: sparkEvents.keys } : {}),
              eventLogPrefix: "",
              imageRegistry: cfg.imageRegistry,
          })
        : undefined;

// ---- Apps -------------------------------------------------------------------------------------
// The config module rejects superset without postgres or cache, so both exist here when it is on.
const superset =
    on.superset && postgres && cache
        ? new Superset(names.superset, {
              namespace: ns.names.apps,
              ...charts,
              sizing: cfg.sizing.superset,
              database: postgres.databases[databases.superset],
              cache: { host: cache.host, port: cache.port, password: cache.password, ready: [cache.statefulSet] },
              exposure:
                  cfg.exposure.mode === "ingress"
                      ? { host: `${hosts.superset}.${cfg.domain}`, ingressClassName: cfg.exposure.ingressClassName, clusterIssuer: issuer }
                      : undefined,
              ...(trino ? { trinoUri: trino.sqlalchemyUri } : {}),
              highAvailability: prod,
          })
        : undefined;

// ---- Network policies: default deny, then the connections the enabled components make -------
const flows: Flow[] = [
    // Operators reconcile the pods they manage (status, control and admin ports).
    ...(cnpg || minioOperator || pxcOperator || strimzi ? [{ name: "operators-data", from: ns.names.operators, to: { namespace: ns.names.data, podLabels: {}, ports: [] } }] : []),
    ...(superset && postgres ? [{ name: "apps-postgres", from: ns.names.apps, to: postgres.serves }] : []),
    ...(superset && cache ? [{ name: "apps-cache", from: ns.names.apps, to: cache.serves }] : []),
    ...(superset && trino ? [{ name: "apps-trino", from: ns.names.apps, to: trino.serves }] : []),
    ...(sparkJobs && objectStore ? [{ name: "apps-object-store", from: ns.names.apps, to: objectStore.serves }] : []),
    // The Flink operator drives the session cluster through its REST API.
    ...(flinkOperator ? [{ name: "operators-processing", from: ns.names.operators, to: { namespace: ns.names.processing, podLabels: {}, ports: [] } }] : []),
    ...((trino ?? flink) && objectStore ? [{ name: "processing-object-store", from: ns.names.processing, to: objectStore.serves }] : []),
    ...((trino ?? flink) && kafka ? [{ name: "processing-kafka", from: ns.names.processing, to: kafka.serves }] : []),
    ...(trino && nessie ? [{ name: "processing-nessie", from: ns.names.processing, to: nessie.serves }] : []),
    ...(trino && postgres ? [{ name: "processing-postgres", from: ns.names.processing, to: postgres.serves }] : []),
    ...(trino && clickhouse ? [{ name: "processing-clickhouse", from: ns.names.processing, to: clickhouse.serves }] : []),
];
if (cfg.networkPolicies.enabled) {
    new NetworkPolicies(names.networkPolicies, {
        namespaces: ns.names,
        flows,
        webhooks: [
            { namespace: ns.names.certManager, ports: webhookPorts.certManager },
            { namespace: ns.names.operators, ports: webhookPorts.operators },
        ],
        exposed: cfg.exposure.mode === "ingress" && superset ? [superset.serves] : [],
        apiServerCidrs: cfg.networkPolicies.apiServerCidrs,
    });
}

// ---- Outputs ----------------------------------------------------------------------------------
export const profile = cfg.profile;

export const endpoints = {
    ...(superset ? { superset: superset.endpoint } : {}),
    ...(postgres ? { postgres: postgres.endpoint } : {}),
    ...(xtradb ? { xtradb: xtradb.endpoint } : {}),
    ...(cache ? { cache: cache.endpoint } : {}),
    ...(objectStore ? { objectStore: objectStore.endpoint, objectStoreConsole: objectStore.consoleEndpoint } : {}),
    ...(kafka ? { kafka: kafka.endpoint } : {}),
    ...(kafka?.connectEndpoint ? { kafkaConnect: kafka.connectEndpoint } : {}),
    ...(schemaRegistry ? { schemaRegistry: schemaRegistry.endpoint } : {}),
    ...(nessie ? { nessie: nessie.endpoint, icebergRestCatalog: nessie.icebergRestUri } : {}),
    ...(clickhouse ? { clickhouse: clickhouse.endpoint } : {}),
    ...(trino ? { trino: trino.endpoint } : {}),
    ...(flink ? { flink: flink.endpoint, flinkSqlGateway: flink.sqlGatewayEndpoint } : {}),
};

export const credentials = {
    ...(superset ? { superset: superset.credential } : {}),
    ...(postgres ? { postgres: Object.fromEntries(Object.entries(postgres.databases).map(([db, access]) => [db, access.credential])) } : {}),
    ...(xtradb ? { xtradb: xtradb.credential } : {}),
    ...(cache ? { cache: cache.credential } : {}),
    ...(objectStore ? { objectStore: objectStore.credential, objectStoreApplication: objectStore.s3Credential } : {}),
    ...(clickhouse ? { clickhouse: clickhouse.credential } : {}),
};

export const platformCa = { clusterIssuer: issuer, caCertPem: ca.caCertPem };

const footprints: Record<string, Footprint | undefined> = {
    certManager: certManager.footprint,
    cnpgOperator: cnpg?.footprint,
    minioOperator: minioOperator?.footprint,
    pxcOperator: pxcOperator?.footprint,
    strimzi: strimzi?.footprint,
    objectStore: objectStore?.footprint,
    postgres: postgres?.footprint,
    xtradb: xtradb?.footprint,
    cache: cache?.footprint,
    kafka: kafka?.footprint,
    schemaRegistry: schemaRegistry?.footprint,
    nessie: nessie?.footprint,
    clickhouse: clickhouse?.footprint,
    superset: superset?.footprint,
    flinkOperator: flinkOperator?.footprint,
    flink: flink?.footprint,
    sparkOperator: sparkOperator?.footprint,
    sparkJobs: sparkJobs?.footprint,
    trino: trino?.footprint,
};
const counted = Object.entries(footprints).filter((e): e is [string, Footprint] => e[1] !== undefined);

/** What the stack requests of the cluster in steady state (hook Jobs and backups not counted). */
export const footprint = {
    total: summarize(sumFootprints(counted.map(([, f]) => f))),
    byComponent: Object.fromEntries(counted.map(([c, f]) => [c, summarize(f)])),
};
