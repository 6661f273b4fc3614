import * as assert from "assert";
import { registryBucketPolicy } from "../../common/bucketPolicy";
import { isSecret, plain, runProgram, StackRun } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

describe("AwsS3Storage (storage s3)", () => {
    let run: StackRun;
    before(async () => {
        run = await runProgram(stackConfig("prod", { storage: "s3", awsRegion: "eu-west-1", bucketName: "orbit-images-prod" }), "prod");
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const inputsOf = (type: string) => run.one(`aws:${type}`).inputs as Record<string, any>;

    it("uses an explicit aws provider in aws:region for every AWS resource", () => {
        const provider = run.one("pulumi:providers:aws");
        assert.strictEqual(provider.inputs.region, "eu-west-1");
        for (const resource of run.resources.filter((r) => r.type.startsWith("aws:"))) {
            assert.ok(resource.provider?.includes(`::${provider.name}::`), resource.name);
        }
    });

    it("creates the protected bucket bucketName", () => {
        assert.strictEqual(inputsOf("s3/bucket:Bucket").bucket, "orbit-images-prod");
        assert.strictEqual(inputsOf("s3/bucket:Bucket").forceDestroy, false);
        assert.strictEqual(run.one("aws:s3/bucket:Bucket").opts.protect, true);
    });

    it("blocks every kind of public access", () => {
        const block = inputsOf("s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
        for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
            assert.strictEqual(block[flag], true, flag);
    });

    it("encrypts objects at rest by default", () => {
        const [rule] = inputsOf("s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").rules;
        assert.strictEqual(rule.applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
    });

    it("aborts incomplete multipart uploads after 7 days", () => {
        const [rule] = inputsOf("s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules;
        assert.strictEqual(rule.status, "Enabled");
        assert.deepStrictEqual(rule.abortIncompleteMultipartUpload, { daysAfterInitiation: 7 });
    });

    it("denies every request that is not over TLS", () => {
        const policy = JSON.parse(inputsOf("s3/bucketPolicy:BucketPolicy").policy);
        const [deny] = policy.Statement;
        assert.strictEqual(deny.Effect, "Deny");
        assert.deepStrictEqual(deny.Condition, { Bool: { "aws:SecureTransport": "false" } });
        assert.deepStrictEqual(deny.Resource, ["arn:aws:s3:::orbit-images-prod", "arn:aws:s3:::orbit-images-prod/*"]);
    });

    it("gives an IAM user exactly the registry's S3 actions on that bucket, and a secret access key", () => {
        assert.deepStrictEqual(JSON.parse(inputsOf("iam/userPolicy:UserPolicy").policy), registryBucketPolicy("orbit-images-prod"));
        const accessKey = run.one("aws:iam/accessKey:AccessKey");
        assert.strictEqual(accessKey.inputs.user, inputsOf("iam/user:User").name);
        const envSecret = run.all("kubernetes:core/v1:Secret").find((s) => s.name.endsWith("registry-env"))!;
        assert.ok(isSecret(envSecret.inputs.stringData));
        assert.strictEqual(
            plain<Record<string, string>>(envSecret.inputs.stringData).REGISTRY_STORAGE_S3_SECRETKEY,
            `fake-${accessKey.name}-secret`,
        );
    });

    it("gives the bucket name and the regional S3 endpoint as outputs", () => {
        assert.strictEqual(run.outputs.bucketName.value, "orbit-images-prod");
        assert.strictEqual(run.outputs.minioEndpoint.value, "https://s3.eu-west-1.amazonaws.com");
    });
});
