#!/usr/bin/env bash
# The S3 server of the engine suite: MinIO, the server the platform deploys, built from its Go
# module. The platform runs MinIO RELEASE.2025-04-08T15-41-24Z (components/catalog.ts); the Go module
# proxy refuses that release's commit (d0cada583fce) and serves the module only at its last
# commit, v0.0.0-20260212201848-7aac2a2c5b7c, which is what is built here (docs/decisions/0012).
# The module's content is checked against the pinned go.sum hash (h1:) besides the checksum
# database the go command consults.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_H1='h1:/qdoYujxF5MBLDMVLeiYJ/7fBa1HikX39Dvzb9Ji8pA='
PLATFORM_RELEASE=RELEASE.2025-04-08T15-41-24Z
DEST="$ENGINES/minio"

if complete "$DEST" && [[ "$(cat "$DEST/VERSION")" == "$MINIO_VERSION (platform: $PLATFORM_RELEASE)" ]]; then
    say "minio $MINIO_VERSION: cached in $DEST"
    exit 0
fi
command -v go >/dev/null || die "go (1.24+) is needed to build MinIO from the Go module proxy"
export GOPATH="$ENGINES/go/path" GOMODCACHE="$ENGINES/go/modcache" GOCACHE="$ENGINES/go/build" GOFLAGS=-buildvcs=false
export GOTOOLCHAIN=local
say "minio $MINIO_VERSION: downloading the module"
go mod download -json "$MINIO_MODULE@$MINIO_VERSION" > /dev/null
ziphash="$GOMODCACHE/cache/download/$MINIO_MODULE/@v/$MINIO_VERSION.ziphash"
[[ "$(cat "$ziphash")" == "$MINIO_H1" ]] || die "the $MINIO_MODULE@$MINIO_VERSION module hash $(cat "$ziphash") is not the pinned $MINIO_H1"
say "minio $MINIO_VERSION: building (several minutes on a cold cache)"
rm -rf "$DEST"
mkdir -p "$DEST/bin"
# Low priority: the build is long and the machine is shared.
GOBIN="$DEST/bin" nice -n 10 go install "$MINIO_MODULE@$MINIO_VERSION"
echo "$MINIO_VERSION (platform: $PLATFORM_RELEASE)" > "$DEST/VERSION"
mark_complete "$DEST"
say "minio $MINIO_VERSION: installed in $DEST"
