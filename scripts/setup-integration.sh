#!/usr/bin/env bash
# Installs the real servers and client the integration suite runs, idempotently:
# Docker Distribution and skopeo from Debian; MinIO and mc built from source (MinIO publishes
# source only) into .tools/bin. Re-running does nothing when the pinned versions are there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pseudo-versions: MinIO's RELEASE tags are not semver, so the Go module proxy serves commits.
MINIO_MODULE="github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"
MC_MODULE="github.com/minio/mc@v0.0.0-20250313080218-cf909e1063a9"
TOOLS_BIN="$PWD/.tools/bin"

missing_debs=()
command -v docker-registry >/dev/null || missing_debs+=(docker-registry)
command -v skopeo >/dev/null || missing_debs+=(skopeo)
if [ ${#missing_debs[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  "${apt_get[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends "${missing_debs[@]}"
fi

go_install() { # module@version binary
  local module="$1" binary="$2" version="${1#*@}"
  if [ -x "$TOOLS_BIN/$binary" ] && go version -m "$TOOLS_BIN/$binary" | grep -q "mod.*${version}"; then
    echo "$binary $version already installed"
    return
  fi
  echo "building $module (a few minutes on 2 cores)"
  GOBIN="$TOOLS_BIN" CGO_ENABLED=0 go install "$module"
}
mkdir -p "$TOOLS_BIN"
go_install "$MINIO_MODULE" minio
go_install "$MC_MODULE" mc

echo "integration tools ready: $(command -v docker-registry), $(command -v skopeo), $TOOLS_BIN/{minio,mc}"
