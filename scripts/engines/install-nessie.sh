#!/usr/bin/env bash
# Project Nessie for the engine suite: the server's runner jar (a Quarkus uber-jar) from Maven Central.
# The chart the platform installs runs Nessie 0.108.4, but Maven Central's nessie-quarkus stops at
# 0.99.0 (its maven-metadata lists 0.60.1 and 0.99.0; the 0.108.4 pom is absent): 0.99.0 is the
# newest runner the suite can have. docs/decisions/0012-engine-suite.md says what that leaves out.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NESSIE_VERSION=0.99.0
NESSIE_SHA256=ce9fa33e2878bf5ea3981876b9e6204cabc0362b3dd82326b10e47271a78c417
DEST="$ENGINES/nessie-$NESSIE_VERSION"
JAR="nessie-quarkus-$NESSIE_VERSION-runner.jar"

if complete "$DEST"; then
    verify_sha256 "$DEST/$JAR" "$NESSIE_SHA256"
    say "nessie $NESSIE_VERSION: cached in $DEST"
    exit 0
fi
command -v mvn >/dev/null || die "mvn is needed to fetch Nessie from Maven Central: apt-get install maven"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
say "nessie $NESSIE_VERSION: fetching the runner jar from Maven Central"
(cd "$work" && mvn_quiet dependency:copy -Dartifact="org.projectnessie.nessie:nessie-quarkus:$NESSIE_VERSION:jar:runner" -DoutputDirectory="$work/out")
verify_sha256 "$work/out/$JAR" "$NESSIE_SHA256"
rm -rf "$DEST"
mkdir -p "$DEST"
mv "$work/out/$JAR" "$DEST/$JAR"
mark_complete "$DEST"
say "nessie $NESSIE_VERSION: installed in $DEST"
