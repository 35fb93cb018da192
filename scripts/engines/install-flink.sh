#!/usr/bin/env bash
# Apache Flink for the engine suite, assembled from Maven Central modules: the registry serves no
# Flink distribution (org.apache.flink:flink-dist is absent), so the distribution's lib/ is rebuilt
# from the modules flink-dist bundles (runtime, clients, streaming, RPC loader, RocksDB state
# backend, file connector, Table API/runtime/planner loader), the SQL gateway and client of its opt/,
# and Log4j 2 at the version Flink's parent POM pins. Each jar is checked against
# flink-$FLINK_VERSION.sha256.
#
# Plugins, as the image's /opt/flink/opt and plugins/ have them:
# - flink-s3-fs-hadoop: Maven Central serves it up to 1.20.1 only (1.20.2 and 1.20.3 are absent), so
#   the 1.20.1 plugin runs here; it is a self-contained shaded jar loaded through Flink's plugin
#   class loader, which is stable within 1.20.x (docs/decisions/0037-flink-engine.md).
# - flink-metrics-prometheus: the reporter the program configures (metrics.reporter.prom.*).
#
# The connector jars are images/flink/jars.txt exactly (the Flink image's content list), each checked
# against the sha256 the list gives, in flink-connectors-<12 hex of the list's sha256>: a changed
# list is a new directory, never a stale one.
#
# Result: $ENGINES/flink-$FLINK_VERSION/{lib,plugins/s3-fs-hadoop,plugins/metrics-prometheus} and
# $ENGINES/flink-connectors-<hash>/*.jar.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FLINK_VERSION=1.20.3
LOG4J_VERSION=2.24.3
S3_PLUGIN_VERSION=1.20.1
S3_PLUGIN_SHA256=4dabe5d51519984f88d677c477b99c5e18cec924af2e41816da67df527a5c679
PROMETHEUS_SHA256=fb6c9a1e7378a6ee9650991de50392605f0f4dfe860352f88d8138766994a985
DEST="$ENGINES/flink-$FLINK_VERSION"
LIST="$ENGINE_SCRIPTS/flink-$FLINK_VERSION.sha256"
JARS_TXT="$PROJECT_DIR/images/flink/jars.txt"
CONNECTORS="$ENGINES/flink-connectors-$(sha256_of "$JARS_TXT" | cut -c1-12)"

command -v java >/dev/null || die "java (17) is needed: apt-get install openjdk-17-jre-headless"

# ---- The distribution: lib/ and the plugins.
if complete "$DEST"; then
    verify_list "$DEST/lib" "$LIST"
    verify_sha256 "$DEST/plugins/s3-fs-hadoop/flink-s3-fs-hadoop-$S3_PLUGIN_VERSION.jar" "$S3_PLUGIN_SHA256"
    verify_sha256 "$DEST/plugins/metrics-prometheus/flink-metrics-prometheus-$FLINK_VERSION.jar" "$PROMETHEUS_SHA256"
    say "flink $FLINK_VERSION: cached in $DEST"
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    say "flink $FLINK_VERSION: resolving its modules from Maven Central"
    deps=""
    for m in flink-runtime flink-clients flink-streaming-java flink-rpc-akka-loader flink-statebackend-rocksdb flink-connector-files \
        flink-table-api-java-bridge flink-table-runtime flink-table-planner-loader flink-sql-gateway flink-sql-client; do
        deps+="$(pom_dependency org.apache.flink "$m" "$FLINK_VERSION")"$'\n'
    done
    for m in log4j-slf4j-impl log4j-core log4j-1.2-api; do deps+="$(pom_dependency org.apache.logging.log4j "$m" "$LOG4J_VERSION")"$'\n'; done
    maven_copy "$work/lib" "$deps"
    lock_list "$work/lib" "$LIST"
    maven_copy "$work/s3" "$(pom_dependency org.apache.flink flink-s3-fs-hadoop "$S3_PLUGIN_VERSION" "$NO_TRANSITIVE")"
    maven_copy "$work/prom" "$(pom_dependency org.apache.flink flink-metrics-prometheus "$FLINK_VERSION" "$NO_TRANSITIVE")"
    verify_sha256 "$work/s3/flink-s3-fs-hadoop-$S3_PLUGIN_VERSION.jar" "$S3_PLUGIN_SHA256"
    verify_sha256 "$work/prom/flink-metrics-prometheus-$FLINK_VERSION.jar" "$PROMETHEUS_SHA256"
    rm -rf "$DEST"
    mkdir -p "$DEST/plugins"
    mv "$work/lib" "$DEST/lib"
    mv "$work/s3" "$DEST/plugins/s3-fs-hadoop"
    mv "$work/prom" "$DEST/plugins/metrics-prometheus"
    mark_complete "$DEST"
    say "flink $FLINK_VERSION: installed in $DEST"
fi

# ---- The connectors: exactly images/flink/jars.txt, with its checksums.
install_jar_list "$JARS_TXT" "$CONNECTORS" "flink connectors (images/flink/jars.txt)"
