import * as pulumi from "@pulumi/pulumi";
import type { ServiceAccount } from "./credentials";
import { DistributionVersion } from "../common/distributionVersion";
import { htpasswdLine } from "./htpasswd";
import {
    eventsEndpoints,
    RegistryLogLevel,
    RegistryRole,
    registrySecretEnv,
    RegistryTokenAuth,
    renderRegistryConfig,
} from "./registryConfig";
import { RegistryStorage } from "./storage";
import { distributionConfigDir, distributionEnv, distributionServeArgs } from "../common/upstream";

export interface RegistryFiles {
    /** config.yml; holds no secret. */
    configYaml: string;
    /** Where the image reads config.yml, and the arguments that serve it. */
    configDir: string;
    args: string[];
    /** The htpasswd file with the accounts' bcrypt lines (secret); empty for the mirror. */
    htpasswd: pulumi.Output<string>;
    /** Whether config.yml asks for htpasswd authentication (every instance but the mirror and a token-authenticated one). */
    authenticated: boolean;
    /** With token authentication: the token server's certificate, at token.rootCertBundlePath. */
    tokenCertificate?: { path: string; pem: pulumi.Output<string> };
    /** REGISTRY_* variables with the S3 keys and the http secret (secret). */
    secretEnv: Record<string, pulumi.Output<string>>;
    /** Plain variables the version needs. */
    env: Record<string, string>;
}

export interface RegistrySettings {
    distributionVersion: DistributionVersion;
    htpasswdPath: string;
    httpAddr: string;
    debugAddr: string;
    logLevel: RegistryLogLevel;
    foreignLayerUrls: string;
    /** A Redis the replicas share as their blob-descriptor cache. */
    redis?: { address: string; password: pulumi.Output<string> };
    /** orbit-www's events endpoint; the token is credentials.eventsToken. */
    eventsUrl?: string;
    /** The push endpoint (the default), the read-only pull endpoint, or the mirror. */
    role?: RegistryRole;
    /** The mirror's upstream, its account there, and how long it keeps what it fetched. */
    proxy?: { remoteUrl: string; ttl: string; username?: string; password?: string };
    /** Token authentication by the token server (workspace quotas) instead of htpasswd, and its certificate. */
    token?: { auth: RegistryTokenAuth; certificatePem: pulumi.Output<string> };
}

/** Who may use an instance: its htpasswd accounts (none: no authentication, the mirror) and its secrets. */
export interface RegistryAccounts {
    accounts: ServiceAccount[];
    httpSecret: pulumi.Output<string>;
    eventsToken?: pulumi.Output<string>;
}

/** What every target hands Docker Distribution, whatever runs it. */
export function registryFiles(
    credentials: RegistryAccounts,
    storage: Pick<RegistryStorage, "s3" | "accessKey" | "secretKey">,
    settings: RegistrySettings,
): RegistryFiles {
    const { redis, eventsUrl, proxy, token, ...rendered } = settings;
    const htpasswd = credentials.accounts.length > 0 && !token;
    const version = settings.distributionVersion;
    const eventsToken = credentials.eventsToken;
    if ((eventsUrl === undefined) !== (eventsToken === undefined)) throw new Error("events need both eventsUrl and an events token");
    const endpoints = eventsUrl && eventsToken ? pulumi.secret(eventsToken.apply((token) => eventsEndpoints(eventsUrl, token))) : undefined;
    return {
        configYaml: renderRegistryConfig({
            storage: storage.s3,
            ...rendered,
            htpasswdPath: htpasswd ? settings.htpasswdPath : undefined,
            token: token?.auth,
            proxy: proxy && { remoteUrl: proxy.remoteUrl, ttl: proxy.ttl },
            redisAddress: redis?.address,
            events: eventsUrl !== undefined,
        }),
        authenticated: htpasswd,
        ...(token ? { tokenCertificate: { path: token.auth.rootCertBundlePath, pem: token.certificatePem } } : {}),
        configDir: distributionConfigDir[version],
        args: distributionServeArgs(version),
        // Every live generation: during a rotation's overlap the previous password keeps working.
        htpasswd: pulumi
            .all(credentials.accounts.map((account) => account.bcrypt))
            .apply((hashes) => hashes.map((hash, i) => htpasswdLine(credentials.accounts[i].user, hash)).join("")),
        secretEnv: registrySecretEnv({
            s3AccessKey: pulumi.secret(storage.accessKey),
            s3SecretKey: pulumi.secret(storage.secretKey),
            httpSecret: credentials.httpSecret,
            redisPassword: redis?.password,
            eventsEndpoints: endpoints,
            proxyUsername: proxy?.username === undefined ? undefined : pulumi.output(proxy.username),
            proxyPassword: proxy?.password === undefined ? undefined : pulumi.secret(proxy.password),
        }),
        env: distributionEnv[version],
    };
}
