import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OrbitRegistryConfig } from "../config";
import { Credentials } from "../credentials";
import { dialAddress, hostAddress } from "../hostAddress";
import { htpasswdLine } from "../htpasswd";
import { MinioBucket } from "../minioBucket";
import { minioRegion, renderRegistryConfig, registrySecretEnv } from "../registryConfig";
import { DeployedRegistry } from "../deployedRegistry";
import { DockerMinio } from "./minio";
import { DockerRegistry, registryConfigDir, registryDebugPort, registryHttpPort } from "./registry";

export const internalNetworkName = "orbit-registry-internal";

export interface DockerTargetArgs {
    config: OrbitRegistryConfig;
    credentials: Credentials;
}

/** The dev topology: MinIO, its bucket and the registry as containers on one Docker host. */
export class DockerTarget extends pulumi.ComponentResource implements DeployedRegistry {
    readonly registryUrl: pulumi.Output<string>;
    readonly registryInternalUrl: pulumi.Output<string>;
    readonly minioEndpoint: pulumi.Output<string>;
    readonly bucketName: pulumi.Output<string>;

    constructor(name: string, args: DockerTargetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:DockerTarget", name, {}, opts);
        const { config, credentials } = args;
        const provider = new docker.Provider(`${name}-docker`, { host: config.dockerHost }, { parent: this });
        const childOpts = { parent: this, providers: { docker: provider } };

        const network = new docker.Network(
            `${name}-network`,
            { name: internalNetworkName, driver: "bridge", internal: false },
            { parent: this, provider },
        );

        const minio = new DockerMinio(
            `${name}-minio`,
            {
                image: config.minioImage,
                bindAddress: config.bindAddress,
                apiPort: config.minioApiPort,
                consolePort: config.minioConsolePort,
                rootUser: credentials.minioRootUser,
                rootPassword: credentials.minioRootPassword,
                network: network.name,
                protectData: config.protectData,
            },
            childOpts,
        );

        const bucket = new MinioBucket(
            `${name}-bucket`,
            {
                server: dialAddress(config.bindAddress, config.minioApiPort),
                rootUser: credentials.minioRootUser,
                rootPassword: credentials.minioRootPassword,
                bucketName: config.bucketName,
                registryAccessKey: credentials.registryS3AccessKey,
                registrySecretKey: credentials.registryS3SecretKey,
                protectData: config.protectData,
                after: [minio.container],
            },
            { parent: this },
        );

        const registry = new DockerRegistry(
            `${name}-registry`,
            {
                image: config.registryImage,
                bindAddress: config.bindAddress,
                hostPort: config.registryPort,
                configYaml: renderRegistryConfig({
                    storage: { bucket: config.bucketName, region: minioRegion, regionEndpoint: minio.internalEndpoint },
                    htpasswdPath: `${registryConfigDir}/htpasswd`,
                    httpAddr: `:${registryHttpPort}`,
                    debugAddr: `127.0.0.1:${registryDebugPort}`,
                }),
                htpasswd: credentials.registryPasswordBcrypt.apply((hash) => htpasswdLine(credentials.registryUser, hash)),
                secretEnv: registrySecretEnv({
                    s3AccessKey: credentials.registryS3AccessKey,
                    s3SecretKey: credentials.registryS3SecretKey,
                    httpSecret: credentials.httpSecret,
                }),
                networks: config.dockerNetwork ? [network.name, config.dockerNetwork] : [network.name],
                after: bucket.ready,
            },
            childOpts,
        );

        this.registryUrl = pulumi.output(hostAddress(config.bindAddress, config.registryPort));
        this.registryInternalUrl = pulumi.output(registry.internalUrl);
        this.minioEndpoint = pulumi.output(`http://${hostAddress(config.bindAddress, config.minioApiPort)}`);
        this.bucketName = bucket.bucketName;
        this.registerOutputs({});
    }
}
