/*
 * Facts of the software the program deploys, as its images and docs define them, for both targets.
 * Container-side names only: the host ports users choose are config keys (registryPort, minioApiPort…).
 */

import type { DistributionVersion } from "./distributionVersion";

/** Docker Distribution (registry:2 and registry:3). */
export const distributionContainer = {
    /** The client listener the image exposes. */
    httpPort: 5000,
    /** The debug listener (health, metrics): reached by probes only, never published. */
    debugPort: 5001,
    /** Fails while the storage driver does. */
    healthPath: "/debug/health",
    metricsPath: "/metrics",
} as const;

/** Where each major version's image reads config.yml. */
export const distributionConfigDir: Record<DistributionVersion, string> = { 2: "/etc/docker/registry", 3: "/etc/distribution" };

/** Plain environment each version needs: registry:3 exports traces to localhost:4318 unless told not to. */
export const distributionEnv: Record<DistributionVersion, Record<string, string>> = { 2: {}, 3: { OTEL_TRACES_EXPORTER: "none" } };

/**
 * The container's arguments. Both images' entrypoints (a script in docker-library's images, the
 * binary in upstream's) turn `serve <file>` into `registry serve <file>`.
 */
export const distributionServeArgs = (version: DistributionVersion) => ["serve", `${distributionConfigDir[version]}/config.yml`];

/** MinIO's server. */
export const minioContainer = {
    apiPort: 9000,
    consolePort: 9001,
    livenessPath: "/minio/health/live",
    readinessPath: "/minio/health/ready",
    /** Cluster-wide metrics; public (no bearer token) with MINIO_PROMETHEUS_AUTH_TYPE=public. */
    metricsPath: "/minio/v2/metrics/cluster",
    dataDir: "/data",
    rootUserEnv: "MINIO_ROOT_USER",
    rootPasswordEnv: "MINIO_ROOT_PASSWORD",
    /** MinIO ignores the region, but S3 clients sign requests with one. */
    region: "us-east-1",
} as const;

/** Redis, the registry's shared blob-descriptor cache on Kubernetes. */
export const redisContainer = {
    port: 6379,
    /** The official image's redis user. */
    uid: 999,
} as const;

/**
 * `minio server` on `endpoints` (its data directory, or a distributed pool's drives), with the console
 * listener, and the API on `apiPort` (the image's 9000 unless a public endpoint names another).
 */
export const minioServerArgs = (endpoints: string = minioContainer.dataDir, apiPort: number = minioContainer.apiPort) => [
    "server",
    endpoints,
    ...(apiPort === minioContainer.apiPort ? [] : ["--address", `:${apiPort}`]),
    "--console-address",
    `:${minioContainer.consolePort}`,
];
