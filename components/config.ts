import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { closest } from "fastest-levenshtein";
import {
    DistributionVersion,
    registryVersionSettings,
    RegistryVersionSetting,
    resolveDistributionVersion,
} from "../common/distributionVersion";
import { CredentialGenerations, credentialGenerations } from "./credentialGenerations";
import { MinioLayout, minioLayout } from "./minioLayout";
import { BackupTarget, backupTargetProblem, parseBackupTarget } from "../common/backupTarget";
import { minioPublicEndpointProblem } from "./minioPublicEndpoint";
import { MirrorConfig, ProblemWording, PullConfig, pullSideConfig, pullSideProblems } from "./pullSideConfig";
import { QuotaConfig, quotaConfig, quotaProblems, workspaceQuotaRule, workspaceQuotasRule } from "./quotaConfig";
import { RegistryLogLevel, registryLogLevels } from "./registryConfig";
import * as rules from "../common/validators";
import type { RetentionRules } from "../common/retention";

export const projectName = "orbit-registry";

export const targets = ["docker", "kubernetes"] as const;
export const storageKinds = ["minio", "s3"] as const;

/** What every stack sets, whatever its target and storage. */
export interface CommonConfig {
    bucketName: string;
    registryImage: string;
    /** Distribution's major version, from registryVersion or the image tag. */
    distributionVersion: DistributionVersion;
    registryUser: string;
    /** Which credentials are issued, and which previous ones are still accepted. */
    credentials: CredentialGenerations;
    registryLogLevel: RegistryLogLevel;
    /** What URLs of non-distributable layers may match; empty refuses them. */
    foreignLayerUrls: string;
    /** orbit-www's endpoint for push and delete events; absent turns events off. */
    eventsUrl?: string;
    protectData: boolean;
    /** Tag retention: what the cleanup keeps (common/retention.ts); off while both counts are 0. */
    retention: RetentionRules;
    /** Off-site copies of the bucket; none when backupTarget is empty. */
    backup?: BackupConfig;
    /** The read-only pull endpoint (pullEndpoint), or none. */
    pull?: PullConfig;
    /** The Docker Hub mirror (mirrorUpstream), or none. */
    mirror?: MirrorConfig;
    /** Workspace quotas and the token server that enforces them; none when every quota is 0. */
    quota?: QuotaConfig;
}

/** backupTarget and its credentials (Pulumi secrets), and the Kubernetes CronJob's schedule. */
export interface BackupConfig {
    target: BackupTarget;
    accessKey: string;
    secretKey: string;
    /** Kubernetes: the CronJob's schedule; Docker runs `npm run backup` from the host's cron. */
    schedule?: string;
}

/** The Docker target: ports published on the Docker host. */
export interface DockerConfig {
    bindAddress: string;
    /** Host ports; the containers listen on their own (see upstream.ts). */
    registryPort: number;
    minioApiPort: number;
    minioConsolePort: number;
    /** An existing Docker network the registry joins as well, e.g. Orbit's compose network. */
    dockerNetwork?: string;
    /** Docker daemon address; empty means the Docker provider's default (DOCKER_HOST or the local socket). */
    dockerHost?: string;
    /** Prometheus on the registry's Docker networks may scrape the registry and MinIO (never published). */
    metrics: boolean;
    /** Appended to every container, volume and network name, so a second stack fits on the same host. */
    nameSuffix: string;
    /** Take over the volume and bucket an earlier deployment left behind: the bucket is imported. */
    adoptData: boolean;
}

/** The Kubernetes target. */
export interface KubernetesConfig {
    namespace: string;
    /** Where build-service runs; receives the orbit-registry-credentials Secret. */
    appNamespace: string;
    /** kubeconfig context; empty means the current context. */
    kubeContext?: string;
    minioStorageSize: string;
    /** One pod on one drive, or MinIO erasure-coded across pods (minioReplicas ≥ 4). */
    minioLayout: MinioLayout;
    /** The stack may change its MinIO layout: a new, empty MinIO (docs/operations.md, Scaling out). */
    minioLayoutChange: boolean;
    /** Empty means the cluster's default StorageClass. */
    storageClass?: string;
    registryReplicas: number;
    /** Deploy Redis as the registry's shared blob-descriptor cache; on when registryReplicas > 1. */
    redisCache: boolean;
    redisImage: string;
    ingressHost: string;
    ingressClassName: string;
    /** Namespace of the ingress controller, allowed to reach the registry. */
    ingressControllerNamespace: string;
    tlsSecretName: string;
    /** cert-manager ClusterIssuer that fills tlsSecretName; empty means the Secret is provided. */
    clusterIssuer?: string;
    /** MinIO client image of the provisioning Job. */
    mcImage: string;
    /** ServiceMonitors and a PrometheusRule for the Prometheus Operator, scraped from prometheusNamespace; or none. */
    monitoring?: { prometheusNamespace: string };
    /** Garbage collection on a schedule (a CronJob), or none. */
    gc?: { schedule: string; deleteUntagged: boolean; kubectlImage: string; nodeImage: string };
}

/** MinIO deployed by the program on the target. */
export interface MinioConfig {
    minioImage: string;
    /** A MinIO origin clients reach: blob pulls redirect to presigned URLs on it (minioPublicEndpoint). */
    publicEndpoint?: string;
}

/** AWS S3 instead of MinIO. */
export interface S3Config {
    /** From aws:region. */
    awsRegion: string;
}

export type TargetConfig = { target: "docker"; docker: DockerConfig } | { target: "kubernetes"; kubernetes: KubernetesConfig };
export type StorageConfig = { storage: "minio"; minio: MinioConfig } | { storage: "s3"; s3: S3Config };
export type OrbitRegistryConfig = CommonConfig & TargetConfig & StorageConfig;

// Every key the program reads, with the rule its value must meet. Defaults live in Pulumi.yaml only.
const keyRules = {
    target: rules.oneOf(targets),
    storage: rules.oneOf(storageKinds),
    bucketName: rules.bucketName,
    registryImage: rules.pinnedImage,
    registryVersion: rules.oneOf(registryVersionSettings),
    minioImage: rules.pinnedImage,
    minioPublicEndpoint: rules.anyString,
    registryUser: rules.htpasswdUser,
    credentialsGeneration: rules.positiveInteger,
    retiredCredentialsGeneration: rules.nonNegativeInteger,
    registryLogLevel: rules.oneOf(registryLogLevels),
    foreignLayerUrls: rules.optionalRegularExpression,
    eventsUrl: rules.optionalHttpUrl,
    protectData: rules.boolean,
    bindAddress: rules.ipAddress,
    registryPort: rules.port,
    minioApiPort: rules.port,
    minioConsolePort: rules.port,
    dockerNetwork: rules.optionalDockerNetwork,
    dockerHost: rules.anyString,
    dockerMetrics: rules.boolean,
    dockerNameSuffix: rules.optional(rules.dnsLabel),
    adoptData: rules.boolean,
    namespace: rules.dnsLabel,
    appNamespace: rules.dnsLabel,
    kubeContext: rules.anyString,
    minioStorageSize: rules.storageQuantity,
    minioReplicas: rules.positiveInteger,
    minioDrivesPerPod: rules.positiveInteger,
    minioLayoutChange: rules.boolean,
    storageClass: rules.optional(rules.dnsSubdomain),
    registryReplicas: rules.positiveInteger,
    redisCache: rules.boolean,
    redisImage: rules.pinnedImage,
    ingressHost: rules.optional(rules.dnsSubdomain),
    ingressClassName: rules.dnsSubdomain,
    ingressControllerNamespace: rules.dnsLabel,
    tlsSecretName: rules.dnsSubdomain,
    clusterIssuer: rules.optional(rules.dnsSubdomain),
    mcImage: rules.pinnedImage,
    prometheusOperator: rules.boolean,
    prometheusNamespace: rules.dnsLabel,
    gcSchedule: rules.optional(rules.cronSchedule),
    gcDeleteUntagged: rules.boolean,
    kubectlImage: rules.pinnedImage,
    retentionKeepLast: rules.nonNegativeInteger,
    retentionKeepDays: rules.nonNegativeInteger,
    retentionKeepTags: rules.optionalRegularExpression,
    retentionToQuota: rules.boolean,
    nodeImage: rules.pinnedImage,
    backupTarget: backupTargetProblem,
    backupAccessKey: rules.anyString,
    backupSecretKey: rules.anyString,
    backupSchedule: rules.optional(rules.cronSchedule),
    pullEndpoint: rules.boolean,
    pullUser: rules.htpasswdUser,
    pullPort: rules.port,
    pullReplicas: rules.positiveInteger,
    pullHost: rules.optional(rules.dnsSubdomain),
    pullSecretNamespaces: rules.dnsLabelList,
    mirrorUpstream: rules.optionalRegistryOrigin,
    mirrorUsername: rules.anyString,
    mirrorPassword: rules.anyString,
    mirrorTtl: rules.goDuration,
    mirrorPort: rules.port,
    workspaceQuota: workspaceQuotaRule,
    workspaceQuotas: workspaceQuotasRule,
    authPort: rules.port,
    authRealmHost: rules.optional(rules.dnsSubdomain),
    awsRegion: rules.awsRegion,
} as const;

export type ConfigKey = keyof typeof keyRules;
export const configKeys = Object.keys(keyRules) as ConfigKey[];
/** The stack's configuration as strings, by key; keys the program does not know are refused. */
export type RawConfig = Partial<Record<ConfigKey, string>> & { [unknownKey: string]: string | undefined };

/** Keys read from another provider's namespace, under their own name. */
const foreignKeys: Partial<Record<ConfigKey, string>> = { awsRegion: "aws:region" };
/** Keys Pulumi.yaml gives no default, because an empty value means something. */
const optionalKeys: ReadonlySet<ConfigKey> = new Set<ConfigKey>(["awsRegion"]);
const projectKeys = configKeys.filter((key) => !foreignKeys[key]);

export const qualifiedKey = (key: ConfigKey) => foreignKeys[key] ?? `${projectName}:${key}`;

/**
 * Bad configuration. A RunError, which Pulumi prints as its message alone; without a stack, so that
 * nothing formats one either (Pulumi still inspects every error for its trace, and Node 20.20's
 * util.inspect loops on a source-mapped frame: nodejs/node issue 64011).
 */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: string[]) {
        super(`Invalid ${projectName} configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
        this.stack = undefined;
    }
}

const describe = (key: ConfigKey, value: string, allowed: string) =>
    `${qualifiedKey(key)} = ${JSON.stringify(value)} is not allowed; expected ${allowed}`;

const missing = (key: ConfigKey, why: string) =>
    `${qualifiedKey(key)} is not set; ${why} (scripts/pulumi config set ${foreignKeys[key] ?? key} …)`;

const plainText = (key: ConfigKey) =>
    `${qualifiedKey(key)} is set in plain text; set it as a secret (scripts/pulumi config set --secret ${key} …), ` +
    "which Pulumi encrypts in the stack's file and state";

const unknown = (key: string) =>
    `${projectName}:${key} is not a key this program reads; ` +
    `did you mean ${closest(key, projectKeys)}? (scripts/pulumi config rm ${key})`;

/** How the problems other files find read, like every key's here. */
const wording: ProblemWording = {
    describe: (key, value, allowed) => describe(key as ConfigKey, value, allowed),
    missing: (key, why) => missing(key as ConfigKey, why),
    plainText: (key) => plainText(key as ConfigKey),
};

const isKnown = (key: string): key is ConfigKey => (configKeys as string[]).includes(key);

/**
 * Validates every key and returns the typed config, or throws one ConfigError listing each bad key.
 * `secretKeys` are the keys the stack holds as Pulumi secrets (credentials must be).
 */
export function parseConfig(raw: RawConfig, secretKeys: ReadonlySet<string> = new Set()): OrbitRegistryConfig {
    const problems: string[] = Object.keys(raw)
        .filter((key) => !isKnown(key))
        .map(unknown);
    for (const key of configKeys) {
        const value = raw[key];
        if (value === undefined) {
            if (!optionalKeys.has(key)) problems.push(missing(key, "Pulumi.yaml declares its default"));
            continue;
        }
        const allowed = keyRules[key](value);
        if (allowed) problems.push(describe(key, value, allowed));
    }

    const ports: ConfigKey[] = [
        "registryPort",
        "minioApiPort",
        "minioConsolePort",
        ...(raw.pullEndpoint === "true" ? (["pullPort"] as const) : []),
        ...(raw.mirrorUpstream ? (["mirrorPort"] as const) : []),
        ...(quotaConfig(raw).quota ? (["authPort"] as const) : []),
    ];
    ports.forEach((key, i) => {
        const value = raw[key];
        const clash = ports.slice(0, i).find((other) => value !== undefined && raw[other] === value);
        if (clash && value !== undefined) problems.push(describe(key, value, `a port different from ${qualifiedKey(clash)} (${value})`));
    });

    if (raw.target === "kubernetes" && !raw.ingressHost) {
        problems.push(missing("ingressHost", "the kubernetes target serves the registry on this host"));
    }
    if (
        raw.registryImage !== undefined &&
        raw.registryVersion !== undefined &&
        !problems.some((p) => /registry(Image|Version) =/.test(p))
    ) {
        const version = resolveDistributionVersion(raw.registryImage, raw.registryVersion as RegistryVersionSetting);
        if (typeof version === "object") {
            problems.push(
                `${qualifiedKey("registryVersion")} = ${JSON.stringify(raw.registryVersion)} does not fit ` +
                    `${qualifiedKey("registryImage")} = ${JSON.stringify(raw.registryImage)}: ${version.problem}`,
            );
        }
    }
    const layoutKeysValid = !problems.some((p) => /:minio(Replicas|DrivesPerPod) =/.test(p));
    const layout = layoutKeysValid ? minioLayout(Number(raw.minioReplicas), Number(raw.minioDrivesPerPod)) : undefined;
    if (layout && "problem" in layout) {
        problems.push(
            `${qualifiedKey("minioReplicas")} = ${JSON.stringify(raw.minioReplicas)} with ${qualifiedKey("minioDrivesPerPod")} = ` +
                `${JSON.stringify(raw.minioDrivesPerPod)} is a layout MinIO refuses: ${layout.problem}`,
        );
    } else if (layout?.distributed && raw.target === "docker") {
        problems.push(
            describe(
                "minioReplicas",
                raw.minioReplicas ?? "",
                "1 on the docker target (one MinIO container); distributed MinIO runs on kubernetes",
            ),
        );
    }
    if (raw.target === "kubernetes") {
        if (raw.dockerNameSuffix) problems.push(describe("dockerNameSuffix", raw.dockerNameSuffix, "empty on the kubernetes target"));
        if (raw.adoptData === "true") problems.push(describe("adoptData", raw.adoptData, "false on the kubernetes target"));
        if (raw.authRealmHost) {
            problems.push(
                describe("authRealmHost", raw.authRealmHost, "empty on the kubernetes target (the realm is https://<ingressHost>/token)"),
            );
        }
    }
    if (raw.target === "docker" && raw.gcSchedule && !rules.cronSchedule(raw.gcSchedule)) {
        problems.push(
            describe("gcSchedule", raw.gcSchedule, 'empty on the docker target: run "npm run gc -- --stack <stack>" from the host\'s cron'),
        );
    }
    if (raw.gcDeleteUntagged === "true" && raw.registryImage !== undefined && raw.registryVersion !== undefined) {
        const version = resolveDistributionVersion(raw.registryImage, raw.registryVersion as RegistryVersionSetting);
        if (version === 2) {
            problems.push(
                describe(
                    "gcDeleteUntagged",
                    raw.gcDeleteUntagged,
                    "false with Distribution 2, whose --delete-untagged deletes the platform images of multi-arch images",
                ),
            );
        }
    }
    problems.push(...backupProblems(raw, secretKeys));
    const version =
        raw.registryImage && raw.registryVersion
            ? resolveDistributionVersion(raw.registryImage, raw.registryVersion as RegistryVersionSetting)
            : undefined;
    problems.push(...pullSideProblems(raw, secretKeys, wording, typeof version === "number" ? version : undefined));
    if (!problems.some((p) => /:(workspaceQuotas?|authRealmHost|dockerNetwork) =/.test(p))) {
        problems.push(...quotaProblems(raw, wording));
    }
    if (raw.retentionToQuota === "true" && !quotaConfig(raw).quota && !problems.some((p) => /:workspaceQuotas? =/.test(p))) {
        problems.push(
            describe("retentionToQuota", "true", "false while no workspace has a quota: set workspaceQuota or workspaceQuotas first"),
        );
    }
    const retentionOn = Number(raw.retentionKeepLast) > 0 || Number(raw.retentionKeepDays) > 0 || raw.retentionToQuota === "true";
    if (raw.target === "kubernetes" && retentionOn && !raw.gcSchedule && !problems.some((p) => /:retention(Keep|ToQuota)/.test(p))) {
        const key = (["retentionKeepLast", "retentionKeepDays"] as const).find((k) => Number(raw[k]) > 0) ?? "retentionToQuota";
        const off = key === "retentionToQuota" ? "false" : "0";
        problems.push(
            describe(
                key,
                raw[key] ?? "",
                `${off} while gcSchedule is empty on the kubernetes target: the gcSchedule CronJob runs the cleanup`,
            ),
        );
    }
    const generation = Number(raw.credentialsGeneration);
    const retired = Number(raw.retiredCredentialsGeneration);
    if (!problems.some((p) => /CredentialsGeneration =/.test(p)) && retired >= generation) {
        problems.push(
            describe(
                "retiredCredentialsGeneration",
                raw.retiredCredentialsGeneration ?? "",
                `below ${qualifiedKey("credentialsGeneration")} (${generation}): the current credentials cannot be retired`,
            ),
        );
    }
    const publicEndpointProblem = minioPublicEndpointProblem(raw.minioPublicEndpoint ?? "", raw);
    if (publicEndpointProblem) problems.push(describe("minioPublicEndpoint", raw.minioPublicEndpoint ?? "", publicEndpointProblem));
    if (raw.storage === "s3" && raw.awsRegion === undefined) {
        problems.push(missing("awsRegion", "storage s3 creates the bucket in this region"));
    }

    if (problems.length > 0) throw new ConfigError(problems);
    return typedConfig(raw as Record<ConfigKey, string>);
}

/** The validated strings as the typed config; each part holds only what its target or storage reads. */
function typedConfig(raw: Record<ConfigKey, string>): OrbitRegistryConfig {
    const optionalText = (key: ConfigKey) => raw[key] || undefined;
    const { quota } = quotaConfig(raw);
    const common: CommonConfig = {
        bucketName: raw.bucketName,
        registryImage: raw.registryImage,
        distributionVersion: resolveDistributionVersion(
            raw.registryImage,
            raw.registryVersion as RegistryVersionSetting,
        ) as DistributionVersion,
        registryUser: raw.registryUser,
        credentials: credentialGenerations(Number(raw.credentialsGeneration), Number(raw.retiredCredentialsGeneration)),
        registryLogLevel: raw.registryLogLevel as RegistryLogLevel,
        foreignLayerUrls: raw.foreignLayerUrls,
        eventsUrl: optionalText("eventsUrl"),
        protectData: raw.protectData === "true",
        retention: {
            keepLast: Number(raw.retentionKeepLast),
            keepDays: Number(raw.retentionKeepDays),
            keepTags: raw.retentionKeepTags,
            ...(raw.retentionToQuota === "true" ? { toQuota: quota!.policy } : {}),
        },
        backup: raw.backupTarget
            ? {
                  target: parseBackupTarget(raw.backupTarget),
                  accessKey: raw.backupAccessKey,
                  secretKey: raw.backupSecretKey,
                  schedule: optionalText("backupSchedule"),
              }
            : undefined,
        ...pullSideConfig(raw),
        ...(quota ? { quota } : {}),
    };
    const target: TargetConfig =
        raw.target === "docker"
            ? {
                  target: "docker",
                  docker: {
                      bindAddress: raw.bindAddress,
                      registryPort: Number(raw.registryPort),
                      minioApiPort: Number(raw.minioApiPort),
                      minioConsolePort: Number(raw.minioConsolePort),
                      dockerNetwork: optionalText("dockerNetwork"),
                      dockerHost: optionalText("dockerHost"),
                      metrics: raw.dockerMetrics === "true",
                      nameSuffix: raw.dockerNameSuffix ?? "",
                      adoptData: raw.adoptData === "true",
                  },
              }
            : {
                  target: "kubernetes",
                  kubernetes: {
                      namespace: raw.namespace,
                      appNamespace: raw.appNamespace,
                      kubeContext: optionalText("kubeContext"),
                      minioStorageSize: raw.minioStorageSize,
                      minioLayout: minioLayout(Number(raw.minioReplicas), Number(raw.minioDrivesPerPod)) as MinioLayout,
                      minioLayoutChange: raw.minioLayoutChange === "true",
                      storageClass: optionalText("storageClass"),
                      registryReplicas: Number(raw.registryReplicas),
                      // Replicas with in-memory caches disagree after deletes and garbage collection; the pull
                      // endpoint's pods are more replicas of the same storage.
                      redisCache: raw.redisCache === "true" || Number(raw.registryReplicas) > 1 || raw.pullEndpoint === "true",
                      redisImage: raw.redisImage,
                      ingressHost: raw.ingressHost,
                      ingressClassName: raw.ingressClassName,
                      ingressControllerNamespace: raw.ingressControllerNamespace,
                      tlsSecretName: raw.tlsSecretName,
                      clusterIssuer: optionalText("clusterIssuer"),
                      mcImage: raw.mcImage,
                      monitoring: raw.prometheusOperator === "true" ? { prometheusNamespace: raw.prometheusNamespace } : undefined,
                      gc: raw.gcSchedule
                          ? {
                                schedule: raw.gcSchedule,
                                deleteUntagged: raw.gcDeleteUntagged === "true",
                                kubectlImage: raw.kubectlImage,
                                nodeImage: raw.nodeImage,
                            }
                          : undefined,
                  },
              };
    const storage: StorageConfig =
        raw.storage === "s3"
            ? { storage: "s3", s3: { awsRegion: raw.awsRegion } }
            : {
                  storage: "minio",
                  minio: {
                      minioImage: raw.minioImage,
                      publicEndpoint: raw.minioPublicEndpoint ? new URL(raw.minioPublicEndpoint).origin : undefined,
                  },
              };
    return { ...common, ...target, ...storage };
}

/** Backups: credentials set, and as secrets; a schedule where a CronJob runs them, none where the host's cron does. */
function backupProblems(raw: RawConfig, secretKeys: ReadonlySet<string>): string[] {
    const problems: string[] = [];
    if (!raw.backupTarget) {
        if (raw.backupSchedule) problems.push(describe("backupSchedule", raw.backupSchedule, "empty while backupTarget is empty"));
        return problems;
    }
    // A malformed backupTarget has its own message; its schedule and keys are judged once it is fixed.
    if (backupTargetProblem(raw.backupTarget)) return problems;
    for (const key of ["backupAccessKey", "backupSecretKey"] as const) {
        if (!raw[key]) problems.push(missing(key, "backupTarget needs its credentials"));
        else if (!secretKeys.has(key)) problems.push(plainText(key));
    }
    if (raw.storage === "s3") {
        problems.push(describe("backupTarget", raw.backupTarget, "empty with storage s3 (use the bucket's versioning and replication)"));
    }
    if (raw.target === "kubernetes" && !raw.backupSchedule) {
        problems.push(missing("backupSchedule", "the kubernetes target backs up on this cron schedule (UTC), e.g. 0 2 * * *"));
    }
    if (raw.target === "docker" && raw.backupSchedule) {
        problems.push(
            describe(
                "backupSchedule",
                raw.backupSchedule,
                'empty on the docker target: run "npm run backup -- --stack <stack>" from the host\'s cron',
            ),
        );
    }
    return problems;
}

/** The keys of the project's namespace the stack holds as Pulumi secrets. */
export function readSecretKeys(): Set<string> {
    // The language host passes them (PULUMI_CONFIG_SECRET_KEYS); the SDK marks its reader internal.
    const { isConfigSecret } = runtimeConfig as unknown as { isConfigSecret(key: string): boolean };
    return new Set(configKeys.filter((key) => isConfigSecret(qualifiedKey(key))));
}

/**
 * Reads the stack's configuration as plain strings: every key in the project's namespace (so a
 * mistyped key is refused, not ignored) and the foreign keys the program uses.
 */
export function readRawConfig(): RawConfig {
    const raw: RawConfig = {};
    const prefix = `${projectName}:`;
    for (const [qualified, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (qualified.startsWith(prefix)) raw[qualified.slice(prefix.length)] = value;
    }
    for (const [key, qualified] of Object.entries(foreignKeys)) {
        const [namespace, name] = qualified.split(":");
        const value = new pulumi.Config(namespace).get(name);
        if (value !== undefined) raw[key] = value;
    }
    return raw;
}
