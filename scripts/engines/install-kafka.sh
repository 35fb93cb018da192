#!/usr/bin/env bash
# Apache Kafka for the engine suite: the broker jars (kafka_2.13 and its runtime dependencies) from
# Maven Central, at the version Strimzi 1.2.0 runs when a Kafka resource names none (its
# kafka-versions.yaml default). Each jar is checked against kafka-$KAFKA_VERSION.sha256.
# Result: $ENGINES/kafka-$KAFKA_VERSION/libs/*.jar, run as `java -cp 'libs/*' kafka.Kafka`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_VERSION=4.3.1
# Kafka's server logs through SLF4J 1.7 into Log4j 2 (as its distribution ships); the binding is not
# a dependency of kafka_2.13, so it is named here at the Log4j version kafka_2.13 brings.
LOG4J_VERSION=2.25.4
DEST="$ENGINES/kafka-$KAFKA_VERSION"
LIST="$ENGINE_SCRIPTS/kafka-$KAFKA_VERSION.sha256"

if complete "$DEST"; then
    verify_list "$DEST/libs" "$LIST"
    say "kafka $KAFKA_VERSION: cached in $DEST"
    exit 0
fi

command -v java >/dev/null || die "java (17+) is needed: apt-get install openjdk-17-jre-headless"
command -v mvn >/dev/null || die "mvn is needed to resolve Kafka from Maven Central: apt-get install maven"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.engines</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
POM
say "kafka $KAFKA_VERSION: resolving from Maven Central"
(cd "$work" && mvn_quiet dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$work/libs")
if [[ "${ENGINES_WRITE_LOCK:-}" == "1" ]]; then
    (cd "$work/libs" && sha256sum -- *.jar) > "$LIST"
    say "wrote $LIST"
fi
verify_list "$work/libs" "$LIST"
rm -rf "$DEST"
mkdir -p "$DEST"
mv "$work/libs" "$DEST/libs"
mark_complete "$DEST"
say "kafka $KAFKA_VERSION: installed in $DEST"
