import * as aws from "@pulumi/aws";
import { CredentialGenerations, generationSuffix, liveGenerations } from "../credentialGenerations";
import * as pulumi from "@pulumi/pulumi";
import { registryBucketPolicy } from "../../common/bucketPolicy";
import { RegistryStorage } from "../storage";

export interface AwsS3StorageArgs {
    bucketName: string;
    region: string;
    protectData: boolean;
    /** One access key per live generation (IAM allows two per user: exactly a rotation's overlap). */
    generations: CredentialGenerations;
}

const abortIncompleteUploadsAfterDays = 7;

/** A TLS-only policy: S3 refuses every request that does not arrive over HTTPS. */
export function tlsOnlyBucketPolicy(bucketName: string) {
    const bucketArn = `arn:aws:s3:::${bucketName}`;
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    };
}

/** An AWS S3 bucket locked down for the registry, and an IAM user with exactly the registry's actions on it. */
export class AwsS3Storage extends pulumi.ComponentResource implements RegistryStorage {
    readonly s3: RegistryStorage["s3"];
    readonly accessKey: pulumi.Output<string>;
    readonly secretKey: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly bucketName: pulumi.Output<string>;
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: AwsS3StorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:AwsS3Storage", name, {}, opts);
        const provider = new aws.Provider(`${name}-aws`, { region: args.region as aws.Region }, { parent: this });
        const childOpts = { parent: this, provider };
        const { bucketName } = args;

        const bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            // Unprotected data goes with the stack: `pulumi destroy` empties the bucket instead of failing on it.
            { bucket: bucketName, forceDestroy: !args.protectData },
            { ...childOpts, protect: args.protectData, retainOnDelete: args.protectData },
        );
        // Settings name the bucket by its configured name (known at preview, so policies can match
        // them to the bucket) and wait for it explicitly.
        const bucketOpts = { ...childOpts, dependsOn: [bucket] };
        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access-block`,
            { bucket: bucketName, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            bucketOpts,
        );
        const ownership = new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket: bucketName, rule: { objectOwnership: "BucketOwnerEnforced" } },
            bucketOpts,
        );
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            { bucket: bucketName, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
            bucketOpts,
        );
        const lifecycle = new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket: bucketName,
                rules: [
                    {
                        id: "abort-incomplete-multipart-uploads",
                        status: "Enabled",
                        filter: {},
                        abortIncompleteMultipartUpload: { daysAfterInitiation: abortIncompleteUploadsAfterDays },
                    },
                ],
            },
            bucketOpts,
        );
        const tlsOnly = new aws.s3.BucketPolicy(
            `${name}-tls-only`,
            { bucket: bucketName, policy: JSON.stringify(tlsOnlyBucketPolicy(bucketName)) },
            { ...childOpts, dependsOn: [bucket, publicAccessBlock] },
        );

        const user = new aws.iam.User(`${name}-registry-user`, { name: `${args.bucketName}-registry`, forceDestroy: false }, childOpts);
        const userPolicy = new aws.iam.UserPolicy(
            `${name}-registry-policy`,
            { user: user.name, policy: JSON.stringify(registryBucketPolicy(bucketName)) },
            bucketOpts,
        );
        const accessKeys = liveGenerations(args.generations).map(
            (generation) =>
                new aws.iam.AccessKey(`${name}-registry-access-key${generationSuffix(generation)}`, { user: user.name }, childOpts),
        );
        const accessKey = accessKeys[accessKeys.length - 1];

        this.s3 = { bucket: args.bucketName, region: args.region };
        this.accessKey = pulumi.secret(accessKey.id);
        this.secretKey = pulumi.secret(accessKey.secret);
        this.endpoint = pulumi.output(`https://s3.${args.region}.amazonaws.com`);
        this.bucketName = bucket.bucket;
        this.ready = [bucket, publicAccessBlock, ownership, encryption, lifecycle, tlsOnly, userPolicy, ...accessKeys];
        this.registerOutputs({ bucketName: this.bucketName });
    }
}
