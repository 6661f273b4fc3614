/**
 * Restores a backup into the stack's bucket (empty or not), blobs before links so the live registry
 * never serves a tag whose blobs are still missing, then empties the registry's caches: a cache
 * could still claim a blob the restored bucket lacks, and a client told a blob exists skips its upload.
 *
 *   npm run --silent restore -- --stack dev --from https://s3.example.com/orbit-backups/registry
 *
 * --from is the backup's URL (the stack's backupTarget, or another prefix on that endpoint); it is
 * read with backupAccessKey/backupSecretKey. Docker: the bucket and MinIO users re-created where
 * missing (a new volume has none), a throwaway container copies, then the registry restarts.
 * Kubernetes: a Job from the backup CronJob, then FLUSHDB on Redis or a rollout restart.
 */
import { backupTargetProblem, parseBackupTarget } from "../common/backupTarget";
import { names } from "../common/names";
import { mirrorBucketName } from "../components/pullSideConfig";
import { copyInContainer } from "../operations/backupContainer";
import { jobFromBackupCronJob } from "../operations/backupJob";
import { provisionDockerMinio } from "../operations/dockerProvision";
import { DockerRegistryControl } from "../operations/dockerRegistryControl";
import { backupCronJobIn, backupSettings } from "./backupOutputs";
import { kubernetesNamespace } from "./clusterJob";
import { defaultMcImage, dockerControl, dockerNamesOf, option, readStackOutputs } from "./stackOutputs";

async function main(args: string[]) {
    const fromUrl = option(args, "--from");
    if (!fromUrl) throw new Error("--from is required: the backup's URL, e.g. --from https://s3.example.com/orbit-backups/registry");
    const problem = backupTargetProblem(fromUrl);
    if (problem) throw new Error(`--from ${fromUrl}: expected ${problem}`);
    const from = parseBackupTarget(fromUrl);
    const outputs = readStackOutputs(args);
    const backup = backupSettings(outputs);

    const namespace = kubernetesNamespace(outputs);
    if (namespace) {
        const { cluster, cronJob } = await backupCronJobIn(namespace, args, "restore");
        await cluster.runJob(jobFromBackupCronJob(cronJob, `${names.backup}-restore-${Date.now()}`, { mode: "restore", from }), "backup");
        if (await cluster.find("deployment", names.redis)) {
            const reply = await cluster.run(
                "exec",
                `deployment/${names.redis}`,
                "--",
                "sh",
                "-c",
                'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli FLUSHDB',
            );
            if (!/OK/.test(reply)) throw new Error(`could not empty the Redis cache: ${reply.trim()}`);
            console.error("emptied the Redis cache");
        } else {
            await cluster.run("rollout", "restart", `deployment/${names.registry}`);
            await cluster.run("rollout", "status", `deployment/${names.registry}`, "--timeout=10m");
            console.error("restarted the registry: its caches start empty");
        }
        return;
    }
    const named = dockerNamesOf(outputs);
    const control = dockerControl(outputs, args);
    // The backup identity may only read: a restore writes as the registry does.
    const registryStorage = await control.storageAccess();
    // A MinIO on a new volume has neither the bucket nor the users: as the stack declares them.
    const mirror = await new DockerRegistryControl({ container: named.registryMirror, network: "", bucket: "", mcImage: "" })
        .storageAccess()
        .catch(() => undefined);
    await provisionDockerMinio({
        mirror: mirror && { ...mirror, bucket: mirrorBucketName(String(outputs.bucketName)) },
        minioContainer: named.minio,
        registry: registryStorage,
        bucket: String(outputs.bucketName),
        backup: { accessKey: backup.sourceAccessKey, secretKey: backup.sourceSecretKey },
        mcImage: option(args, "--mc-image") ?? defaultMcImage(),
        network: named.internalNetwork,
    });
    const report = await copyInContainer({
        mode: "restore",
        source: { ...registryStorage, bucket: String(outputs.bucketName) },
        target: { ...from, accessKey: backup.targetAccessKey, secretKey: backup.targetSecretKey },
        prune: false,
        mcImage: option(args, "--mc-image") ?? defaultMcImage(),
        network: named.internalNetwork,
    });
    process.stdout.write(report);
    await control.restart();
    console.error("restarted the registry: its caches start empty");
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((error: Error) => {
        console.error(`restore: ${error.message}`);
        process.exit(1);
    });
}
