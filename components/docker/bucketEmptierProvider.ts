import type * as pulumi from "@pulumi/pulumi";
// Pulumi serializes a dynamic provider's code into the state and runs it in its own process. A
// module object required as is serializes as `require("minio")`, which that process resolves from
// the project; `import * as` would hand the serializer a copy, serialized by value.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import Minio = require("minio");

/** Where the bucket is and whether the stack's teardown may take its data with it. */
export interface BucketEmptierInputs {
    /** MinIO's S3 API as Pulumi reaches it, http://host:port. */
    endpoint: string;
    /** MinIO's root user and password (secrets). */
    accessKey: string;
    secretKey: string;
    bucket: string;
    /** protectData false: the stack's teardown empties the bucket. */
    emptyOnDelete: boolean;
}

/** Removes every object and abandoned upload of `bucket`; returns how many objects went. A missing bucket is empty. */
async function emptyBucket(inputs: Omit<BucketEmptierInputs, "emptyOnDelete">): Promise<number> {
    const url = new URL(inputs.endpoint);
    const client = new Minio.Client({
        endPoint: url.hostname,
        port: Number(url.port) || (url.protocol === "https:" ? 443 : 80),
        useSSL: url.protocol === "https:",
        accessKey: inputs.accessKey,
        secretKey: inputs.secretKey,
        region: "us-east-1",
    });
    if (!(await client.bucketExists(inputs.bucket))) return 0;
    const names: string[] = [];
    for await (const item of client.listObjectsV2(inputs.bucket, "", true)) if (item.name) names.push(item.name);
    // One DeleteObjects request takes at most 1000 keys.
    for (let start = 0; start < names.length; start += 1000) {
        const results = await client.removeObjects(inputs.bucket, names.slice(start, start + 1000));
        const error = results.find((result) => result?.Error)?.Error;
        if (error) throw new Error(`could not empty bucket ${inputs.bucket}: ${error.Key}: ${error.Code} ${error.Message}`);
    }
    for await (const upload of client.listIncompleteUploads(inputs.bucket, "", true)) {
        await client.removeIncompleteUpload(inputs.bucket, upload.key);
    }
    return names.length;
}

/**
 * The bucket's teardown, done by the program rather than the MinIO provider: terraform-provider-minio
 * 1.20.1 (in @pulumi/minio 0.17.1) removes a bucket's objects asynchronously and crashes the provider
 * when the bucket is gone before its listing ends, which leaves the deleted bucket in the state. An
 * empty bucket it removes at its first attempt. Deleting this resource (on `pulumi destroy`, which
 * deletes it before the bucket it depends on) empties the bucket, but only with emptyOnDelete.
 */
export const bucketEmptierProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs) {
        return { id: `${inputs.bucket}-emptier`, outs: inputs };
    },
    async update(_id, _olds, news) {
        return { outs: news };
    },
    async delete(_id, props) {
        if (props.emptyOnDelete === true) await emptyBucket(props as BucketEmptierInputs);
    },
};
