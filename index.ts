import * as pulumi from "@pulumi/pulumi";
import { Superset } from "./components/apps/superset";
import { loadConfig } from "./components/config";
import { Cache } from "./components/data/cache";
import { CnpgOperator } from "./components/data/cnpgOperator";
import { PostgresCluster } from "./components/data/postgresCluster";
import { CertManager } from "./components/foundation/certManager";
import { Namespaces } from "./components/foundation/namespaces";
import { PlatformCa } from "./components/foundation/platformCa";
import { databases, hosts, names, podSecurity } from "./components/names";

// Everything is validated before the first resource is registered.
const cfg = loadConfig();
const prod = cfg.profile === "prod";

const ns = new Namespaces(names.namespaces, {
    namespaces: Object.fromEntries(
        (Object.keys(cfg.namespaces) as (keyof typeof cfg.namespaces)[]).map((role) => [role, { name: cfg.namespaces[role], enforce: podSecurity[role] }]),
    ),
});

const certManager = new CertManager(names.certManager, {
    namespace: ns.names.certManager,
    chartSource: cfg.chartSource,
    imageRegistry: cfg.imageRegistry,
    highAvailability: prod,
});

const ca = new PlatformCa(names.platformCa, { namespace: ns.names.certManager, certManager: certManager.release });
const issuer = cfg.exposure.clusterIssuer === "" ? ca.issuerName : pulumi.output(cfg.exposure.clusterIssuer);

const cnpg = cfg.components.postgres
    ? new CnpgOperator(names.cnpgOperator, { namespace: ns.names.operators, chartSource: cfg.chartSource, imageRegistry: cfg.imageRegistry, highAvailability: prod })
    : undefined;

const postgres = cnpg
    ? new PostgresCluster(names.postgres, {
          namespace: ns.names.data,
          operator: cnpg.release,
          sizing: cfg.sizing.postgres,
          storageClass: cfg.storageClass,
          imageRegistry: cfg.imageRegistry,
          databases: cfg.components.superset ? [{ name: databases.superset }] : [],
          highAvailability: prod,
          protect: cfg.protectData,
      })
    : undefined;

const cache = cfg.components.cache
    ? new Cache(names.cache, { namespace: ns.names.data, sizing: cfg.sizing.cache, storageClass: cfg.storageClass, imageRegistry: cfg.imageRegistry, protect: cfg.protectData })
    : undefined;

// The config module rejects superset without postgres or cache, so both exist here when it is on.
const superset =
    cfg.components.superset && postgres && cache
        ? new Superset(names.superset, {
              namespace: ns.names.apps,
              chartSource: cfg.chartSource,
              imageRegistry: cfg.imageRegistry,
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

export const profile = cfg.profile;

export const endpoints = {
    ...(superset ? { superset: superset.endpoint } : {}),
    ...(postgres ? { postgres: postgres.endpoint } : {}),
    ...(cache ? { cache: cache.endpoint } : {}),
};

export const credentials = {
    ...(superset ? { superset: superset.credential } : {}),
    ...(postgres ? { postgres: Object.fromEntries(Object.entries(postgres.databases).map(([db, access]) => [db, access.credential])) } : {}),
    ...(cache ? { cache: cache.credential } : {}),
};

export const platformCa = { clusterIssuer: issuer, caCertPem: ca.caCertPem };
