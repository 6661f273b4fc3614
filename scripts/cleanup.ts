/**
 * Tag retention: removes the tags the stack's rules (retentionKeepLast, retentionKeepDays,
 * retentionKeepTags) let go, through the registry's API, so orbit-www gets a delete event for each
 * manifest. A garbage collection then frees the space (`npm run gc`, or `npm run gc -- --cleanup`
 * for both in one run).
 *
 *   npm run --silent cleanup -- --stack dev [--dry-run] [--json]
 *   npm run --silent cleanup -- --stack dev --dry-run --keep-last 5      # try other rules
 *
 * On Kubernetes it runs in the cluster, as a Job from the gcSchedule CronJob (kubectl, the current
 * context or --context): with --dry-run only the listing and the planning steps.
 */
import { SingleBar } from "cli-progress";
import { names } from "../common/names";
import { cleanUp, cleanupTable } from "../common/cleanup";
import { jobFromCronJob, reportContainer } from "../operations/cleanupJob";
import { RegistryApi } from "../common/registryApi";
import { retentionEnabled } from "../common/retention";
import { kubectlIn, kubernetesNamespace } from "./clusterJob";
import { dockerControl, option, readStackOutputs, registryAccess, retentionRules } from "./stackOutputs";

async function inCluster(namespace: string, args: string[]): Promise<void> {
    const cluster = kubectlIn(namespace, args, "on Kubernetes the cleanup runs in the cluster, through kubectl");
    const cronJob = await cluster.find("cronjob", names.registryGc);
    if (!cronJob) {
        throw new Error(
            `${namespace} has no CronJob ${names.registryGc}: set gcSchedule and a retention rule; the CronJob runs the cleanup`,
        );
    }
    const dryRun = args.includes("--dry-run");
    const job = jobFromCronJob(cronJob, `${names.registryGc}-${dryRun ? "plan" : "now"}-${Date.now()}`, {
        dryRun,
        json: args.includes("--json"),
    });
    await cluster.runJob(job, reportContainer(job));
}

async function main(args: string[]) {
    const outputs = readStackOutputs(args);
    const namespace = kubernetesNamespace(outputs);
    if (namespace) return inCluster(namespace, args);

    const rules = retentionRules(outputs, args);
    if (!retentionEnabled(rules)) {
        console.error(
            "retention is off: set retentionKeepLast, retentionKeepDays or retentionToQuota " +
                "(scripts/pulumi config set retentionKeepLast 10), or pass --keep-last",
        );
        return;
    }
    const { url, credentials } = registryAccess(outputs, option(args, "--registry-url"));
    const control = dockerControl(outputs, args);
    const bar = process.stderr.isTTY
        ? new SingleBar({ format: "repositories [{bar}] {value}/{total}", stream: process.stderr })
        : undefined;
    const report = await cleanUp(new RegistryApi(url, credentials), await control.tagPushTimes(), rules, {
        dryRun: args.includes("--dry-run"),
        progress: (done, total) => (done === 0 ? bar?.start(total, 0) : bar?.update(done)),
    });
    bar?.stop();
    process.stdout.write(args.includes("--json") ? JSON.stringify(report, null, 2) + "\n" : cleanupTable(report));
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((error: Error) => {
        console.error(`cleanup: ${error.message}`);
        process.exit(1);
    });
}
