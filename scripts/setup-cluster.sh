#!/usr/bin/env bash
# Builds, idempotently, the real Kubernetes control plane the cluster suite runs (no images, no
# cluster needed): etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (a fake
# node), all from the Go module proxy, into .tools/bin. Re-running does nothing when the pinned
# versions are there. A cold build takes about 12 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

KUBERNETES_VERSION="v1.34.4"   # pinned in tools/cluster/kubernetes/go.mod (staging modules v0.34.4)
ETCD_VERSION="v3.6.4"          # pinned in tools/cluster/etcd/go.mod
KWOK_MODULE="sigs.k8s.io/kwok/cmd/kwok@v0.8.0"
TOOLS_BIN="$PWD/.tools/bin"
KWOK_STAGES="$PWD/.tools/kwok-stages"
mkdir -p "$TOOLS_BIN"

command -v openssl >/dev/null || {
  if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  "${apt_get[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends openssl
}

# has BINARY MODULE VERSION: the binary exists and was built from MODULE at VERSION.
has() { [ -x "$TOOLS_BIN/$1" ] && go version -m "$TOOLS_BIN/$1" | grep -qE "(mod|dep)[[:space:]]+$2[[:space:]]+$3([[:space:]]|$)"; }

if has etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION"; then
  echo "etcd $ETCD_VERSION already built"
else
  echo "building etcd $ETCD_VERSION (about a minute)"
  (cd tools/cluster/etcd && CGO_ENABLED=0 go build -o "$TOOLS_BIN/etcd" go.etcd.io/etcd/server/v3)
fi

control_plane=(kube-apiserver kube-controller-manager kube-scheduler)
missing=()
for binary in "${control_plane[@]}"; do has "$binary" k8s.io/kubernetes "$KUBERNETES_VERSION" || missing+=("$binary"); done
if [ ${#missing[@]} -eq 0 ]; then
  echo "kubernetes $KUBERNETES_VERSION control plane already built"
else
  echo "building ${missing[*]} $KUBERNETES_VERSION (about 9 minutes on 2 cores)"
  minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
  # Without these the servers report v0.0.0-master.
  version_pkg="k8s.io/component-base/version"
  ldflags="-X $version_pkg.gitVersion=$KUBERNETES_VERSION -X $version_pkg.gitMajor=1 -X $version_pkg.gitMinor=$minor"
  (cd tools/cluster/kubernetes && CGO_ENABLED=0 go build -ldflags "$ldflags" -o "$TOOLS_BIN/" \
    "${missing[@]/#/k8s.io/kubernetes/cmd/}")
fi

kwok_version="${KWOK_MODULE#*@}"
if has kwok sigs.k8s.io/kwok "$kwok_version"; then
  echo "kwok $kwok_version already built"
else
  echo "building kwok $kwok_version (about 3 minutes)"
  GOBIN="$TOOLS_BIN" CGO_ENABLED=0 go install "$KWOK_MODULE"
fi
# kwok ships no built-in stages; its module carries them (node heartbeat, pods Running, Jobs done).
kwok_dir="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$kwok_version"
[ -d "$kwok_dir" ] || (cd tools/cluster/etcd && go mod download "sigs.k8s.io/kwok@$kwok_version")
mkdir -p "$KWOK_STAGES"
for stage in node-fast:node/fast/node-initialize.yaml node-heartbeat:node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
  pod-ready:pod/fast/pod-ready.yaml pod-complete:pod/fast/pod-complete.yaml pod-delete:pod/fast/pod-delete.yaml; do
  cp -f "$kwok_dir/kustomize/stage/${stage#*:}" "$KWOK_STAGES/${stage%%:*}.yaml"
  chmod u+w "$KWOK_STAGES/${stage%%:*}.yaml"
done

# The Prometheus Operator's CRDs (ServiceMonitor, PrometheusRule), which a cluster with the operator
# has: the suite installs them to apply prometheusOperator's objects under their schemas.
PROMETHEUS_OPERATOR_MODULE="github.com/prometheus-operator/prometheus-operator@v0.85.0"
CRDS="$PWD/.tools/crds"
operator_dir="$(go env GOMODCACHE)/${PROMETHEUS_OPERATOR_MODULE}"
[ -d "$operator_dir" ] || (cd tools/cluster/etcd && go mod download "$PROMETHEUS_OPERATOR_MODULE")
mkdir -p "$CRDS"
for crd in servicemonitors prometheusrules; do
  cp -f "$operator_dir/example/prometheus-operator-crd/monitoring.coreos.com_${crd}.yaml" "$CRDS/"
  chmod u+w "$CRDS/monitoring.coreos.com_${crd}.yaml"
done

echo "cluster tools ready in $TOOLS_BIN: etcd ${control_plane[*]} kwok; kwok stages in $KWOK_STAGES; CRDs in $CRDS"
