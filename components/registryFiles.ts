import * as pulumi from "@pulumi/pulumi";
import { Credentials } from "./credentials";
import { htpasswdLine } from "./htpasswd";
import { RegistryLogLevel, registrySecretEnv, renderRegistryConfig } from "./registryConfig";
import { RegistryStorage } from "./storage";

export interface RegistryFiles {
    /** config.yml; holds no secret. */
    configYaml: string;
    /** The htpasswd file with the service account's bcrypt line (secret). */
    htpasswd: pulumi.Output<string>;
    /** REGISTRY_* variables with the S3 keys and the http secret (secret). */
    secretEnv: Record<string, pulumi.Output<string>>;
}

export interface RegistryListeners {
    htpasswdPath: string;
    httpAddr: string;
    debugAddr: string;
    logLevel: RegistryLogLevel;
}

/** What every target hands Docker Distribution, whatever runs it. */
export function registryFiles(credentials: Credentials, storage: RegistryStorage, listeners: RegistryListeners): RegistryFiles {
    return {
        configYaml: renderRegistryConfig({ storage: storage.s3, ...listeners }),
        htpasswd: credentials.registryPasswordBcrypt.apply((hash) => htpasswdLine(credentials.registryUser, hash)),
        secretEnv: registrySecretEnv({
            s3AccessKey: pulumi.secret(storage.accessKey),
            s3SecretKey: pulumi.secret(storage.secretKey),
            httpSecret: credentials.httpSecret,
        }),
    };
}
