#!/usr/bin/env bash
# The main job: `pulumi up` on the dev stack, on the project's local state (scripts/pulumi: no Pulumi
# Cloud account needed). Extra arguments go to `pulumi up` (e.g. --yes, --diff).
set -euo pipefail
cd "$(dirname "$0")/.."
# The Node.js of `npm run setup:node`, where a machine's own is too old (scripts/pulumi says so).
[ -x .tools/node/bin/node ] && PATH="$PWD/.tools/node/bin:$PATH"

[ -d node_modules ] || npm ci --no-audit --no-fund
scripts/pulumi stack select --create dev
scripts/pulumi up --stack dev "$@"
