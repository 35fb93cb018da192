#!/usr/bin/env bash
# The cache's failover group for the engine tests: Debian's Redis (the release Valkey forked from;
# Debian 12 has no Valkey package, see docs/decisions/0028-engine-sources.md) and HAProxy. apt
# verifies the packages against the signed archive; they are unpacked under
# $ENGINES/valkey/root (never installed as services, so nothing starts on the machine's ports), their
# shared libraries installed from Debian. $ENGINES/valkey/bin holds valkey-server, valkey-cli and
# haproxy, so the program's scripts (which call valkey-*) run unchanged.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DEST="$ENGINES/valkey"
# Pinned Debian 12 versions (the security archive's).
PACKAGES=("redis-tools=5:7.0.15-1~deb12u10" "redis-server=5:7.0.15-1~deb12u10" "haproxy=2.6.12-1+deb12u4")
stamp="$(printf '%s\n' "${PACKAGES[@]}")"
if complete "$DEST" && [[ "$(cat "$DEST/packages" 2>/dev/null)" == "$stamp" ]]; then
    say "valkey: cached in $DEST"
    exit 0
fi
rm -rf "$DEST"
mkdir -p "$DEST/debs" "$DEST/root" "$DEST/bin"
export DEBIAN_FRONTEND=noninteractive
apt-cache policy redis-tools | grep -qF "${PACKAGES[0]#*=}" || apt-get update -qq
# apt-get download writes into the current directory (as root it warns that _apt cannot, harmlessly).
(cd "$DEST/debs" && apt-get download -qq "${PACKAGES[@]}" 2>/dev/null)
libs=()
for deb in "$DEST/debs"/*.deb; do
    dpkg-deb -x "$deb" "$DEST/root"
    # Shared libraries the binaries link against (the Depends that are libraries).
    while read -r dep; do libs+=("$dep"); done < <(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/([^)]*)//; s/|.*//; s/ //g' | grep '^lib' || true)
done
if [ "${#libs[@]}" -gt 0 ]; then apt-get install -y -qq --no-install-recommends "${libs[@]}" >/dev/null; fi
# redis-server is redis-check-rdb under another name: the binary picks its role from argv[0] and flags.
ln -s "$DEST/root/usr/bin/redis-check-rdb" "$DEST/bin/valkey-server"
ln -s "$DEST/root/usr/bin/redis-cli" "$DEST/bin/valkey-cli"
ln -s "$DEST/root/usr/sbin/haproxy" "$DEST/bin/haproxy"
"$DEST/bin/valkey-server" --version >&2
"$DEST/bin/haproxy" -v | sed -n 1p >&2
echo "$stamp" > "$DEST/packages"
mark_complete "$DEST"
