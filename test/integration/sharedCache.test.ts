import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { distributionVersions } from "../../common/distributionVersion";
import { writeOciImage } from "./harness/ociImage";
import { removedOnExit } from "./harness/processes";
import { RedisServer } from "./harness/redis";
import { RegistryServer } from "./harness/registry";
import { LocalRegistryStack } from "./harness/stack";
import { findTools, installHint, requireTools, Tools } from "./harness/tools";

const repository = "acme-workspace/shared-cache";

/**
 * Two registry processes on one MinIO bucket, as two replicas behind one Service. Each keeps a
 * blob-descriptor cache; with Redis (what the program deploys for registryReplicas > 1) they share it.
 */
for (const version of distributionVersions) {
    describe(`Distribution ${version}: two replicas, and what one deletes`, function () {
        let tools: Tools;
        const stacks: LocalRegistryStack[] = [];
        let redis: RedisServer | undefined;

        before(function () {
            tools = requireTools(this, "integration tools", findTools(), installHint);
        });

        after(async () => {
            for (const stack of stacks) await stack.stop();
            await redis?.stop();
        });

        /** Starts a stack with a second replica and pushes an image through the first; returns both replicas and the image. */
        async function twoReplicasWithAnImage(cache?: RedisServer) {
            const stack = new LocalRegistryStack(tools, { version, redis: cache && { address: cache.address, password: cache.password } });
            stacks.push(stack);
            await stack.start();
            const second = await stack.addReplica("registry-2");
            const image = writeOciImage(path.join(stack.dir, "image"), "v1", [256 * 1024, 64 * 1024]);
            const auth = stack.skopeo.authFile("service", stack.registry.host, stack.serviceAccount);
            const pushed = await stack.skopeo.copy(`oci:${image.layoutDir}:v1`, `docker://${stack.registry.host}/${repository}:v1`, auth);
            assert.strictEqual(pushed.code, 0, pushed.output);
            const { user, password } = stack.serviceAccount;
            const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
            const request = (replica: RegistryServer, urlPath: string, method = "GET") =>
                fetch(`${replica.url}${urlPath}`, {
                    method,
                    headers: { authorization, accept: "application/vnd.oci.image.manifest.v1+json" },
                });
            return { first: stack.registry, second, image, request };
        }

        it("with in-memory caches, a replica still claims a blob the other one deleted (why Redis)", async () => {
            const { first, second, image, request } = await twoReplicasWithAnImage();
            const blob = `/v2/${repository}/blobs/${image.layerDigests[0]}`;
            assert.strictEqual((await request(second, blob, "HEAD")).status, 200, "the second replica has looked the blob up");
            assert.strictEqual((await request(first, blob, "DELETE")).status, 202);
            assert.strictEqual((await request(first, blob, "HEAD")).status, 404);
            assert.strictEqual((await request(second, blob, "HEAD")).status, 200, "the second replica's own cache is stale");
        });

        it("with Redis shared, a blob and a manifest deleted through one replica are gone through the other at once", async () => {
            redis = new RedisServer(tools.redis, removedOnExit(fs.mkdtempSync(path.join(os.tmpdir(), "orbit-registry-redis-"))));
            await redis.start();
            const { first, second, image, request } = await twoReplicasWithAnImage(redis);
            assert.ok((await redis.keyCount()) > 0, "the registry keeps its blob descriptors in Redis");
            const blob = `/v2/${repository}/blobs/${image.layerDigests[0]}`;
            assert.strictEqual((await request(second, blob, "HEAD")).status, 200, "the second replica has looked the blob up");
            assert.strictEqual((await request(first, blob, "DELETE")).status, 202);
            assert.strictEqual((await request(second, blob, "HEAD")).status, 404, "the deletion reached the shared cache");

            const manifest = `/v2/${repository}/manifests/${image.manifestDigest}`;
            assert.strictEqual((await request(second, manifest, "HEAD")).status, 200);
            assert.strictEqual((await request(first, manifest, "DELETE")).status, 202);
            assert.strictEqual((await request(second, manifest, "GET")).status, 404);
        });
    });
}
