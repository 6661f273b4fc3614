import * as pulumi from "@pulumi/pulumi";
import { RegistryLogLevel, registryLogLevels } from "./registryConfig";
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
    registryLogLevel: RegistryLogLevel;
    protectData: boolean;

    // Docker target
    bindAddress: string;
    registryPort: number;
    minioApiPort: number;
    minioConsolePort: number;
    /** An existing Docker network the registry joins as well, e.g. Orbit's compose network. */
    dockerNetwork?: string;
    /** Docker daemon address; empty means the Docker provider's default (DOCKER_HOST or the local socket). */
    dockerHost?: string;

    // Kubernetes target
    namespace: string;
    /** Where build-service runs; receives the orbit-registry-credentials Secret. */
    appNamespace: string;
    /** kubeconfig context; empty means the current context. */
    kubeContext?: string;
    minioStorageSize: string;
    /** Empty means the cluster's default StorageClass. */
    storageClass?: string;
    registryReplicas: number;
    ingressHost?: string;
    ingressClassName: string;
    /** Namespace of the ingress controller, allowed to reach the registry. */
    ingressControllerNamespace: string;
    tlsSecretName: string;
    /** cert-manager ClusterIssuer that fills tlsSecretName; empty means the Secret is provided. */
    clusterIssuer?: string;
    /** MinIO client image of the provisioning Job. */
    mcImage: string;

    // Storage s3
    /** From aws:region. */
    awsRegion?: string;
}

// Every key the program reads, with the rule its value must meet. Defaults live in Pulumi.yaml only.
const keyRules = {
    target: rules.oneOf(targets),
    storage: rules.oneOf(storageKinds),
    bucketName: rules.bucketName,
    registryImage: rules.pinnedImage,
    minioImage: rules.pinnedImage,
    registryUser: rules.htpasswdUser,
    registryLogLevel: rules.oneOf(registryLogLevels),
    protectData: rules.boolean,
    bindAddress: rules.ipAddress,
    registryPort: rules.port,
    minioApiPort: rules.port,
    minioConsolePort: rules.port,
    dockerNetwork: rules.optionalDockerNetwork,
    dockerHost: rules.anyString,
    namespace: rules.dnsLabel,
    appNamespace: rules.dnsLabel,
    kubeContext: rules.anyString,
    minioStorageSize: rules.storageQuantity,
    storageClass: rules.optional(rules.dnsSubdomain),
    registryReplicas: rules.positiveInteger,
    ingressHost: rules.optional(rules.dnsSubdomain),
    ingressClassName: rules.dnsSubdomain,
    ingressControllerNamespace: rules.dnsLabel,
    tlsSecretName: rules.dnsSubdomain,
    clusterIssuer: rules.optional(rules.dnsSubdomain),
    mcImage: rules.pinnedImage,
    awsRegion: rules.awsRegion,
} as const;

export type ConfigKey = keyof typeof keyRules;
export const configKeys = Object.keys(keyRules) as ConfigKey[];
export type RawConfig = Partial<Record<ConfigKey, string>>;

/** Keys read from another provider's namespace, under their own name. */
const foreignKeys: Partial<Record<ConfigKey, string>> = { awsRegion: "aws:region" };
/** Keys Pulumi.yaml gives no default, because an empty value means something. */
const optionalKeys: ReadonlySet<ConfigKey> = new Set<ConfigKey>(["awsRegion"]);

export const qualifiedKey = (key: ConfigKey) => foreignKeys[key] ?? `${projectName}:${key}`;

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid ${projectName} configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

const describe = (key: ConfigKey, value: string, allowed: string) =>
    `${qualifiedKey(key)} = ${JSON.stringify(value)} is not allowed; expected ${allowed}`;

const missing = (key: ConfigKey, why: string) =>
    `${qualifiedKey(key)} is not set; ${why} (pulumi config set ${foreignKeys[key] ?? key} …)`;

/** Validates every key and returns the typed config, or throws one ConfigError listing each bad key. */
export function parseConfig(raw: RawConfig): OrbitRegistryConfig {
    const problems: string[] = [];
    for (const key of configKeys) {
        const value = raw[key];
        if (value === undefined) {
            if (!optionalKeys.has(key)) problems.push(missing(key, "Pulumi.yaml declares its default"));
            continue;
        }
        const allowed = keyRules[key](value);
        if (allowed) problems.push(describe(key, value, allowed));
    }

    const ports: ConfigKey[] = ["registryPort", "minioApiPort", "minioConsolePort"];
    ports.forEach((key, i) => {
        const value = raw[key];
        const clash = ports.slice(0, i).find((other) => value !== undefined && raw[other] === value);
        if (clash && value !== undefined) problems.push(describe(key, value, `a port different from ${qualifiedKey(clash)} (${value})`));
    });

    if (raw.target === "kubernetes" && !raw.ingressHost) {
        problems.push(missing("ingressHost", "the kubernetes target serves the registry on this host"));
    }
    if (raw.storage === "s3" && raw.awsRegion === undefined) {
        problems.push(missing("awsRegion", "storage s3 creates the bucket in this region"));
    }

    if (problems.length > 0) throw new ConfigError(problems);

    const text = (key: ConfigKey) => raw[key] as string;
    const optionalText = (key: ConfigKey) => raw[key] || undefined;
    return {
        target: raw.target as OrbitRegistryConfig["target"],
        storage: raw.storage as OrbitRegistryConfig["storage"],
        bucketName: text("bucketName"),
        registryImage: text("registryImage"),
        minioImage: text("minioImage"),
        registryUser: text("registryUser"),
        registryLogLevel: raw.registryLogLevel as RegistryLogLevel,
        protectData: raw.protectData === "true",
        bindAddress: text("bindAddress"),
        registryPort: Number(raw.registryPort),
        minioApiPort: Number(raw.minioApiPort),
        minioConsolePort: Number(raw.minioConsolePort),
        dockerNetwork: optionalText("dockerNetwork"),
        dockerHost: optionalText("dockerHost"),
        namespace: text("namespace"),
        appNamespace: text("appNamespace"),
        kubeContext: optionalText("kubeContext"),
        minioStorageSize: text("minioStorageSize"),
        storageClass: optionalText("storageClass"),
        registryReplicas: Number(raw.registryReplicas),
        ingressHost: optionalText("ingressHost"),
        ingressClassName: text("ingressClassName"),
        ingressControllerNamespace: text("ingressControllerNamespace"),
        tlsSecretName: text("tlsSecretName"),
        clusterIssuer: optionalText("clusterIssuer"),
        mcImage: text("mcImage"),
        awsRegion: optionalText("awsRegion"),
    };
}

/** Reads every key the program uses from the stack's configuration, as plain strings. */
export function readRawConfig(): RawConfig {
    const raw: RawConfig = {};
    for (const key of configKeys) {
        const [namespace, name] = (foreignKeys[key] ?? `${projectName}:${key}`).split(":");
        const value = new pulumi.Config(namespace).get(name);
        if (value !== undefined) raw[key] = value;
    }
    return raw;
}
