import * as assert from "assert";
import * as crypto from "crypto";
import * as path from "path";
import { DistributedMinio } from "./harness/distributedMinio";
import { waitUntil } from "./harness/net";
import { OciImage, readBlob, readManifest, writeOciImage } from "./harness/ociImage";
import { LocalRegistryStack } from "./harness/stack";
import { findTools, installHint, requireTools } from "./harness/tools";

const MiB = 1024 * 1024;
const repository = "acme-workspace/survives";

/** Where Distribution keeps a blob's bytes in its bucket (rootdirectory "/"). */
const blobObject = (digest: string) => {
    const hex = digest.replace(/^sha256:/, "");
    return `docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
};

/**
 * The layout of minioReplicas 4 as four MinIO processes on loopback (one per pod, one drive each,
 * one erasure set of 4, EC:2), with the registry on the generated config in front: what losing a
 * pod does to pushes and pulls, and what happens when it returns.
 */
describe("distributed MinIO (4 nodes) under the registry, losing a node", function () {
    let stack: LocalRegistryStack;
    let minio: DistributedMinio;
    let auth: string;
    const lostNode = 3;

    const push = (image: OciImage, tag: string) =>
        stack.skopeo.copy(`oci:${image.layoutDir}:${tag}`, `docker://${stack.registry.host}/${repository}:${tag}`, auth);

    async function assertPullsBackIdentical(image: OciImage, tag: string) {
        const into = path.join(stack.dir, `pull-${tag}-${crypto.randomBytes(4).toString("hex")}`);
        const pulled = await stack.skopeo.copy(`docker://${stack.registry.host}/${repository}:${tag}`, `oci:${into}:${tag}`, auth);
        assert.strictEqual(pulled.code, 0, pulled.output);
        assert.strictEqual(readManifest(into, tag).digest, image.manifestDigest);
        for (const digest of image.layerDigests)
            assert.ok(readBlob(into, digest).equals(readBlob(image.layoutDir, digest)), `layer ${digest}`);
    }

    before(async function () {
        const tools = requireTools(this, "integration tools", findTools(), installHint);
        // Each MinIO node gets a network namespace of its own, which takes root.
        const asRoot = { tools: process.getuid?.() === 0 ? true : undefined, missing: ["root"] };
        requireTools(this, "root for network namespaces", asRoot, "run as root");
        stack = new LocalRegistryStack(tools, { version: 3, minioNodes: { nodes: 4, drivesPerNode: 1 } });
        minio = stack.minio as DistributedMinio;
        await stack.start();
        auth = stack.skopeo.authFile("service", stack.registry.host, stack.serviceAccount);
    });

    after(async () => {
        await stack?.stop();
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed" && stack) console.error(stack.logs());
    });

    let earlier: OciImage;
    let during: OciImage;

    it("pushes and pulls with every node up", async () => {
        earlier = writeOciImage(path.join(stack.dir, "before"), "before", [6 * MiB, 1 * MiB]);
        const pushed = await push(earlier, "before");
        assert.strictEqual(pushed.code, 0, pushed.output);
        await assertPullsBackIdentical(earlier, "before");
    });

    it("with one node stopped, pulls byte-identical images and pushes new ones", async () => {
        await minio.stopNode(lostNode);
        console.log(`      stopped MinIO node ${lostNode} (${minio.nodeUrl(lostNode)}); 3 of 4 drives left, write quorum 3`);
        await assertPullsBackIdentical(earlier, "before");
        during = writeOciImage(path.join(stack.dir, "during"), "during", [5 * MiB, 512 * 1024]);
        const pushed = await push(during, "during");
        assert.strictEqual(pushed.code, 0, pushed.output);
        await assertPullsBackIdentical(during, "during");
        console.log("      pulled the earlier image back byte-identical and pushed a new one");
        // Looked at while the node is down: once it is back, a pull or MinIO's own background heal may
        // already give it its share before the test could look.
        assert.deepStrictEqual(
            during.layerDigests.map((digest) => minio.holdsObject(lostNode, stack.bucket, blobObject(digest))),
            during.layerDigests.map(() => false),
            `node ${lostNode} should not hold what was written while it was down`,
        );
    });

    it("takes the node back: it rejoins, every image still pulls byte-identical, and a heal restores its share", async () => {
        await minio.startNode(lostNode);
        console.log(`      node ${lostNode} rejoined (${minio.nodeUrl(lostNode)}/minio/health/cluster answers 200)`);
        await assertPullsBackIdentical(earlier, "before");
        await assertPullsBackIdentical(during, "during");

        const missed = during.layerDigests.map(blobObject);
        // The node the heal runs on reconnects to a returning node on its own schedule: heal until it sees it.
        const holdsAll = () => missed.every((o) => minio.holdsObject(lostNode, stack.bucket, o));
        const healStarted = Date.now();
        let heals = 0;
        let summary: HealSummary | undefined;
        await waitUntil(
            `node ${lostNode} to hold its share of every layer after a heal`,
            async () => {
                summary = healSummary(await stack.mc.mustRun("admin", "heal", "--recursive", "--json", `root/${stack.bucket}`));
                heals++;
                return holdsAll();
            },
            180_000,
        );
        const seconds = Math.round((Date.now() - healStarted) / 1000);
        console.log(
            `      mc admin heal --recursive root/${stack.bucket}: ${summary?.objects_scanned} objects scanned, ` +
                `${summary?.objects_healed} healed (${heals} runs, ${seconds} s after the node came back)`,
        );
        console.log(`      node ${lostNode}'s drive holds its share of the ${missed.length} layers pushed while it was down`);

        const after = writeOciImage(path.join(stack.dir, "after"), "after", [2 * MiB]);
        const pushed = await push(after, "after");
        assert.strictEqual(pushed.code, 0, pushed.output);
    });

    interface HealSummary {
        objects_scanned: number;
        objects_healed: number;
    }

    function healSummary(jsonLines: string): HealSummary | undefined {
        const line = jsonLines.split("\n").find((l) => l.includes('"type":"summary"'));
        return line ? (JSON.parse(line) as HealSummary) : undefined;
    }
});
