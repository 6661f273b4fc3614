// Required as is, not `import * as`: a serialized copy of this step requires builtins by name.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import fs = require("fs");
import { cleanUp, cleanupTable } from "./cleanup";
import { RegistryApi } from "./registryApi";
import { tagPushTimes } from "./tagListing";

/** Files the CronJob's steps share in its report directory. */
export const cleanupFiles = {
    /** `mc ls --json --recursive` of the repositories prefix, by the listing step. */
    storageListing: "storage.jsonl",
    /** The listing step's exit code. */
    listingExitCode: "listing-exit-code",
    report: "cleanup.txt",
    json: "cleanup.json",
    exitCode: "cleanup-exit-code",
};

/**
 * The cleanup step of the gcSchedule CronJob, run by `node` in nodeImage from a serialized copy:
 * reads the tags' push times the listing step wrote, plans by the retention rules and carries the
 * plan out through the registry's Service with the service account (CLEANUP_DRY_RUN only plans),
 * and writes its report. It never fails: the collection after it must run; the report step fails
 * the Job when this step did.
 */
export async function runCleanupStep(): Promise<void> {
    const env = process.env;
    const dir = env.REPORT_DIR ?? "/report";
    const write = (file: string, content: string) => fs.writeFileSync(`${dir}/${file}`, content);
    try {
        const listingExit = fs.readFileSync(`${dir}/${cleanupFiles.listingExitCode}`, "utf8").trim();
        if (listingExit !== "0") throw new Error(`listing the registry's storage failed (exit ${listingExit}); nothing was removed`);
        const api = new RegistryApi(
            env.REGISTRY_URL ?? "",
            { user: env.ORBIT_REGISTRY_USER ?? "", password: env.ORBIT_REGISTRY_PASS ?? "" },
            // With workspace quotas: the token server's Service, not the realm on the public Ingress.
            env.REGISTRY_AUTH_REALM || undefined,
        );
        const rules = {
            keepLast: Number(env.RETENTION_KEEP_LAST ?? 0),
            keepDays: Number(env.RETENTION_KEEP_DAYS ?? 0),
            keepTags: env.RETENTION_KEEP_TAGS ?? "",
            // retentionToQuota: the stack's quotas, as JSON.
            ...(env.RETENTION_TO_QUOTA ? { toQuota: JSON.parse(env.RETENTION_TO_QUOTA) } : {}),
        };
        const pushTimes = tagPushTimes(fs.readFileSync(`${dir}/${cleanupFiles.storageListing}`, "utf8"));
        const report = await cleanUp(api, pushTimes, rules, { dryRun: env.CLEANUP_DRY_RUN === "true" });
        write(cleanupFiles.json, JSON.stringify(report, null, 2));
        write(cleanupFiles.report, cleanupTable(report));
        write(cleanupFiles.exitCode, "0");
        // In the Job's log too; `npm run cleanup` on Kubernetes prints it.
        process.stdout.write(env.CLEANUP_OUTPUT === "json" ? JSON.stringify(report, null, 2) + "\n" : cleanupTable(report));
    } catch (error) {
        write(cleanupFiles.report, `cleanup failed: ${(error as Error).message}\n`);
        write(cleanupFiles.exitCode, "1");
        process.stdout.write(`cleanup failed: ${(error as Error).message}\n`);
    }
}
