import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appLabels, restrictedContainer, restrictedPod, scratchMount, scratchVolume } from "./podSecurity";

export const minioName = "orbit-minio";
export const minioRootSecretName = "orbit-minio-root";
export const minioApiPort = 9000;
export const minioConsolePort = 9001;
export const minioLabels = appLabels("minio");

export interface KubernetesMinioArgs {
    namespace: string;
    image: string;
    rootUser: pulumi.Input<string>;
    rootPassword: pulumi.Input<string>;
    storageSize: string;
    storageClass?: string;
    protectData: boolean;
    /** The namespace resource, which must exist first. */
    after: pulumi.Resource[];
}

/** MinIO as a one-pod StatefulSet on a PersistentVolumeClaim that Pulumi declares (and protects) itself. */
export class KubernetesMinio extends pulumi.ComponentResource {
    readonly rootSecret: k8s.core.v1.Secret;
    readonly statefulSet: k8s.apps.v1.StatefulSet;
    readonly service: k8s.core.v1.Service;
    readonly internalEndpoint: string;

    constructor(name: string, args: KubernetesMinioArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:KubernetesMinio", name, {}, opts);
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: minioLabels });
        const childOpts = { parent: this, dependsOn: args.after };
        const stateOpts = { ...childOpts, protect: args.protectData, retainOnDelete: args.protectData };

        this.rootSecret = new k8s.core.v1.Secret(
            `${name}-root`,
            { metadata: metadata(minioRootSecretName), type: "Opaque", stringData: { MINIO_ROOT_USER: args.rootUser, MINIO_ROOT_PASSWORD: args.rootPassword } },
            childOpts,
        );

        // A claim of its own rather than a volumeClaimTemplate: resizing it is an update, not a
        // replacement of the StatefulSet, and it survives the StatefulSet.
        const claim = new k8s.core.v1.PersistentVolumeClaim(
            `${name}-data`,
            {
                metadata: metadata(`${minioName}-data`),
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
            {
                metadata: metadata(`${minioName}-headless`),
                spec: { clusterIP: "None", selector: minioLabels, ports: [{ name: "api", port: minioApiPort, targetPort: "api" }] },
            },
            childOpts,
        );

        const probe = (path: string, failureThreshold: number) => ({
            httpGet: { path, port: "api" },
            periodSeconds: 5,
            timeoutSeconds: 3,
            failureThreshold,
        });
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            {
                metadata: metadata(minioName),
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
                                    args: ["server", "/data", "--console-address", `:${minioConsolePort}`, "--certs-dir", "/tmp/certs"],
                                    env: [
                                        { name: "MINIO_ROOT_USER", valueFrom: { secretKeyRef: { name: this.rootSecret.metadata.name, key: "MINIO_ROOT_USER" } } },
                                        { name: "MINIO_ROOT_PASSWORD", valueFrom: { secretKeyRef: { name: this.rootSecret.metadata.name, key: "MINIO_ROOT_PASSWORD" } } },
                                        { name: "HOME", value: "/tmp" },
                                        { name: "MINIO_UPDATE", value: "off" },
                                    ],
                                    ports: [
                                        { name: "api", containerPort: minioApiPort },
                                        { name: "console", containerPort: minioConsolePort },
                                    ],
                                    startupProbe: probe("/minio/health/live", 60),
                                    livenessProbe: probe("/minio/health/live", 3),
                                    readinessProbe: probe("/minio/health/ready", 3),
                                    resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } },
                                    securityContext: restrictedContainer,
                                    volumeMounts: [{ name: "data", mountPath: "/data" }, scratchMount],
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
            {
                metadata: metadata(minioName),
                spec: { type: "ClusterIP", selector: minioLabels, ports: [{ name: "api", port: minioApiPort, targetPort: "api" }] },
            },
            childOpts,
        );
        this.internalEndpoint = `http://${minioName}.${args.namespace}.svc.cluster.local:${minioApiPort}`;
        this.registerOutputs({});
    }
}
