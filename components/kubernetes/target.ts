import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { buildServiceEnv, orbitWwwEnv } from "../appEnv";
import { OrbitRegistryConfig } from "../config";
import { MinioCredentials } from "../credentials";
import { DeployedRegistry, TargetArgs } from "../deployedRegistry";
import { minioRegion } from "../registryConfig";
import { registryFiles } from "../registryFiles";
import { RegistryStorage } from "../storage";
import { KubernetesMinio } from "./minio";
import { NetworkPolicies } from "./networkPolicies";
import { MinioProvisioner } from "./provisioner";
import { KubernetesRegistry, registryAuthDir, registryDebugPort, registryHttpPort } from "./registry";

const appSecretName = "orbit-registry-credentials";

/** The prod topology: MinIO (unless storage is S3) and the registry in one namespace, wired to the apps' namespace. */
export class KubernetesTarget extends pulumi.ComponentResource implements DeployedRegistry {
    readonly registryUrl: pulumi.Output<string>;
    readonly registryInternalUrl: pulumi.Output<string>;
    readonly appRegistryUrl: pulumi.Output<string>;
    readonly minioEndpoint: pulumi.Output<string>;
    readonly bucketName: pulumi.Output<string>;

    constructor(name: string, args: TargetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:KubernetesTarget", name, {}, opts);
        const { config, credentials } = args;
        const provider = new k8s.Provider(`${name}-kubernetes`, { context: config.kubeContext }, { parent: this });
        const childOpts = { parent: this, providers: { kubernetes: provider } };

        // Deleting a namespace deletes its PersistentVolumeClaims: protect it like the data.
        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: {
                    name: config.namespace,
                    labels: {
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/enforce-version": "latest",
                        "pod-security.kubernetes.io/warn": "restricted",
                        "pod-security.kubernetes.io/audit": "restricted",
                    },
                },
            },
            { parent: this, provider, protect: config.protectData, retainOnDelete: config.protectData },
        );

        const storage =
            args.storage.kind === "s3" ? args.storage.storage : this.deployMinio(name, config, args.storage.credentials, namespace, childOpts);
        const files = registryFiles(credentials, storage, {
            htpasswdPath: `${registryAuthDir}/htpasswd`,
            httpAddr: `:${registryHttpPort}`,
            // Probes reach the pod's address; no Service exposes this port.
            logLevel: config.registryLogLevel,
            debugAddr: `:${registryDebugPort}`,
        });
        const registry = new KubernetesRegistry(
            `${name}-registry`,
            {
                namespace: config.namespace,
                image: config.registryImage,
                replicas: config.registryReplicas,
                files,
                ingress: { host: config.ingressHost!, className: config.ingressClassName, tlsSecretName: config.tlsSecretName, clusterIssuer: config.clusterIssuer },
                after: [namespace, ...storage.ready],
            },
            childOpts,
        );

        new NetworkPolicies(
            `${name}-network-policies`,
            {
                namespace: config.namespace,
                appNamespace: config.appNamespace,
                ingressControllerNamespace: config.ingressControllerNamespace,
                withMinio: args.storage.kind === "minio",
                after: [namespace],
            },
            childOpts,
        );

        // Clients outside the cluster and the builder alike push through the TLS Ingress.
        this.registryUrl = pulumi.output(config.ingressHost!);
        this.registryInternalUrl = pulumi.output(registry.internalUrl);
        this.appRegistryUrl = this.registryUrl;
        this.minioEndpoint = storage.endpoint;
        this.bucketName = storage.bucketName;

        const access = credentials.accessAt(this.appRegistryUrl);
        new k8s.core.v1.Secret(
            `${name}-app-credentials`,
            {
                metadata: { name: appSecretName, namespace: config.appNamespace, labels: { "app.kubernetes.io/part-of": "orbit-registry" } },
                type: "Opaque",
                stringData: pulumi.secret(access.apply((a) => ({ ...buildServiceEnv(a), ...orbitWwwEnv(a) }))),
            },
            { parent: this, provider },
        );
        this.registerOutputs({});
    }

    private deployMinio(
        name: string,
        config: OrbitRegistryConfig,
        credentials: MinioCredentials,
        namespace: k8s.core.v1.Namespace,
        childOpts: pulumi.ComponentResourceOptions,
    ): RegistryStorage {
        const minio = new KubernetesMinio(
            `${name}-minio`,
            {
                namespace: config.namespace,
                image: config.minioImage,
                rootUser: credentials.rootUser,
                rootPassword: credentials.rootPassword,
                storageSize: config.minioStorageSize,
                storageClass: config.storageClass,
                protectData: config.protectData,
                after: [namespace],
            },
            childOpts,
        );
        const provisioner = new MinioProvisioner(
            `${name}-provisioner`,
            {
                namespace: config.namespace,
                image: config.mcImage,
                bucketName: config.bucketName,
                registryAccessKey: credentials.registryAccessKey,
                registrySecretKey: credentials.registrySecretKey,
                after: [minio.statefulSet, minio.service, minio.rootSecret],
            },
            childOpts,
        );
        return {
            s3: { bucket: config.bucketName, region: minioRegion, regionEndpoint: minio.internalEndpoint },
            accessKey: credentials.registryAccessKey,
            secretKey: credentials.registrySecretKey,
            endpoint: pulumi.output(minio.internalEndpoint),
            bucketName: pulumi.output(config.bucketName),
            ready: [provisioner.job],
        };
    }
}
