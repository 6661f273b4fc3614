import * as pulumi from "@pulumi/pulumi";

/** What every target (Docker, Kubernetes) hands back to the composition. */
export interface DeployedRegistry {
    /** Where people and tools outside the platform reach the registry. */
    registryUrl: pulumi.Output<string>;
    /** Where Orbit's services reach it (compose network or cluster). */
    registryInternalUrl: pulumi.Output<string>;
    minioEndpoint: pulumi.Output<string>;
    bucketName: pulumi.Output<string>;
}
