import * as pulumi from "@pulumi/pulumi";
import type { RetentionRules } from "../operations/retention";
import type { BackupOutput } from "./backupOutput";
import { appEnvironment } from "./appEnv";
import { AwsS3Storage } from "./aws/s3Storage";
import { KubernetesConfig, OrbitRegistryConfig } from "./config";
import { Credentials, MinioCredentials } from "./credentials";
import { DeployedRegistry } from "./deployedRegistry";
import { DockerRegistry } from "./docker/registry";
import { DockerTarget } from "./docker/target";
import { KubernetesTarget } from "./kubernetes/target";
import { StackGuard, stackOwner } from "./guard/stackGuard";
import { KubernetesGuardInputs } from "./guard/kubernetesRules";
import { names } from "./names";
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
                    config.target === "kubernetes" ? kubernetesGuardInputs(config.kubernetes, config.storage === "minio") : undefined,
            },
            { parent: this },
        );
        const credentials = new Credentials(
            `${name}-credentials`,
            { registryUser: config.registryUser, generations: config.credentials, events: config.eventsUrl !== undefined },
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
                          { generations: config.credentials, backup: config.backup !== undefined },
                          { parent: this },
                      ),
                      minioImage: config.minio.minioImage,
                      publicEndpoint: config.minio.publicEndpoint,
                  };

        // The address Orbit's apps push to: the registry's name on the compose network (Docker), or
        // the TLS Ingress that every client uses (Kubernetes).
        const appRegistryUrl = config.target === "docker" ? DockerRegistry.internalUrl : config.kubernetes.ingressHost;
        const appEnv = credentials.accessAt(appRegistryUrl).apply(appEnvironment);

        const deployed: DeployedRegistry =
            config.target === "docker"
                ? new DockerTarget(`${name}-docker`, { common: config, target: config.docker, credentials, storage }, { parent: this })
                : new KubernetesTarget(
                      `${name}-kubernetes`,
                      { common: config, target: config.kubernetes, credentials, storage, appEnv },
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
        };
        this.registerOutputs(this.outputs);
    }
}

/** What the guard checks on the cluster: the objects a second stack could collide with, and MinIO's claims. */
function kubernetesGuardInputs(cluster: KubernetesConfig, withMinio: boolean): KubernetesGuardInputs {
    const layout = cluster.minioLayout;
    return {
        context: cluster.kubeContext,
        stack: stackOwner(),
        namespace: cluster.namespace,
        appNamespace: cluster.appNamespace,
        appSecret: names.appCredentialsSecret,
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
