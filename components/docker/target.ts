import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BackupOutput, backupOutput } from "../backupOutput";
import { DockerConfig } from "../config";
import { deployedOutputs, DeployedRegistry, TargetArgs } from "../deployedRegistry";
import { dockerNames } from "../../common/names";
import { RegistryFiles, registryFiles, RegistrySettings } from "../registryFiles";
import { distributionConfigDir, distributionContainer } from "../../common/upstream";
import { hostAddress } from "./hostAddress";
import { DockerMinio } from "./minio";
import { DockerRegistry } from "./registry";
import { DockerTokenServer } from "./tokenServer";
import { QuotaConfig } from "../quotaConfig";
import type { ServiceAccount } from "../credentials";
import { registryTokenAuth, TokenSigningKey, tokenAccountsJson, tokenServerScript } from "../tokenAuth";

/** The dev topology: the registry (and MinIO with its bucket, unless storage is S3) as containers on one Docker host. */
export class DockerTarget extends pulumi.ComponentResource implements DeployedRegistry {
    readonly registryUrl: pulumi.Output<string>;
    readonly registryInternalUrl: pulumi.Output<string>;
    readonly minioEndpoint: pulumi.Output<string>;
    readonly bucketName: pulumi.Output<string>;
    readonly backup?: pulumi.Output<BackupOutput>;
    readonly usageUrl?: pulumi.Output<string>;

    constructor(name: string, args: TargetArgs<DockerConfig>, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:DockerTarget", name, {}, opts);
        const { common, target: dockerConfig, credentials } = args;
        const provider = new docker.Provider(`${name}-docker`, { host: dockerConfig.dockerHost }, { parent: this });
        const childOpts = { parent: this, providers: { docker: provider } };
        const named = dockerNames(dockerConfig.nameSuffix);

        const network = new docker.Network(
            `${name}-network`,
            { name: named.internalNetwork, driver: "bridge" },
            { parent: this, provider },
        );

        const storage =
            args.storage.kind === "s3"
                ? args.storage.storage
                : new DockerMinio(
                      `${name}-minio`,
                      {
                          image: args.storage.minioImage,
                          bindAddress: dockerConfig.bindAddress,
                          apiHostPort: dockerConfig.minioApiPort,
                          consoleHostPort: dockerConfig.minioConsolePort,
                          credentials: args.storage.credentials,
                          bucketName: common.bucketName,
                          network: network.name,
                          names: named,
                          adoptData: dockerConfig.adoptData,
                          protectData: common.protectData,
                          publicMetrics: dockerConfig.metrics,
                          publicEndpoint: args.storage.publicEndpoint,
                          clientNetworks: dockerConfig.dockerNetwork ? [dockerConfig.dockerNetwork] : [],
                          mirrorBucketName: common.mirror?.bucketName,
                      },
                      childOpts,
                  );
        // Beside config.yml, where the image's files are.
        const htpasswdPath = `${distributionConfigDir[common.distributionVersion]}/htpasswd`;
        const settings = {
            distributionVersion: common.distributionVersion,
            htpasswdPath,
            httpAddr: `:${distributionContainer.httpPort}`,
            // The debug listener also serves pprof: on the container's loopback unless metrics are asked for.
            debugAddr: `${dockerConfig.metrics ? "" : "127.0.0.1"}:${distributionContainer.debugPort}`,
            logLevel: common.registryLogLevel,
            foreignLayerUrls: common.foreignLayerUrls,
        };
        const instance = (suffix: string, containerName: string, hostPort: number, files: RegistryFiles, after: pulumi.Resource[]) =>
            new DockerRegistry(
                `${name}-${suffix}`,
                {
                    containerName,
                    image: common.registryImage,
                    bindAddress: dockerConfig.bindAddress,
                    hostPort,
                    files,
                    htpasswdPath,
                    networks,
                    after,
                },
                childOpts,
            );
        const networks = dockerConfig.dockerNetwork ? [network.name, dockerConfig.dockerNetwork] : [network.name];
        const token =
            common.quota &&
            this.tokenServer(`${name}-token`, {
                quota: common.quota,
                bindAddress: dockerConfig.bindAddress,
                certificatePath: `${distributionConfigDir[common.distributionVersion]}/signing.crt`,
                accounts: credentials.accounts,
                registryUrl: `http://${DockerRegistry.internalUrl(named.registry)}`,
                containerName: named.registryAuth,
                networks,
                opts: childOpts,
            });
        instance(
            "registry",
            named.registry,
            dockerConfig.registryPort,
            registryFiles(credentials, storage, { ...settings, eventsUrl: common.eventsUrl, token }),
            storage.ready,
        );
        if (common.pull && credentials.pullAccounts) {
            // Reads with the identity that may only read, where MinIO gives it one.
            const reader = args.storage.kind === "minio" ? args.storage.credentials.readerIdentity : undefined;
            const pullStorage = {
                s3: storage.s3,
                accessKey: reader?.accessKey ?? storage.accessKey,
                secretKey: reader?.secretKey ?? storage.secretKey,
            };
            const files = registryFiles({ accounts: credentials.pullAccounts, httpSecret: credentials.httpSecret }, pullStorage, {
                ...settings,
                role: "pull",
            });
            instance("pull", named.registryPull, common.pull.port, files, storage.ready);
        }
        const mirrorStorage = storage instanceof DockerMinio ? storage.mirror : undefined;
        if (common.mirror && mirrorStorage) {
            const { upstream, ttl, username, password } = common.mirror;
            const files = registryFiles({ accounts: [], httpSecret: credentials.httpSecret }, mirrorStorage, {
                ...settings,
                role: "mirror",
                proxy: { remoteUrl: upstream, ttl, username, password },
            });
            instance("mirror", named.registryMirror, common.mirror.port, files, mirrorStorage.ready);
        }

        this.registryUrl = pulumi.output(hostAddress(dockerConfig.bindAddress, dockerConfig.registryPort));
        this.registryInternalUrl = pulumi.output(DockerRegistry.internalUrl(named.registry));
        this.minioEndpoint = storage.endpoint;
        this.bucketName = storage.bucketName;
        const readerIdentity = args.storage.kind === "minio" ? args.storage.credentials.readerIdentity : undefined;
        // npm run backup copies from a throwaway container on the internal network, as the registry reaches MinIO.
        if (common.backup && readerIdentity && storage.s3.regionEndpoint) {
            this.backup = backupOutput(common.backup, storage.s3.regionEndpoint, readerIdentity);
        }
        if (common.quota) {
            this.usageUrl = pulumi.output(`${DockerTokenServer.internalUrl(named.registryAuth)}/usage`);
        }
        this.registerOutputs(deployedOutputs(this));
    }

    /** The token server that enforces workspace quotas, and what the registry's config and files need of it. */
    private tokenServer(name: string, args: DockerTokenArgs): RegistrySettings["token"] {
        const { quota } = args;
        const key = new TokenSigningKey(`${name}-key`, { parent: this });
        new DockerTokenServer(
            `${name}-server`,
            {
                containerName: args.containerName,
                nodeImage: quota.nodeImage,
                bindAddress: args.bindAddress,
                authPort: quota.authPort,
                policy: quota.policy,
                registryUrl: args.registryUrl,
                script: tokenServerScript(),
                privateKeyPem: key.privateKeyPem,
                certificatePem: key.certificatePem,
                accountsJson: tokenAccountsJson(args.accounts),
                networks: args.networks,
                aliases: quota.authRealmHost ? [quota.authRealmHost] : [],
            },
            args.opts,
        );
        // One realm for every client: the host's clients reach it on bindAddress, the containers on dockerNetwork under authRealmHost.
        const realmHost = quota.authRealmHost ? `${quota.authRealmHost}:${quota.authPort}` : hostAddress(args.bindAddress, quota.authPort);
        return { auth: registryTokenAuth(`http://${realmHost}/token`, args.certificatePath), certificatePem: key.certificatePem };
    }
}

interface DockerTokenArgs {
    quota: QuotaConfig;
    bindAddress: string;
    /** Where the registry reads the token server's certificate. */
    certificatePath: string;
    accounts: ServiceAccount[];
    registryUrl: string;
    containerName: string;
    networks: pulumi.Input<string>[];
    opts: pulumi.ComponentResourceOptions;
}
