import { ResourceValidationPolicy } from "@pulumi/policy";
import { registryConfigsOf } from "../lib/registryConfigs";

const isAwsEndpoint = (endpoint: string) => {
    try {
        return new URL(endpoint).hostname.endsWith(".amazonaws.com");
    } catch {
        return false;
    }
};

/** The generated registry config requires htpasswd auth, and keeps redirects off for an internal S3 endpoint. */
export const registryAuthAndRedirects: ResourceValidationPolicy = {
    name: "registry-auth-and-redirects",
    description:
        "The registry's config.yml requires htpasswd authentication, and disables storage redirects while its S3 " +
        "endpoint is internal (clients could not resolve presigned URLs to it).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const config of registryConfigsOf(args.type, args.props)) {
            if (!config.auth?.htpasswd?.path) reportViolation("The registry config has no auth.htpasswd: anyone could push and pull.");
            const endpoint = config.storage?.s3?.regionendpoint;
            if (typeof endpoint === "string" && !isAwsEndpoint(endpoint) && config.storage?.redirect?.disable !== true) {
                reportViolation(
                    `The registry redirects clients to its internal S3 endpoint ${endpoint}; set storage.redirect.disable: true.`,
                );
            }
        }
    },
};
