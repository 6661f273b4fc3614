import * as fs from "fs";
import * as path from "path";
import { MinioRoot } from "./minio";
import { statusOf, waitUntil } from "./net";
import { ManagedProcess } from "./processes";
import { TestHosts } from "./testHosts";

const apiPort = 9000;

/**
 * MinIO distributed over `nodes` processes, each on a test host of its own (a network namespace:
 * distributed MinIO in a container refuses loopback endpoints) with `drivesPerNode` drive
 * directories: the erasure-coded layout of minioReplicas > 1, one process per pod. Endpoints are
 * listed one by one (ellipses would give every process the same paths on this one file system).
 */
export class DistributedMinio {
    private readonly processes: Array<ManagedProcess | undefined> = [];
    private readonly hosts: TestHosts;
    /** Every node's API port (each node has a host of its own). */
    readonly port = apiPort;

    constructor(
        private readonly binary: string,
        private readonly dir: string,
        readonly root: MinioRoot,
        readonly nodes = 4,
        readonly drivesPerNode = 1,
    ) {
        this.hosts = new TestHosts(nodes);
    }

    /** The S3 endpoint the registry uses: the first node (any node serves the whole cluster). */
    get endpoint(): string {
        return this.nodeUrl(0);
    }

    nodeUrl(node: number): string {
        return `http://${this.hosts.address(node)}:${apiPort}`;
    }

    /** Where node `node` keeps drive `drive` (both from 0). */
    driveDir(node: number, drive: number): string {
        return path.join(this.dir, `node${node}`, `drive${drive}`);
    }

    /** Whether node `node` holds its share of `object` in `bucket` on every one of its drives (MinIO's xl.meta). */
    holdsObject(node: number, bucket: string, object: string): boolean {
        for (let d = 0; d < this.drivesPerNode; d++) {
            if (!fs.existsSync(path.join(this.driveDir(node, d), bucket, object, "xl.meta"))) return false;
        }
        return true;
    }

    async start(): Promise<void> {
        this.hosts.create();
        for (let node = 0; node < this.nodes; node++) await this.startNode(node, false);
        const quorum = async () => (await statusOf(`${this.endpoint}/minio/health/cluster`)) === 200;
        await waitUntil("the MinIO cluster to have write quorum", quorum, 90_000, () => this.log());
    }

    /** Starts node `node` again (or for the first time); when `wait`, until it has rejoined the cluster. */
    async startNode(node: number, wait = true): Promise<void> {
        const endpoints: string[] = [];
        for (let n = 0; n < this.nodes; n++) {
            for (let d = 0; d < this.drivesPerNode; d++) endpoints.push(`${this.nodeUrl(n)}${this.driveDir(n, d)}`);
        }
        for (let d = 0; d < this.drivesPerNode; d++) fs.mkdirSync(this.driveDir(node, d), { recursive: true });
        const address = this.hosts.address(node);
        const args = ["server", ...endpoints, "--address", `${address}:${apiPort}`, "--console-address", `${address}:9001`, "--quiet"];
        this.processes[node] = new ManagedProcess(`minio node ${node}`, "ip", [...this.hosts.run(node), this.binary, ...args], {
            PATH: process.env.PATH,
            HOME: path.join(this.dir, `node${node}`),
            MINIO_ROOT_USER: this.root.user,
            MINIO_ROOT_PASSWORD: this.root.password,
            MINIO_UPDATE: "off",
            MINIO_BROWSER: "off",
            // Test drives are directories on the root file system, which MinIO refuses outside CI.
            MINIO_CI_CD: "1",
        }).start();
        if (wait) {
            const joined = async () => (await statusOf(`${this.nodeUrl(node)}/minio/health/cluster`)) === 200;
            await waitUntil(`MinIO node ${node} to rejoin the cluster`, joined, 90_000, () => this.log());
        }
    }

    async stopNode(node: number): Promise<void> {
        await this.processes[node]?.stop();
        this.processes[node] = undefined;
    }

    /** Stops every node and removes their test hosts. */
    async stop(): Promise<void> {
        for (let node = 0; node < this.nodes; node++) await this.stopNode(node);
        this.hosts.remove();
    }

    log(): string {
        return this.processes.map((p) => p?.log() ?? "").join("\n");
    }
}
