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
import { XtraDbCluster } from "./components/data/xtradb";
import { CertManager } from "./components/foundation/certManager";
import { Namespaces } from "./components/foundation/namespaces";
import { NetworkPolicies } from "./components/foundation/networkPolicies";
import { PlatformCa } from "./components/foundation/platformCa";
import { Footprint, summarize, sumFootprints } from "./components/lib/footprint";
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
          databases: [...(on.superset ? [{ name: databases.superset }] : []), ...(on.nessie ? [{ name: databases.nessie }] : [])],
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
              highAvailability: prod,
          })
        : undefined;

// ---- Network policies: default deny, then the connections the enabled components make -------
const flows: Flow[] = [
    // Operators reconcile the pods they manage (status, control and admin ports).
    ...(cnpg || minioOperator || pxcOperator || strimzi ? [{ name: "operators-data", from: ns.names.operators, to: { namespace: ns.names.data, podLabels: {}, ports: [] } }] : []),
    ...(superset && postgres ? [{ name: "apps-postgres", from: ns.names.apps, to: postgres.serves }] : []),
    ...(superset && cache ? [{ name: "apps-cache", from: ns.names.apps, to: cache.serves }] : []),
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
};
const counted = Object.entries(footprints).filter((e): e is [string, Footprint] => e[1] !== undefined);

/** What the stack requests of the cluster in steady state (hook Jobs and backups not counted). */
export const footprint = {
    total: summarize(sumFootprints(counted.map(([, f]) => f))),
    byComponent: Object.fromEntries(counted.map(([c, f]) => [c, summarize(f)])),
};
