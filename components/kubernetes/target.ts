import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { retentionEnabled } from "../../common/retention";
import { allAppVariables, AppEnvironment } from "../appEnv";
import { BackupOutput, backupOutput } from "../backupOutput";
import { backupTargetPort } from "../../common/backupTarget";
import { longestCronInterval } from "../cronInterval";
import { KubernetesConfig } from "../config";
import { deployedOutputs, DeployedRegistry, TargetArgs } from "../deployedRegistry";
import { ownerAnnotations } from "../guard/stackGuard";
import { names } from "../../common/names";
import { registryFiles } from "../registryFiles";
import { BackupCronJob } from "./backupCronJob";
import { GarbageCollector } from "./garbageCollector";
import { Monitoring } from "./monitoring";
import { distributionContainer, minioContainer } from "../../common/upstream";
import { KubernetesMinio } from "./minio";
import { NetworkPolicies } from "./networkPolicies";
import { KubernetesRedis } from "./redis";
import { KubernetesPullSide } from "./pullSide";
import { KubernetesRegistry, registryAuthDir } from "./registry";
import { KubernetesTokenServer } from "./tokenServer";
import { registryTokenAuth, TokenSigningKey, tokenAccountsJson, tokenServerScript } from "../tokenAuth";

export interface KubernetesTargetArgs extends TargetArgs<KubernetesConfig> {
    /** The apps' environment, written to a Secret in their namespace. */
    appEnv: pulumi.Output<AppEnvironment>;
    /** With the pull endpoint: its current account at pullHost, for the dockerconfigjson Secrets. */
    pullAccess?: pulumi.Output<{ user: string; password: string }>;
}

/** The prod topology: MinIO (unless storage is S3) and the registry in one namespace, wired to the apps' namespace. */
export class KubernetesTarget extends pulumi.ComponentResource implements DeployedRegistry {
    readonly registryUrl: pulumi.Output<string>;
    readonly registryInternalUrl: pulumi.Output<string>;
    readonly minioEndpoint: pulumi.Output<string>;
    readonly bucketName: pulumi.Output<string>;
    readonly backup?: pulumi.Output<BackupOutput>;
    readonly usageUrl?: pulumi.Output<string>;

    constructor(name: string, args: KubernetesTargetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:KubernetesTarget", name, {}, opts);
        const { common, target: cluster, credentials } = args;
        // Secrets change in place: with their fixed names a replacement deletes them first, and the engine
        // then replaces what uses them (the registry Deployment, the protected MinIO StatefulSet).
        // Pods learn of a change from a checksum annotation (secretChecksum.ts).
        const provider = new k8s.Provider(
            `${name}-kubernetes`,
            { context: cluster.kubeContext, enableSecretMutable: true },
            { parent: this },
        );
        const childOpts = { parent: this, providers: { kubernetes: provider } };

        // Deleting a namespace deletes its PersistentVolumeClaims: protect it like the data.
        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: {
                    name: cluster.namespace,
                    // Which stack holds it: a second stack's guard refuses to create it again.
                    annotations: ownerAnnotations(),
                    labels: {
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/enforce-version": "latest",
                        "pod-security.kubernetes.io/warn": "restricted",
                        "pod-security.kubernetes.io/audit": "restricted",
                    },
                },
            },
            { parent: this, provider, protect: common.protectData, retainOnDelete: common.protectData },
        );

        const storage =
            args.storage.kind === "s3"
                ? args.storage.storage
                : new KubernetesMinio(
                      `${name}-minio`,
                      {
                          namespace: cluster.namespace,
                          image: args.storage.minioImage,
                          credentials: args.storage.credentials,
                          bucketName: common.bucketName,
                          layout: cluster.minioLayout,
                          storageSize: cluster.minioStorageSize,
                          storageClass: cluster.storageClass,
                          mcImage: cluster.mcImage,
                          publicMetrics: cluster.monitoring !== undefined,
                          publicEndpoint: args.storage.publicEndpoint,
                          protectData: common.protectData,
                          mirrorBucketName: common.mirror?.bucketName,
                          after: [namespace],
                      },
                      childOpts,
                  );
        const redis = cluster.redisCache
            ? new KubernetesRedis(
                  `${name}-redis`,
                  { namespace: cluster.namespace, image: cluster.redisImage, after: [namespace] },
                  childOpts,
              )
            : undefined;
        const minioPublicHost =
            args.storage.kind === "minio" && args.storage.publicEndpoint ? new URL(args.storage.publicEndpoint).hostname : undefined;
        const registrySettings = {
            distributionVersion: common.distributionVersion,
            htpasswdPath: `${registryAuthDir}/htpasswd`,
            httpAddr: `:${distributionContainer.httpPort}`,
            // Probes reach the pod's address; no Service exposes this port.
            debugAddr: `:${distributionContainer.debugPort}`,
            logLevel: common.registryLogLevel,
            foreignLayerUrls: common.foreignLayerUrls,
        };
        const signingKey = common.quota && new TokenSigningKey(`${name}-token-key`, { parent: this });
        const files = registryFiles(credentials, storage, {
            ...registrySettings,
            eventsUrl: common.eventsUrl,
            redis: redis && { address: redis.address, password: redis.password },
            token: signingKey && {
                auth: registryTokenAuth(`https://${cluster.ingressHost}/token`, `${registryAuthDir}/signing.crt`),
                certificatePem: signingKey.certificatePem,
            },
        });
        const pullHost = common.pull?.host;
        const registry = new KubernetesRegistry(
            `${name}-registry`,
            {
                namespace: cluster.namespace,
                image: common.registryImage,
                replicas: cluster.registryReplicas,
                files,
                ingress: {
                    host: cluster.ingressHost,
                    className: cluster.ingressClassName,
                    tlsSecretName: cluster.tlsSecretName,
                    clusterIssuer: cluster.clusterIssuer,
                    // The token server's Service, declared below with the registry's address for its usage scan.
                    tokenService: common.quota ? names.registryAuth : undefined,
                    otherHosts: [
                        ...(minioPublicHost
                            ? [{ host: minioPublicHost, serviceName: names.minio, port: { number: minioContainer.apiPort } }]
                            : []),
                        ...(pullHost ? [{ host: pullHost, serviceName: names.registryPull, port: { name: "http" } }] : []),
                    ],
                },
                after: [namespace, ...storage.ready, ...(redis ? [redis.deployment] : [])],
            },
            childOpts,
        );
        const tokenServer =
            common.quota &&
            signingKey &&
            new KubernetesTokenServer(
                `${name}-token-server`,
                {
                    namespace: cluster.namespace,
                    nodeImage: common.quota.nodeImage,
                    replicas: cluster.registryReplicas,
                    policy: common.quota.policy,
                    registryUrl: `http://${registry.internalUrl}`,
                    script: tokenServerScript(),
                    privateKeyPem: signingKey.privateKeyPem,
                    certificatePem: signingKey.certificatePem,
                    accountsJson: tokenAccountsJson(credentials.accounts),
                    after: [namespace],
                },
                childOpts,
            );
        const pullSide =
            (common.pull || common.mirror) &&
            new KubernetesPullSide(
                `${name}-pull-side`,
                {
                    common,
                    cluster,
                    credentials,
                    storage: args.storage,
                    registryStorage: storage,
                    settings: { ...registrySettings, redis: redis && { address: redis.address, password: redis.password } },
                    pullAccess: args.pullAccess,
                    after: [namespace, ...storage.ready, ...(redis ? [redis.deployment] : [])],
                },
                childOpts,
            );

        if (cluster.gc) {
            new GarbageCollector(
                `${name}-gc`,
                {
                    namespace: cluster.namespace,
                    ...cluster.gc,
                    registryImage: common.registryImage,
                    files,
                    configMapName: registry.configMap.metadata.name,
                    envSecretName: registry.envSecret.metadata.name,
                    redisAddress: redis?.address,
                    cleanup: retentionEnabled(common.retention)
                        ? {
                              rules: common.retention,
                              nodeImage: cluster.gc.nodeImage,
                              mcImage: cluster.mcImage,
                              bucket: common.bucketName,
                              s3Endpoint: storage.s3.regionEndpoint ?? `https://s3.${storage.s3.region}.amazonaws.com`,
                              registryUrl: `http://${registry.internalUrl}`,
                              tokenRealm: tokenServer?.internalRealm,
                              user: credentials.registryUser,
                              password: credentials.registryPassword,
                          }
                        : undefined,
                    after: [registry.deployment],
                },
                childOpts,
            );
        }

        // Validation made sure: backups only with MinIO, and with a schedule.
        const backup = common.backup?.schedule ? { ...common.backup, schedule: common.backup.schedule } : undefined;
        const readerIdentity = args.storage.kind === "minio" ? args.storage.credentials.readerIdentity : undefined;
        if (backup && readerIdentity && storage instanceof KubernetesMinio) {
            new BackupCronJob(
                `${name}-backup`,
                {
                    namespace: cluster.namespace,
                    backup,
                    mcImage: cluster.mcImage,
                    sourceEndpoint: storage.internalEndpoint,
                    bucketName: common.bucketName,
                    identity: readerIdentity,
                    after: [...storage.ready],
                },
                childOpts,
            );
            this.backup = backupOutput(backup, storage.internalEndpoint, readerIdentity);
        }

        if (cluster.monitoring) {
            new Monitoring(
                `${name}-monitoring`,
                {
                    namespace: cluster.namespace,
                    withMinio: args.storage.kind === "minio",
                    backupIntervalSeconds: backup && longestCronInterval(backup.schedule),
                    withTokenServer: tokenServer !== undefined,
                    after: [registry.deployment],
                },
                childOpts,
            );
        }

        new NetworkPolicies(
            `${name}-network-policies`,
            {
                namespace: cluster.namespace,
                appNamespace: cluster.appNamespace,
                ingressControllerNamespace: cluster.ingressControllerNamespace,
                withMinio: args.storage.kind === "minio",
                minioPeers: args.storage.kind === "minio" && cluster.minioLayout.distributed,
                minioThroughIngress: minioPublicHost !== undefined,
                withRedis: redis !== undefined,
                withPull: common.pull !== undefined,
                withTokenServer: tokenServer !== undefined,
                withMirror: pullSide?.mirror !== undefined,
                withGarbageCollector: cluster.gc !== undefined,
                withCleanup: cluster.gc !== undefined && retentionEnabled(common.retention),
                backupTargetPort: backup && backupTargetPort(backup.target),
                prometheusNamespace: cluster.monitoring?.prometheusNamespace,
                after: [namespace],
            },
            childOpts,
        );

        new k8s.core.v1.Secret(
            `${name}-app-credentials`,
            {
                metadata: {
                    name: names.appCredentialsSecret,
                    namespace: cluster.appNamespace,
                    labels: { "app.kubernetes.io/part-of": "orbit-registry" },
                    annotations: ownerAnnotations(),
                },
                type: "Opaque",
                stringData: pulumi.secret(args.appEnv.apply(allAppVariables)),
            },
            { parent: this, provider },
        );

        // Clients outside the cluster and the builder alike push through the TLS Ingress.
        this.registryUrl = pulumi.output(cluster.ingressHost);
        this.registryInternalUrl = pulumi.output(registry.internalUrl);
        this.minioEndpoint = storage.endpoint;
        this.bucketName = storage.bucketName;
        if (tokenServer) this.usageUrl = pulumi.output(tokenServer.usageUrl);
        this.registerOutputs(deployedOutputs(this));
    }
}
