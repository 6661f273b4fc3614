import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";

/**
 * The pod-template annotation that carries a checksum of the Secrets a pod reads. Secrets are
 * updated in place (the provider's enableSecretMutable), so nothing else tells a workload that its
 * credentials changed: the checksum rolls the pods (a Deployment, a StatefulSet) or runs a new Job.
 */
export const secretChecksumAnnotation = "orbit-registry/secret-checksum";

/** SHA-256 over the values, in key order; a one-way digest of random credentials, never the credentials. */
export function secretChecksum(data: Record<string, pulumi.Input<string>>): pulumi.Output<string> {
    const keys = Object.keys(data).sort();
    const digest = pulumi.all(keys.map((key) => data[key])).apply((values) =>
        crypto
            .createHash("sha256")
            .update(JSON.stringify(keys.map((key, i) => [key, values[i]])))
            .digest("hex"),
    );
    return pulumi.unsecret(digest);
}
