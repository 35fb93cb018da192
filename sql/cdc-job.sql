-- Example Flink CDC job: one SQL Server table, captured with its changes, into one Kafka topic.
--
-- How it runs: FlinkCdc puts this file in a ConfigMap (it holds no credentials). The bootstrap Job
-- replaces the ${...} placeholders below with `envsubst` from its environment variables, which
-- come from the source Secret you provide (keys MSSQL_HOST, MSSQL_PORT, MSSQL_DATABASE, MSSQL_USER,
-- MSSQL_PASSWORD), from the platform's Kafka bootstrap address (KAFKA_BOOTSTRAP) and from Flink's
-- Kafka user Secret (KAFKA_SASL_JAAS_CONFIG). Only those seven names are replaced, any other "$" text is left alone. The resolved SQL exists only inside the
-- bootstrap pod, which submits it with `sql-client.sh gateway -f` through the SQL gateway. Never
-- write a credential literally in this file: FlinkCdc rejects a literal 'password' option.
--
-- Prerequisites:
--   * CDC enabled on the database and the table (sys.sp_cdc_enable_db, sys.sp_cdc_enable_table),
--     and a login that can read the CDC change tables.
--   * The connector jars on the cluster's classpath: flink-sql-connector-sqlserver-cdc (Flink CDC
--     3.x for Flink 1.20) and flink-sql-connector-kafka (the 1.20 build), shipped either in the
--     Flink image or in the connectors image under /connectors (see FlinkCdc's connectorsImage).
--   * The topic below exists (declare it in the platform's Kafka topics).
--
-- Restarting from a savepoint: FlinkCdc adds `SET 'execution.savepoint.path' = '...'` ahead of
-- this file when restoreFromSavepoint is set. Keep the table and column names stable between
-- versions so the state maps back.

-- One source split is enough for a single table. Raise it for large initial snapshots.
SET 'parallelism.default' = '1';

-- The source: the table's current rows first (snapshot), then every insert, update and delete.
CREATE TABLE orders_source (
    order_id     INT,
    customer_id  INT,
    status       STRING,
    amount       DECIMAL(12, 2),
    updated_at   TIMESTAMP(3),
    PRIMARY KEY (order_id) NOT ENFORCED
) WITH (
    'connector' = 'sqlserver-cdc',
    'hostname' = '${MSSQL_HOST}',
    'port' = '${MSSQL_PORT}',
    'username' = '${MSSQL_USER}',
    'password' = '${MSSQL_PASSWORD}',
    'database-name' = '${MSSQL_DATABASE}',
    'table-name' = 'dbo.orders',
    'scan.startup.mode' = 'initial'
);

-- The sink: the source emits a changelog (updates and deletes), which the plain 'kafka' connector
-- with 'json' cannot write. 'upsert-kafka' keys each record by the primary key and writes a
-- delete as a tombstone, which suits a compacted topic.
CREATE TABLE orders_sink (
    order_id     INT,
    customer_id  INT,
    status       STRING,
    amount       DECIMAL(12, 2),
    updated_at   TIMESTAMP(3),
    PRIMARY KEY (order_id) NOT ENFORCED
) WITH (
    'connector' = 'upsert-kafka',
    'topic' = 'mssql.dbo.orders',
    'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP}',
    -- Flink's own KafkaUser (SCRAM-SHA-512 over TLS); the CA is mounted in every Flink pod.
    'properties.security.protocol' = 'SASL_SSL',
    'properties.sasl.mechanism' = 'SCRAM-SHA-512',
    'properties.sasl.jaas.config' = '${KAFKA_SASL_JAAS_CONFIG}',
    'properties.ssl.truststore.type' = 'PEM',
    'properties.ssl.truststore.location' = '/etc/kafka-client/ca.crt',
    'key.format' = 'json',
    'value.format' = 'json'
);

-- Submitted as a detached streaming job named after the FlinkCdc component (pipeline.name).
INSERT INTO orders_sink
SELECT order_id, customer_id, status, amount, updated_at
FROM orders_source;
