import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { readPolicyName, bucketReadPolicy, registryBucketPolicy, registryPolicyName } from "../../common/bucketPolicy";
import { names } from "../../common/names";
import { mirrorBucketName } from "../pullSideConfig";
import { minioContainer } from "../../common/upstream";
import { contentName } from "./naming";
import { appLabels, restrictedContainer, restrictedPod, scratchMount, scratchVolume } from "./podSecurity";
import { provisionerAlias, provisionScript } from "../../common/provisionScript";
import type { MinioCredentials, S3Keys, StorageIdentity } from "../credentials";
import { secretChecksum, secretChecksumAnnotation } from "./secretChecksum";

export const provisionerLabels = appLabels("minio-provisioner");
/** On the provisioning Job's template: the MinIO it provisioned (MinioProvisionerArgs.minioInstance). */
export const minioInstanceAnnotation = "orbit-registry/minio-instance";

export interface MinioProvisionerArgs {
    namespace: string;
    image: string;
    /** MinIO's S3 API inside the cluster, http://host:port. */
    minioEndpoint: string;
    /** The Secret with MinIO's root user and password. */
    rootSecretName: pulumi.Input<string>;
    bucketName: string;
    /** The registry's identities to keep, oldest first (the last is current); any other user with its policy is removed. */
    registryIdentities: StorageIdentity[];
    /** With backups on: the identity the backups read with, and only read. */
    readerIdentity?: MinioCredentials["readerIdentity"];
    /** With the Docker Hub mirror: its bucket and the only user that may use it. */
    mirror?: { bucketName: string; identity: S3Keys };
    /**
     * Which MinIO this is: the uids of its StatefulSet (and claim). A new MinIO (a new layout, a lost
     * volume re-created) has new ones, and the Job runs again: MinIO keeps its users apart from the
     * data, so a copied bucket arrives without the registry's user.
     */
    minioInstance: pulumi.Input<string>;
    /** MinIO and its root Secret. */
    after: pulumi.Resource[];
}

/**
 * Creates the bucket, the registry's MinIO user and its policy from inside the cluster: a Job
 * running the program's provisioning script with `mc`, so `pulumi up` needs only the Kubernetes API.
 * Pulumi waits for the Job to complete; a changed script, policy or image replaces it, so it runs again
 * (the ConfigMap is named by its content).
 */
export class MinioProvisioner extends pulumi.ComponentResource {
    readonly job: k8s.batch.v1.Job;

    constructor(name: string, args: MinioProvisionerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:MinioProvisioner", name, {}, opts);
        const childOpts = { parent: this, dependsOn: args.after };

        const [current, previous] = [...args.registryIdentities].reverse();
        const registryKeysData: Record<string, pulumi.Input<string>> = {
            REGISTRY_ACCESS_KEY: current.accessKey,
            REGISTRY_SECRET_KEY: current.secretKey,
            ...(previous ? { PREVIOUS_ACCESS_KEY: previous.accessKey, PREVIOUS_SECRET_KEY: previous.secretKey } : {}),
            ...(args.readerIdentity
                ? { READER_ACCESS_KEY: args.readerIdentity.accessKey, READER_SECRET_KEY: args.readerIdentity.secretKey }
                : {}),
            ...(args.mirror
                ? { MIRROR_ACCESS_KEY: args.mirror.identity.accessKey, MIRROR_SECRET_KEY: args.mirror.identity.secretKey }
                : {}),
        };
        const registryKeys = new k8s.core.v1.Secret(
            `${name}-registry-keys`,
            {
                metadata: { name: names.minioRegistryUserSecret, namespace: args.namespace, labels: provisionerLabels },
                type: "Opaque",
                stringData: registryKeysData,
            },
            childOpts,
        );
        const data = {
            "provision.sh": provisionScript(),
            "policy.json": JSON.stringify(registryBucketPolicy(args.bucketName), null, 2),
            ...(args.readerIdentity ? { "read-policy.json": JSON.stringify(bucketReadPolicy(args.bucketName), null, 2) } : {}),
            ...(args.mirror ? { "mirror-policy.json": JSON.stringify(registryBucketPolicy(args.mirror.bucketName), null, 2) } : {}),
        };
        const files = new k8s.core.v1.ConfigMap(
            `${name}-files`,
            { metadata: { name: contentName(names.minioProvisioner, data), namespace: args.namespace, labels: provisionerLabels }, data },
            childOpts,
        );

        const fromSecret = (name: string, secretName: pulumi.Input<string>, key: string) => ({
            name,
            valueFrom: { secretKeyRef: { name: secretName, key } },
        });
        this.job = new k8s.batch.v1.Job(
            `${name}-job`,
            {
                metadata: { namespace: args.namespace, labels: provisionerLabels },
                spec: {
                    backoffLimit: 4,
                    template: {
                        // A new identity (a rotation, or a retirement) changes the checksum, a new MinIO its
                        // instance: the template changes, so Pulumi replaces the Job and it runs again.
                        metadata: {
                            labels: provisionerLabels,
                            annotations: {
                                [secretChecksumAnnotation]: secretChecksum(registryKeysData),
                                [minioInstanceAnnotation]: args.minioInstance,
                            },
                        },
                        spec: {
                            restartPolicy: "Never",
                            automountServiceAccountToken: false,
                            securityContext: restrictedPod(1000),
                            containers: [
                                {
                                    name: "provision",
                                    image: args.image,
                                    command: ["bash", "/provisioner/provision.sh"],
                                    env: [
                                        fromSecret("MINIO_ROOT_USER", args.rootSecretName, minioContainer.rootUserEnv),
                                        fromSecret("MINIO_ROOT_PASSWORD", args.rootSecretName, minioContainer.rootPasswordEnv),
                                        fromSecret("REGISTRY_ACCESS_KEY", registryKeys.metadata.name, "REGISTRY_ACCESS_KEY"),
                                        fromSecret("REGISTRY_SECRET_KEY", registryKeys.metadata.name, "REGISTRY_SECRET_KEY"),
                                        ...(previous
                                            ? [
                                                  fromSecret("PREVIOUS_ACCESS_KEY", registryKeys.metadata.name, "PREVIOUS_ACCESS_KEY"),
                                                  fromSecret("PREVIOUS_SECRET_KEY", registryKeys.metadata.name, "PREVIOUS_SECRET_KEY"),
                                              ]
                                            : []),
                                        ...(args.readerIdentity
                                            ? [
                                                  fromSecret("READER_ACCESS_KEY", registryKeys.metadata.name, "READER_ACCESS_KEY"),
                                                  fromSecret("READER_SECRET_KEY", registryKeys.metadata.name, "READER_SECRET_KEY"),
                                                  { name: "READ_POLICY_FILE", value: "/provisioner/read-policy.json" },
                                              ]
                                            : []),
                                        ...(args.mirror
                                            ? [
                                                  fromSecret("MIRROR_ACCESS_KEY", registryKeys.metadata.name, "MIRROR_ACCESS_KEY"),
                                                  fromSecret("MIRROR_SECRET_KEY", registryKeys.metadata.name, "MIRROR_SECRET_KEY"),
                                                  { name: "MIRROR_BUCKET", value: args.mirror.bucketName },
                                                  { name: "MIRROR_POLICY_FILE", value: "/provisioner/mirror-policy.json" },
                                              ]
                                            : []),
                                        // Kubernetes expands $(VAR) from the variables above: no credential is written here.
                                        {
                                            name: `MC_HOST_${provisionerAlias}`,
                                            value: args.minioEndpoint.replace("://", "://$(MINIO_ROOT_USER):$(MINIO_ROOT_PASSWORD)@"),
                                        },
                                        { name: "BUCKET", value: args.bucketName },
                                        { name: "POLICY_NAME", value: registryPolicyName(args.bucketName) },
                                        { name: "POLICY_FILE", value: "/provisioner/policy.json" },
                                        // Also without backups: a user left holding it (backups turned off) goes.
                                        { name: "READ_POLICY_NAME", value: readPolicyName(args.bucketName) },
                                        { name: "MIRROR_POLICY_NAME", value: registryPolicyName(mirrorBucketName(args.bucketName)) },
                                        { name: "MC_CONFIG_DIR", value: "/tmp/.mc" },
                                        { name: "HOME", value: "/tmp" },
                                    ],
                                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                                    securityContext: restrictedContainer,
                                    volumeMounts: [{ name: "provisioner", mountPath: "/provisioner", readOnly: true }, scratchMount],
                                },
                            ],
                            volumes: [{ name: "provisioner", configMap: { name: files.metadata.name } }, scratchVolume],
                        },
                    },
                },
            },
            { ...childOpts, dependsOn: [...args.after, files], customTimeouts: { create: "10m", update: "10m" } },
        );
        this.registerOutputs({ jobName: this.job.metadata.name });
    }
}
