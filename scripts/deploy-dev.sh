#!/usr/bin/env bash
# Deploys the dev stack to a local kind cluster, from a fresh laptop:
#   1. checks the tools it needs (docker, kind, kubectl, the Pulumi CLI, node/npm) and names any missing;
#   2. starts a local registry on localhost:5001 and a kind cluster whose nodes pull from it (the
#      local-registry pattern kind documents), unless they already exist;
#   3. builds the platform's own images (images/*) and pushes them there (`npm run images -- build
#      --push localhost:5001`), which is where the catalog's references point;
#   4. runs `pulumi up` on the dev stack with a local file backend (.pulumi-state/, git-ignored).
# Extra arguments go to `pulumi up` (e.g. --yes, --diff).
# Environment: KIND_CLUSTER_NAME (default analytics-platform), KIND_NODE_IMAGE (default: kind's own),
# SKIP_IMAGES=1 to reuse images already pushed, PULUMI_CONFIG_PASSPHRASE (default a dev-only one).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

REGISTRY_NAME=kind-registry
REGISTRY_PORT=5001
# registry:2 pinned; it serves the images to the kind nodes over the "kind" Docker network.
REGISTRY_IMAGE=docker.io/library/registry:2.8.3
CLUSTER="${KIND_CLUSTER_NAME:-analytics-platform}"

die() { echo "deploy-dev: $*" >&2; exit 2; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not on PATH ($2)"; }

need docker "https://docs.docker.com/get-docker/"
need kind "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
need kubectl "https://kubernetes.io/docs/tasks/tools/"
need pulumi "https://www.pulumi.com/docs/install/"
need npm "Node.js 20 or later: https://nodejs.org/"
docker info >/dev/null 2>&1 || die "docker is installed but its engine is not reachable (is Docker running?)"
docker buildx version >/dev/null 2>&1 || die "docker buildx is missing (the buildx plugin builds the platform images)"

[[ -d node_modules ]] || npm ci --no-audit --no-fund

# ---- Local registry -----------------------------------------------------------------------------
if [[ "$(docker inspect -f '{{.State.Running}}' "$REGISTRY_NAME" 2>/dev/null || true)" != "true" ]]; then
    if docker inspect "$REGISTRY_NAME" >/dev/null 2>&1; then
        docker start "$REGISTRY_NAME" >/dev/null
    else
        echo "deploy-dev: starting the local registry on localhost:${REGISTRY_PORT}"
        docker run -d --restart=always -p "127.0.0.1:${REGISTRY_PORT}:5000" --network bridge --name "$REGISTRY_NAME" "$REGISTRY_IMAGE" >/dev/null
    fi
fi

# ---- kind cluster -------------------------------------------------------------------------------
if ! kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
    echo "deploy-dev: creating the kind cluster ${CLUSTER}"
    # containerd reads per-registry settings from certs.d, where each node learns the registry below.
    kind create cluster --name "$CLUSTER" ${KIND_NODE_IMAGE:+--image "$KIND_NODE_IMAGE"} --config - <<'EOF'
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
containerdConfigPatches:
  - |-
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "/etc/containerd/certs.d"
EOF
fi
# Every node resolves localhost:5001 to the registry container on the kind network.
for node in $(kind get nodes --name "$CLUSTER"); do
    docker exec "$node" mkdir -p "/etc/containerd/certs.d/localhost:${REGISTRY_PORT}"
    printf '[host."http://%s:5000"]\n' "$REGISTRY_NAME" | docker exec -i "$node" cp /dev/stdin "/etc/containerd/certs.d/localhost:${REGISTRY_PORT}/hosts.toml"
done
if [[ "$(docker inspect -f '{{json .NetworkSettings.Networks.kind}}' "$REGISTRY_NAME")" == "null" ]]; then
    docker network connect kind "$REGISTRY_NAME"
fi
kubectl config use-context "kind-${CLUSTER}" >/dev/null
# Tells tools which registry the cluster uses (KEP-1755's local-registry-hosting ConfigMap).
kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: local-registry-hosting
  namespace: kube-public
data:
  localRegistryHosting.v1: |
    host: "localhost:${REGISTRY_PORT}"
EOF

# ---- Platform images ----------------------------------------------------------------------------
if [[ "${SKIP_IMAGES:-}" != "1" ]]; then
    echo "deploy-dev: building the platform images and pushing them to localhost:${REGISTRY_PORT}"
    npm run -s images -- build --push "localhost:${REGISTRY_PORT}"
fi

# ---- Pulumi -------------------------------------------------------------------------------------
mkdir -p .pulumi-state
export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
# The local backend encrypts secrets with this passphrase; set your own for anything but a laptop.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-dev-only-passphrase}"
pulumi stack select dev 2>/dev/null || pulumi stack init dev
pulumi up --stack dev "$@"
