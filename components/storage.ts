import * as pulumi from "@pulumi/pulumi";
import type { MinioCredentials } from "./credentials";
import { S3Storage } from "./registryConfig";

/**
 * Where the registry keeps its data, whoever provides it: MinIO on the target (DockerMinio,
 * KubernetesMinio) or AWS S3 (AwsS3Storage).
 */
export interface RegistryStorage {
    /** What config.yml says about the store. */
    s3: S3Storage;
    /** The registry's own S3 identity. */
    accessKey: pulumi.Output<string>;
    secretKey: pulumi.Output<string>;
    /** The S3 endpoint, for the minioEndpoint output. */
    endpoint: pulumi.Output<string>;
    bucketName: pulumi.Output<string>;
    /** Must exist before the registry starts: bucket, identity, permissions. */
    ready: pulumi.Resource[];
}

/** What the composition decided about storage: an external store, or MinIO for the target to deploy. */
export type StoragePlan =
    | { kind: "s3"; storage: RegistryStorage }
    | { kind: "minio"; credentials: MinioCredentials; minioImage: string; /** minioPublicEndpoint */ publicEndpoint?: string };
