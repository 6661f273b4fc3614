import { stringify } from "yaml";
import type { DistributionVersion } from "../common/distributionVersion";

/** The S3 driver's transfer settings; the defaults are measured (see s3Defaults). */
export interface S3Tuning {
    /** Part size of multipart uploads (each upload buffers about two parts in memory). */
    chunkSize?: number;
    /** Part size, threshold and parallelism of the server-side copy that commits an upload. */
    multipartCopyChunkSize?: number;
    multipartCopyThresholdSize?: number;
    multipartCopyMaxConcurrency?: number;
}

/** Where the registry keeps its data. `regionEndpoint` is set for MinIO and absent for AWS S3. */
export interface S3Storage extends S3Tuning {
    bucket: string;
    region: string;
    /** e.g. http://orbit-minio:9000; its scheme decides `secure`. */
    regionEndpoint?: string;
    /**
     * Clients reach regionEndpoint under the same name (minioPublicEndpoint, or the bench's loopback):
     * blob GETs redirect to presigned URLs on it instead of streaming through the registry.
     */
    clientsReachEndpoint?: boolean;
}

export interface RegistryConfigOptions {
    distributionVersion: DistributionVersion;
    storage: S3Storage;
    /** Path of the htpasswd file inside the registry's filesystem; none for the mirror, which serves anyone it admits. */
    htpasswdPath?: string;
    /**
     * Token authentication instead of htpasswd (workspace quotas): clients get their bearer tokens at
     * `realm` from the token server, whose signing certificate is at `rootCertBundlePath`.
     */
    token?: RegistryTokenAuth;
    /** The instance's role: the push endpoint, the read-only pull endpoint or the Docker Hub mirror. */
    role?: RegistryRole;
    /** The mirror's upstream (mirrorUpstream) and, with Distribution 3, how long it keeps what it cached. */
    proxy?: { remoteUrl: string; ttl?: string };
    /** Listener for clients, e.g. ":5000". */
    httpAddr: string;
    /** Listener for /debug/health and /metrics; never published. */
    debugAddr: string;
    /**
     * A regular expression the URLs of non-distributable ("foreign") layers in pushed manifests must
     * match; empty refuses every manifest with layer URLs.
     */
    foreignLayerUrls: string;
    /** host:port of a Redis the registry's replicas share as their blob-descriptor cache; in memory when absent. */
    redisAddress?: string;
    /** How often the storage driver health check runs, e.g. "10s". */
    healthInterval?: string;
    logLevel?: RegistryLogLevel;
    /** Send push and delete events; the endpoint itself comes as REGISTRY_NOTIFICATIONS_ENDPOINTS. */
    events?: boolean;
}

export type RegistryRole = "push" | "pull" | "mirror";

export interface RegistryTokenAuth {
    realm: string;
    service: string;
    issuer: string;
    rootCertBundlePath: string;
}

export const registryLogLevels = ["error", "warn", "info", "debug"] as const;
export type RegistryLogLevel = (typeof registryLogLevels)[number];

const htpasswdRealm = "orbit-registry";

/**
 * The storage driver check: a listing of the bucket every `intervalSeconds`. Distribution reports
 * healthy until the first check fails (its first run is one interval after start), so probes look
 * only after `firstVerdictSeconds`: a registry whose bucket is gone never looks healthy. One failure
 * is enough for the endpoint; the probes' own retries ride out a passing error.
 */
export const storageHealthCheck = { intervalSeconds: 10, threshold: 1, firstVerdictSeconds: 12 } as const;
export const registryDrainTimeout = "25s";
const MiB = 1024 * 1024;
/**
 * The S3 driver's settings, measured with `npm run bench` (docs/throughput.md; Distribution 2.8.2,
 * 2026-11-29, medians of 3, push ÷ raw put for crane 256 MiB / crane 64 × 1 MiB / skopeo 256 MiB /
 * skopeo 64 × 1 MiB). config.yml sets chunksize; the multipart-copy values are Distribution's own
 * defaults, which no value measured beat, so config.yml leaves them out and the bench starts from them.
 */
export const registryS3Defaults = {
    // 10 MiB: 0.30 / 0.15 / 0.18 / 0.08. 5 MiB: 0.29 / 0.14 / 0.18 / 0.07; 32 MiB: 0.25 / 0.16 / 0.19 / 0.06
    // and 3.2× the buffers per upload (each upload holds about two parts).
    chunkSize: 10 * MiB,
    // 8 MiB parts from 8 MiB on (--copy-chunksize 8 --copy-threshold 8): 0.30 / 0.15 / 0.17 / 0.07.
    multipartCopyChunkSize: 32 * MiB,
    // 5 GiB, one CopyObject per blob (--copy-threshold 5120): 0.30 / 0.15 / 0.16 / 0.06.
    multipartCopyThresholdSize: 32 * MiB,
    // Not varied: a 64 MiB blob is copied in 2 parts, so 4 concurrent layers never reach the limit.
    multipartCopyMaxConcurrency: 100,
};

/**
 * Renders Docker Distribution's config.yml. It holds no secret: the S3 keys and the http secret
 * reach the registry through the REGISTRY_* environment (see registrySecretEnv).
 */
export function renderRegistryConfig(options: RegistryConfigOptions): string {
    const { storage } = options;
    const s3: Record<string, unknown> = {
        region: storage.region,
        bucket: storage.bucket,
        v4auth: true,
        chunksize: storage.chunkSize ?? registryS3Defaults.chunkSize,
        ...(storage.multipartCopyChunkSize ? { multipartcopychunksize: storage.multipartCopyChunkSize } : {}),
        ...(storage.multipartCopyThresholdSize ? { multipartcopythresholdsize: storage.multipartCopyThresholdSize } : {}),
        ...(storage.multipartCopyMaxConcurrency ? { multipartcopymaxconcurrency: storage.multipartCopyMaxConcurrency } : {}),
        rootdirectory: "/",
    };
    if (storage.regionEndpoint) {
        s3.regionendpoint = storage.regionEndpoint;
        s3.secure = new URL(storage.regionEndpoint).protocol === "https:";
        // Distribution 3 addresses buckets as <bucket>.<host> unless told otherwise, which MinIO's
        // host name cannot serve; 2.8 uses path style with any regionendpoint.
        if (options.distributionVersion === 3) s3.forcepathstyle = true;
    } else {
        s3.secure = true;
    }

    const role = options.role ?? "push";
    const config = {
        version: 0.1,
        log: {
            level: options.logLevel ?? "info",
            formatter: "json",
            fields: { service: role === "push" ? "orbit-registry" : `orbit-registry-${role}` },
        },
        storage: {
            s3,
            // Presigned redirects send clients to the S3 endpoint: AWS S3's is public; MinIO's only
            // when clients reach it (minioPublicEndpoint), never its internal name.
            redirect: { disable: storage.regionEndpoint !== undefined && !storage.clientsReachEndpoint },
            delete: { enabled: true },
            cache: { blobdescriptor: options.redisAddress ? "redis" : "inmemory" },
            maintenance: {
                // The pull endpoint refuses every write; its storage identity could not purge uploads anyway.
                uploadpurging: { enabled: role !== "pull", age: "168h", interval: "24h", dryrun: false },
                ...(role === "pull" ? { readonly: { enabled: true } } : {}),
            },
        },
        ...authSection(options),
        // The username and password come as REGISTRY_PROXY_USERNAME and REGISTRY_PROXY_PASSWORD.
        ...(options.proxy
            ? {
                  proxy: {
                      remoteurl: options.proxy.remoteUrl,
                      ...(options.proxy.ttl && options.distributionVersion === 3 ? { ttl: options.proxy.ttl } : {}),
                  },
              }
            : {}),
        http: {
            addr: options.httpAddr,
            // On SIGTERM (a rolling update, a restart into read-only for garbage collection) requests
            // in flight get this long to finish; below Kubernetes' 30 s grace and the collector's 30 s restart.
            draintimeout: registryDrainTimeout,
            headers: { "X-Content-Type-Options": ["nosniff"] },
            debug: { addr: options.debugAddr, prometheus: { enabled: true, path: "/metrics" } },
        },
        health: {
            storagedriver: {
                enabled: true,
                interval: options.healthInterval ?? `${storageHealthCheck.intervalSeconds}s`,
                threshold: storageHealthCheck.threshold,
            },
        },
        // Clients fetch such layers from the URLs themselves (Windows base images do this); the
        // registry never does. Without an allow list it refuses every manifest that names one.
        ...(options.foreignLayerUrls ? { validation: { manifests: { urls: { allow: [options.foreignLayerUrls] } } } } : {}),
        ...(options.redisAddress ? { redis: redisSection(options.redisAddress, options.distributionVersion) } : {}),
        // Manifest events name the layers and config they reference, so the receiver can sum an image's size.
        ...(options.events ? { notifications: { events: { includereferences: true } } } : {}),
    };
    return stringify(config);
}

function authSection(options: RegistryConfigOptions): Record<string, unknown> {
    if (options.token) {
        const { realm, service, issuer, rootCertBundlePath } = options.token;
        return { auth: { token: { realm, service, issuer, rootcertbundle: rootCertBundlePath } } };
    }
    return options.htpasswdPath ? { auth: { htpasswd: { realm: htpasswdRealm, path: options.htpasswdPath } } } : {};
}

/**
 * notifications.endpoints, as REGISTRY_NOTIFICATIONS_ENDPOINTS (a secret: it holds the bearer token).
 * The whole list goes in one variable because Distribution 2.8 cannot override a list element's field.
 * Only manifest pushes and deletes reach orbit-www: blob events (application/octet-stream) and pulls
 * are left out. Events wait in the registry's memory while orbit-www is down: after `threshold`
 * failures the registry backs off for `backoff`, then retries the same event until it is delivered.
 */
export function eventsEndpoints(url: string, token: string): string {
    return stringify([
        {
            name: "orbit-www",
            url,
            headers: { Authorization: [`Bearer ${token}`] },
            // orbit-www only records the event; a slow answer means it is struggling, not working.
            timeout: "5s",
            threshold: 3,
            backoff: "10s",
            ignoredmediatypes: ["application/octet-stream"],
            ignore: { actions: ["pull"] },
        },
    ]);
}

/**
 * The redis section (its password comes as REGISTRY_REDIS_PASSWORD). Distribution 3 takes go-redis'
 * options (`addrs`, pool sizes); 2.8 its own (`addr`, `pool`). Short timeouts: a slow cache must not
 * stall pushes and pulls.
 */
function redisSection(address: string, version: DistributionVersion): Record<string, unknown> {
    const timeouts = { dialtimeout: "2s", readtimeout: "2s", writetimeout: "2s" };
    return version === 3
        ? { addrs: [address], db: 0, ...timeouts, poolsize: 64, maxidleconns: 16, connmaxidletime: "300s" }
        : { addr: address, db: 0, ...timeouts, pool: { maxidle: 16, maxactive: 64, idletimeout: "300s" } };
}

export interface RegistrySecrets<T> {
    s3AccessKey: T;
    s3SecretKey: T;
    httpSecret: T;
    /** The mirror's account at its upstream (mirrorUsername, mirrorPassword). */
    proxyUsername?: T;
    proxyPassword?: T;
    /** With a Redis cache. */
    redisPassword?: T;
    /** With events on: eventsEndpoints(). */
    eventsEndpoints?: T;
}

/** The environment that carries the registry's secrets, which config.yml leaves out. */
export function registrySecretEnv<T>(secrets: RegistrySecrets<T>): Record<string, T> {
    return {
        REGISTRY_STORAGE_S3_ACCESSKEY: secrets.s3AccessKey,
        REGISTRY_STORAGE_S3_SECRETKEY: secrets.s3SecretKey,
        REGISTRY_HTTP_SECRET: secrets.httpSecret,
        ...(secrets.redisPassword === undefined ? {} : { REGISTRY_REDIS_PASSWORD: secrets.redisPassword }),
        ...(secrets.proxyUsername === undefined ? {} : { REGISTRY_PROXY_USERNAME: secrets.proxyUsername }),
        ...(secrets.proxyPassword === undefined ? {} : { REGISTRY_PROXY_PASSWORD: secrets.proxyPassword }),
        ...(secrets.eventsEndpoints === undefined ? {} : { REGISTRY_NOTIFICATIONS_ENDPOINTS: secrets.eventsEndpoints }),
    };
}
