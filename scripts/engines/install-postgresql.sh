#!/usr/bin/env bash
# PostgreSQL for the engine suite (Nessie's JDBC version store): Debian's server package. apt verifies
# the package signatures and checksums; the suite finds the binaries through `pg_config --bindir`-like
# lookup of /usr/lib/postgresql/<major>/bin and records the path in $ENGINES/postgresql/bindir.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Debian 12's PostgreSQL (the major the distribution ships; the platform's CloudNativePG runs its own image).
PG_MAJOR="${PG_MAJOR:-15}"
DEST="$ENGINES/postgresql"
BINDIR="/usr/lib/postgresql/$PG_MAJOR/bin"

if [[ ! -x "$BINDIR/postgres" || ! -x "$BINDIR/initdb" ]]; then
    [[ "$(id -u)" == "0" ]] || die "postgresql-$PG_MAJOR is missing; as root: apt-get install postgresql-$PG_MAJOR"
    say "postgresql $PG_MAJOR: installing Debian's package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "postgresql-$PG_MAJOR" >/dev/null
fi
[[ -x "$BINDIR/postgres" ]] || die "postgresql-$PG_MAJOR did not install $BINDIR/postgres"
mkdir -p "$DEST"
echo "$BINDIR" > "$DEST/bindir"
# PostgreSQL refuses to run as root: the suite runs it as the package's `postgres` user when it is root.
if [[ "$(id -u)" == "0" ]] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
fi
say "postgresql $PG_MAJOR: $("$BINDIR/postgres" --version)"
