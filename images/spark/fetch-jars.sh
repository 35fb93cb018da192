#!/bin/sh
# Downloads every jar of a content list (`group:artifact:version[:classifier] sha256` per line) from
# a Maven repository into a folder, and fails unless each file has exactly the listed sha256.
# Usage: fetch-jars.sh <jars.txt> <output dir> [<maven repository URL>]
set -eu
list="$1"
out="$2"
repo="${3:-https://repo1.maven.org/maven2}"
mkdir -p "$out"
while read -r coordinates sha256 rest; do
    case "$coordinates" in "" | "#"*) continue ;; esac
    [ -z "$rest" ] || { echo "fetch-jars: unexpected text after the checksum of $coordinates" >&2; exit 1; }
    [ -n "$sha256" ] || { echo "fetch-jars: no sha256 for $coordinates" >&2; exit 1; }
    IFS=: read -r group artifact version classifier <<COORDS
$coordinates
COORDS
    file="$artifact-$version${classifier:+-$classifier}.jar"
    url="$repo/$(printf '%s' "$group" | tr . /)/$artifact/$version/$file"
    curl -fsSL --retry 3 -o "$out/$file" "$url"
    echo "$sha256  $out/$file" | sha256sum -c -
done < "$list"
