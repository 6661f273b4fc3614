import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

const bucketTypes = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];

/** Whether `resource` configures `bucket`: by its bucket name, or by depending on the bucket for that property. */
const configures = (resource: PolicyResource, bucket: PolicyResource) =>
    (resource.props.bucket !== undefined && resource.props.bucket === bucket.props.bucket) ||
    (resource.propertyDependencies?.bucket ?? []).some((dependency) => dependency.urn === bucket.urn);

/** Every AWS bucket blocks public access completely and encrypts by default. */
export const awsBucketsPrivateAndEncrypted: StackValidationPolicy = {
    name: "aws-buckets-private-and-encrypted",
    description: "Every AWS S3 bucket has a public access block with all four settings on, and default server-side encryption.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        for (const bucket of args.resources.filter((r) => bucketTypes.includes(r.type))) {
            const of = (type: string) => args.resources.filter((r) => r.type === type && configures(r, bucket));
            const blocks = of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
            const fullyBlocked = blocks.some((b) =>
                ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every(
                    (flag) => b.props[flag] === true,
                ),
            );
            if (!fullyBlocked)
                reportViolation(`Bucket ${bucket.props.bucket ?? bucket.name} does not block all public access.`, bucket.urn);
            const encryption = of("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
            const encrypted = encryption.some((e) =>
                (e.props.rules ?? []).some(
                    (rule: { applyServerSideEncryptionByDefault?: { sseAlgorithm?: string } }) =>
                        rule.applyServerSideEncryptionByDefault?.sseAlgorithm,
                ),
            );
            if (!encrypted)
                reportViolation(`Bucket ${bucket.props.bucket ?? bucket.name} has no default server-side encryption.`, bucket.urn);
        }
    },
};
