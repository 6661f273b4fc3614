import * as pulumi from "@pulumi/pulumi";
import type { RetentionRules } from "../common/retention";
import type { BackupOutput } from "./backupOutput";
import { appEnvironment } from "./appEnv";
import { pullSideAddresses, pullSideOutputs } from "./pullSideOutputs";
import { AwsS3Storage } from "./aws/s3Storage";
import { KubernetesConfig, OrbitRegistryConfig } from "./config";
import { Credentials, MinioCredentials } from "./credentials";
import { DeployedRegistry } from "./deployedRegistry";
import { DockerRegistry } from "./docker/registry";
import { DockerTarget } from "./docker/target";
import { KubernetesTarget } from "./kubernetes/target";
import { StackGuard, stackOwner } from "./guard/stackGuard";
import { KubernetesGuardInputs } from "./guard/kubernetesRules";
import { DockerGuardInputs } from "./guard/dockerRules";
import { dockerNames, names } from "../common/names";
import { StoragePlan } from "./storage";

/** The stack outputs Orbit's apps and operators read. */
export interface OrbitRegistryOutputs {
    registryUrl: pulumi.Output<string>;
    registryInternalUrl: pulumi.Output<string>;
    registryUser: pulumi.Output<string>;
    buildServiceEnv: pulumi.Output<Record<string, string>>;
    orbitWwwEnv: pulumi.Output<Record<string, string>>;
    minioEndpoint: pulumi.Output<string>;
    bucketName: pulumi.Output<string>;
    /** `s3` or `minio:<pods>x<drives per pod>`. */
    storageLayout: pulumi.Output<string>;
    /** The tag retention rules `npm run cleanup` applies (the Kubernetes CronJob has its own copy). */
    retention: pulumi.Output<RetentionRules>;
    /** With backupTarget: where backups go and the identities that copy (a secret). */
    backup?: pulumi.Output<BackupOutput>;
    /** With pullEndpoint: where runtimes pull, and its pull-only account (a secret). */
    pullUrl?: pulumi.Output<string>;
    pullEnv?: pulumi.Output<Record<string, string>>;
    /** With mirrorUpstream: where builds pull base images through the cache. */
    mirrorUrl?: pulumi.Output<string>;
    /** With workspace quotas: each workspace's quota, and where orbit-www reads their usage (docs/quotas.md). */
    quotas?: pulumi.Output<QuotaOutput>;
}

export interface QuotaOutput {
    defaultBytes: number;
    overrides: Record<string, number>;
    /** GET: every workspace's bytes, quota and percentage, and when usage was last scanned. */
    usageUrl: string;
}

/** Orbit's hosted registry: credentials, storage, the platform-specific deployment, and the apps' wiring. */
export class OrbitRegistry extends pulumi.ComponentResource {
    readonly outputs: OrbitRegistryOutputs;

    constructor(name: string, config: OrbitRegistryConfig, storageLayout: string, opts?: pulumi.ComponentResourceOptions) {
        // Every resource below waits for the guard: when its check refuses the deployment, nothing has changed.
        const guarded: { by?: StackGuard } = {};
        const afterGuard: pulumi.ResourceTransformation = ({ props, opts: childOpts, resource }) =>
            guarded.by && resource !== guarded.by && resource instanceof pulumi.CustomResource
                ? { props, opts: pulumi.mergeOptions(childOpts, { dependsOn: [guarded.by] }) }
                : undefined;
        super("orbit:registry:OrbitRegistry", name, {}, { ...opts, transformations: [afterGuard, ...(opts?.transformations ?? [])] });
        guarded.by = new StackGuard(
            `${name}-guard`,
            {
                storageLayout,
                layoutChangeAllowed: config.target === "kubernetes" && config.kubernetes.minioLayoutChange,
                kubernetes:
                    config.target === "kubernetes"
                        ? kubernetesGuardInputs(config.kubernetes, config.storage === "minio", config.pull?.secretNamespaces)
                        : undefined,
                docker: config.target === "docker" ? dockerGuardInputs(config) : undefined,
            },
            { parent: this },
        );
        const credentials = new Credentials(
            `${name}-credentials`,
            {
                registryUser: config.registryUser,
                pullUser: config.pull?.user,
                generations: config.credentials,
                events: config.eventsUrl !== undefined,
            },
            { parent: this },
        );
        const storage: StoragePlan =
            config.storage === "s3"
                ? {
                      kind: "s3",
                      storage: new AwsS3Storage(
                          `${name}-s3`,
                          {
                              bucketName: config.bucketName,
                              region: config.s3.awsRegion,
                              protectData: config.protectData,
                              generations: config.credentials,
                          },
                          { parent: this },
                      ),
                  }
                : {
                      kind: "minio",
                      credentials: new MinioCredentials(
                          `${name}-minio-credentials`,
                          {
                              generations: config.credentials,
                              reader: config.backup !== undefined || config.pull !== undefined,
                              mirror: config.mirror !== undefined,
                          },
                          { parent: this },
                      ),
                      minioImage: config.minio.minioImage,
                      publicEndpoint: config.minio.publicEndpoint,
                  };

        // The address Orbit's apps push to: the registry's name on the compose network (Docker), or
        // the TLS Ingress that every client uses (Kubernetes).
        const appRegistryUrl =
            config.target === "docker"
                ? DockerRegistry.internalUrl(dockerNames(config.docker.nameSuffix).registry)
                : config.kubernetes.ingressHost;
        const appEnv = pulumi
            .all([credentials.accessAt(appRegistryUrl), pullSideAddresses(config)])
            .apply(([access, addresses]) => appEnvironment(access, addresses));

        const deployed: DeployedRegistry =
            config.target === "docker"
                ? new DockerTarget(`${name}-docker`, { common: config, target: config.docker, credentials, storage }, { parent: this })
                : new KubernetesTarget(
                      `${name}-kubernetes`,
                      {
                          common: config,
                          target: config.kubernetes,
                          credentials,
                          storage,
                          appEnv,
                          pullAccess: currentPullAccount(credentials),
                      },
                      { parent: this },
                  );

        this.outputs = {
            registryUrl: deployed.registryUrl,
            registryInternalUrl: deployed.registryInternalUrl,
            registryUser: pulumi.output(credentials.registryUser),
            buildServiceEnv: pulumi.secret(appEnv.apply((env) => env.buildServiceEnv)),
            orbitWwwEnv: pulumi.secret(appEnv.apply((env) => env.orbitWwwEnv)),
            minioEndpoint: deployed.minioEndpoint,
            bucketName: deployed.bucketName,
            storageLayout: pulumi.output(storageLayout),
            retention: pulumi.output(config.retention),
            ...(deployed.backup ? { backup: deployed.backup } : {}),
            ...pullSideOutputs(config, credentials),
            ...(config.quota && deployed.usageUrl
                ? { quotas: deployed.usageUrl.apply((usageUrl) => ({ ...config.quota!.policy, usageUrl })) }
                : {}),
        };
        this.registerOutputs(this.outputs);
    }
}

/** What the guard checks on the cluster: the objects a second stack could collide with, and MinIO's claims. */
function kubernetesGuardInputs(cluster: KubernetesConfig, withMinio: boolean, pullSecretNamespaces?: string[]): KubernetesGuardInputs {
    const layout = cluster.minioLayout;
    return {
        context: cluster.kubeContext,
        stack: stackOwner(),
        namespace: cluster.namespace,
        appNamespace: cluster.appNamespace,
        appSecret: names.appCredentialsSecret,
        ...(pullSecretNamespaces ? { pullSecret: names.registryPull } : {}),
        ...(pullSecretNamespaces?.length ? { pullSecretNamespaces } : {}),
        minio: withMinio
            ? {
                  storageSize: cluster.minioStorageSize,
                  storageClass: cluster.storageClass,
                  pods: layout.pods,
                  drivesPerPod: layout.drivesPerPod,
                  statefulSet: layout.distributed ? names.minioPool : names.minio,
                  claim: layout.distributed ? undefined : names.minioData,
              }
            : undefined,
    };
}

/** What the guard checks on the Docker host: the names the stack creates and the ports it publishes. */
function dockerGuardInputs(config: OrbitRegistryConfig & { target: "docker" }): DockerGuardInputs {
    const host = config.docker;
    const named = dockerNames(host.nameSuffix);
    const minio = config.storage === "minio";
    const port = (key: string, value: number) => ({ key, address: host.bindAddress, port: value });
    return {
        ...(host.dockerHost ? { host: host.dockerHost } : {}),
        suffix: host.nameSuffix,
        containers: [
            ...(minio ? [named.minio] : []),
            named.registry,
            ...(config.pull ? [named.registryPull] : []),
            ...(config.mirror ? [named.registryMirror] : []),
            ...(config.quota ? [named.registryAuth] : []),
        ],
        network: named.internalNetwork,
        ...(minio ? { volume: named.minioData } : {}),
        ports: [
            port("registryPort", host.registryPort),
            ...(minio ? [port("minioApiPort", host.minioApiPort), port("minioConsolePort", host.minioConsolePort)] : []),
            ...(config.pull ? [port("pullPort", config.pull.port)] : []),
            ...(config.mirror ? [port("mirrorPort", config.mirror.port)] : []),
            ...(config.quota ? [port("authPort", config.quota.authPort)] : []),
        ],
        adoptData: host.adoptData,
    };
}

/** The pull account's current generation, for the dockerconfigjson Secrets; none without the pull endpoint. */
function currentPullAccount(credentials: Credentials): pulumi.Output<{ user: string; password: string }> | undefined {
    const account = credentials.pullAccounts?.[credentials.pullAccounts.length - 1];
    return account && pulumi.secret(account.password.apply((password) => ({ user: account.user, password })));
}
