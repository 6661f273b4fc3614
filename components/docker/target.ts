import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OrbitRegistryConfig } from "../config";
import { MinioCredentials } from "../credentials";
import { DeployedRegistry, TargetArgs } from "../deployedRegistry";
import { dialAddress, hostAddress } from "../hostAddress";
import { MinioBucket } from "../minioBucket";
import { minioRegion } from "../registryConfig";
import { registryFiles } from "../registryFiles";
import { RegistryStorage } from "../storage";
import { DockerMinio } from "./minio";
import { DockerRegistry, registryConfigDir, registryDebugPort, registryHttpPort } from "./registry";

const internalNetworkName = "orbit-registry-internal";

/** The dev topology: the registry (and MinIO with its bucket, unless storage is S3) as containers on one Docker host. */
export class DockerTarget extends pulumi.ComponentResource implements DeployedRegistry {
    readonly registryUrl: pulumi.Output<string>;
    readonly registryInternalUrl: pulumi.Output<string>;
    readonly appRegistryUrl: pulumi.Output<string>;
    readonly minioEndpoint: pulumi.Output<string>;
    readonly bucketName: pulumi.Output<string>;

    constructor(name: string, args: TargetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:DockerTarget", name, {}, opts);
        const { config, credentials } = args;
        const provider = new docker.Provider(`${name}-docker`, { host: config.dockerHost }, { parent: this });
        const childOpts = { parent: this, providers: { docker: provider } };

        const network = new docker.Network(`${name}-network`, { name: internalNetworkName, driver: "bridge" }, { parent: this, provider });

        const storage =
            args.storage.kind === "s3" ? args.storage.storage : this.deployMinio(name, config, args.storage.credentials, network, childOpts);
        const files = registryFiles(credentials, storage, {
            htpasswdPath: `${registryConfigDir}/htpasswd`,
            httpAddr: `:${registryHttpPort}`,
            logLevel: config.registryLogLevel,
            debugAddr: `127.0.0.1:${registryDebugPort}`,
        });
        const registry = new DockerRegistry(
            `${name}-registry`,
            {
                image: config.registryImage,
                bindAddress: config.bindAddress,
                hostPort: config.registryPort,
                configYaml: files.configYaml,
                htpasswd: files.htpasswd,
                secretEnv: files.secretEnv,
                networks: config.dockerNetwork ? [network.name, config.dockerNetwork] : [network.name],
                after: storage.ready,
            },
            childOpts,
        );

        this.registryUrl = pulumi.output(hostAddress(config.bindAddress, config.registryPort));
        this.registryInternalUrl = pulumi.output(registry.internalUrl);
        // Orbit's services share the compose network with the registry.
        this.appRegistryUrl = this.registryInternalUrl;
        this.minioEndpoint = storage.endpoint;
        this.bucketName = storage.bucketName;
        this.registerOutputs({});
    }

    private deployMinio(
        name: string,
        config: OrbitRegistryConfig,
        credentials: MinioCredentials,
        network: docker.Network,
        childOpts: pulumi.ComponentResourceOptions,
    ): RegistryStorage {
        const minio = new DockerMinio(
            `${name}-minio`,
            {
                image: config.minioImage,
                bindAddress: config.bindAddress,
                apiPort: config.minioApiPort,
                consolePort: config.minioConsolePort,
                rootUser: credentials.rootUser,
                rootPassword: credentials.rootPassword,
                network: network.name,
                protectData: config.protectData,
            },
            childOpts,
        );
        const bucket = new MinioBucket(
            `${name}-bucket`,
            {
                server: dialAddress(config.bindAddress, config.minioApiPort),
                rootUser: credentials.rootUser,
                rootPassword: credentials.rootPassword,
                bucketName: config.bucketName,
                registryAccessKey: credentials.registryAccessKey,
                registrySecretKey: credentials.registrySecretKey,
                protectData: config.protectData,
                after: [minio.container],
            },
            { parent: this },
        );
        return {
            s3: { bucket: config.bucketName, region: minioRegion, regionEndpoint: minio.internalEndpoint },
            accessKey: credentials.registryAccessKey,
            secretKey: credentials.registrySecretKey,
            endpoint: pulumi.output(`http://${hostAddress(config.bindAddress, config.minioApiPort)}`),
            bucketName: bucket.bucketName,
            ready: bucket.ready,
        };
    }
}
