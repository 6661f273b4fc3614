/**
 * Copies the registry's bucket to the stack's backupTarget: only what is new or changed, the
 * repositories' links before the blobs, so a copy taken during pushes restores whole. Nothing is
 * removed from the target unless --prune asks for it. See docs/backups.md.
 *
 *   npm run --silent backup -- --stack dev [--prune] [--outputs outputs.json]
 *
 * Docker: in a throwaway container of mcImage on the registry's network (the host's cron runs it).
 * Kubernetes: a Job now from the backupSchedule CronJob (kubectl, the current context or --context).
 */
import { parseBackupTarget } from "../common/backupTarget";
import { names } from "../common/names";
import { copyInContainer } from "../operations/backupContainer";
import { jobFromBackupCronJob } from "../operations/backupJob";
import { backupCronJobIn, backupSettings } from "./backupOutputs";
import { kubernetesNamespace } from "./clusterJob";
import { defaultMcImage, dockerNamesOf, option, readStackOutputs } from "./stackOutputs";

async function main(args: string[]) {
    const outputs = readStackOutputs(args);
    const backup = backupSettings(outputs);
    const prune = args.includes("--prune");
    const namespace = kubernetesNamespace(outputs);
    if (namespace) {
        const { cluster, cronJob } = await backupCronJobIn(namespace, args, "backup");
        await cluster.runJob(jobFromBackupCronJob(cronJob, `${names.backup}-now-${Date.now()}`, { mode: "backup", prune }), "backup");
        return;
    }
    const report = await copyInContainer({
        mode: "backup",
        source: {
            endpoint: backup.sourceEndpoint,
            accessKey: backup.sourceAccessKey,
            secretKey: backup.sourceSecretKey,
            bucket: String(outputs.bucketName),
        },
        target: { ...parseBackupTarget(backup.target), accessKey: backup.targetAccessKey, secretKey: backup.targetSecretKey },
        prune,
        mcImage: option(args, "--mc-image") ?? defaultMcImage(),
        network: dockerNamesOf(outputs).internalNetwork,
    });
    process.stdout.write(report);
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((error: Error) => {
        console.error(`backup: ${error.message}`);
        process.exit(1);
    });
}
