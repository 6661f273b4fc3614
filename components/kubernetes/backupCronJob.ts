import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { copyScript, copyScriptEnv as env } from "../../common/backupScript";
import { targetPath } from "../../common/backupTarget";
import type { BackupConfig } from "../config";
import { names } from "../../common/names";
import { contentName } from "./naming";
import { appLabels, restrictedContainer, restrictedPod, scratchMount, scratchVolume } from "./podSecurity";

/** The backup pods (and a restore's, made from the same template): MinIO admits them, their egress policy selects them. */
export const backupLabels = appLabels("registry-backup");

export interface BackupCronJobArgs {
    namespace: string;
    backup: BackupConfig & { schedule: string };
    mcImage: string;
    /** MinIO's S3 API inside the cluster. */
    sourceEndpoint: string;
    bucketName: string;
    /** The MinIO identity that may only read the bucket. */
    identity: { accessKey: pulumi.Input<string>; secretKey: pulumi.Input<string> };
    after: pulumi.Resource[];
}

/**
 * Copies the registry's bucket to backupTarget on backupSchedule: only new or changed objects, the
 * repositories' links before the blobs (backupScript.ts says why), nothing removed from the target.
 * Its Secret holds both identities; its pods may reach MinIO, DNS and the target's port, nothing else.
 */
export class BackupCronJob extends pulumi.ComponentResource {
    readonly cronJob: k8s.batch.v1.CronJob;

    constructor(name: string, args: BackupCronJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:BackupCronJob", name, {}, opts);
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: backupLabels });
        const childOpts = { parent: this, dependsOn: args.after };

        const keys = new k8s.core.v1.Secret(
            `${name}-keys`,
            {
                metadata: metadata(names.backup),
                type: "Opaque",
                stringData: pulumi.secret({
                    [env.sourceAccessKey]: args.identity.accessKey,
                    [env.sourceSecretKey]: args.identity.secretKey,
                    [env.targetAccessKey]: args.backup.accessKey,
                    [env.targetSecretKey]: args.backup.secretKey,
                }),
            },
            childOpts,
        );
        const scriptData = { "copy.sh": copyScript() };
        const script = new k8s.core.v1.ConfigMap(
            `${name}-script`,
            { metadata: metadata(contentName(names.backup, scriptData)), data: scriptData },
            childOpts,
        );

        this.cronJob = new k8s.batch.v1.CronJob(
            `${name}-cronjob`,
            {
                metadata: metadata(names.backup),
                spec: {
                    schedule: args.backup.schedule,
                    timeZone: "Etc/UTC",
                    // A run still copying when the next is due finishes first; the next copies what is left.
                    concurrencyPolicy: "Forbid",
                    successfulJobsHistoryLimit: 3,
                    failedJobsHistoryLimit: 3,
                    jobTemplate: {
                        metadata: { labels: backupLabels },
                        spec: {
                            // Copying again is harmless: a failed run retries what it had not copied yet.
                            backoffLimit: 2,
                            template: {
                                metadata: { labels: backupLabels },
                                spec: {
                                    restartPolicy: "Never",
                                    automountServiceAccountToken: false,
                                    securityContext: restrictedPod(1000),
                                    containers: [
                                        {
                                            name: "backup",
                                            image: args.mcImage,
                                            command: ["bash", "/backup/copy.sh"],
                                            env: [
                                                { name: env.mode, value: "backup" },
                                                { name: env.sourceEndpoint, value: args.sourceEndpoint },
                                                { name: env.sourceBucket, value: args.bucketName },
                                                { name: env.targetEndpoint, value: args.backup.target.endpoint },
                                                { name: env.targetPath, value: targetPath(args.backup.target) },
                                                { name: env.prune, value: "false" },
                                                { name: "MC_CONFIG_DIR", value: "/tmp/.mc" },
                                                { name: "HOME", value: "/tmp" },
                                            ],
                                            envFrom: [{ secretRef: { name: keys.metadata.name } }],
                                            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                                            securityContext: restrictedContainer,
                                            volumeMounts: [{ name: "script", mountPath: "/backup", readOnly: true }, scratchMount],
                                        },
                                    ],
                                    volumes: [{ name: "script", configMap: { name: script.metadata.name } }, scratchVolume],
                                },
                            },
                        },
                    },
                },
            },
            childOpts,
        );
        this.registerOutputs({ cronJobName: this.cronJob.metadata.name });
    }
}
