#!/usr/bin/env bash
# Trino for the engine suite: the server distribution io.trino:trino-server:476 from Maven Central,
# cut down to its lib/ and the plugins the platform's catalogs name (plus the chart's default tpch
# and tpcds). Run with Java 25 (Trino 476 needs Java 24 or newer) as
# `java -cp 'lib/*' io.trino.server.TrinoServer` with an etc/ the test writes.
#
# Why 476 and not the chart's 480 (docs/decisions/0035-trino-engine-release.md): the registry this
# project builds from serves trino-main 480 but not six of the modules it depends on at 480
# (trino-cache, trino-geospatial-toolkit, trino-matching, trino-memory-context, trino-parser,
# trino-web-ui), nor the PostgreSQL, Kafka and ClickHouse connectors at any release after 454, nor
# trino-server after 476. 476 is the newest whole, coherent server it serves.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TRINO_VERSION=476
TRINO_SHA256=cfd5accde17e8ebd251eeeb78aed1f490e77bb3a164d95a0f454bf8a7c1cbd3f
TRINO_URL="https://repo1.maven.org/maven2/io/trino/trino-server/$TRINO_VERSION/trino-server-$TRINO_VERSION.tar.gz"
# The connectors components/processing/trino.ts configures, the chart's default catalogs, and
# geospatial: the PostgreSQL connector needs its Geometry type registered, or its catalog fails to load.
PLUGINS=(iceberg postgresql kafka clickhouse tpch tpcds geospatial)
JAVA25="${TRINO_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
DEST="$ENGINES/trino-$TRINO_VERSION"

if complete "$DEST"; then
    # The manifest was written from the verified archive: a damaged or partial cache fails here.
    (cd "$DEST" && sha256sum --quiet --strict -c MANIFEST.sha256) >&2 || die "the files in $DEST differ from its MANIFEST.sha256: remove $DEST and run again"
    say "trino $TRINO_VERSION: cached in $DEST"
    exit 0
fi
# Without Java 25 the server cannot run here: skip the download rather than stop setup.sh (set -e)
# before the later engines; the Trino tests then report NOT RUN naming Java 25 (trinoHome()).
# Download and checksum failures below stay fatal.
if [[ ! -x "$JAVA25/bin/java" ]]; then
    say "trino $TRINO_VERSION: SKIPPED, it needs Java 24+ and $JAVA25/bin/java is missing (install Temurin 25 there or set TRINO_JAVA_HOME)"
    exit 0
fi
command -v curl >/dev/null || die "curl is needed to fetch Trino from Maven Central"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
say "trino $TRINO_VERSION: fetching the server distribution from Maven Central (~820 MB)"
curl -fsSL --retry 3 -o "$work/trino-server.tar.gz" "$TRINO_URL"
verify_sha256 "$work/trino-server.tar.gz" "$TRINO_SHA256"
top="trino-server-$TRINO_VERSION"
# Plugins share jars as hard links to whichever plugin comes first in the archive: all of plugin/ is
# unpacked, then every plugin not named above is removed.
tar -xzf "$work/trino-server.tar.gz" -C "$work" "$top/lib" "$top/plugin" "$top/NOTICE"
rm "$work/trino-server.tar.gz"
for p in "${PLUGINS[@]}"; do
    [[ -n "$(ls -A "$work/$top/plugin/$p")" ]] || die "the distribution has no plugin/$p"
done
for d in "$work/$top/plugin"/*; do
    [[ " ${PLUGINS[*]} " == *" $(basename "$d") "* ]] || rm -rf "$d"
done
(cd "$work/$top" && find lib plugin NOTICE -type f -print0 | sort -z | xargs -0 sha256sum) > "$work/$top/MANIFEST.sha256"
echo "$TRINO_VERSION" > "$work/$top/VERSION"
rm -rf "$DEST"
mv "$work/$top" "$DEST"
mark_complete "$DEST"
say "trino $TRINO_VERSION: installed in $DEST ($(du -sh "$DEST" | cut -f1))"
