import * as pulumi from "@pulumi/pulumi";
import { backupTargetUrl } from "../common/backupTarget";
import type { BackupConfig } from "./config";

/**
 * The `backup` stack output (a secret): what `npm run backup` and `npm run restore` need. The source
 * is the registry's bucket as the backup's read-only MinIO identity reaches it from the target's network.
 */
export interface BackupOutput {
    target: string;
    targetAccessKey: string;
    targetSecretKey: string;
    sourceEndpoint: string;
    sourceAccessKey: string;
    sourceSecretKey: string;
    /** Kubernetes: the CronJob's schedule. */
    schedule?: string;
}

export function backupOutput(
    backup: BackupConfig,
    sourceEndpoint: string,
    identity: { accessKey: pulumi.Input<string>; secretKey: pulumi.Input<string> },
): pulumi.Output<BackupOutput> {
    return pulumi.secret(
        pulumi.all([identity.accessKey, identity.secretKey]).apply(([sourceAccessKey, sourceSecretKey]) => ({
            target: backupTargetUrl(backup.target),
            targetAccessKey: backup.accessKey,
            targetSecretKey: backup.secretKey,
            sourceEndpoint,
            sourceAccessKey,
            sourceSecretKey,
            ...(backup.schedule ? { schedule: backup.schedule } : {}),
        })),
    );
}
