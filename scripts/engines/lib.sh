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

# mvn_quiet ARGS...: Maven in batch mode against the engines' own local repository.
mvn_quiet() { mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$M2_REPO" "$@"; }

# complete DIR: whether an install finished (the marker is written last).
complete() { [[ -f "$1/.complete" ]]; }
mark_complete() { date -u +%FT%TZ > "$1/.complete"; }
