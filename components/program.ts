import * as pulumi from "@pulumi/pulumi";
import { ConfigError, OrbitRegistryConfig, parseConfig, qualifiedKey, RawConfig } from "./config";
import { layoutName } from "./minioLayout";
import { OrbitRegistry, OrbitRegistryOutputs } from "./orbitRegistry";
import { previousOutput } from "./previousDeployment";

/** What stores the images: `s3`, or `minio:<pods>x<drives per pod>`; exported as the storageLayout output. */
export function storageLayoutOf(config: OrbitRegistryConfig): string {
    if (config.storage === "s3") return "s3";
    return `minio:${config.target === "kubernetes" ? layoutName(config.kubernetes.minioLayout) : "1x1"}`;
}

/**
 * A new MinIO layout is a new, empty MinIO: an existing stack gets one only when told so
 * (minioLayoutChange), after its data was moved.
 */
function refuseSilentLayoutChange(config: OrbitRegistryConfig, previous: unknown): void {
    const next = storageLayoutOf(config);
    if (typeof previous !== "string" || !previous.startsWith("minio:") || !next.startsWith("minio:") || previous === next) return;
    if (config.target === "kubernetes" && config.kubernetes.minioLayoutChange) return;
    throw new ConfigError([
        `${qualifiedKey("minioReplicas")} and ${qualifiedKey("minioDrivesPerPod")} change this stack's MinIO from ${previous} ` +
            `to ${next}: that deploys a new, empty MinIO. Move the data as the README's "Scaling out" shows, then ` +
            `pulumi config set minioLayoutChange true`,
    ]);
}

/**
 * The whole program: validate the stack's configuration and compare its storage layout with the
 * previous deployment's, then declare the registry. A bad value throws here, before the first
 * resource exists, so nothing is ever half-created.
 */
export async function orbitRegistryProgram(
    raw: RawConfig,
    opts?: pulumi.ComponentResourceOptions,
    previous: (name: string) => Promise<unknown> = previousOutput,
): Promise<OrbitRegistryOutputs> {
    const config = parseConfig(raw);
    refuseSilentLayoutChange(config, await previous("storageLayout"));
    return new OrbitRegistry("orbit-registry", config, storageLayoutOf(config), opts).outputs;
}
