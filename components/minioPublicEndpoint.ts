import * as net from "net";

/**
 * minioPublicEndpoint: a URL of MinIO that clients reach. The registry then redirects blob pulls to
 * presigned URLs on it, and signs them for that very host, so the registry uses it as its S3
 * endpoint too: on Docker through a network alias of the MinIO container, on Kubernetes through
 * the registry's Ingress (docs/pulls-from-minio.md).
 */
export interface MinioPublicEndpointContext {
    target?: string;
    storage?: string;
    /** Docker: the host port MinIO's API is published on. */
    minioApiPort?: string;
    /** Kubernetes: the registry's own host on the same Ingress. */
    ingressHost?: string;
}

/** What the value must be on its target, or undefined when it is fine (or empty: redirects off). */
export function minioPublicEndpointProblem(value: string, context: MinioPublicEndpointContext): string | undefined {
    if (value === "") return undefined;
    if (context.storage === "s3") return "empty with storage s3: the registry already redirects pulls to AWS S3's presigned URLs";
    const url = parseUrl(value);
    if (context.target === "kubernetes") {
        const allowed =
            "empty, or an https:// URL with a host name and no port, path or credentials, e.g. https://minio.registry.example.com " +
            "(the registry's Ingress serves it with TLS)";
        if (!url || url.protocol !== "https:" || url.port !== "" || !isPlainOrigin(url) || !isDnsName(url.hostname)) return allowed;
        if (url.hostname === context.ingressHost)
            return `a host other than ingressHost (${context.ingressHost}), which serves the registry`;
        return undefined;
    }
    const port = context.minioApiPort ?? "9000";
    const allowed =
        `empty, or an http:// URL on minioApiPort (${port}) with a host name other than localhost, e.g. ` +
        `http://minio.orbit.test:${port}: the registry container reaches MinIO under that name, and clients on the host ` +
        "resolve it to bindAddress (e.g. in /etc/hosts)";
    if (!url || url.protocol !== "http:" || !isPlainOrigin(url) || !isDnsName(url.hostname) || url.hostname === "localhost") return allowed;
    return (url.port || "80") === port ? undefined : allowed;
}

const parseUrl = (value: string) => {
    try {
        return new URL(value);
    } catch {
        return undefined;
    }
};

const isPlainOrigin = (url: URL) => !url.username && !url.password && url.pathname === "/" && !url.search && !url.hash;

const isDnsName = (host: string) =>
    net.isIP(host.replace(/^\[|\]$/g, "")) === 0 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(host);
