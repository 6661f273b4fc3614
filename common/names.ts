/** Fixed names of what the program creates: containers, volumes and Kubernetes objects. */
export const names = {
    /** MinIO's container, StatefulSet and Service (its DNS name for the registry). */
    minio: "orbit-minio",
    /** Distributed MinIO's StatefulSet. */
    minioPool: "orbit-minio-pool",
    /** MinIO's Docker volume and PersistentVolumeClaim. */
    minioData: "orbit-minio-data",
    minioRootSecret: "orbit-minio-root",
    minioRegistryUserSecret: "orbit-minio-registry-user",
    minioProvisioner: "orbit-minio-provisioner",
    /** The registry's container, Deployment, Service and Ingress. */
    registry: "orbit-registry",
    registryEnvSecret: "orbit-registry-env",
    registryHtpasswdSecret: "orbit-registry-htpasswd",
    /** The read-only pull endpoint: container, Deployment, Service; and the dockerconfigjson Secret for it. */
    registryPull: "orbit-registry-pull",
    /** The Docker Hub mirror: container, Deployment, Service. */
    registryMirror: "orbit-registry-mirror",
    /** The token server that enforces workspace quotas (docs/quotas.md). */
    registryAuth: "orbit-registry-auth",
    /** The garbage-collection CronJob, its ServiceAccount and Role. */
    registryGc: "orbit-registry-gc",
    /** The backup CronJob, its Secret, script and NetworkPolicy. */
    backup: "orbit-registry-backup",
    /** The service account the CronJob's retention cleanup deletes with, and its scripts. */
    registryCleanupSecret: "orbit-registry-cleanup",
    /** Redis (Deployment, Service) and the Secret with its password. */
    redis: "orbit-registry-redis",
    redisSecret: "orbit-registry-redis",
    /** The Docker network MinIO and the registry share. */
    internalNetwork: "orbit-registry-internal",
    /** The Secret in the apps' namespace with their ORBIT_REGISTRY_* environment. */
    appCredentialsSecret: "orbit-registry-credentials",
} as const;

/** The Docker target's containers, volume and network, with dockerNameSuffix appended (none: the names above). */
export function dockerNames(suffix = "") {
    const named = (name: string) => (suffix ? `${name}-${suffix}` : name);
    return {
        minio: named(names.minio),
        minioData: named(names.minioData),
        registry: named(names.registry),
        registryPull: named(names.registryPull),
        registryMirror: named(names.registryMirror),
        registryAuth: named(names.registryAuth),
        internalNetwork: named(names.internalNetwork),
    };
}
export type DockerNames = ReturnType<typeof dockerNames>;

/**
 * A Docker stack's names, from its registryInternalUrl output (`orbit-registry[-suffix]:5000`, the
 * registry's name on its networks); undefined for a Kubernetes stack.
 */
export function dockerNamesOfUrl(registryInternalUrl: string): DockerNames | undefined {
    const match = new RegExp(`^${names.registry}(?:-([a-z0-9-]+))?:\\d+$`).exec(registryInternalUrl);
    return match ? dockerNames(match[1] ?? "") : undefined;
}
