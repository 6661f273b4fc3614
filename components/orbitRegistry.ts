import * as pulumi from "@pulumi/pulumi";
import { buildServiceEnv, orbitWwwEnv, RegistryAccess } from "./appEnv";
import { OrbitRegistryConfig } from "./config";
import { Credentials } from "./credentials";
import { DeployedRegistry } from "./deployedRegistry";
import { DockerTarget } from "./docker/target";

/** The stack outputs Orbit's apps and operators read. */
export interface OrbitRegistryOutputs {
    registryUrl: pulumi.Output<string>;
    registryInternalUrl: pulumi.Output<string>;
    registryUser: pulumi.Output<string>;
    buildServiceEnv: pulumi.Output<Record<string, string>>;
    orbitWwwEnv: pulumi.Output<Record<string, string>>;
    minioEndpoint: pulumi.Output<string>;
    bucketName: pulumi.Output<string>;
}

/** Orbit's hosted registry: credentials, the platform-specific deployment, and the apps' wiring. */
export class OrbitRegistry extends pulumi.ComponentResource {
    readonly outputs: OrbitRegistryOutputs;

    constructor(name: string, config: OrbitRegistryConfig, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:OrbitRegistry", name, {}, opts);
        const credentials = new Credentials(`${name}-credentials`, { registryUser: config.registryUser }, { parent: this });
        const deployed: DeployedRegistry = new DockerTarget(`${name}-docker`, { config, credentials }, { parent: this });

        const access: pulumi.Output<RegistryAccess> = pulumi
            .all([deployed.registryInternalUrl, credentials.registryPassword])
            .apply(([url, password]) => ({ url, user: config.registryUser, password }));

        this.outputs = {
            registryUrl: deployed.registryUrl,
            registryInternalUrl: deployed.registryInternalUrl,
            registryUser: pulumi.output(config.registryUser),
            buildServiceEnv: pulumi.secret(access.apply(buildServiceEnv)),
            orbitWwwEnv: pulumi.secret(access.apply(orbitWwwEnv)),
            minioEndpoint: deployed.minioEndpoint,
            bucketName: deployed.bucketName,
        };
        this.registerOutputs(this.outputs);
    }
}
