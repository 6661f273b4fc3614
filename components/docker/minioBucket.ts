import * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import { backupPolicyName, backupReadPolicy, registryBucketPolicy, registryPolicyName } from "../bucketPolicy";
import { generationSuffix } from "../credentialGenerations";
import { BucketEmptier } from "./bucketEmptier";
import type { MinioCredentials, StorageIdentity } from "../credentials";

export interface MinioBucketArgs {
    /** host:port of MinIO's S3 API as Pulumi itself reaches it. */
    server: pulumi.Input<string>;
    rootUser: pulumi.Input<string>;
    rootPassword: pulumi.Input<string>;
    bucketName: string;
    /** The registry's identities, one per live credential generation: MinIO uses the access key as the user name. */
    registryIdentities: StorageIdentity[];
    /** With backups on: the user the backups copy with, which may only read the bucket. */
    backupIdentity?: MinioCredentials["backupIdentity"];
    protectData: boolean;
    /** Resources that must exist first, e.g. the healthy MinIO container. */
    after: pulumi.Input<pulumi.Resource>[];
}

/** The registry's bucket, its MinIO user and a policy limited to that bucket, managed through the MinIO API. */
export class MinioBucket extends pulumi.ComponentResource {
    readonly bucketName: pulumi.Output<string>;
    /** Exists once the registry's user may use the bucket; the registry waits for it. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: MinioBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:MinioBucket", name, {}, opts);
        const provider = new minio.Provider(
            `${name}-minio`,
            {
                minioServer: args.server,
                minioUser: args.rootUser,
                minioPassword: args.rootPassword,
                minioSsl: false,
            },
            { parent: this, dependsOn: args.after },
        );
        const childOpts = { parent: this, provider, dependsOn: args.after };

        const bucket = new minio.S3Bucket(
            `${name}-bucket`,
            // Unprotected data goes with the stack: `pulumi destroy` empties the bucket instead of failing on it.
            { bucket: args.bucketName, acl: "private", forceDestroy: !args.protectData },
            { ...childOpts, protect: args.protectData, retainOnDelete: args.protectData },
        );
        const policy = new minio.IamPolicy(
            `${name}-registry-policy`,
            { name: registryPolicyName(args.bucketName), policy: bucket.bucket.apply((b) => JSON.stringify(registryBucketPolicy(b))) },
            childOpts,
        );
        // A retired generation's user and attachment leave the program, so `pulumi up` deletes them.
        const users = args.registryIdentities.flatMap((identity) => {
            const suffix = generationSuffix(identity.generation);
            const user = new minio.IamUser(
                `${name}-registry-user${suffix}`,
                { name: identity.accessKey, secret: identity.secretKey, forceDestroy: false },
                childOpts,
            );
            const attachment = new minio.IamUserPolicyAttachment(
                `${name}-registry-policy-attachment${suffix}`,
                { userName: user.name, policyName: policy.name },
                childOpts,
            );
            return [user, attachment];
        });

        const backupUser = args.backupIdentity ? this.backupUser(name, args.bucketName, args.backupIdentity, childOpts) : [];

        // Deleted before the bucket it depends on, and after the registry that waits for it (ready).
        const emptier = new BucketEmptier(
            `${name}-emptier`,
            {
                endpoint: pulumi.interpolate`http://${args.server}`,
                accessKey: args.rootUser,
                secretKey: args.rootPassword,
                bucket: bucket.bucket,
                emptyOnDelete: !args.protectData,
            },
            { parent: this, dependsOn: [bucket] },
        );

        this.bucketName = bucket.bucket;
        this.ready = [bucket, policy, ...users, ...backupUser, emptier];
        this.registerOutputs({ bucketName: this.bucketName });
    }

    /** The backups' user: list and read the bucket, nothing else. */
    private backupUser(
        name: string,
        bucketName: string,
        identity: NonNullable<MinioCredentials["backupIdentity"]>,
        childOpts: pulumi.CustomResourceOptions,
    ): pulumi.Resource[] {
        const policy = new minio.IamPolicy(
            `${name}-backup-policy`,
            { name: backupPolicyName(bucketName), policy: JSON.stringify(backupReadPolicy(bucketName)) },
            childOpts,
        );
        const user = new minio.IamUser(`${name}-backup-user`, { name: identity.accessKey, secret: identity.secretKey }, childOpts);
        const attachment = new minio.IamUserPolicyAttachment(
            `${name}-backup-policy-attachment`,
            { userName: user.name, policyName: policy.name },
            childOpts,
        );
        return [policy, user, attachment];
    }
}
