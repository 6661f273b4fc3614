import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { bucketEmptierProvider } from "../../components/docker/bucketEmptierProvider";
import { dependsOnNames, isSecret, runProgram } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

const operations = fs.readFileSync(path.resolve(__dirname, "../../docs/operations.md"), "utf8");
const buckets = ["minio:index/s3Bucket:S3Bucket", "aws:s3/bucket:Bucket"];

/**
 * The documented teardown (`protectData false`, `pulumi up`, `pulumi destroy`) must delete a stack
 * whose bucket holds images in one destroy. A non-empty bucket without forceDestroy stops
 * `pulumi destroy` halfway, after the registry and its identity are already gone.
 */
describe("tearing a stack down as docs/operations.md says", () => {
    it("is what docs/operations.md tells users to do", () => {
        for (const step of ["pulumi config set protectData false", "pulumi up", "pulumi destroy"])
            assert.ok(operations.includes(step), `docs/operations.md lacks ${step}`);
    });

    const variants = {
        dev: stackConfig("dev"),
        "docker + s3": stackConfig("dev", { storage: "s3", awsRegion: "eu-west-1" }),
        "kubernetes + s3": stackConfig("prod", { storage: "s3", awsRegion: "eu-west-1" }),
        prod: stackConfig("prod"),
    };
    for (const [variant, raw] of Object.entries(variants)) {
        it(`${variant}: with protectData false nothing is protected or retained, and buckets are emptied on delete`, async () => {
            const run = await runProgram({ ...raw, protectData: "false" });
            for (const resource of run.resources) {
                assert.ok(!resource.opts.protect, `${resource.name} is protected`);
                assert.ok(!resource.opts.retainOnDelete, `${resource.name} is retained`);
            }
            for (const bucket of run.resources.filter((r) => buckets.includes(r.type)))
                assert.strictEqual(bucket.inputs.forceDestroy, true, bucket.name);
        });

        it(`${variant}: with protectData true buckets are protected and never emptied`, async () => {
            const run = await runProgram({ ...raw, protectData: "true" });
            for (const bucket of run.resources.filter((r) => buckets.includes(r.type))) {
                assert.strictEqual(bucket.opts.protect, true, bucket.name);
                assert.strictEqual(bucket.inputs.forceDestroy, false, bucket.name);
            }
        });
    }

    describe("dev: the program empties the MinIO bucket itself before the provider removes it", () => {
        const emptierType = "pulumi-nodejs:dynamic/orbit-registry:BucketEmptier";

        for (const protectData of ["true", "false"]) {
            it(`protectData ${protectData}: the registry goes first, then the emptier, then the bucket`, async () => {
                const run = await runProgram(stackConfig("dev", { protectData }));
                const emptier = run.one(emptierType);
                assert.strictEqual(emptier.inputs.emptyOnDelete, protectData === "false");
                assert.strictEqual(emptier.inputs.endpoint, "http://127.0.0.1:9000");
                assert.strictEqual(emptier.inputs.bucket, "orbit-registry");
                assert.ok(isSecret(emptier.inputs.accessKey) && isSecret(emptier.inputs.secretKey));
                // pulumi destroy deletes what depends on a resource before the resource itself.
                assert.ok(dependsOnNames(emptier).includes(run.one("minio:index/s3Bucket:S3Bucket").name));
                assert.ok(dependsOnNames(run.one("docker:index/container:Container", "registry-container")).includes(emptier.name));
            });
        }

        it("empties nothing on delete with protectData (it never even reaches MinIO)", async () => {
            const unreachable = { endpoint: "http://127.0.0.1:1", accessKey: "fake", secretKey: "fake", bucket: "orbit-registry" };
            await bucketEmptierProvider.delete!("emptier", { ...unreachable, emptyOnDelete: false });
            await assert.rejects(bucketEmptierProvider.delete!("emptier", { ...unreachable, emptyOnDelete: true }), /ECONNREFUSED/);
        });
    });
});
