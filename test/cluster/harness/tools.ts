import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "../../..");
const bin = (name: string) => path.join(root, ".tools/bin", name);

export interface ClusterTools {
    etcd: string;
    apiserver: string;
    controllerManager: string;
    scheduler: string;
    kwok: string;
    /** kwok's stage files (from its module) and the suite's own. */
    kwokStages: string[];
    /** The Prometheus Operator's ServiceMonitor and PrometheusRule CRDs, from its module. */
    prometheusOperatorCrds: string[];
}

const kwokModuleStages = ["node-fast", "node-heartbeat", "pod-ready", "pod-complete", "pod-delete"].map((stage) =>
    path.join(root, ".tools/kwok-stages", `${stage}.yaml`),
);
const suiteStages = [path.join(root, "test/cluster/kwok/ingress-address.yaml")];

/** The control-plane binaries scripts/setup-cluster.sh builds into .tools/bin, or what is missing. */
export function findClusterTools(): { tools?: ClusterTools; missing: string[] } {
    const tools: ClusterTools = {
        etcd: bin("etcd"),
        apiserver: bin("kube-apiserver"),
        controllerManager: bin("kube-controller-manager"),
        scheduler: bin("kube-scheduler"),
        kwok: bin("kwok"),
        kwokStages: [...kwokModuleStages, ...suiteStages],
        prometheusOperatorCrds: ["servicemonitors", "prometheusrules"].map((crd) =>
            path.join(root, ".tools/crds", `monitoring.coreos.com_${crd}.yaml`),
        ),
    };
    const files = [
        tools.etcd,
        tools.apiserver,
        tools.controllerManager,
        tools.scheduler,
        tools.kwok,
        ...tools.kwokStages,
        ...tools.prometheusOperatorCrds,
    ];
    const missing = files.filter((file) => !fs.existsSync(file)).map((file) => path.relative(root, file));
    return { tools: missing.length === 0 ? tools : undefined, missing };
}

export const clusterInstallHint = "build them with: bash scripts/setup-cluster.sh";
