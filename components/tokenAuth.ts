import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { names } from "../common/names";
import { QuotaPolicy } from "../common/quota";
import { tokenAccount } from "../common/tokenAccounts";
import { runTokenServer, tokenServerEnv } from "../common/tokenServerMain";
import type { ServiceAccount } from "./credentials";
import { RegistryTokenAuth } from "./registryConfig";

/** What the token server runs with on either target: its image, quotas, registry, script and files. */
export interface TokenServerSpec {
    nodeImage: string;
    policy: QuotaPolicy;
    /** Where the usage scan reads the registry: on Docker its container, on Kubernetes its Service. */
    registryUrl: string;
    script: pulumi.Input<string>;
    privateKeyPem: pulumi.Input<string>;
    certificatePem: pulumi.Input<string>;
    accountsJson: pulumi.Input<string>;
}

/** The token server's ports inside its pod (Docker: tokens on authPort): tokens, and /usage with /metrics. */
export const tokenServerPorts = { token: 5053, internal: 5054 } as const;

/** What the registry's tokens name as their service; Distribution checks it. */
export const tokenService = "orbit-registry";

/**
 * Where the token server's files are, in its container or pod: the script and certificate (a ConfigMap
 * on Kubernetes) apart from the key and accounts (a Secret, whose file a rotation updates in place).
 */
export const tokenServerPaths = {
    appDir: "/srv/orbit-registry-auth/app",
    script: "/srv/orbit-registry-auth/app/auth-server.js",
    certificate: "/srv/orbit-registry-auth/app/signing.crt",
    secretDir: "/srv/orbit-registry-auth/secret",
    key: "/srv/orbit-registry-auth/secret/signing.key",
    accounts: "/srv/orbit-registry-auth/secret/accounts.json",
} as const;

/**
 * The key the token server signs with, and its self-signed certificate, the registry's root bundle.
 * Distribution checks the certificate's validity on every token: ten years, renewed by the `pulumi up`
 * of its last thirty days (which rolls the registry and the token server together).
 */
export class TokenSigningKey extends pulumi.ComponentResource {
    readonly privateKeyPem: pulumi.Output<string>;
    readonly certificatePem: pulumi.Output<string>;

    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:TokenSigningKey", name, {}, opts);
        const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const certificate = new tls.SelfSignedCert(
            `${name}-certificate`,
            {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: names.registryAuth },
                validityPeriodHours: 10 * 365 * 24,
                earlyRenewalHours: 30 * 24,
                allowedUses: ["digital_signature"],
            },
            { parent: this },
        );
        this.privateKeyPem = pulumi.secret(key.privateKeyPem);
        this.certificatePem = certificate.certPem;
        this.registerOutputs({ certificatePem: this.certificatePem });
    }
}

/** The token server as one JavaScript file for `node` in nodeImage, serialized with what it uses. */
export function tokenServerScript(): pulumi.Output<string> {
    return pulumi
        .output(pulumi.runtime.serializeFunction(runTokenServer))
        .apply((serialized) => `${serialized.text}\nexports.handler();\n`);
}

/** The accounts file: each live generation's user with a salted scrypt of its password (a secret). */
export function tokenAccountsJson(accounts: ServiceAccount[]): pulumi.Output<string> {
    return pulumi.secret(
        pulumi
            .all(accounts.map((account) => pulumi.all([account.password, account.salt])))
            .apply((pairs) => JSON.stringify(pairs.map(([password, salt], i) => tokenAccount(accounts[i].user, password, salt)))),
    );
}

/** The registry's auth.token for a realm; the certificate is at `rootCertBundlePath` in the registry. */
export const registryTokenAuth = (realm: string, rootCertBundlePath: string): RegistryTokenAuth => ({
    realm,
    service: tokenService,
    issuer: names.registryAuth,
    rootCertBundlePath,
});

/**
 * The token server's environment; the registry is at `registryUrl` for the usage scan. Tokens are
 * served on `authPort` (Docker: the published port, so that one realm works on the host and its networks).
 */
export function tokenServerEnvironment(
    policy: QuotaPolicy,
    registryUrl: string,
    authPort: number = tokenServerPorts.token,
): Record<string, string> {
    const env = tokenServerEnv;
    return {
        [env.tokenListen]: `:${authPort}`,
        [env.internalListen]: `:${tokenServerPorts.internal}`,
        [env.issuer]: names.registryAuth,
        [env.service]: tokenService,
        [env.keyFile]: tokenServerPaths.key,
        [env.certificateFile]: tokenServerPaths.certificate,
        [env.accountsFile]: tokenServerPaths.accounts,
        [env.quotaDefaultBytes]: String(policy.defaultBytes),
        [env.quotaOverrides]: JSON.stringify(policy.overrides),
        [env.registryUrl]: registryUrl,
    };
}

/** The Docker healthcheck's command: GET /usage on the internal listener answers once the server listens. */
export const tokenServerCheck = [
    "node",
    "-e",
    `fetch("http://127.0.0.1:${tokenServerPorts.internal}/usage").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
];
