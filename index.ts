import { readRawConfig, readSecretKeys } from "./components/config";
import { orbitRegistryProgram } from "./components/program";

// The stack's outputs are the properties of what this resolves to: registryUrl, registryInternalUrl,
// registryUser, buildServiceEnv, orbitWwwEnv, minioEndpoint, bucketName, storageLayout, retention, quotas.
export = async () => orbitRegistryProgram(readRawConfig(), undefined, readSecretKeys());
