import { parseConfig, readRawConfig } from "./components/config";
import { OrbitRegistry } from "./components/orbitRegistry";

// Validation throws before any resource is declared.
const config = parseConfig(readRawConfig());
const registry = new OrbitRegistry("orbit-registry", config);

export const {
    registryUrl,
    registryInternalUrl,
    registryUser,
    buildServiceEnv,
    orbitWwwEnv,
    minioEndpoint,
    bucketName,
} = registry.outputs;
