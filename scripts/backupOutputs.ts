import type { BackupOutput } from "../components/backupOutput";
import { names } from "../common/names";
import { kubectlIn } from "./clusterJob";

/** The stack's `backup` output, or why there is none. */
export function backupSettings(outputs: Record<string, unknown>): BackupOutput {
    const backup = outputs.backup;
    if (backup === "[secret]") throw new Error("the backup output is still masked: read the outputs with --show-secrets");
    if (!backup || typeof backup !== "object") {
        throw new Error(
            "the stack has no backup output: set backupTarget and its keys " +
                "(scripts/pulumi config set backupTarget https://s3.example.com/bucket/prefix; " +
                "scripts/pulumi config set --secret backupAccessKey …; the same for backupSecretKey), then scripts/pulumi up",
        );
    }
    return backup as BackupOutput;
}

/** kubectl in a Kubernetes stack's namespace, and its backup CronJob, which the Jobs of `npm run backup` and `restore` copy. */
export async function backupCronJobIn(namespace: string, args: string[], what: "backup" | "restore") {
    const cluster = kubectlIn(namespace, args, `on Kubernetes the ${what} runs in the cluster, through kubectl`);
    const cronJob = await cluster.find("cronjob", names.backup);
    if (!cronJob) throw new Error(`${namespace} has no CronJob ${names.backup}: run scripts/pulumi up with backupTarget set`);
    return { cluster, cronJob };
}
