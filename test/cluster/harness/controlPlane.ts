import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { freePort, waitUntil } from "../../integration/harness/net";
import { ManagedProcess, removedOnExit } from "../../integration/harness/processes";
import { KubeApi } from "./kubeApi";
import { ClusterPki, makePki, writeKubeconfig } from "./pki";
import { ClusterTools } from "./tools";

const fakeNodeName = "kwok-node-0";

/** The admission chain of a typical cluster, Pod Security included. */
const admissionPlugins = [
    "NamespaceLifecycle",
    "LimitRanger",
    "ServiceAccount",
    "DefaultStorageClass",
    "DefaultTolerationSeconds",
    "PodSecurity",
    "ResourceQuota",
    "MutatingAdmissionWebhook",
    "ValidatingAdmissionWebhook",
    "ValidatingAdmissionPolicy",
];

/**
 * A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver (RBAC, Pod Security
 * admission), kube-controller-manager, kube-scheduler, and kwok acting as one node (it marks pods
 * Running/Ready and Job pods Succeeded; no container runs). Free ports, a temp dir, per-run PKI.
 */
export class ControlPlane {
    readonly dir = removedOnExit(fs.mkdtempSync(path.join(os.tmpdir(), "orbit-registry-cluster-")));
    private readonly processes: ManagedProcess[] = [];
    api!: KubeApi;
    kubeconfig = "";

    constructor(private readonly tools: ClusterTools) {}

    /** Installs the Prometheus Operator's CRDs, as a cluster with the operator has them, once they are Established. */
    async installPrometheusOperatorCrds(): Promise<void> {
        for (const file of this.tools.prometheusOperatorCrds) {
            const crd = parse(fs.readFileSync(file, "utf8"));
            await this.api.apply(crd);
            const established = async () =>
                ((await this.api.get(crd.apiVersion, crd.kind, crd.metadata.name))?.status?.conditions ?? []).some(
                    (c: { type: string; status: string }) => c.type === "Established" && c.status === "True",
                );
            await waitUntil(`CRD ${crd.metadata.name} to be established`, established, 30_000);
        }
    }

    async start(): Promise<void> {
        const pki = makePki(path.join(this.dir, "pki"));
        const [etcdPort, etcdPeerPort, apiPort, controllerPort, schedulerPort] = await Promise.all([
            freePort(),
            freePort(),
            freePort(),
            freePort(),
            freePort(),
        ]);
        const server = `https://127.0.0.1:${apiPort}`;
        this.kubeconfig = writeKubeconfig(path.join(this.dir, "admin.kubeconfig"), server, pki);
        this.api = new KubeApi(server, pki);
        const env = { PATH: process.env.PATH, HOME: this.dir };

        const etcdUrl = `http://127.0.0.1:${etcdPort}`;
        this.spawn(
            "etcd",
            this.tools.etcd,
            [
                `--data-dir=${path.join(this.dir, "etcd")}`,
                `--listen-client-urls=${etcdUrl}`,
                `--advertise-client-urls=${etcdUrl}`,
                `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
                `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
                `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
                "--log-level=warn",
            ],
            env,
        );
        this.spawn("kube-apiserver", this.tools.apiserver, this.apiserverFlags(pki, etcdUrl, apiPort), env);
        await waitUntil(
            "kube-apiserver /readyz",
            async () => (await this.api.request("GET", "/readyz")).status === 200,
            90_000,
            () => this.logs(),
        );

        const kubeconfigFlags = [
            `--kubeconfig=${this.kubeconfig}`,
            `--authentication-kubeconfig=${this.kubeconfig}`,
            `--authorization-kubeconfig=${this.kubeconfig}`,
        ];
        this.spawn(
            "kube-controller-manager",
            this.tools.controllerManager,
            [
                ...kubeconfigFlags,
                "--bind-address=127.0.0.1",
                `--secure-port=${controllerPort}`,
                "--leader-elect=false",
                `--service-account-private-key-file=${pki.serviceAccountKey}`,
                `--root-ca-file=${pki.caCert}`,
                "--use-service-account-credentials=false",
                "--controllers=*",
                `--cert-dir=${path.join(this.dir, "controller-manager")}`,
            ],
            env,
        );
        this.spawn(
            "kube-scheduler",
            this.tools.scheduler,
            [...kubeconfigFlags, "--bind-address=127.0.0.1", `--secure-port=${schedulerPort}`, "--leader-elect=false"],
            env,
        );

        await this.api.create(fakeNode(fakeNodeName));
        const stages = path.join(this.dir, "kwok-stages.yaml");
        fs.writeFileSync(stages, this.tools.kwokStages.map((file) => fs.readFileSync(file, "utf8").trim()).join("\n---\n"));
        this.spawn(
            "kwok",
            this.tools.kwok,
            [
                `--kubeconfig=${this.kubeconfig}`,
                `--config=${stages}`,
                "--manage-all-nodes=true",
                "--cidr=10.244.0.0/16",
                "--node-ip=10.10.0.1",
                "--node-lease-duration-seconds=40",
            ],
            env,
        );

        await waitUntil(
            "the kwok node to be Ready",
            () => this.nodeReady(fakeNodeName),
            60_000,
            () => this.logs(),
        );
        await waitUntil(
            "serviceaccount default/default",
            async () => (await this.api.get("v1", "ServiceAccount", "default", "default")) !== undefined,
            60_000,
            () => this.logs(),
        );
    }

    /** More kwok nodes, e.g. for pods that must not share a node; resolves once they are Ready. */
    async addNodes(names: string[]): Promise<void> {
        for (const name of names) await this.api.create(fakeNode(name));
        for (const name of names)
            await waitUntil(
                `node ${name} to be Ready`,
                () => this.nodeReady(name),
                60_000,
                () => this.logs(),
            );
    }

    private async nodeReady(name: string): Promise<boolean> {
        const node = await this.api.get("v1", "Node", name);
        return node?.status?.conditions?.some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True") ?? false;
    }

    /** Stops every process this control plane started and removes its files. */
    async stop(): Promise<void> {
        for (const process of [...this.processes].reverse()) await process.stop();
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    logs(): string {
        return this.processes.map((p) => p.log()).join("\n");
    }

    private spawn(label: string, binary: string, args: string[], env: NodeJS.ProcessEnv): void {
        this.processes.push(new ManagedProcess(label, binary, args, env).start());
    }

    private apiserverFlags(pki: ClusterPki, etcdUrl: string, port: number): string[] {
        return [
            `--etcd-servers=${etcdUrl}`,
            "--bind-address=127.0.0.1",
            `--secure-port=${port}`,
            "--advertise-address=127.0.0.1",
            // With a loopback advertise address the endpoints reconciler fails every 10 s.
            "--endpoint-reconciler-type=none",
            `--tls-cert-file=${pki.serverCert}`,
            `--tls-private-key-file=${pki.serverKey}`,
            `--client-ca-file=${pki.caCert}`,
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            `--service-account-key-file=${pki.serviceAccountPub}`,
            `--service-account-signing-key-file=${pki.serviceAccountKey}`,
            "--service-cluster-ip-range=10.0.0.0/24",
            "--authorization-mode=RBAC",
            `--enable-admission-plugins=${admissionPlugins.join(",")}`,
            `--cert-dir=${path.join(this.dir, "apiserver")}`,
        ];
    }
}

/** A node kwok manages; pods schedule onto it. */
function fakeNode(name: string) {
    const capacity = { cpu: "32", memory: "256Gi", pods: "110" };
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
            name,
            annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
            labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok" },
        },
        status: { allocatable: capacity, capacity },
    };
}
