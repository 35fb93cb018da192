#!/usr/bin/env bash
# Apache Spark for the engine suite: the version the platform's Spark image runs (images/spark:
# apache/spark:3.5.7, the Scala 2.12 / Hadoop 3.3.4 build), as spark-core_2.12 and spark-sql_2.12 with
# their runtime dependencies from Maven Central (the Hadoop client 3.3.4 among them), at the versions
# Spark's parent POM manages, each jar checked
# against spark-$SPARK_VERSION.sha256. Next to them, exactly images/spark/jars.txt (hadoop-aws and the
# AWS SDK bundle), checked against the sha256 the list gives, in spark-jars-<12 hex of the list>.
# Enough for a local session (local[*]) reading and writing s3a:// paths; no launcher scripts.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SPARK_VERSION=3.5.7
SCALA_BINARY=2.12
DEST="$ENGINES/spark-$SPARK_VERSION"
LIST="$ENGINE_SCRIPTS/spark-$SPARK_VERSION.sha256"
JARS_TXT="$PROJECT_DIR/images/spark/jars.txt"
S3A="$ENGINES/spark-jars-$(sha256_of "$JARS_TXT" | cut -c1-12)"

command -v java >/dev/null || die "java (17) is needed: apt-get install openjdk-17-jre-headless"

if complete "$DEST"; then
    verify_list "$DEST/jars" "$LIST"
    say "spark $SPARK_VERSION: cached in $DEST"
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    say "spark $SPARK_VERSION: resolving spark-core and spark-sql from Maven Central"
    deps="$(pom_dependency org.apache.spark "spark-core_$SCALA_BINARY" "$SPARK_VERSION")"$'\n'
    deps+="$(pom_dependency org.apache.spark "spark-sql_$SCALA_BINARY" "$SPARK_VERSION")"
    # Versions as Spark's own build resolves them (its parent POM's dependencyManagement): the
    # distribution's jars/ has jackson-core 2.15.2, which Maven's nearest-wins alone would not pick.
    maven_copy "$work/jars" "$deps" "$(pom_dependency org.apache.spark "spark-parent_$SCALA_BINARY" "$SPARK_VERSION" '<type>pom</type><scope>import</scope>')"
    lock_list "$work/jars" "$LIST"
    rm -rf "$DEST"
    mkdir -p "$DEST"
    mv "$work/jars" "$DEST/jars"
    mark_complete "$DEST"
    say "spark $SPARK_VERSION: installed in $DEST"
fi

install_jar_list "$JARS_TXT" "$S3A" "spark S3A jars (images/spark/jars.txt)"
