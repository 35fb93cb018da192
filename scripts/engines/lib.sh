# Shared by scripts/engines/install-*.sh (sourced, not run). Every engine the engine suite runs is
# installed under $ENGINES/<name>, pinned, checksummed, and left alone when it is already complete.
set -euo pipefail

ENGINES="${XDG_CACHE_HOME:-$HOME/.cache}/analytics-platform/engines"
ENGINE_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT_DIR="$(cd "$ENGINE_SCRIPTS/../.." && pwd)"
# Maven's local repository for the engines (never the user's ~/.m2).
M2_REPO="$ENGINES/m2"
mkdir -p "$ENGINES"

say() { printf '[engines] %s\n' "$*" >&2; }
die() { printf '[engines] ERROR: %s\n' "$*" >&2; exit 1; }

# sha256_of FILE -> hex digest
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# verify_sha256 FILE EXPECTED: fails naming the file when the digest differs.
verify_sha256() {
    local got
    got="$(sha256_of "$1")"
    [[ "$got" == "$2" ]] || die "checksum mismatch for $1: expected $2, got $got"
}

# verify_list DIR LIST: every "sha256  name" line of LIST matches DIR/name, and DIR holds nothing else.
verify_list() {
    local dir="$1" list="$2"
    (cd "$dir" && sha256sum --quiet --strict -c "$list") >&2 || die "checksums of $dir differ from $list"
    local expected actual
    expected="$(awk '{print $2}' "$list" | sort)"
    actual="$(cd "$dir" && ls -1 | sort)"
    [[ "$expected" == "$actual" ]] || die "$dir does not hold exactly the files of $list"
}

# lock_list DIR LIST: with ENGINES_WRITE_LOCK=1 first (re)writes LIST from DIR's jars; then verify_list.
lock_list() {
    if [[ "${ENGINES_WRITE_LOCK:-}" == "1" ]]; then
        (cd "$1" && sha256sum -- *.jar) > "$2"
        say "wrote $2"
    fi
    verify_list "$1" "$2"
}

# mvn_quiet ARGS...: Maven in batch mode against the engines' own local repository.
mvn_quiet() { mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$M2_REPO" "$@"; }

# complete DIR: whether an install finished (the marker is written last).
complete() { [[ -f "$1/.complete" ]]; }
mark_complete() { date -u +%FT%TZ > "$1/.complete"; }

# pom_dependency GROUP ARTIFACT VERSION [EXTRA]: one <dependency> element (EXTRA inside it, e.g. exclusions).
pom_dependency() { printf '    <dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version>%s</dependency>\n' "$1" "$2" "$3" "${4:-}"; }
NO_TRANSITIVE='<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>'

# maven_copy DIR DEPENDENCIES [MANAGED]: resolves the <dependency> elements (runtime scope, with what
# they bring unless excluded) into DIR through a generated pom; MANAGED, <dependency> elements of its
# dependencyManagement (e.g. a project's parent POM imported, so versions resolve as its build does).
maven_copy() {
    local out="$1" deps="$2" managed="${3:-}" work
    command -v mvn >/dev/null || die "mvn is needed to resolve jars from Maven Central: apt-get install maven"
    work="$(mktemp -d)"
    cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.engines</groupId>
  <artifactId>engine</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencyManagement>
    <dependencies>
$managed
    </dependencies>
  </dependencyManagement>
  <dependencies>
$deps
  </dependencies>
</project>
POM
    (cd "$work" && mvn_quiet dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$out")
    rm -rf "$work"
}

# install_jar_list LIST DEST NAME: exactly the jars of an image's content list (`group:artifact:
# version[:classifier] sha256` per line, # comments), each checked against its sha256, in DEST
# (left alone when complete and still matching).
install_jar_list() {
    local list="$1" dest="$2" name="$3" expected deps="" coordinates sha256 rest group artifact version classifier out
    expected="$(mktemp)"
    while read -r coordinates sha256 rest; do
        case "$coordinates" in "" | "#"*) continue ;; esac
        [[ -z "$rest" && -n "$sha256" ]] || die "$list: expected \`group:artifact:version[:classifier] sha256\`, got: $coordinates $sha256 $rest"
        IFS=: read -r group artifact version classifier <<< "$coordinates"
        printf '%s  %s-%s%s.jar\n' "$sha256" "$artifact" "$version" "${classifier:+-$classifier}" >> "$expected"
        deps+="$(pom_dependency "$group" "$artifact" "$version" "${classifier:+<classifier>$classifier</classifier>}$NO_TRANSITIVE")"$'\n'
    done < "$list"
    if complete "$dest"; then
        verify_list "$dest" "$expected"
        rm -f "$expected"
        say "$name: cached in $dest"
        return 0
    fi
    say "$name: fetching $list from Maven Central"
    out="$(mktemp -d)"
    maven_copy "$out/jars" "$deps"
    verify_list "$out/jars" "$expected"
    rm -f "$expected"
    rm -rf "$dest"
    mv "$out/jars" "$dest"
    rm -rf "$out"
    mark_complete "$dest"
    say "$name: installed in $dest"
}
