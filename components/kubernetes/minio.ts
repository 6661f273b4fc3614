import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MinioCredentials } from "../credentials";
import { MinioLayout } from "../minioLayout";
import { names } from "../../common/names";
import { RegistryStorage } from "../storage";
import { minioContainer, minioServerArgs } from "../../common/upstream";
import { appLabels, restrictedContainer, restrictedPod, scratchMount, scratchVolume } from "./podSecurity";
import { MinioProvisioner } from "./provisioner";
import { secretChecksum, secretChecksumAnnotation } from "./secretChecksum";

/** Every MinIO pod, in either layout; policies select MinIO by these. */
export const minioLabels = appLabels("minio");
/** The pods of distributed MinIO, apart from a single pod an earlier layout may have left behind. */
const poolLabels = { ...minioLabels, "app.kubernetes.io/instance": "pool" };
const poolName = names.minioPool;

export interface KubernetesMinioArgs {
    namespace: string;
    image: string;
    credentials: MinioCredentials;
    bucketName: string;
    layout: MinioLayout;
    /** Size of each drive's claim. */
    storageSize: string;
    storageClass?: string;
    /** MinIO client image of the provisioning Job. */
    mcImage: string;
    protectData: boolean;
    /** Serve /minio/v2/metrics/cluster without a token, for Prometheus (NetworkPolicies admit only its namespace). */
    publicMetrics: boolean;
    /**
     * minioPublicEndpoint: the https origin the registry's Ingress serves MinIO on. The registry uses
     * it as its S3 endpoint, so the presigned URLs it redirects pulls to are signed for that host.
     */
    publicEndpoint?: string;
    /** With the Docker Hub mirror: the bucket it caches in, which the provisioning Job creates too. */
    mirrorBucketName?: string;
    /** The namespace resource, which must exist first. */
    after: pulumi.Resource[];
}

/** On the Service whose /minio/v2/metrics/cluster Prometheus scrapes. */
export const minioMetricsLabel = "orbit-registry/metrics";

type Metadata = (objectName: string, labels?: Record<string, string>) => k8s.types.input.meta.v1.ObjectMeta;

/**
 * MinIO, the registry's storage on the Kubernetes target, with the registry's bucket, user and
 * policy made by a Job. One pod on a claim Pulumi declares (and protects) itself, or, with 4 pods
 * or more, MinIO distributed: erasure-coded across pods on different nodes, a claim per drive.
 */
export class KubernetesMinio extends pulumi.ComponentResource implements RegistryStorage {
    readonly rootSecret: k8s.core.v1.Secret;
    private readonly rootChecksum: pulumi.Output<string>;
    readonly statefulSet: k8s.apps.v1.StatefulSet;
    readonly service: k8s.core.v1.Service;
    readonly s3: RegistryStorage["s3"];
    readonly accessKey: pulumi.Output<string>;
    readonly secretKey: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly bucketName: pulumi.Output<string>;
    /** MinIO's S3 API inside the cluster (its Service). */
    readonly internalEndpoint: string;
    readonly ready: pulumi.Resource[];
    /** With the Docker Hub mirror: its own storage, which only its identity may use. */
    readonly mirror?: Pick<RegistryStorage, "s3" | "accessKey" | "secretKey" | "ready">;

    constructor(name: string, args: KubernetesMinioArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:KubernetesMinio", name, {}, opts);
        const { credentials } = args;
        const metadata: Metadata = (objectName, labels = minioLabels) => ({ name: objectName, namespace: args.namespace, labels });
        const childOpts = { parent: this, dependsOn: args.after };
        const { rootUserEnv, rootPasswordEnv } = minioContainer;

        const rootData = { [rootUserEnv]: credentials.rootUser, [rootPasswordEnv]: credentials.rootPassword };
        this.rootSecret = new k8s.core.v1.Secret(
            `${name}-root`,
            { metadata: metadata(names.minioRootSecret), type: "Opaque", stringData: rootData },
            childOpts,
        );
        // A new root password (pulumi up --replace of its RandomPassword) restarts MinIO with it.
        this.rootChecksum = secretChecksum(rootData);

        const deployed = args.layout.distributed ? this.pool(name, args, metadata) : this.singlePod(name, args, metadata);
        this.statefulSet = deployed.statefulSet;

        this.service = new k8s.core.v1.Service(
            `${name}-service`,
            // The label picks this Service (not the headless one) for the metrics ServiceMonitor.
            {
                metadata: metadata(names.minio, { ...minioLabels, [minioMetricsLabel]: "cluster" }),
                spec: { type: "ClusterIP", selector: deployed.labels, ports: apiServicePort },
            },
            childOpts,
        );
        this.internalEndpoint = `http://${names.minio}.${args.namespace}.svc.cluster.local:${minioContainer.apiPort}`;
        const internalEndpoint = this.internalEndpoint;

        const provisioner = new MinioProvisioner(
            `${name}-provisioner`,
            {
                namespace: args.namespace,
                image: args.mcImage,
                minioEndpoint: internalEndpoint,
                rootSecretName: this.rootSecret.metadata.name,
                bucketName: args.bucketName,
                registryIdentities: credentials.registryIdentities,
                readerIdentity: credentials.readerIdentity,
                mirror:
                    args.mirrorBucketName && credentials.mirrorIdentity
                        ? { bucketName: args.mirrorBucketName, identity: credentials.mirrorIdentity }
                        : undefined,
                minioInstance: pulumi
                    .all([deployed.statefulSet.metadata.uid, deployed.claim?.metadata.uid])
                    .apply((uids) => uids.filter(Boolean).join("/")),
                after: [this.statefulSet, this.service, this.rootSecret],
            },
            // Until 0.2 the provisioner was a sibling of this component; the alias keeps existing stacks' objects.
            {
                parent: this,
                aliases: [{ name: name.replace(/-minio$/, "-provisioner"), parent: opts?.parent ?? pulumi.rootStackResource }],
            },
        );

        this.s3 = {
            bucket: args.bucketName,
            region: minioContainer.region,
            regionEndpoint: args.publicEndpoint ?? internalEndpoint,
            clientsReachEndpoint: args.publicEndpoint !== undefined,
        };
        const current = credentials.registryIdentities[credentials.registryIdentities.length - 1];
        this.accessKey = current.accessKey;
        this.secretKey = current.secretKey;
        this.endpoint = pulumi.output(internalEndpoint);
        this.bucketName = pulumi.output(args.bucketName);
        this.ready = [provisioner.job];
        if (args.mirrorBucketName && credentials.mirrorIdentity) {
            this.mirror = {
                s3: { bucket: args.mirrorBucketName, region: minioContainer.region, regionEndpoint: internalEndpoint },
                accessKey: credentials.mirrorIdentity.accessKey,
                secretKey: credentials.mirrorIdentity.secretKey,
                ready: [provisioner.job],
            };
        }
        this.registerOutputs({ endpoint: this.endpoint, bucketName: this.bucketName });
    }

    /** One pod on one drive. Its claim is its own rather than a volumeClaimTemplate: resizing it is an update, not a replacement. */
    private singlePod(name: string, args: KubernetesMinioArgs, metadata: Metadata) {
        const childOpts = { parent: this, dependsOn: args.after };
        const stateOpts = { ...childOpts, protect: args.protectData, retainOnDelete: args.protectData };
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
        const headless = new k8s.core.v1.Service(
            `${name}-headless`,
            { metadata: metadata(`${names.minio}-headless`), spec: { clusterIP: "None", selector: minioLabels, ports: apiServicePort } },
            childOpts,
        );
        const statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            {
                metadata: metadata(names.minio),
                spec: {
                    serviceName: headless.metadata.name,
                    replicas: 1,
                    selector: { matchLabels: minioLabels },
                    template: {
                        metadata: { labels: minioLabels, annotations: { [secretChecksumAnnotation]: this.rootChecksum } },
                        spec: this.podSpec(
                            args,
                            [{ name: "data", mountPath: minioContainer.dataDir }],
                            [{ name: "data", persistentVolumeClaim: { claimName: claim.metadata.name } }],
                        ),
                    },
                },
            },
            stateOpts,
        );
        return { statefulSet, claim, labels: minioLabels };
    }

    /** MinIO distributed over `layout.pods` pods of `layout.drivesPerPod` drives, each pod on its own node. */
    private pool(name: string, args: KubernetesMinioArgs, metadata: Metadata) {
        const { layout } = args;
        const childOpts = { parent: this, dependsOn: args.after };
        // Peers find each other through it before they are ready, so it publishes every address.
        const headless = new k8s.core.v1.Service(
            `${name}-pool-headless`,
            {
                metadata: metadata(`${poolName}-headless`, poolLabels),
                spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: poolLabels, ports: apiServicePort },
            },
            childOpts,
        );
        const drives = Array.from({ length: layout.drivesPerPod }, (_, i) => `data${i + 1}`);
        const hosts = `${poolName}-{0...${layout.pods - 1}}.${poolName}-headless.${args.namespace}.svc.cluster.local`;
        const paths = layout.drivesPerPod === 1 ? "/data1" : `/data{1...${layout.drivesPerPod}}`;
        const statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-pool`,
            {
                metadata: metadata(poolName, poolLabels),
                spec: {
                    serviceName: headless.metadata.name,
                    replicas: layout.pods,
                    // Distributed MinIO waits for its peers: they must start together.
                    podManagementPolicy: "Parallel",
                    selector: { matchLabels: poolLabels },
                    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                    volumeClaimTemplates: drives.map((drive) => ({
                        metadata: { name: drive, labels: poolLabels },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            storageClassName: args.storageClass,
                            resources: { requests: { storage: args.storageSize } },
                        },
                    })),
                    template: {
                        metadata: { labels: poolLabels, annotations: { [secretChecksumAnnotation]: this.rootChecksum } },
                        spec: {
                            ...this.podSpec(
                                args,
                                drives.map((drive) => ({ name: drive, mountPath: `/${drive}` })),
                                [],
                                `http://${hosts}:${minioContainer.apiPort}${paths}`,
                            ),
                            // A node holds one pod at most, so losing a node loses one pod's drives.
                            affinity: {
                                podAntiAffinity: {
                                    requiredDuringSchedulingIgnoredDuringExecution: [
                                        { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: poolLabels } },
                                    ],
                                },
                            },
                        },
                    },
                },
            },
            { ...childOpts, protect: args.protectData, retainOnDelete: args.protectData },
        );
        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pool-pdb`,
            {
                metadata: metadata(poolName, poolLabels),
                spec: { maxUnavailable: layout.podsLostForWrites, selector: { matchLabels: poolLabels } },
            },
            childOpts,
        );
        return { statefulSet, claim: undefined, labels: poolLabels };
    }

    /** MinIO's pod serving `endpoints`: the restricted standard, probes, root credentials from the Secret, a mount per drive. */
    private podSpec(
        args: KubernetesMinioArgs,
        drives: Array<{ name: string; mountPath: string }>,
        volumes: k8s.types.input.core.v1.Volume[],
        endpoints?: string,
    ) {
        const probe = (path: string, failureThreshold: number) => ({
            httpGet: { path, port: "api" },
            periodSeconds: 5,
            timeoutSeconds: 3,
            failureThreshold,
        });
        const fromRootSecret = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: this.rootSecret.metadata.name, key } } });
        return {
            automountServiceAccountToken: false,
            securityContext: restrictedPod(1000),
            containers: [
                {
                    name: "minio",
                    image: args.image,
                    args: [...minioServerArgs(endpoints), "--certs-dir", "/tmp/certs"],
                    env: [
                        fromRootSecret(minioContainer.rootUserEnv),
                        fromRootSecret(minioContainer.rootPasswordEnv),
                        { name: "HOME", value: "/tmp" },
                        { name: "MINIO_UPDATE", value: "off" },
                        ...(args.publicMetrics ? [{ name: "MINIO_PROMETHEUS_AUTH_TYPE", value: "public" }] : []),
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
                    volumeMounts: [...drives, scratchMount],
                },
            ],
            volumes: [...volumes, scratchVolume],
        };
    }
}

const apiServicePort = [{ name: "api", port: minioContainer.apiPort, targetPort: "api" }];
