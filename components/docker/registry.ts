import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export const registryContainerName = "orbit-registry";
export const registryHttpPort = 5000;
export const registryDebugPort = 5001;
export const registryConfigDir = "/etc/docker/registry";

export interface DockerRegistryArgs {
    image: string;
    bindAddress: string;
    hostPort: number;
    /** config.yml as rendered by renderRegistryConfig; no secret in it. */
    configYaml: pulumi.Input<string>;
    htpasswd: pulumi.Input<string>;
    /** REGISTRY_* variables carrying the S3 keys and the http secret. */
    secretEnv: Record<string, pulumi.Input<string>>;
    /** Docker networks to join; the container is reachable as orbit-registry on each. */
    networks: pulumi.Input<string>[];
    /** The bucket, user and policy attachment: the registry must not start before them. */
    after: pulumi.Input<pulumi.Resource>[];
}

/** Docker Distribution in a container, configured by files uploaded into it. */
export class DockerRegistry extends pulumi.ComponentResource {
    readonly container: docker.Container;
    readonly internalUrl = `${registryContainerName}:${registryHttpPort}`;

    constructor(name: string, args: DockerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:DockerRegistry", name, {}, opts);
        const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });

        this.container = new docker.Container(
            `${name}-container`,
            {
                name: registryContainerName,
                image: image.imageId,
                envs: Object.entries(args.secretEnv).map(([key, value]) => pulumi.interpolate`${key}=${value}`),
                uploads: [
                    { file: `${registryConfigDir}/config.yml`, content: args.configYaml },
                    { file: `${registryConfigDir}/htpasswd`, content: args.htpasswd, permissions: "0400" },
                ],
                ports: [{ internal: registryHttpPort, external: args.hostPort, ip: args.bindAddress, protocol: "tcp" }],
                networksAdvanced: args.networks.map((network) => ({ name: network, aliases: [registryContainerName] })),
                healthcheck: {
                    // The debug listener serves /debug/health, which fails while the storage driver does.
                    tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${registryDebugPort}/debug/health`],
                    interval: "10s",
                    timeout: "5s",
                    retries: 5,
                    startPeriod: "10s",
                },
                restart: "unless-stopped",
                wait: true,
                waitTimeout: 120,
            },
            { parent: this, dependsOn: args.after, deleteBeforeReplace: true },
        );
        this.registerOutputs({});
    }
}
