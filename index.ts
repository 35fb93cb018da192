import * as pulumi from "@pulumi/pulumi";
import { Airflow } from "./components/apps/airflow";
import { DuckDb } from "./components/apps/duckdb";
import { IcebergAppender, deadLetterTopic } from "./components/apps/icebergAppender";
import { Nifi } from "./components/apps/nifi";
import { Superset } from "./components/apps/superset";
import { loadConfig } from "./components/config";
import { Cache } from "./components/data/cache";
import { ClickHouse } from "./components/data/clickhouse";
import { BarmanCloudPlugin } from "./components/data/barmanCloudPlugin";
import { CnpgOperator } from "./components/data/cnpgOperator";
import { Kafka } from "./components/data/kafka";
import { KAFKA_CLIENT_KEYS, KAFKA_SECURITY_PROTOCOL, KafkaClientUser, readTopic, useGroup, writeTopic } from "./components/data/kafkaUser";
import { MinioOperator } from "./components/data/minioOperator";
import { Nessie } from "./components/data/nessie";
import { ObjectStore } from "./components/data/objectStore";
import { PostgresBackupSchedule } from "./components/data/postgresBackupSchedule";
import { PostgresCluster } from "./components/data/postgresCluster";
import { PxcOperator } from "./components/data/pxcOperator";
import { SchemaRegistry } from "./components/data/schemaRegistry";
import { StrimziOperator } from "./components/data/strimziOperator";
import { S3Access } from "./components/data/s3Access";
import { backupPrefixes, platformS3Clients, retentionDays, s3Users } from "./components/data/s3Clients";
import { S3Location } from "./components/lib/storage";
import { XtraDbCluster } from "./components/data/xtradb";
import { CertManager } from "./components/foundation/certManager";
import { Namespaces } from "./components/foundation/namespaces";
import { NetworkPolicies } from "./components/foundation/networkPolicies";
import { PlatformCa } from "./components/foundation/platformCa";
import { Footprint, summarize, sumFootprints } from "./components/lib/footprint";
import { ImageSource } from "./components/lib/images";
import { pullSettingsTransformation } from "./components/lib/pullSettings";
import { FLINK_UID, FlinkCdc } from "./components/processing/flinkCdc";
import { FlinkSavepointGuard } from "./components/processing/flinkSavepointGuard";
import { FlinkOperator } from "./components/processing/flinkOperator";
import { SparkJobs } from "./components/processing/sparkJobs";
import { SparkOperator } from "./components/processing/sparkOperator";
import { Trino } from "./components/processing/trino";
import { ClientPods, Flow, ServedPorts, connectionText, flowBetween } from "./components/lib/network";
import { Exposure } from "./components/foundation/exposure";
import { Alerting } from "./components/foundation/alerting";
import { Monitoring } from "./components/foundation/monitoring";
import { Monitors } from "./components/foundation/monitors";
import { WebService, publishedUrl } from "./components/lib/exposure";
import { ScrapeTarget } from "./components/lib/monitoring";
import { openShiftTransformation } from "./components/lib/openshift";
import { noOverrides, overridesTransformation } from "./components/lib/overrides";
import { Endpoint } from "./components/lib/outputs";
import { buckets, databases, hosts, kubelets, names, openShift, podSecurity, webhookPorts } from "./components/names";

// Everything is validated before the first resource is registered.
const cfg = loadConfig();
// On OpenShift, restricted-v2 assigns UIDs and fsGroups per namespace: every component drops the
// fixed ones it would set (the transformation reaches all children of each component).
// The configured imagePullPolicy and imagePullSecrets reach every workload, custom resource and chart the same way.
const pull = pullSettingsTransformation({ ...(cfg.imagePullPolicy === "" ? {} : { policy: cfg.imagePullPolicy }), secrets: cfg.imagePullSecrets });
// The escape hatches (overrides.<chart>.values, flink.configuration, kafka.config, airflow.config)
// come last, so what the user sets wins over the platform and the OpenShift adjustments.
const transformations = [
    ...(cfg.platform === "openshift" ? [openShiftTransformation] : []),
    ...(pull === undefined ? [] : [pull]),
    ...(noOverrides(cfg.overrides) ? [] : [overridesTransformation(cfg.overrides)]),
];
const platform: pulumi.ComponentResourceOptions = transformations.length === 0 ? {} : { transformations };
const prod = cfg.profile === "prod";
const on = cfg.components;
/** OpenShift runs its own Prometheus (user-workload monitoring): there the platform adds monitors only. */
const bundledMonitoring = on.monitoring && cfg.platform !== "openshift";
/** Where every image comes from: the registry override, `images.<key>` references, pull policy and secrets. */
const images: ImageSource = { registry: cfg.imageRegistry, platformRegistry: cfg.platformImageRegistry, overrides: cfg.images, ...(cfg.imagePullPolicy === "" ? {} : { pullPolicy: cfg.imagePullPolicy }), pullSecrets: cfg.imagePullSecrets };
const charts = { chartSource: cfg.chartSource, imageRegistry: images };
const storage = { storageClass: cfg.storageClass, imageRegistry: images, protect: cfg.protectData };

// ---- Foundation -------------------------------------------------------------------------------
const ns = new Namespaces(
    names.namespaces,
    {
        namespaces: {
            ...Object.fromEntries((Object.keys(cfg.namespaces) as (keyof typeof cfg.namespaces)[]).map((role) => [role, { name: cfg.namespaces[role], enforce: podSecurity[role] }])),
            ...(bundledMonitoring ? { monitoring: { name: cfg.monitoring.namespace, enforce: podSecurity.monitoring } } : {}),
        },
    },
    platform,
);
const certManager = new CertManager(names.certManager, { namespace: ns.names.certManager, ...charts, highAvailability: prod }, platform);
const ca = new PlatformCa(names.platformCa, { namespace: ns.names.certManager, certManager: certManager.release }, platform);
const issuer = cfg.exposure.clusterIssuer === "" ? ca.issuerName : pulumi.output(cfg.exposure.clusterIssuer);
/** Where users reach a published web UI, when the stack publishes them. */
const publicUrl = (host: string): string | undefined => (cfg.exposure.mode === "none" ? undefined : publishedUrl(host, cfg.domain));

// ---- Operators (independent of each other: they install in parallel) ---------------------------
const operatorArgs = { namespace: ns.names.operators, ...charts, highAvailability: prod };
const cnpg = on.postgres ? new CnpgOperator(names.cnpgOperator, operatorArgs, platform) : undefined;
const minioOperator = on.objectStore ? new MinioOperator(names.minioOperator, operatorArgs, platform) : undefined;
const pxcOperator = on.xtradb ? new PxcOperator(names.pxcOperator, operatorArgs, platform) : undefined;
const strimzi = on.kafka ? new StrimziOperator(names.strimzi, operatorArgs, platform) : undefined;
const flinkOperator = on.flink ? new FlinkOperator(names.flinkOperator, { ...operatorArgs, certManager: certManager.release }, platform) : undefined;
const sparkOperator = on.spark ? new SparkOperator(names.sparkOperator, { ...operatorArgs, jobNamespaces: [ns.names.apps] }, platform) : undefined;

// ---- Data services ----------------------------------------------------------------------------
const inClusterBackups = cfg.backups.enabled && cfg.backups.target.mode === "in-cluster";
const objectStore = minioOperator
    ? new ObjectStore(
          names.objectStore,
          {
              namespace: ns.names.data,
              operator: minioOperator.release,
              sizing: cfg.sizing.objectStore,
              buckets: Object.values(buckets),
              // One S3 user per client component, scoped to its buckets (decision 0043).
              clients: platformS3Clients({ ...on, inClusterBackups }),
              // A deleted or overwritten backup stays recoverable as long as backups are kept.
              // ClickHouse never deletes its (full) backups: its prefix expires after the same retention (decision 0042).
              versionedBuckets: inClusterBackups
                  ? [
                        {
                            bucket: buckets.backups,
                            noncurrentDays: retentionDays(cfg.backups.retention),
                            expire: on.clickhouse ? [{ prefix: backupPrefixes.clickhouse, days: retentionDays(cfg.backups.retention) }] : [],
                        },
                    ]
                  : [],
              highAvailability: prod,
              ...storage,
          },
          platform,
      )
    : undefined;
/**
 * Where PostgreSQL, XtraDB and ClickHouse back up: the platform's own object store (`backups` bucket), or an S3
 * endpoint outside the cluster (`backups.target.mode: external`) with a credentials Secret the user
 * created in the data namespace. Only the latter survives the loss of the cluster (docs/operations.md).
 */
const backupTarget = (user: string): S3Location | undefined =>
    !cfg.backups.enabled
        ? undefined
        : cfg.backups.target.mode === "external"
          ? { endpoint: cfg.backups.target.endpoint, bucket: cfg.backups.target.bucket, secretName: cfg.backups.target.credentialsSecret, ready: [] }
          : // Each database its own S3 user, writing only its own prefix of the backups bucket (decision 0043). The
            // Secret's name is a plain string: PostgreSQL reads it when it archives, retried until the store is up (decision 0031).
            objectStore?.location(buckets.backups, user);
const pgBackupTarget = on.postgres ? backupTarget(s3Users.postgresBackups) : undefined;
const xtradbBackupTarget = on.xtradb ? backupTarget(s3Users.xtradbBackups) : undefined;
const clickhouseBackupTarget = on.clickhouse ? backupTarget(s3Users.clickhouseBackups) : undefined;
// PostgreSQL's backups run through CloudNativePG's Barman Cloud plugin, installed next to the operator.
const barmanCloud = cnpg && pgBackupTarget ? new BarmanCloudPlugin(names.barmanCloudPlugin, { ...operatorArgs, certManager: certManager.release }, platform) : undefined;
const pgRecovery = cfg.backups.postgresRecovery;

const postgres = cnpg
    ? new PostgresCluster(
          names.postgres,
          {
              namespace: ns.names.data,
              operator: cnpg.release,
              sizing: cfg.sizing.postgres,
              databases: [
                  ...(on.superset ? [{ name: databases.superset }] : []),
                  ...(on.nessie ? [{ name: databases.nessie }] : []),
                  ...(on.trino ? [{ name: databases.analytics }] : []),
                  ...(on.airflow && cfg.airflow.metadataDatabase === "postgresql" ? [{ name: databases.airflow }] : []),
              ],
              highAvailability: prod,
              backup:
                  pgBackupTarget && barmanCloud
                      ? {
                            endpoint: pgBackupTarget.endpoint,
                            bucket: pgBackupTarget.bucket,
                            ready: pgBackupTarget.ready,
                            secretName: pgBackupTarget.secretName,
                            schedule: cfg.backups.schedule,
                            retention: cfg.backups.retention,
                            plugin: barmanCloud.release,
                        }
                      : undefined,
              ...(pgRecovery.sourceServerName === ""
                  ? {}
                  : { recovery: { sourceServerName: pgRecovery.sourceServerName, serverName: pgRecovery.serverName, ...(pgRecovery.targetTime === "" ? {} : { targetTime: pgRecovery.targetTime }) } }),
              ...storage,
          },
          platform,
      )
    : undefined;

if (postgres && pgBackupTarget) {
    new PostgresBackupSchedule(names.postgresBackups, { cluster: postgres, namespace: ns.names.data, schedule: cfg.backups.schedule, bucketReady: pgBackupTarget.ready }, platform);
}

const xtradb = pxcOperator
    ? new XtraDbCluster(
          names.xtradb,
          {
              namespace: ns.names.data,
              operator: pxcOperator.release,
              sizing: cfg.sizing.xtradb,
              tlsIssuer: ca.issuerName,
              databases: on.airflow && cfg.airflow.metadataDatabase === "mysql" ? [databases.airflow] : [],
              highAvailability: prod,
              backup: xtradbBackupTarget
                  ? { endpoint: xtradbBackupTarget.endpoint, bucket: xtradbBackupTarget.bucket, secretName: xtradbBackupTarget.secretName, ready: xtradbBackupTarget.ready, schedule: cfg.backups.schedule, keep: cfg.backups.keep, pitr: cfg.backups.pitr }
                  : undefined,
              ...storage,
          },
          platform,
      )
    : undefined;

const cache = on.cache ? new Cache(names.cache, { namespace: ns.names.data, sizing: cfg.sizing.cache, highAvailability: prod, metrics: on.monitoring, ...storage }, platform) : undefined;

// The appender's dead-letter topic is declared with the cluster's topics, unless the config lists it already.
const appenderDeadLetters = on.appender && strimzi ? [deadLetterTopic(cfg.lake.appenderTopic)].filter((t) => !cfg.kafka.topics.some((c) => c.name === t.name)) : [];
const kafka = strimzi
    ? new Kafka(
          names.kafka,
          {
              namespace: ns.names.data,
              operator: strimzi.release,
              sizing: { brokers: cfg.sizing.kafkaBrokers, controllers: cfg.sizing.kafkaControllers },
              storageClass: cfg.storageClass,
              topics: [...cfg.kafka.topics, ...appenderDeadLetters],
              connect: on.kafkaConnect
                  ? {
                        ...(cfg.kafka.connectImage === "" ? {} : { image: cfg.kafka.connectImage }),
                        replicas: cfg.sizing.kafkaConnect.replicas,
                        resources: cfg.sizing.kafkaConnect,
                        connectors: cfg.kafka.connectors,
                    }
                  : undefined,
              highAvailability: prod,
              rackAwareness: cfg.kafka.rackAwareness,
              protect: cfg.protectData,
              // The client listener's certificate comes from the platform CA, which every client trusts.
              clusterIssuer: ca.issuerName,
              caCertPem: ca.caCertPem,
          },
          platform,
      )
    : undefined;

const schemaRegistry =
    on.schemaRegistry && kafka
        ? new SchemaRegistry(
              names.schemaRegistry,
              { namespace: ns.names.data, kafka, imageRegistry: images, resources: cfg.sizing.schemaRegistry, highAvailability: prod },
              platform,
          )
        : undefined;

const nessie =
    on.nessie && postgres && objectStore
        ? new Nessie(
              names.nessie,
              {
                  namespace: ns.names.data,
                  ...charts,
                  database: postgres.databases[databases.nessie],
                  warehouse: objectStore.location(buckets.warehouse, s3Users.nessie),
                  resources: cfg.sizing.nessie,
                  highAvailability: prod,
              },
              platform,
          )
        : undefined;

const clickhouse = on.clickhouse
    ? new ClickHouse(
          names.clickhouse,
          {
              namespace: ns.names.data,
              sizing: cfg.sizing.clickhouse,
              highAvailability: prod,
              // Written by the servers on the schedule; the servers start without waiting for the store.
              backup: clickhouseBackupTarget
                  ? { endpoint: clickhouseBackupTarget.endpoint, bucket: clickhouseBackupTarget.bucket, secretName: clickhouseBackupTarget.secretName, schedule: cfg.backups.schedule }
                  : undefined,
              ...storage,
          },
          platform,
      )
    : undefined;

// ---- Processing -------------------------------------------------------------------------------
const flinkS3 = flinkOperator && objectStore ? new S3Access(names.flinkS3, { namespace: ns.names.processing, location: objectStore.location(buckets.checkpoints, s3Users.flink) }, platform) : undefined;
const flink =
    flinkOperator && flinkS3 && kafka
        ? new FlinkCdc(
              names.flink,
              {
                  namespace: ns.names.processing,
                  operator: flinkOperator.release,
                  imageRegistry: images,
                  // The CDC job runs on the connectors image (config refuses the job without one).
                  ...(cfg.flink.jobEnabled ? { flinkImage: cfg.flink.connectorsImage } : {}),
                  checkpoints: flinkS3.location,
                  savepoints: { ...flinkS3.location, bucket: buckets.savepoints },
                  kafka: kafka.userCluster,
                  kafkaTopics: cfg.kafka.topics.map((t) => t.name),
                  kafkaReady: kafka.ready,
                  ...(cfg.flink.jobEnabled ? { jobSql: cfg.flink.sql, sourceSecretName: cfg.flink.sourceSecret } : {}),
                  ...(cfg.flink.restoreFromSavepoint === "" ? {} : { restoreFromSavepoint: cfg.flink.restoreFromSavepoint }),
                  sizing: { jobManager: cfg.sizing.flinkJobManager, taskManager: cfg.sizing.flinkTaskManager, sqlGateway: cfg.sizing.flinkSqlGateway },
                  highAvailability: prod,
                  sqlGatewayEnabled: cfg.overrides.flinkSqlGateway,
              },
              platform,
          )
        : undefined;

// A savepoint of the CDC job whenever the session cluster is deleted (destroy, replacement; decision 0032).
if (flink && cfg.flink.jobEnabled) {
    new FlinkSavepointGuard(
        names.flinkSavepointGuard,
        {
            namespace: ns.names.processing,
            flinkDeployment: flink.flinkDeployment,
            restUrl: flink.endpoint.internal,
            jobNamePrefix: flink.jobNamePrefix,
            savepointsDir: flink.savepointsDir,
            image: flink.image,
            runAsUser: FLINK_UID,
        },
        platform,
    );
}

const warehouse = on.trino ? objectStore?.location(buckets.warehouse, s3Users.trino) : undefined;
const analyticsDb = postgres?.databases[databases.analytics];
const trino = on.trino
    ? new Trino(
          names.trino,
          {
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
              kafka: kafka ? { cluster: kafka.userCluster, topics: cfg.kafka.topics.map((t) => t.name), ready: kafka.ready } : undefined,
              // The JMX exporter sidecars only earn their keep when Prometheus scrapes them.
              metrics: on.monitoring,
              highAvailability: prod,
          },
          platform,
      )
    : undefined;

const sparkEvents = on.spark ? objectStore?.location(buckets.sparkEvents, s3Users.spark) : undefined;
const sparkJobs =
    sparkOperator && sparkEvents
        ? new SparkJobs(
              names.sparkJobs,
              {
                  namespace: ns.names.apps,
                  operator: sparkOperator,
                  eventLog: sparkEvents,
                  ...(sparkEvents.keys ? { s3Keys: sparkEvents.keys } : {}),
                  eventLogPrefix: "",
                  imageRegistry: images,
              },
              platform,
          )
        : undefined;

// ---- Apps -------------------------------------------------------------------------------------
// The config module rejects superset without postgres or cache, so both exist here when it is on.
const superset =
    on.superset && postgres && cache
        ? new Superset(
              names.superset,
              {
                  namespace: ns.names.apps,
                  ...charts,
                  sizing: cfg.sizing.superset,
                  database: postgres.databases[databases.superset],
                  cache: { host: cache.host, port: cache.port, password: cache.password, ready: cache.ready },
                  webHost: hosts.superset,
                  ...(trino ? { trinoUri: trino.sqlalchemyUri } : {}),
                  highAvailability: prod,
              },
              platform,
          )
        : undefined;

// The config module rejects airflow without its metadata database or the cache.
const airflowDb = cfg.airflow.metadataDatabase === "mysql" ? xtradb?.databases[databases.airflow] : postgres?.databases[databases.airflow];
const airflow =
    on.airflow && airflowDb && cache
        ? new Airflow(
              names.airflow,
              {
                  namespace: ns.names.apps,
                  ...charts,
                  sizing: cfg.sizing.airflow,
                  storageClass: cfg.storageClass,
                  metadata: { kind: cfg.airflow.metadataDatabase, ...airflowDb },
                  broker: { host: cache.host, port: cache.port, password: cache.password, ready: cache.ready },
                  // Only the address: the connection works once Trino is up, Airflow need not wait for it.
                  ...(trino ? { trino: { host: trino.serviceHost, port: trino.port } } : {}),
                  ...(kafka ? { kafka: { cluster: kafka.userCluster, topics: cfg.kafka.topics.map((t) => t.name) } } : {}),
                  ...(sparkJobs ? { spark: { namespace: ns.names.apps } } : {}),
                  ...(cfg.airflow.dags === undefined ? {} : { dags: cfg.airflow.dags }),
                  webHost: hosts.airflow,
                  ...(publicUrl(hosts.airflow) === undefined ? {} : { publicUrl: publicUrl(hosts.airflow) }),
                  highAvailability: prod,
              },
              platform,
          )
        : undefined;

const nifi = on.nifi
    ? new Nifi(
          names.nifi,
          {
              namespace: ns.names.apps,
              sizing: cfg.sizing.nifi,
              storageClass: cfg.storageClass,
              imageRegistry: images,
              clusterIssuer: ca.issuerName,
              domain: cfg.exposure.mode === "none" ? "" : cfg.domain,
              webHost: hosts.nifi,
              protect: cfg.protectData,
          },
          platform,
      )
    : undefined;

// DuckDB (reading) and the appender (writing) use the warehouse from the apps namespace, each with its own key.
const duckdbS3 = on.duckdb && objectStore ? new S3Access(names.duckdbS3, { namespace: ns.names.apps, location: objectStore.location(buckets.warehouse, s3Users.duckdb) }, platform) : undefined;
const appenderS3 = on.appender && objectStore ? new S3Access(names.appenderS3, { namespace: ns.names.apps, location: objectStore.location(buckets.warehouse, s3Users.appender) }, platform) : undefined;
const duckdb =
    on.duckdb && duckdbS3 && nessie
        ? new DuckDb(
              names.duckdb,
              {
                  namespace: ns.names.apps,
                  imageRegistry: images,
                  s3: duckdbS3.location,
                  icebergRestUri: nessie.icebergRestUri,
                  resources: cfg.sizing.duckdb,
                  ready: [nessie.release],
              },
              platform,
          )
        : undefined;
// The appender's own Kafka user: read its topic, write its dead-letter topic, use its consumer group.
const appenderKafka =
    on.appender && kafka
        ? new KafkaClientUser(
              `${names.appender}-kafka-user`,
              {
                  username: names.appender,
                  cluster: kafka.userCluster,
                  clientNamespace: ns.names.apps,
                  acls: [readTopic(cfg.lake.appenderTopic), writeTopic(deadLetterTopic(cfg.lake.appenderTopic).name), useGroup(names.appender)],
              },
              platform,
          ).access
        : undefined;
const appender =
    on.appender && appenderS3 && nessie && kafka && appenderKafka
        ? new IcebergAppender(
              names.appender,
              {
                  namespace: ns.names.apps,
                  imageRegistry: images,
                  bootstrapServers: appenderKafka.bootstrapServers,
                  kafkaAuth: {
                      protocol: KAFKA_SECURITY_PROTOCOL,
                      username: appenderKafka.username,
                      passwordSecret: { name: appenderKafka.secretName, key: KAFKA_CLIENT_KEYS.password },
                      caSecret: { name: appenderKafka.secretName, key: KAFKA_CLIENT_KEYS.ca },
                  },
                  topic: cfg.lake.appenderTopic,
                  deadLetterTopic: deadLetterTopic(cfg.lake.appenderTopic).name,
                  table: cfg.lake.appenderTable,
                  icebergRestUri: nessie.icebergRestUri,
                  s3: appenderS3.location,
                  replicas: cfg.sizing.appender.replicas,
                  resources: cfg.sizing.appender,
                  // It consumes its topic from the first poll, and commits through Nessie.
                  // Its KafkaUser must exist before the broker accepts its login.
                  ready: [...kafka.ready, ...(kafka.topics[cfg.lake.appenderTopic] ? [kafka.topics[cfg.lake.appenderTopic]] : []), nessie.release, ...appenderKafka.ready],
              },
              platform,
          )
        : undefined;

// ---- Monitoring and exposure ------------------------------------------------------------------
/** Everything Prometheus scrapes: each enabled component describes its own metrics endpoints. */
const scrapeTargets: ScrapeTarget[] = [
    certManager,
    cnpg,
    minioOperator,
    pxcOperator,
    strimzi,
    flinkOperator,
    sparkOperator,
    objectStore,
    postgres,
    xtradb,
    kafka,
    nessie,
    clickhouse,
    cache,
    flink,
    trino,
    airflow,
    appender,
].flatMap((c) => c?.metrics ?? []);
const monitoring = bundledMonitoring
    ? new Monitoring(
          names.monitoring,
          {
              namespace: ns.names.monitoring,
              ...charts,
              certManager: certManager.release,
              targets: scrapeTargets,
              retention: cfg.monitoring.retention,
              sizing: { prometheus: cfg.sizing.prometheus, grafana: cfg.sizing.grafana, small: cfg.sizing.monitoringSmall },
              storageClass: cfg.storageClass,
              highAvailability: prod,
              alertmanagerConfigSecret: cfg.monitoring.alertmanagerConfigSecret,
          },
          platform,
      )
    : undefined;
// Alerts and dashboards for the components that run, next to the bundled Prometheus and Grafana.
if (monitoring) {
    new Alerting(
        names.alerting,
        {
            namespace: ns.names.monitoring,
            monitoring: monitoring.release,
            scope: {
                certManager: true,
                postgres: postgres !== undefined,
                postgresBackups: postgres !== undefined && pgBackupTarget !== undefined,
                backupSchedule: cfg.backups.schedule,
                kafka: kafka !== undefined,
                flink: flink !== undefined,
                objectStore: objectStore !== undefined,
                appender: appender !== undefined,
                clickhouse: clickhouse !== undefined,
                cache: cache !== undefined,
                ...(clickhouse?.backupCronJobName === undefined ? {} : { clickhouseBackupCronJob: clickhouse.backupCronJobName }),
            },
        },
        platform,
    );
}

const userWorkloadMonitors = on.monitoring && !bundledMonitoring ? new Monitors(names.monitoring, { targets: scrapeTargets }, platform) : undefined;
/** The namespace whose Prometheus scrapes the targets, when anything does. */
const scraper = monitoring ? ns.names.monitoring : userWorkloadMonitors ? pulumi.output(openShift.userWorkloadMonitoringNamespace) : undefined;

/**
 * A ClusterIssuer other than the platform CA (ACME) solves HTTP-01 challenges with solver pods next
 * to each certificate: the Ingresses' namespaces, or the Gateway's (which gets a port-80 listener).
 */
const acme = cfg.exposure.clusterIssuer !== "" && (cfg.exposure.mode === "ingress" || cfg.exposure.mode === "gateway");
/** The UIs published outside the cluster: only those with their own login. */
const webServices: WebService[] = [superset?.web, airflow?.web, nifi?.web, monitoring?.web].filter((w): w is WebService => w !== undefined);
const exposure =
    cfg.exposure.mode === "none"
        ? undefined
        : new Exposure(
              names.exposure,
              {
                  mode: cfg.exposure.mode,
                  domain: cfg.domain,
                  services: webServices,
                  clusterIssuer: issuer,
                  certManager: certManager.release,
                  backendCaPem: ca.caCertPem,
                  ingressClassName: cfg.exposure.ingressClassName,
                  gatewayClassName: cfg.exposure.gatewayClassName,
                  gatewayNamespace: cfg.exposure.gatewayNamespace,
                  acmeHttp01: acme,
              },
              platform,
          );
/** An endpoint with its external URL, when the service is published. */
const published = (e: Endpoint, host: string): Endpoint => (exposure && host in exposure.urls ? { ...e, external: pulumi.output(exposure.urls[host]) } : e);

// ---- Network policies: default deny, then the connections the enabled components make -------
/** A component's connection to a service, when both exist (and `when` holds). */
const use = (client: string, from: { clients: ClientPods } | undefined, server: string, to: { serves: ServedPorts } | undefined, when = true): Flow[] =>
    from && to && when ? [flowBetween("data", client, from.clients, server, to.serves)] : [];
/** An operator's management connections to the pods it runs (by server name), on their management ports only. */
const manage = (client: string, operator: { pods: ClientPods } | undefined, managed: Readonly<Record<string, ServedPorts | undefined>>): Flow[] =>
    operator ? Object.entries(managed).flatMap(([server, m]) => (m ? [flowBetween("operator", client, operator.pods, server, m)] : [])) : [];
const flows: Flow[] = [
    // Operators reconcile the pods they manage through their management ports (each operator's docs).
    ...manage("cnpg", cnpg, { postgres: postgres?.managed }),
    ...manage("pxc", pxcOperator, xtradb?.managed ?? {}),
    // The PXC operator deletes a backup's objects from S3 itself when its PerconaXtraDBClusterBackup goes
    // (`deleteFromStorage`; percona-xtradb-cluster-operator pkg/controller/pxcbackup, runS3BackupFinalizer).
    ...manage("pxc", pxcOperator, { "object-store": xtradb && inClusterBackups ? objectStore?.serves : undefined }),
    // The MinIO operator administers its tenant through the S3 API port (users, buckets, policies).
    ...manage("minio-operator", minioOperator, { "object-store": objectStore?.serves }),
    ...manage("strimzi", strimzi, kafka?.managed ?? {}),
    ...manage("flink-operator", flinkOperator, { flink: flink?.managed }),
    // The Spark operator submits through the API server and reaches no Spark pod.
    ...use("superset", superset, "postgres", postgres),
    ...use("superset", superset, "cache", cache),
    ...use("superset", superset, "trino", trino),
    ...use("airflow", airflow, "postgres", postgres, cfg.airflow.metadataDatabase === "postgresql"),
    ...use("airflow", airflow, "xtradb", xtradb, cfg.airflow.metadataDatabase === "mysql"),
    ...use("airflow", airflow, "cache", cache),
    ...use("airflow", airflow, "trino", trino),
    ...use("airflow", airflow, "kafka", kafka),
    ...use("appender", appender, "kafka", kafka),
    ...use("appender", appender, "nessie", nessie),
    ...use("appender", appender, "object-store", objectStore),
    ...use("duckdb", duckdb, "nessie", nessie),
    ...use("duckdb", duckdb, "object-store", objectStore),
    ...use("spark", sparkJobs, "object-store", objectStore),
    ...use("trino", trino, "object-store", objectStore),
    ...use("trino", trino, "kafka", kafka),
    ...use("trino", trino, "nessie", nessie),
    ...use("trino", trino, "postgres", postgres),
    ...use("trino", trino, "clickhouse", clickhouse),
    ...use("flink", flink, "object-store", objectStore),
    ...use("flink", flink, "kafka", kafka),
];
// Prometheus scrapes each target from its namespace (the bundled one, or OpenShift's user-workload one).
if (scraper) {
    for (const t of scrapeTargets) {
        const prometheus = { namespace: scraper, podLabels: monitoring?.prometheusPodLabels ?? openShift.userWorkloadPrometheusPodLabels };
        flows.push(flowBetween("monitoring", "monitoring", prometheus, t.name, { namespace: t.namespace, podLabels: t.podLabels ?? t.selector, ports: [t.containerPort] }, !monitoring));
    }
}
const networkPolicies =
    !cfg.networkPolicies.enabled
        ? undefined
        : new NetworkPolicies(
              names.networkPolicies,
              {
                  namespaces: ns.names,
                  flows,
                  webhooks: [
                      { name: "cert-manager", namespace: ns.names.certManager, ports: webhookPorts.certManager },
                      { name: "operators", namespace: ns.names.operators, ports: webhookPorts.operators },
                      ...(monitoring ? [{ name: "prometheus-operator", namespace: ns.names.monitoring, ports: webhookPorts.monitoring }] : []),
                  ],
                  exposed: exposure?.edges ?? [],
                  edgeNamespace: cfg.networkPolicies.ingressNamespace,
                  edgePodLabels: cfg.networkPolicies.ingressPodLabels,
                  ...(cfg.exposure.mode === "route" ? { edgeNamespaceSelectors: openShift.routerNamespaceSelectors } : {}),
                  // The configured DNS, else OpenShift's or (the component's default) kube-dns.
                  ...(cfg.networkPolicies.dns ? { dns: cfg.networkPolicies.dns } : cfg.platform === "openshift" ? { dns: openShift.dns } : {}),
                  externalEgress: [
                      ...cfg.networkPolicies.externalEgress.map((x) => ({ ...x, from: ns.names[x.from] })),
                      // Prometheus scrapes the kubelets (cAdvisor) on the nodes' addresses.
                      // Only the Prometheus pods: the kubelets' addresses are every node's, so the rule is any address.
                      ...(monitoring ? [{ name: "kubelet", from: ns.names.monitoring, ...kubelets, podLabels: monitoring.prometheusPodLabels }] : []),
                  ],
                  // Solver pods in the Gateway's namespace need no allowance: the platform does not own it.
                  ...(acme ? { acme: { certManagerNamespace: ns.names.certManager, solverNamespaces: cfg.exposure.mode === "ingress" ? [...new Set(webServices.map((w) => w.namespace))] : [] } } : {}),
                  apiServerCidrs: cfg.networkPolicies.apiServerCidrs,
              },
              platform,
          );

// ---- Outputs ----------------------------------------------------------------------------------
export const profile = cfg.profile;

export const endpoints = {
    ...(superset ? { superset: published(superset.endpoint, superset.web.host) } : {}),
    ...(airflow ? { airflow: published(airflow.endpoint, airflow.web.host) } : {}),
    ...(nifi ? { nifi: published(nifi.endpoint, nifi.web.host) } : {}),
    ...(monitoring ? { grafana: published(monitoring.grafana, monitoring.web.host), prometheus: monitoring.prometheus } : {}),
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

/** Open the lake in DuckDB: the command to run, with the Iceberg catalog already attached. */
export const duckdbShell = duckdb?.shell;

export const credentials = {
    ...(superset ? { superset: superset.credential } : {}),
    ...(airflow ? { airflow: airflow.credential } : {}),
    ...(nifi ? { nifi: nifi.credential } : {}),
    ...(postgres ? { postgres: Object.fromEntries(Object.entries(postgres.databases).map(([db, access]) => [db, access.credential])) } : {}),
    ...(xtradb ? { xtradb: xtradb.credential } : {}),
    ...(cache ? { cache: cache.credential } : {}),
    ...(objectStore ? { objectStore: objectStore.credential } : {}),
    ...(clickhouse ? { clickhouse: clickhouse.credential } : {}),
    ...(monitoring ? { grafana: monitoring.credential } : {}),
};

export const platformCa = { clusterIssuer: issuer, caCertPem: ca.caCertPem };

/** The connections the NetworkPolicies are asked to allow, one line each (the plan's reachability report, derived from the policies, must equal it). */
export const networkConnections = networkPolicies?.connections.apply((cs) => cs.map(connectionText).sort());

const footprints: Record<string, Footprint | undefined> = {
    certManager: certManager.footprint,
    cnpgOperator: cnpg?.footprint,
    barmanCloudPlugin: barmanCloud?.footprint,
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
    airflow: airflow?.footprint,
    nifi: nifi?.footprint,
    duckdb: duckdb?.footprint,
    appender: appender?.footprint,
    flinkOperator: flinkOperator?.footprint,
    flink: flink?.footprint,
    sparkOperator: sparkOperator?.footprint,
    sparkJobs: sparkJobs?.footprint,
    trino: trino?.footprint,
    monitoring: monitoring?.footprint,
};
const counted = Object.entries(footprints).filter((e): e is [string, Footprint] => e[1] !== undefined);

/** What the stack requests of the cluster in steady state (hook Jobs and backups not counted). */
export const footprint = {
    total: summarize(sumFootprints(counted.map(([, f]) => f))),
    byComponent: Object.fromEntries(counted.map(([c, f]) => [c, summarize(f)])),
};
