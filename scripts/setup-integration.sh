#!/usr/bin/env bash
# Installs the real servers and clients the integration and conformance suites run, idempotently:
# Docker Distribution 2.8, skopeo, redis-server, busybox and openssl from Debian; Distribution 3, MinIO, mc, promtool, crane and the OCI conformance
# suite built from the Go module proxy (MinIO publishes source only) into .tools/bin. Re-running
# does nothing when the pinned versions are there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pseudo-versions: MinIO's RELEASE tags are not semver, so the Go module proxy serves commits.
MINIO_MODULE="github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"
MC_MODULE="github.com/minio/mc@v0.0.0-20250313080218-cf909e1063a9"
DISTRIBUTION3_MODULE="github.com/distribution/distribution/v3/cmd/registry@v3.1.2"
CRANE_MODULE="github.com/google/go-containerregistry/cmd/crane@v0.22.1"
PROMTOOL_MODULE="github.com/prometheus/prometheus/cmd/promtool@v0.316.0"
CONFORMANCE_MODULE="github.com/opencontainers/distribution-spec/conformance@v0.0.0-20260831232431-97274622c111"
TOOLS_BIN="$PWD/.tools/bin"

missing_debs=()
command -v docker-registry >/dev/null || missing_debs+=(docker-registry)
command -v skopeo >/dev/null || missing_debs+=(skopeo)
command -v redis-server >/dev/null || missing_debs+=(redis-server)
# The shell the registry images have (Alpine's busybox): the garbage-collection CronJob's script runs under it.
command -v busybox >/dev/null || missing_debs+=(busybox)
# Signing keys and certificates of the quota token server, made as an operator would.
command -v openssl >/dev/null || missing_debs+=(openssl)
if [ ${#missing_debs[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  "${apt_get[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends "${missing_debs[@]}"
fi

go_install() { # module@version binary [name in .tools/bin]
  local module="$1" binary="$2" name="${3:-$2}" version="${1#*@}"
  if [ -x "$TOOLS_BIN/$name" ] && go version -m "$TOOLS_BIN/$name" | grep -q "mod.*${version}"; then
    echo "$name $version already installed"
    return
  fi
  echo "building $module (a few minutes on 2 cores)"
  local gobin
  gobin="$(mktemp -d)"
  GOBIN="$gobin" CGO_ENABLED=0 go install "$module"
  mv "$gobin/$binary" "$TOOLS_BIN/$name"
  rmdir "$gobin"
}
mkdir -p "$TOOLS_BIN"
go_install "$MINIO_MODULE" minio
go_install "$MC_MODULE" mc
go_install "$DISTRIBUTION3_MODULE" registry registry3   # registry:3's code; Debian ships 2.8 only
go_install "$CONFORMANCE_MODULE" conformance
go_install "$PROMTOOL_MODULE" promtool   # checks and tests the alert rules
go_install "$CRANE_MODULE" crane         # pushes layers concurrently, as docker and BuildKit do (bench)

echo "integration tools ready: $(command -v docker-registry), $(command -v skopeo), $(command -v redis-server), $(command -v busybox), $TOOLS_BIN/{minio,mc,registry3,conformance,promtool,crane}"
