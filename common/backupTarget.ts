import { bucketName } from "./validators";

/** Where backups go: an S3 endpoint, a bucket on it, and an optional prefix inside the bucket. */
export interface BackupTarget {
    /** The endpoint's origin, e.g. https://s3.eu-central-1.amazonaws.com or http://backup-minio:9000. */
    endpoint: string;
    bucket: string;
    /** Empty, or a path inside the bucket without leading or trailing slash. */
    prefix: string;
}

const allowed =
    "empty, or an S3 URL of an endpoint, a bucket and an optional prefix, such as " +
    "https://s3.eu-central-1.amazonaws.com/orbit-backups/registry (no credentials in it: backupAccessKey, backupSecretKey)";

/** localhost, 127.0.0.0/8, ::1 or 0.0.0.0: inside the copy's container or pod, that is the container itself. */
const loopback = (hostname: string) => /^(localhost|.*\.localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1?\])$/i.test(hostname);

/** Why `value` is no backup target URL (`allowed`), or undefined. Empty turns backups off. */
export function backupTargetProblem(value: string): string | undefined {
    if (value === "") return undefined;
    try {
        const url = new URL(value);
        if (loopback(url.hostname)) {
            return (
                "a host the copy can reach: it runs in a container (Docker) or a pod (Kubernetes), where " +
                `${url.hostname} is that container itself; name the target as containers reach it (another container ` +
                "on the registry's network by its name, or the host's address on your network)"
            );
        }
        const [bucket, ...prefix] = url.pathname.replace(/^\/+|\/+$/g, "").split("/");
        const wellFormed =
            (url.protocol === "https:" || url.protocol === "http:") &&
            url.hostname !== "" &&
            !url.username &&
            !url.password &&
            !url.search &&
            !url.hash &&
            bucketName(bucket) === undefined &&
            prefix.every((segment) => /^[A-Za-z0-9._-]+$/.test(segment));
        return wellFormed ? undefined : allowed;
    } catch {
        return allowed;
    }
}

/** The parts of a target backupTargetProblem accepted. */
export function parseBackupTarget(value: string): BackupTarget {
    const url = new URL(value);
    const [bucket, ...prefix] = url.pathname.replace(/^\/+|\/+$/g, "").split("/");
    return { endpoint: url.origin, bucket, prefix: prefix.join("/") };
}

/** `bucket[/prefix]`: where the registry's `docker/` tree goes on the target. */
export const targetPath = (target: BackupTarget) => (target.prefix ? `${target.bucket}/${target.prefix}` : target.bucket);

/** The URL of a target, as backupTarget spells it (without a trailing slash). */
export const backupTargetUrl = (target: BackupTarget) => `${target.endpoint}/${targetPath(target)}`;

/** The port a target listens on: the URL's, or its scheme's. */
export const backupTargetPort = (target: BackupTarget) => {
    const url = new URL(target.endpoint);
    return url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
};
