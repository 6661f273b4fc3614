import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { storageHealthCheck } from "../registryConfig";
import { RegistryFiles } from "../registryFiles";
import { distributionContainer } from "../../common/upstream";

export interface DockerRegistryArgs {
    /** The container's name and its alias on every network: the stack's registry, registryPull or registryMirror. */
    containerName: string;
    image: string;
    bindAddress: string;
    hostPort: number;
    /** config.yml, htpasswd and environment, as registryFiles renders them for the image's version. */
    files: RegistryFiles;
    /** Where config.yml names the htpasswd file. */
    htpasswdPath: string;
    /** Docker networks to join; the container is reachable by its name on each. */
    networks: pulumi.Input<string>[];
    /** The bucket, user and policy attachment: the registry must not start before them. */
    after: pulumi.Input<pulumi.Resource>[];
}

/** Docker Distribution in a container, configured by files uploaded into it. */
export class DockerRegistry extends pulumi.ComponentResource {
    readonly container: docker.Container;
    /** Where containers on its networks reach the container `containerName`. */
    static internalUrl(containerName: string): string {
        return `${containerName}:${distributionContainer.httpPort}`;
    }

    constructor(name: string, args: DockerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:DockerRegistry", name, {}, opts);
        const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });
        const { httpPort, debugPort, healthPath } = distributionContainer;
        const { files } = args;
        const { containerName } = args;

        this.container = new docker.Container(
            `${name}-container`,
            {
                name: containerName,
                image: image.imageId,
                command: files.args,
                envs: [
                    ...Object.entries(files.secretEnv).map(([key, value]) => pulumi.interpolate`${key}=${value}`),
                    ...Object.entries(files.env).map(([key, value]) => `${key}=${value}`),
                ],
                uploads: [
                    { file: `${files.configDir}/config.yml`, content: files.configYaml },
                    // The mirror has no accounts: its config names no htpasswd file.
                    ...(files.authenticated ? [{ file: args.htpasswdPath, content: files.htpasswd, permissions: "0400" }] : []),
                    ...(files.tokenCertificate ? [{ file: files.tokenCertificate.path, content: files.tokenCertificate.pem }] : []),
                ],
                ports: [{ internal: httpPort, external: args.hostPort, ip: args.bindAddress, protocol: "tcp" }],
                networksAdvanced: args.networks.map((network) => ({ name: network, aliases: [containerName] })),
                healthcheck: {
                    // The debug listener serves the health endpoint, which fails while the storage driver does.
                    // Docker probes first one interval after start, once the registry has checked its storage
                    // (storageHealthCheck). No start period: Docker 25 and later would probe every 5 s during one,
                    // and its startInterval is refused by engines before 25 (API 1.44).
                    tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${debugPort}${healthPath}`],
                    interval: `${storageHealthCheck.firstVerdictSeconds}s`,
                    timeout: "5s",
                    retries: 5,
                },
                restart: "unless-stopped",
                wait: true,
                waitTimeout: 120,
            },
            { parent: this, dependsOn: args.after, deleteBeforeReplace: true },
        );
        this.registerOutputs({ containerName: this.container.name });
    }
}
