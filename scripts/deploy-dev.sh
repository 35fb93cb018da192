#!/usr/bin/env bash
# Deploys the dev stack to the cluster of the current kubeconfig context (kind, Docker Desktop, ...).
# Needs: Node 20+, the Pulumi CLI, kubectl access to the cluster. State is kept in a local file
# backend inside the repo (.pulumi-state/, git-ignored); no Pulumi Cloud account is used.
# Extra arguments go to `pulumi up` (e.g. --yes, --diff).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v pulumi >/dev/null || { echo "deploy-dev: the Pulumi CLI is not on PATH (https://www.pulumi.com/docs/install/)" >&2; exit 2; }
command -v kubectl >/dev/null || { echo "deploy-dev: kubectl is not on PATH" >&2; exit 2; }
kubectl cluster-info >/dev/null || { echo "deploy-dev: no cluster reachable with the current kubeconfig context" >&2; exit 2; }
[[ -d node_modules ]] || npm ci --no-audit --no-fund
mkdir -p .pulumi-state
export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
# The local backend encrypts secrets with this passphrase; set your own for anything but a laptop.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-dev-only-passphrase}"
pulumi stack select dev 2>/dev/null || pulumi stack init dev
pulumi up --stack dev "$@"
