/** Actions Docker Distribution's S3 driver needs on its bucket (distribution's S3 storage driver docs). */
export const registryBucketActions = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"];

/** Actions it needs on the objects in that bucket. */
export const registryObjectActions = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:ListMultipartUploadParts",
    "s3:AbortMultipartUpload",
];

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Array<{ Effect: "Allow"; Action: string[]; Resource: string[] }>;
}

/** The least-privilege IAM policy for the registry's S3 identity: its one bucket and nothing else. */
export function registryBucketPolicy(bucketName: string): PolicyDocument {
    const bucketArn = `arn:aws:s3:::${bucketName}`;
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: registryBucketActions, Resource: [bucketArn] },
            { Effect: "Allow", Action: registryObjectActions, Resource: [`${bucketArn}/*`] },
        ],
    };
}

/** Name of that policy in MinIO. */
export const registryPolicyName = (bucketName: string) => `${bucketName}-registry`;

/** The reader identity's policy (backups, the pull endpoint): list and read the bucket, nothing else. */
export function bucketReadPolicy(bucketName: string): PolicyDocument {
    const bucketArn = `arn:aws:s3:::${bucketName}`;
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [bucketArn] },
            { Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${bucketArn}/*`] },
        ],
    };
}

/** Name of that policy in MinIO. */
export const readPolicyName = (bucketName: string) => `${bucketName}-read`;
