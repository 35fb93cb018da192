#!/usr/bin/env bash
# The S3 server of the engine suite and its admin client: the MinIO server and `mc`, built from the
# very Go modules of images/minio/contents.txt, the image the platform deploys (decision 0011). Each
# module's content is checked against the pinned go.sum hash (h1:) there, besides the checksum
# database the go command consults.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONTENTS="$PROJECT_DIR/images/minio/contents.txt"
DEST="$ENGINES/minio"
# The install is keyed by the content list: any change to it rebuilds.
WANT="images/minio/contents.txt $(sha256_of "$CONTENTS")"

if complete "$DEST" && [[ "$(cat "$DEST/VERSION")" == "$WANT" ]]; then
    say "minio, mc: cached in $DEST"
    exit 0
fi
command -v go >/dev/null || die "go (1.24+) is needed to build MinIO and mc from the Go module proxy"
export GOPATH="$ENGINES/go/path" GOMODCACHE="$ENGINES/go/modcache" GOCACHE="$ENGINES/go/build" GOFLAGS=-buildvcs=false
export GOTOOLCHAIN=local CGO_ENABLED=0
rm -rf "$DEST"
mkdir -p "$DEST/bin"
while read -r name module version h1; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    say "$name ($module@$version): downloading the module"
    go mod download -json "$module@$version" > /dev/null
    ziphash="$GOMODCACHE/cache/download/$module/@v/$version.ziphash"
    [[ "$(cat "$ziphash")" == "$h1" ]] || die "the $module@$version module hash $(cat "$ziphash") is not the pinned $h1"
    say "$name: building (several minutes on a cold cache)"
    # Low priority: the build is long and the machine is shared.
    GOBIN="$DEST/bin" nice -n 10 go install -trimpath "$module@$version"
    [[ -x "$DEST/bin/$name" ]] || die "$module@$version did not build $name"
done < "$CONTENTS"
echo "$WANT" > "$DEST/VERSION"
mark_complete "$DEST"
say "minio, mc: installed in $DEST"
