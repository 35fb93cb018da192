#!/usr/bin/env bash
# promtool for the engine suite's alert-rule tests (`promtool test rules`), built from the Prometheus
# Go module at the version the platform runs: Prometheus v3.14.0 (components/catalog.ts) is module
# version v0.314.0. The module's content is checked against the pinned go.sum hash (h1:) besides the
# checksum database the go command consults; its dependencies are checked against its own go.sum.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROMETHEUS_MODULE=github.com/prometheus/prometheus
PROMETHEUS_VERSION=v0.314.0
PROMETHEUS_H1='h1:YjsimqsIi6/mOtzZcrPEYUALO6zpfaht9O5sXqDz2vg='
DEST="$ENGINES/promtool"

if complete "$DEST" && [[ "$(cat "$DEST/VERSION")" == "$PROMETHEUS_VERSION" ]]; then
    say "promtool $PROMETHEUS_VERSION: cached in $DEST"
    exit 0
fi
command -v go >/dev/null || die "go (1.24+) is needed to build promtool from the Go module proxy"
export GOPATH="$ENGINES/go/path" GOMODCACHE="$ENGINES/go/modcache" GOCACHE="$ENGINES/go/build" GOFLAGS=-buildvcs=false
export GOTOOLCHAIN=local
say "promtool $PROMETHEUS_VERSION: downloading the module"
go mod download -json "$PROMETHEUS_MODULE@$PROMETHEUS_VERSION" > /dev/null
ziphash="$GOMODCACHE/cache/download/$PROMETHEUS_MODULE/@v/$PROMETHEUS_VERSION.ziphash"
[[ "$(cat "$ziphash")" == "$PROMETHEUS_H1" ]] || die "the $PROMETHEUS_MODULE@$PROMETHEUS_VERSION module hash $(cat "$ziphash") is not the pinned $PROMETHEUS_H1"
say "promtool $PROMETHEUS_VERSION: building (a few minutes on a cold cache)"
rm -rf "$DEST"
mkdir -p "$DEST/bin"
# `go install module@version` refuses modules with replace directives, as Prometheus's go.mod has:
# build inside the downloaded module instead, where it is the main module. Low priority: the build
# is long and the machine is shared.
src="$(go mod download -json "$PROMETHEUS_MODULE@$PROMETHEUS_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -d "$src" ]] || die "no module source for $PROMETHEUS_MODULE@$PROMETHEUS_VERSION"
(cd "$src" && GOWORK=off nice -n 10 go build -trimpath -o "$DEST/bin/promtool" ./cmd/promtool)
echo "$PROMETHEUS_VERSION" > "$DEST/VERSION"
mark_complete "$DEST"
say "promtool $PROMETHEUS_VERSION: installed in $DEST"
