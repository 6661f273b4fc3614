import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { tokenServerCheck, tokenServerEnvironment, tokenServerPaths, tokenServerPorts, TokenServerSpec } from "../tokenAuth";

export interface DockerTokenServerArgs extends TokenServerSpec {
    containerName: string;
    bindAddress: string;
    /** Published on bindAddress, and listened on inside the container: the realm's port everywhere. */
    authPort: number;
    networks: pulumi.Input<string>[];
    /** Names the container answers to on its networks besides its own (authRealmHost). */
    aliases: string[];
}

/** The token server (workspace quotas) in a container of nodeImage, its script and files uploaded into it. */
export class DockerTokenServer extends pulumi.ComponentResource {
    readonly container: docker.Container;

    constructor(name: string, args: DockerTokenServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:DockerTokenServer", name, {}, opts);
        const image = new docker.RemoteImage(`${name}-image`, { name: args.nodeImage, keepLocally: true }, { parent: this });
        const env = tokenServerEnvironment(args.policy, args.registryUrl, args.authPort);
        this.container = new docker.Container(
            `${name}-container`,
            {
                name: args.containerName,
                image: image.imageId,
                command: ["node", tokenServerPaths.script],
                envs: Object.entries(env).map(([key, value]) => `${key}=${value}`),
                uploads: [
                    { file: tokenServerPaths.script, content: args.script },
                    { file: tokenServerPaths.key, content: args.privateKeyPem, permissions: "0400" },
                    { file: tokenServerPaths.certificate, content: args.certificatePem },
                    { file: tokenServerPaths.accounts, content: args.accountsJson, permissions: "0400" },
                ],
                ports: [{ internal: args.authPort, external: args.authPort, ip: args.bindAddress, protocol: "tcp" }],
                networksAdvanced: args.networks.map((network) => ({ name: network, aliases: [args.containerName, ...args.aliases] })),
                healthcheck: { tests: ["CMD", ...tokenServerCheck], interval: "5s", timeout: "5s", retries: 5 },
                restart: "unless-stopped",
                wait: true,
                waitTimeout: 120,
            },
            { parent: this, deleteBeforeReplace: true },
        );
        this.registerOutputs({ containerName: this.container.name });
    }

    /** Where Prometheus and orbit-www on its networks read /metrics and /usage. */
    static internalUrl(containerName: string): string {
        return `http://${containerName}:${tokenServerPorts.internal}`;
    }
}
