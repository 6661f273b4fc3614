#!/usr/bin/env bash
# `pulumi up` on the dev stack with a local file state backend: no Pulumi Cloud account needed.
# Extra arguments go to `pulumi up` (e.g. --yes, --diff).
set -euo pipefail
cd "$(dirname "$0")/.."

state_dir="${ORBIT_STATE_DIR:-$PWD/.pulumi-state}"
mkdir -p "$state_dir"
chmod 700 "$state_dir"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$state_dir}"

# The passphrase encrypts the stack's secrets in the state. Without one given, generate one
# once and keep it beside the state (both are git-ignored); back both up together.
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  passphrase_file="$state_dir/dev.passphrase"
  if [ ! -s "$passphrase_file" ]; then
    (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64url"))' > "$passphrase_file")
    echo "Generated the dev stack's secrets passphrase in $passphrase_file" >&2
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$passphrase_file"
fi

command -v pulumi >/dev/null || { echo "The Pulumi CLI is not installed: see README, Prerequisites." >&2; exit 1; }
[ -d node_modules ] || npm ci
pulumi stack select --create dev
pulumi up --stack dev "$@"
