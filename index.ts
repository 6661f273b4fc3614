import { readRawConfig } from "./components/config";
import { orbitRegistryProgram } from "./components/program";

export const { registryUrl, registryInternalUrl, registryUser, buildServiceEnv, orbitWwwEnv, minioEndpoint, bucketName } =
    orbitRegistryProgram(readRawConfig());
