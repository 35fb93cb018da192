#!/usr/bin/env bash
# Installs everything `npm run test:engines` needs: runs every scripts/engines/install-*.sh in turn.
# Each one pins its versions, verifies checksums, caches under
# ${XDG_CACHE_HOME:-$HOME/.cache}/analytics-platform/engines/ and returns quickly when that is warm.
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for script in "$dir"/install-*.sh; do
    start=$(date +%s)
    bash "$script"
    echo "[engines] $(basename "$script"): $(( $(date +%s) - start ))s" >&2
done
