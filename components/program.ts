import * as pulumi from "@pulumi/pulumi";
import { parseConfig, RawConfig } from "./config";
import { OrbitRegistry, OrbitRegistryOutputs } from "./orbitRegistry";

/**
 * The whole program: validate the stack's configuration, then declare the registry. A bad value
 * throws here, before the first resource exists, so nothing is ever half-created.
 */
export function orbitRegistryProgram(raw: RawConfig, opts?: pulumi.ComponentResourceOptions): OrbitRegistryOutputs {
    const config = parseConfig(raw);
    return new OrbitRegistry("orbit-registry", config, opts).outputs;
}
