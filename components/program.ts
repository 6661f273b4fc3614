import * as pulumi from "@pulumi/pulumi";
import { OrbitRegistryConfig, parseConfig, RawConfig } from "./config";
import { layoutName } from "./minioLayout";
import { OrbitRegistry, OrbitRegistryOutputs } from "./orbitRegistry";

/** What stores the images: `s3`, or `minio:<pods>x<drives per pod>`; exported as the storageLayout output. */
export function storageLayoutOf(config: OrbitRegistryConfig): string {
    if (config.storage === "s3") return "s3";
    return `minio:${config.target === "kubernetes" ? layoutName(config.kubernetes.minioLayout) : "1x1"}`;
}

/**
 * The whole program: validate the stack's configuration, then declare the registry. A bad value
 * throws here, before the first resource exists, so nothing is ever half-created; what only the
 * previous deployment can tell (a new MinIO layout) the registry's StackGuard checks.
 */
export function orbitRegistryProgram(
    raw: RawConfig,
    opts?: pulumi.ComponentResourceOptions,
    secretKeys?: ReadonlySet<string>,
): OrbitRegistryOutputs {
    const config = parseConfig(raw, secretKeys);
    return new OrbitRegistry("orbit-registry", config, storageLayoutOf(config), opts).outputs;
}
