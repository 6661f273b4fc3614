import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { MinioCredentials } from "../credentials";
import type { DockerNames } from "../../common/names";
import { RegistryStorage } from "../storage";
import { minioContainer, minioServerArgs } from "../../common/upstream";
import { bashHttpCheck } from "./healthcheck";
import { dialAddress, hostAddress } from "./hostAddress";
import { MinioBucket } from "./minioBucket";

export interface DockerMinioArgs {
    image: string;
    bindAddress: string;
    /** Host ports MinIO's API and console are published on. */
    apiHostPort: number;
    consoleHostPort: number;
    credentials: MinioCredentials;
    bucketName: string;
    network: pulumi.Input<string>;
    /** The stack's container, volume and network names (dockerNameSuffix). */
    names: DockerNames;
    /** adoptData: the bucket an earlier deployment left in the volume is imported, not created. */
    adoptData: boolean;
    protectData: boolean;
    /** /minio/v2/metrics/cluster without a bearer token (dockerMetrics). */
    publicMetrics: boolean;
    /**
     * minioPublicEndpoint: the origin clients reach MinIO at, on apiHostPort. MinIO listens on that
     * port and answers to that name on its networks, so the registry signs redirects for it.
     */
    publicEndpoint?: string;
    /** Networks besides `network` where containers follow the registry's redirects (dockerNetwork). */
    clientNetworks: string[];
    /** With the Docker Hub mirror: the bucket it caches in. */
    mirrorBucketName?: string;
}

/**
 * MinIO in a container, its data on a named volume that outlives the container, and the
 * registry's bucket, user and policy in it: the registry's storage on the Docker target.
 */
export class DockerMinio extends pulumi.ComponentResource implements RegistryStorage {
    readonly container: docker.Container;
    readonly volume: docker.Volume;
    readonly s3: RegistryStorage["s3"];
    readonly accessKey: pulumi.Output<string>;
    readonly secretKey: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly bucketName: pulumi.Output<string>;
    readonly ready: pulumi.Resource[];
    /** With the Docker Hub mirror: its own storage, which only its identity may use. */
    readonly mirror?: Pick<RegistryStorage, "s3" | "accessKey" | "secretKey" | "ready">;

    constructor(name: string, args: DockerMinioArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:DockerMinio", name, {}, opts);
        const { credentials } = args;
        const publicUrl = args.publicEndpoint ? new URL(args.publicEndpoint) : undefined;
        // Presigned URLs are signed for host:port, so inside Docker MinIO listens on the port clients use.
        const apiPort = publicUrl ? args.apiHostPort : minioContainer.apiPort;
        const { names } = args;
        const aliases = publicUrl ? [names.minio, publicUrl.hostname] : [names.minio];
        this.volume = new docker.Volume(
            `${name}-data`,
            { name: names.minioData },
            { parent: this, protect: args.protectData, retainOnDelete: args.protectData },
        );
        const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });

        this.container = new docker.Container(
            `${name}-container`,
            {
                name: names.minio,
                image: image.imageId,
                command: minioServerArgs(minioContainer.dataDir, apiPort),
                envs: [
                    pulumi.interpolate`${minioContainer.rootUserEnv}=${credentials.rootUser}`,
                    pulumi.interpolate`${minioContainer.rootPasswordEnv}=${credentials.rootPassword}`,
                    ...(args.publicMetrics ? ["MINIO_PROMETHEUS_AUTH_TYPE=public"] : []),
                ],
                volumes: [{ volumeName: this.volume.name, containerPath: minioContainer.dataDir }],
                ports: [
                    { internal: apiPort, external: args.apiHostPort, ip: args.bindAddress, protocol: "tcp" },
                    { internal: minioContainer.consolePort, external: args.consoleHostPort, ip: args.bindAddress, protocol: "tcp" },
                ],
                networksAdvanced: [
                    { name: args.network, aliases },
                    ...(publicUrl ? args.clientNetworks.map((name) => ({ name, aliases: [publicUrl.hostname] })) : []),
                ],
                healthcheck: {
                    tests: bashHttpCheck(apiPort, minioContainer.livenessPath),
                    interval: "5s",
                    timeout: "5s",
                    retries: 5,
                    startPeriod: "10s",
                },
                restart: "unless-stopped",
                // Pulumi goes on (bucket, users) only once the healthcheck passes.
                wait: true,
                waitTimeout: 120,
            },
            // The fixed name and ports would collide if the new container started before the old one is gone.
            { parent: this, deleteBeforeReplace: true },
        );

        const bucket = new MinioBucket(
            `${name}-bucket`,
            {
                server: dialAddress(args.bindAddress, args.apiHostPort),
                rootUser: credentials.rootUser,
                rootPassword: credentials.rootPassword,
                bucketName: args.bucketName,
                registryIdentities: credentials.registryIdentities,
                readerIdentity: credentials.readerIdentity,
                mirror:
                    args.mirrorBucketName && credentials.mirrorIdentity
                        ? { bucketName: args.mirrorBucketName, identity: credentials.mirrorIdentity }
                        : undefined,
                protectData: args.protectData,
                adopt: args.adoptData,
                after: [this.container],
            },
            // Until 0.2 the bucket was a sibling of this component; the alias keeps existing stacks' (protected) bucket.
            { parent: this, aliases: [{ name: name.replace(/-minio$/, "-bucket"), parent: opts?.parent ?? pulumi.rootStackResource }] },
        );

        this.s3 = {
            bucket: args.bucketName,
            region: minioContainer.region,
            regionEndpoint: publicUrl ? publicUrl.origin : `http://${names.minio}:${minioContainer.apiPort}`,
            clientsReachEndpoint: publicUrl !== undefined,
        };
        const current = credentials.registryIdentities[credentials.registryIdentities.length - 1];
        this.accessKey = current.accessKey;
        this.secretKey = current.secretKey;
        this.endpoint = pulumi.output(`http://${hostAddress(args.bindAddress, args.apiHostPort)}`);
        this.bucketName = bucket.bucketName;
        this.ready = bucket.ready;
        if (args.mirrorBucketName && credentials.mirrorIdentity) {
            this.mirror = {
                s3: { ...this.s3, bucket: args.mirrorBucketName, clientsReachEndpoint: false },
                accessKey: credentials.mirrorIdentity.accessKey,
                secretKey: credentials.mirrorIdentity.secretKey,
                ready: bucket.mirrorReady,
            };
        }
        this.registerOutputs({ endpoint: this.endpoint, bucketName: this.bucketName });
    }
}
