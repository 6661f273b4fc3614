import * as pulumi from "@pulumi/pulumi";
import { Credentials } from "./credentials";
import { DistributionVersion } from "./distributionVersion";
import { htpasswdLine } from "./htpasswd";
import { eventsEndpoints, RegistryLogLevel, registrySecretEnv, renderRegistryConfig } from "./registryConfig";
import { RegistryStorage } from "./storage";
import { distributionConfigDir, distributionEnv, distributionServeArgs } from "./upstream";

export interface RegistryFiles {
    /** config.yml; holds no secret. */
    configYaml: string;
    /** Where the image reads config.yml, and the arguments that serve it. */
    configDir: string;
    args: string[];
    /** The htpasswd file with the service account's bcrypt line (secret). */
    htpasswd: pulumi.Output<string>;
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
}

/** What every target hands Docker Distribution, whatever runs it. */
export function registryFiles(credentials: Credentials, storage: RegistryStorage, settings: RegistrySettings): RegistryFiles {
    const { redis, eventsUrl, ...rendered } = settings;
    const version = settings.distributionVersion;
    const eventsToken = credentials.eventsToken;
    if ((eventsUrl === undefined) !== (eventsToken === undefined)) throw new Error("events need both eventsUrl and an events token");
    const endpoints = eventsUrl && eventsToken ? pulumi.secret(eventsToken.apply((token) => eventsEndpoints(eventsUrl, token))) : undefined;
    return {
        configYaml: renderRegistryConfig({
            storage: storage.s3,
            ...rendered,
            redisAddress: redis?.address,
            events: eventsUrl !== undefined,
        }),
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
        }),
        env: distributionEnv[version],
    };
}
