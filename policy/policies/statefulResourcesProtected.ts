import { ResourceValidationPolicy } from "@pulumi/policy";

const statefulTypes = [
    "docker:index/volume:Volume",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "minio:index/s3Bucket:S3Bucket",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
];

/** Resources holding image data carry Pulumi's protect flag. */
export const statefulResourcesProtected: ResourceValidationPolicy = {
    name: "stateful-resources-protected",
    description:
        "Resources that hold image data (Docker volume, StatefulSet and PersistentVolumeClaim, MinIO bucket, AWS " +
        "bucket) are protected, so no `pulumi up` or `destroy` deletes them. A stack that deliberately unprotects its " +
        "data (protectData=false, e.g. to tear down a dev stack) runs the pack with requireProtection=false.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { requireProtection: { type: "boolean", default: true } } },
    validateResource: (args, reportViolation) => {
        if (!statefulTypes.includes(args.type)) return;
        if (!args.getConfig<{ requireProtection: boolean }>().requireProtection) return;
        if (!args.opts.protect)
            reportViolation(`${args.type.split(":").pop()} ${args.name} holds image data but is not protected; set protectData: true.`);
    },
};
