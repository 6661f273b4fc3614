/**
 * Garbage collection for the Docker target that cannot corrupt a push: the registry goes read-only,
 * `registry garbage-collect` runs with its own config, and it comes back read-write (restarted, so
 * its cache forgets what was collected), also when the collection fails.
 *
 *   npm run --silent gc -- --stack dev [--dry-run] [--delete-untagged] [--outputs outputs.json]
 *   npm run --silent gc -- --stack dev --cleanup      # tag retention first (npm run cleanup), then the collection
 *
 * On Kubernetes the gcSchedule CronJob does the same in the cluster; `npm run gc -- --stack prod` runs
 * a Job from it now (the collection alone; with --cleanup the retention first; --dry-run only reports).
 */
import { names } from "../common/names";
import { cleanUp, cleanupTable } from "../common/cleanup";
import { collectionJobFromCronJob } from "../operations/cleanupJob";
import { collectGarbage, CollectReport } from "../operations/garbageCollect";
import { retentionEnabled } from "../common/retention";
import { isReadOnly } from "../operations/readOnly";
import { RegistryApi } from "../common/registryApi";
import { kubectlIn, kubernetesNamespace } from "./clusterJob";
import { dockerControl, option, readStackOutputs, registryAccess, retentionRules } from "./stackOutputs";

const MiB = 1024 * 1024;

export function describeReport(report: CollectReport): string {
    const verb = report.dryRun ? "would remove" : "removed";
    const manifests = report.manifests.length > 0 ? ` and ${report.manifests.length} untagged manifest(s)` : "";
    return `${verb} ${report.blobs.length} blob(s), ${(report.bytes / MiB).toFixed(1)} MiB (${report.bytes} bytes)${manifests}`;
}

/** Kubernetes: a Job now from the gcSchedule CronJob, through kubectl (the current context or --context). */
async function inCluster(namespace: string, args: string[]): Promise<void> {
    const cluster = kubectlIn(namespace, args, "on Kubernetes the collection runs in the cluster, through kubectl");
    const cronJob = await cluster.find("cronjob", names.registryGc);
    if (!cronJob) {
        throw new Error(
            `${namespace} has no CronJob ${names.registryGc}: set gcSchedule ` +
                '(scripts/pulumi config set gcSchedule "0 3 * * 0") and run scripts/pulumi up; the CronJob collects in the cluster',
        );
    }
    if (args.includes("--delete-untagged")) {
        throw new Error("--delete-untagged: on Kubernetes the CronJob's collection follows gcDeleteUntagged; set it in the stack's config");
    }
    const dryRun = args.includes("--dry-run");
    const job = collectionJobFromCronJob(cronJob, `${names.registryGc}-${dryRun ? "plan" : "now"}-${Date.now()}`, {
        cleanup: args.includes("--cleanup"),
        dryRun,
    });
    await cluster.runJob(job, "report");
}

async function main(args: string[]) {
    const outputs = readStackOutputs(args);
    const namespace = kubernetesNamespace(outputs);
    if (namespace) return inCluster(namespace, args);
    const { url, credentials } = registryAccess(outputs, option(args, "--registry-url"));
    const control = dockerControl(outputs, args);
    const api = new RegistryApi(url, credentials);
    if (args.includes("--cleanup")) {
        const rules = retentionRules(outputs, args);
        if (!retentionEnabled(rules)) {
            console.error("retention is off (retentionKeepLast and retentionKeepDays are 0, retentionToQuota false): collecting only");
        } else {
            const cleanup = await cleanUp(api, await control.tagPushTimes(), rules, { dryRun: args.includes("--dry-run") });
            process.stderr.write(cleanupTable(cleanup));
        }
    }
    if (isReadOnly(await control.readConfig())) {
        console.error("the registry was left read-only by an interrupted collection; switching it back first");
        await control.setReadOnly(false);
    }
    const report = await collectGarbage(control, api, {
        dryRun: args.includes("--dry-run"),
        deleteUntagged: args.includes("--delete-untagged"),
        log: (line) => console.error(line),
    });
    if (args.includes("--json")) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    else process.stdout.write(`${describeReport(report)}\n${report.blobs.map((b) => `  ${b}`).join("\n")}\n`);
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((error: Error) => {
        console.error(`gc: ${error.message}`);
        process.exit(1);
    });
}
