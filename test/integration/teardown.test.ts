import * as assert from "assert";
import * as crypto from "crypto";
import * as path from "path";
import * as Minio from "minio";
import { distributionVersions } from "../../common/distributionVersion";
import { bucketEmptierProvider } from "../../components/docker/bucketEmptierProvider";
import { storageHealthCheck } from "../../components/registryConfig";
import { statusOf } from "./harness/net";
import { writeOciImage } from "./harness/ociImage";
import { LocalRegistryStack } from "./harness/stack";
import { findTools, installHint, requireTools } from "./harness/tools";

const repository = "acme-workspace/web-app";

/**
 * `pulumi destroy` of a dev stack with protectData false, on real MinIO and Distribution: the
 * program empties the bucket itself (the MinIO provider's own emptying races and crashes), and a
 * registry whose bucket is gone never passes its first health probe.
 */
describe("teardown of the bucket, and a registry whose bucket is gone", function () {
    let stack: LocalRegistryStack;
    let client: Minio.Client;

    const emptierProps = (emptyOnDelete: boolean) => ({
        endpoint: stack.minio.endpoint,
        accessKey: stack.minio.root.user,
        secretKey: stack.minio.root.password,
        bucket: stack.bucket,
        emptyOnDelete,
    });
    const objectCount = async () => {
        let count = 0;
        for await (const item of client.listObjectsV2(stack.bucket, "", true)) if (item.name) count++;
        return count;
    };

    before(async function () {
        stack = new LocalRegistryStack(requireTools(this, "integration tools", findTools(), installHint));
        await stack.start();
        const endpoint = new URL(stack.minio.endpoint);
        client = new Minio.Client({
            endPoint: endpoint.hostname,
            port: Number(endpoint.port),
            useSSL: false,
            accessKey: stack.minio.root.user,
            secretKey: stack.minio.root.password,
            region: "us-east-1",
        });
        const auth = stack.skopeo.authFile("service", stack.registry.host, stack.serviceAccount);
        for (const tag of ["v1", "v2"]) {
            const image = writeOciImage(path.join(stack.dir, tag), tag, [256 * 1024, crypto.randomBytes(64 * 1024)]);
            const pushed = await stack.skopeo.copy(
                `oci:${image.layoutDir}:${tag}`,
                `docker://${stack.registry.host}/${repository}:${tag}`,
                auth,
            );
            assert.strictEqual(pushed.code, 0, pushed.output);
        }
        // An upload abandoned half-way, as a push cut off leaves it.
        await client.initiateNewMultipartUpload(stack.bucket, "docker/registry/v2/repositories/abandoned/_uploads/x/data", {});
    });

    after(async () => {
        await stack?.stop();
    });

    it("leaves every object in place when protectData is true (emptyOnDelete false)", async () => {
        const before = await objectCount();
        assert.ok(before > 10, `${before} objects after two pushes`);
        await bucketEmptierProvider.delete!("emptier", emptierProps(false));
        assert.strictEqual(await objectCount(), before);
    });

    it("empties the bucket of images and abandoned uploads, so that removing it succeeds at the first attempt", async () => {
        const before = await objectCount();
        await bucketEmptierProvider.delete!("emptier", emptierProps(true));
        assert.strictEqual(await objectCount(), 0, `of ${before} objects`);
        const uploads: string[] = [];
        for await (const upload of client.listIncompleteUploads(stack.bucket, "", true)) uploads.push(upload.key);
        assert.deepStrictEqual(uploads, []);
        // What the MinIO provider does first, and with an empty bucket only: remove it, no force.
        await stack.registry.stop();
        await client.removeBucket(stack.bucket);
        assert.strictEqual(await client.bucketExists(stack.bucket), false);
        console.log(`      emptied ${before} objects and 1 abandoned upload; the bucket was then removed without force`);
    });

    it("counts a missing bucket as empty, so a teardown run again goes on", async () => {
        await bucketEmptierProvider.delete!("emptier", emptierProps(true));
    });

    for (const version of distributionVersions) {
        it(`Distribution ${version}: answers its health check with 503 when its first probe looks, the bucket gone`, async function () {
            const interval = `${storageHealthCheck.intervalSeconds}s`;
            const lost = new LocalRegistryStack(requireTools(this, "integration tools", findTools(), installHint), {
                version,
                healthInterval: interval,
            });
            await lost.start();
            try {
                lost.mc.alias("root", lost.minio.endpoint, lost.minio.root.user, lost.minio.root.password);
                await lost.registry.stop();
                await lost.mc.mustRun("rb", "--force", `root/${lost.bucket}`);
                // As a probe does: first look once the verdict is due after the process started.
                await lost.registry.start();
                await new Promise((resolve) => setTimeout(resolve, storageHealthCheck.firstVerdictSeconds * 1000));
                assert.strictEqual(await statusOf(lost.registry.healthUrl), 503);
                const health = await (await fetch(lost.registry.healthUrl)).text();
                assert.match(health, /NoSuchBucket/);
                console.log(
                    `      ${storageHealthCheck.firstVerdictSeconds} s after start (checks every ${interval}): 503 ${health.slice(0, 70)}…`,
                );
            } finally {
                await lost.stop();
            }
        });
    }

    it("answers 200 at the same moment when the bucket is there", async function () {
        const healthy = new LocalRegistryStack(requireTools(this, "integration tools", findTools(), installHint), {
            healthInterval: `${storageHealthCheck.intervalSeconds}s`,
        });
        await healthy.start();
        try {
            await new Promise((resolve) => setTimeout(resolve, storageHealthCheck.firstVerdictSeconds * 1000));
            assert.strictEqual(await statusOf(healthy.registry.healthUrl), 200);
        } finally {
            await healthy.stop();
        }
    });
});
