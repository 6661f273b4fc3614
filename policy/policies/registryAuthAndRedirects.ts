import { ResourceValidationPolicy } from "@pulumi/policy";
import { registryConfigsOf } from "../lib/registryConfigs";

/**
 * An endpoint only the registry's own network resolves: a Docker container name (one label), a
 * Kubernetes Service name, or loopback. Presigned URLs to it would send clients nowhere; a public
 * name (AWS S3, minioPublicEndpoint) is one clients reach.
 */
const isInternalEndpoint = (endpoint: string) => {
    let host: string;
    try {
        host = new URL(endpoint).hostname;
    } catch {
        return true;
    }
    return !host.includes(".") || /\.(svc|cluster\.local)$/.test(host) || /^(127\.|\[::1\]$|localhost$)/.test(host);
};

/** Token authentication with every part Distribution needs to check a token (workspace quotas). */
const hasTokenAuth = (token: { realm?: unknown; service?: unknown; issuer?: unknown; rootcertbundle?: unknown } | undefined) =>
    token !== undefined && [token.realm, token.service, token.issuer, token.rootcertbundle].every((v) => typeof v === "string" && v !== "");

/** The generated registry config requires htpasswd or token auth, and keeps redirects off while its S3 endpoint is internal. */
export const registryAuthAndRedirects: ResourceValidationPolicy = {
    name: "registry-auth-and-redirects",
    description:
        "The registry's config.yml requires htpasswd or token authentication (the Docker Hub mirror aside), and disables storage " +
        "redirects while its S3 endpoint is internal (clients could not resolve presigned URLs to it; " +
        "minioPublicEndpoint names one they reach).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const config of registryConfigsOf(args.type, args.props)) {
            // The Docker Hub mirror (a pull-through cache) has no accounts: pull-side-contained keeps it inside.
            if (!config.auth?.htpasswd?.path && !hasTokenAuth(config.auth?.token) && config.proxy?.remoteurl === undefined) {
                reportViolation("The registry config has no auth.htpasswd or auth.token: anyone could push and pull.");
            }
            const endpoint = config.storage?.s3?.regionendpoint;
            if (typeof endpoint === "string" && isInternalEndpoint(endpoint) && config.storage?.redirect?.disable !== true) {
                reportViolation(
                    `The registry redirects clients to its internal S3 endpoint ${endpoint}; set storage.redirect.disable: true, ` +
                        "or minioPublicEndpoint to a MinIO URL clients reach.",
                );
            }
        }
    },
};
