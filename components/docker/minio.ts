import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { bashHttpCheck } from "../healthcheck";

export const minioContainerName = "orbit-minio";
export const minioApiPort = 9000;
export const minioConsolePort = 9001;

export interface DockerMinioArgs {
    image: string;
    bindAddress: string;
    apiPort: number;
    consolePort: number;
    rootUser: pulumi.Input<string>;
    rootPassword: pulumi.Input<string>;
    network: pulumi.Input<string>;
    protectData: boolean;
}

/** MinIO in a container, its data on a named volume that outlives the container. */
export class DockerMinio extends pulumi.ComponentResource {
    readonly container: docker.Container;
    readonly volume: docker.Volume;
    /** The S3 endpoint as containers on the shared network reach it. */
    readonly internalEndpoint = `http://${minioContainerName}:${minioApiPort}`;

    constructor(name: string, args: DockerMinioArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:DockerMinio", name, {}, opts);
        this.volume = new docker.Volume(
            `${name}-data`,
            { name: `${minioContainerName}-data` },
            { parent: this, protect: args.protectData, retainOnDelete: args.protectData },
        );
        const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });

        this.container = new docker.Container(
            `${name}-container`,
            {
                name: minioContainerName,
                image: image.imageId,
                command: ["server", "/data", "--console-address", `:${minioConsolePort}`],
                envs: [
                    pulumi.interpolate`MINIO_ROOT_USER=${args.rootUser}`,
                    pulumi.interpolate`MINIO_ROOT_PASSWORD=${args.rootPassword}`,
                ],
                volumes: [{ volumeName: this.volume.name, containerPath: "/data" }],
                ports: [
                    { internal: minioApiPort, external: args.apiPort, ip: args.bindAddress, protocol: "tcp" },
                    { internal: minioConsolePort, external: args.consolePort, ip: args.bindAddress, protocol: "tcp" },
                ],
                networksAdvanced: [{ name: args.network, aliases: [minioContainerName] }],
                healthcheck: {
                    tests: bashHttpCheck(minioApiPort, "/minio/health/live"),
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
        this.registerOutputs({});
    }
}
