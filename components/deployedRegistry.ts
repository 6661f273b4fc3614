import * as pulumi from "@pulumi/pulumi";
import type { BackupOutput } from "./backupOutput";
import type { CommonConfig } from "./config";
import type { Credentials } from "./credentials";
import type { StoragePlan } from "./storage";

/** What the composition hands a target: the common config, the target's own part, and the rest. */
export interface TargetArgs<TargetConfig> {
    common: CommonConfig;
    target: TargetConfig;
    credentials: Credentials;
    storage: StoragePlan;
}

/** The outputs a target registers: what it hands back to the composition. */
export const deployedOutputs = (deployed: DeployedRegistry) => ({
    registryUrl: deployed.registryUrl,
    registryInternalUrl: deployed.registryInternalUrl,
    minioEndpoint: deployed.minioEndpoint,
    bucketName: deployed.bucketName,
});

/** What every target (Docker, Kubernetes) hands back to the composition. */
export interface DeployedRegistry {
    /** Where people and tools outside the platform reach the registry. */
    registryUrl: pulumi.Output<string>;
    /** Where workloads next to it reach it (compose network or cluster DNS). */
    registryInternalUrl: pulumi.Output<string>;
    minioEndpoint: pulumi.Output<string>;
    bucketName: pulumi.Output<string>;
    /** With backups on: what the backup and restore commands need (a secret). */
    backup?: pulumi.Output<BackupOutput>;
    /** With quotas on: where orbit-www (and operators) read each workspace's usage and quota. */
    usageUrl?: pulumi.Output<string>;
}
