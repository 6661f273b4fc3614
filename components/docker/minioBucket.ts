import * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import { bucketReadPolicy, PolicyDocument, readPolicyName, registryBucketPolicy, registryPolicyName } from "../../common/bucketPolicy";
import { generationSuffix } from "../credentialGenerations";
import { BucketEmptier } from "./bucketEmptier";
import type { S3Keys, StorageIdentity } from "../credentials";

export interface MinioBucketArgs {
    /** host:port of MinIO's S3 API as Pulumi itself reaches it. */
    server: pulumi.Input<string>;
    rootUser: pulumi.Input<string>;
    rootPassword: pulumi.Input<string>;
    bucketName: string;
    /** The registry's identities, one per live credential generation: MinIO uses the access key as the user name. */
    registryIdentities: StorageIdentity[];
    /** With backups or the pull endpoint: the user that may only list and read the bucket. */
    readerIdentity?: S3Keys;
    /** With the Docker Hub mirror: its bucket and the only user that may use it. */
    mirror?: { bucketName: string; identity: S3Keys };
    protectData: boolean;
    /**
     * adoptData: the buckets exist already, in a volume an earlier deployment left; the engine imports
     * them (a no-op for a bucket the state has, whose id is its name).
     */
    adopt?: boolean;
    /** Resources that must exist first, e.g. the healthy MinIO container. */
    after: pulumi.Input<pulumi.Resource>[];
}

/** The registry's bucket, its MinIO user and a policy limited to that bucket, managed through the MinIO API. */
export class MinioBucket extends pulumi.ComponentResource {
    readonly bucketName: pulumi.Output<string>;
    /** Exists once the registry's user may use the bucket; the registry waits for it. */
    readonly ready: pulumi.Resource[];
    /** Exists once the mirror's user may use its bucket; the mirror waits for it. */
    readonly mirrorReady: pulumi.Resource[] = [];

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
            {
                ...childOpts,
                protect: args.protectData,
                retainOnDelete: args.protectData,
                ...(args.adopt ? { import: args.bucketName } : {}),
            },
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

        const readerUser = args.readerIdentity ? this.readerUser(name, args.bucketName, args.readerIdentity, childOpts) : [];

        // Deleted before the bucket it depends on, and after the registry that waits for it (ready).
        const emptier = this.emptier(`${name}-emptier`, args, bucket);

        if (args.mirror) this.mirrorReady = this.mirrorBucket(name, args, args.mirror, childOpts);

        this.bucketName = bucket.bucket;
        this.ready = [bucket, policy, ...users, ...readerUser, emptier];
        this.registerOutputs({ bucketName: this.bucketName });
    }

    /** The reader's user (backups, the pull endpoint): list and read the bucket, nothing else. */
    private readerUser(name: string, bucketName: string, identity: S3Keys, childOpts: pulumi.CustomResourceOptions): pulumi.Resource[] {
        return userWithPolicy(
            `${name}-read`,
            `${name}-reader-user`,
            readPolicyName(bucketName),
            bucketReadPolicy(bucketName),
            identity,
            childOpts,
        );
    }

    /** The mirror's cache: a bucket of its own, and the one user that may use it. */
    private mirrorBucket(
        name: string,
        args: MinioBucketArgs,
        mirror: NonNullable<MinioBucketArgs["mirror"]>,
        childOpts: pulumi.CustomResourceOptions,
    ): pulumi.Resource[] {
        const bucket = new minio.S3Bucket(
            `${name}-mirror-bucket`,
            // Protected like the registry's: a lost cache costs a week of slow builds, and its data goes with protectData.
            { bucket: mirror.bucketName, acl: "private", forceDestroy: !args.protectData },
            {
                ...childOpts,
                protect: args.protectData,
                retainOnDelete: args.protectData,
                ...(args.adopt ? { import: mirror.bucketName } : {}),
            },
        );
        const user = userWithPolicy(
            `${name}-mirror`,
            `${name}-mirror-user`,
            registryPolicyName(mirror.bucketName),
            registryBucketPolicy(mirror.bucketName),
            mirror.identity,
            childOpts,
        );
        return [bucket, ...user, this.emptier(`${name}-mirror-emptier`, args, bucket)];
    }

    /** Empties `bucket` on `pulumi destroy` where the data is not protected, through the root identity. */
    private emptier(name: string, args: MinioBucketArgs, bucket: minio.S3Bucket): BucketEmptier {
        return new BucketEmptier(
            name,
            {
                endpoint: pulumi.interpolate`http://${args.server}`,
                accessKey: args.rootUser,
                secretKey: args.rootPassword,
                bucket: bucket.bucket,
                emptyOnDelete: !args.protectData,
            },
            { parent: this, dependsOn: [bucket] },
        );
    }
}

/** A MinIO user with a policy of its own: `<prefix>-policy`, the user, `<prefix>-policy-attachment`. */
function userWithPolicy(
    prefix: string,
    userResourceName: string,
    policyName: string,
    document: PolicyDocument,
    identity: S3Keys,
    childOpts: pulumi.CustomResourceOptions,
): pulumi.Resource[] {
    const policy = new minio.IamPolicy(`${prefix}-policy`, { name: policyName, policy: JSON.stringify(document) }, childOpts);
    const user = new minio.IamUser(userResourceName, { name: identity.accessKey, secret: identity.secretKey }, childOpts);
    const attachment = new minio.IamUserPolicyAttachment(
        `${prefix}-policy-attachment`,
        { userName: user.name, policyName: policy.name },
        childOpts,
    );
    return [policy, user, attachment];
}
