import * as assert from "assert";
import { registryBucketPolicy } from "../../common/bucketPolicy";

describe("registryBucketPolicy", () => {
    const policy = registryBucketPolicy("orbit-registry");
    const statementOn = (resource: string) => policy.Statement.find((s) => s.Resource.includes(resource));

    it("allows listing the bucket and its multipart uploads, on the bucket only", () => {
        const bucket = statementOn("arn:aws:s3:::orbit-registry");
        assert.deepStrictEqual(bucket?.Resource, ["arn:aws:s3:::orbit-registry"]);
        assert.deepStrictEqual([...bucket!.Action].sort(), ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]);
    });

    it("allows object reads, writes, deletes and multipart handling, on its objects only", () => {
        const objects = statementOn("arn:aws:s3:::orbit-registry/*");
        assert.deepStrictEqual(objects?.Resource, ["arn:aws:s3:::orbit-registry/*"]);
        assert.deepStrictEqual([...objects!.Action].sort(), [
            "s3:AbortMultipartUpload",
            "s3:DeleteObject",
            "s3:GetObject",
            "s3:ListMultipartUploadParts",
            "s3:PutObject",
        ]);
    });

    it("grants nothing else: two Allow statements, no wildcard action or resource", () => {
        assert.strictEqual(policy.Statement.length, 2);
        for (const statement of policy.Statement) {
            assert.strictEqual(statement.Effect, "Allow");
            for (const value of [...statement.Action, ...statement.Resource]) {
                assert.ok(!value.endsWith(":*") && value !== "*" && !value.includes(":::*"), value);
            }
        }
    });

    it("serializes to the IAM JSON MinIO and AWS accept", () => {
        const parsed = JSON.parse(JSON.stringify(policy));
        assert.strictEqual(parsed.Version, "2012-10-17");
    });
});
