import * as pulumi from "@pulumi/pulumi";
import * as rules from "./validators";

export const projectName = "orbit-registry";

export const targets = ["docker", "kubernetes"] as const;
export const storageKinds = ["minio", "s3"] as const;

export interface OrbitRegistryConfig {
    target: (typeof targets)[number];
    storage: (typeof storageKinds)[number];
    bucketName: string;
    registryImage: string;
    minioImage: string;
    registryUser: string;
    protectData: boolean;
    bindAddress: string;
    registryPort: number;
    minioApiPort: number;
    minioConsolePort: number;
    /** An existing Docker network the registry joins as well, e.g. Orbit's compose network. */
    dockerNetwork?: string;
    /** Docker daemon address; empty means the Docker provider's default (DOCKER_HOST or the local socket). */
    dockerHost?: string;
}

// Every key the program reads, with the rule its value must meet. Defaults live in Pulumi.yaml only.
const keyRules = {
    target: rules.oneOf(targets),
    storage: rules.oneOf(storageKinds),
    bucketName: rules.bucketName,
    registryImage: rules.pinnedImage,
    minioImage: rules.pinnedImage,
    registryUser: rules.htpasswdUser,
    protectData: rules.boolean,
    bindAddress: rules.ipAddress,
    registryPort: rules.port,
    minioApiPort: rules.port,
    minioConsolePort: rules.port,
    dockerNetwork: rules.optionalDockerNetwork,
    dockerHost: rules.anyString,
} as const;

export type ConfigKey = keyof typeof keyRules;
export const configKeys = Object.keys(keyRules) as ConfigKey[];
export type RawConfig = Partial<Record<ConfigKey, string>>;

const optionalKeys: ReadonlySet<ConfigKey> = new Set<ConfigKey>(["dockerNetwork", "dockerHost"]);

// Targets and storage kinds accepted by the config but not yet deployable by this version.
const unavailable: Array<[ConfigKey, string]> = [
    ["target", "kubernetes"],
    ["storage", "s3"],
];

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid ${projectName} configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

const describe = (key: ConfigKey, value: string, allowed: string) =>
    `${projectName}:${key} = ${JSON.stringify(value)} is not allowed; expected ${allowed}`;

/** Validates every key and returns the typed config, or throws one ConfigError listing each bad key. */
export function parseConfig(raw: RawConfig): OrbitRegistryConfig {
    const problems: string[] = [];
    for (const key of configKeys) {
        const value = raw[key];
        if (value === undefined) {
            if (!optionalKeys.has(key)) {
                problems.push(`${projectName}:${key} is not set (Pulumi.yaml declares its default; set it with 'pulumi config set ${key} …')`);
            }
            continue;
        }
        const allowed = keyRules[key](value);
        if (allowed) problems.push(describe(key, value, allowed));
    }

    const ports: Array<[ConfigKey, string | undefined]> = [
        ["registryPort", raw.registryPort],
        ["minioApiPort", raw.minioApiPort],
        ["minioConsolePort", raw.minioConsolePort],
    ];
    ports.forEach(([key, value], i) => {
        const clash = ports.slice(0, i).find(([, other]) => other !== undefined && other === value);
        if (clash && value !== undefined) {
            problems.push(describe(key, value, `a port different from ${projectName}:${clash[0]} (${value})`));
        }
    });

    for (const [key, value] of unavailable) {
        if (raw[key] === value) {
            problems.push(`${projectName}:${key} = ${JSON.stringify(value)} is not available in this version yet; expected ${key === "target" ? "docker" : "minio"}`);
        }
    }

    if (problems.length > 0) throw new ConfigError(problems);

    const emptyToUndefined = (value: string | undefined) => (value ? value : undefined);
    return {
        target: raw.target as OrbitRegistryConfig["target"],
        storage: raw.storage as OrbitRegistryConfig["storage"],
        bucketName: raw.bucketName!,
        registryImage: raw.registryImage!,
        minioImage: raw.minioImage!,
        registryUser: raw.registryUser!,
        protectData: raw.protectData === "true",
        bindAddress: raw.bindAddress!,
        registryPort: Number(raw.registryPort),
        minioApiPort: Number(raw.minioApiPort),
        minioConsolePort: Number(raw.minioConsolePort),
        dockerNetwork: emptyToUndefined(raw.dockerNetwork),
        dockerHost: emptyToUndefined(raw.dockerHost),
    };
}

/** Reads every key of the project's namespace from the stack's configuration as plain strings. */
export function readRawConfig(config = new pulumi.Config(projectName)): RawConfig {
    const raw: RawConfig = {};
    for (const key of configKeys) {
        const value = config.get(key);
        if (value !== undefined) raw[key] = value;
    }
    return raw;
}
