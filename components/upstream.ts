/*
 * Facts of the software the program deploys, as its images and docs define them, for both targets.
 * Container-side names only: the host ports users choose are config keys (registryPort, minioApiPort…).
 */

/** Docker Distribution (registry:2). */
export const distributionContainer = {
    /** The client listener the image exposes. */
    httpPort: 5000,
    /** The debug listener (health, metrics): reached by probes only, never published. */
    debugPort: 5001,
    /** Fails while the storage driver does. */
    healthPath: "/debug/health",
    metricsPath: "/metrics",
    /** Where registry:2 reads config.yml. */
    configDir: "/etc/docker/registry",
} as const;

/** MinIO's server. */
export const minioContainer = {
    apiPort: 9000,
    consolePort: 9001,
    livenessPath: "/minio/health/live",
    readinessPath: "/minio/health/ready",
    dataDir: "/data",
    rootUserEnv: "MINIO_ROOT_USER",
    rootPasswordEnv: "MINIO_ROOT_PASSWORD",
    /** MinIO ignores the region, but S3 clients sign requests with one. */
    region: "us-east-1",
} as const;

/** `minio server` with its data directory and console listener. */
export const minioServerArgs = ["server", minioContainer.dataDir, "--console-address", `:${minioContainer.consolePort}`];
