import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MinioCredentials } from "../credentials";
import { names } from "../names";
import { RegistryStorage } from "../storage";
import { minioContainer, minioServerArgs } from "../upstream";
import { appLabels, restrictedContainer, restrictedPod, scratchMount, scratchVolume } from "./podSecurity";
import { MinioProvisioner } from "./provisioner";

export const minioLabels = appLabels("minio");

export interface KubernetesMinioArgs {
    namespace: string;
    image: string;
    credentials: MinioCredentials;
    bucketName: string;
    storageSize: string;
    storageClass?: string;
    /** MinIO client image of the provisioning Job. */
    mcImage: string;
    protectData: boolean;
    /** The namespace resource, which must exist first. */
    after: pulumi.Resource[];
}

/**
 * MinIO as a one-pod StatefulSet on a PersistentVolumeClaim that Pulumi declares (and protects)
 * itself, with the registry's bucket, user and policy made by a Job: the registry's storage on
 * the Kubernetes target.
 */
export class KubernetesMinio extends pulumi.ComponentResource implements RegistryStorage {
    readonly rootSecret: k8s.core.v1.Secret;
    readonly statefulSet: k8s.apps.v1.StatefulSet;
    readonly service: k8s.core.v1.Service;
    readonly s3: RegistryStorage["s3"];
    readonly accessKey: pulumi.Output<string>;
    readonly secretKey: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly bucketName: pulumi.Output<string>;
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: KubernetesMinioArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:KubernetesMinio", name, {}, opts);
        const { credentials } = args;
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: minioLabels });
        const childOpts = { parent: this, dependsOn: args.after };
        const stateOpts = { ...childOpts, protect: args.protectData, retainOnDelete: args.protectData };
        const { rootUserEnv, rootPasswordEnv } = minioContainer;

        this.rootSecret = new k8s.core.v1.Secret(
            `${name}-root`,
            {
                metadata: metadata(names.minioRootSecret),
                type: "Opaque",
                stringData: { [rootUserEnv]: credentials.rootUser, [rootPasswordEnv]: credentials.rootPassword },
            },
            childOpts,
        );

        // A claim of its own rather than a volumeClaimTemplate: resizing it is an update, not a
        // replacement of the StatefulSet, and it survives the StatefulSet.
        const claim = new k8s.core.v1.PersistentVolumeClaim(
            `${name}-data`,
            {
                metadata: metadata(names.minioData),
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: args.storageClass,
                    resources: { requests: { storage: args.storageSize } },
                },
            },
            stateOpts,
        );

        const apiPort = [{ name: "api", port: minioContainer.apiPort, targetPort: "api" }];
        const headless = new k8s.core.v1.Service(
            `${name}-headless`,
            { metadata: metadata(`${names.minio}-headless`), spec: { clusterIP: "None", selector: minioLabels, ports: apiPort } },
            childOpts,
        );

        const probe = (path: string, failureThreshold: number) => ({
            httpGet: { path, port: "api" },
            periodSeconds: 5,
            timeoutSeconds: 3,
            failureThreshold,
        });
        const fromRootSecret = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: this.rootSecret.metadata.name, key } } });
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            {
                metadata: metadata(names.minio),
                spec: {
                    serviceName: headless.metadata.name,
                    replicas: 1,
                    selector: { matchLabels: minioLabels },
                    template: {
                        metadata: { labels: minioLabels },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPod(1000),
                            containers: [
                                {
                                    name: "minio",
                                    image: args.image,
                                    args: [...minioServerArgs, "--certs-dir", "/tmp/certs"],
                                    env: [
                                        fromRootSecret(rootUserEnv),
                                        fromRootSecret(rootPasswordEnv),
                                        { name: "HOME", value: "/tmp" },
                                        { name: "MINIO_UPDATE", value: "off" },
                                    ],
                                    ports: [
                                        { name: "api", containerPort: minioContainer.apiPort },
                                        { name: "console", containerPort: minioContainer.consolePort },
                                    ],
                                    startupProbe: probe(minioContainer.livenessPath, 60),
                                    livenessProbe: probe(minioContainer.livenessPath, 3),
                                    readinessProbe: probe(minioContainer.readinessPath, 3),
                                    resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } },
                                    securityContext: restrictedContainer,
                                    volumeMounts: [{ name: "data", mountPath: minioContainer.dataDir }, scratchMount],
                                },
                            ],
                            volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim.metadata.name } }, scratchVolume],
                        },
                    },
                },
            },
            stateOpts,
        );

        this.service = new k8s.core.v1.Service(
            `${name}-service`,
            { metadata: metadata(names.minio), spec: { type: "ClusterIP", selector: minioLabels, ports: apiPort } },
            childOpts,
        );
        const internalEndpoint = `http://${names.minio}.${args.namespace}.svc.cluster.local:${minioContainer.apiPort}`;

        const provisioner = new MinioProvisioner(
            `${name}-provisioner`,
            {
                namespace: args.namespace,
                image: args.mcImage,
                minioEndpoint: internalEndpoint,
                rootSecretName: this.rootSecret.metadata.name,
                bucketName: args.bucketName,
                registryAccessKey: credentials.registryAccessKey,
                registrySecretKey: credentials.registrySecretKey,
                after: [this.statefulSet, this.service, this.rootSecret],
            },
            // Until 0.2 the provisioner was a sibling of this component; the alias keeps existing stacks' objects.
            {
                parent: this,
                aliases: [{ name: name.replace(/-minio$/, "-provisioner"), parent: opts?.parent ?? pulumi.rootStackResource }],
            },
        );

        this.s3 = { bucket: args.bucketName, region: minioContainer.region, regionEndpoint: internalEndpoint };
        this.accessKey = credentials.registryAccessKey;
        this.secretKey = credentials.registrySecretKey;
        this.endpoint = pulumi.output(internalEndpoint);
        this.bucketName = pulumi.output(args.bucketName);
        this.ready = [provisioner.job];
        this.registerOutputs({ endpoint: this.endpoint, bucketName: this.bucketName });
    }
}
