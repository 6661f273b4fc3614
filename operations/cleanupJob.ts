/* eslint-disable @typescript-eslint/no-explicit-any */
import { manualJob, withEnv } from "./manualJob";
type KubeObject = Record<string, any>;

/**
 * A Job to run now from the gcSchedule CronJob's template, as `kubectl create job --from` makes one:
 * the whole cleanup and collection, or (a dry run) only the storage listing and the cleanup step told
 * to plan, printing its report (JSON with `json`) in its log. Fails where the CronJob has no cleanup.
 */
export function jobFromCronJob(cronJob: KubeObject, name: string, options: { dryRun: boolean; json: boolean }): KubeObject {
    const spec = structuredClone(cronJob.spec.jobTemplate.spec);
    const pod = spec.template.spec;
    const steps: KubeObject[] = pod.initContainers ?? [];
    const listing = steps.find((c) => c.name === "list-tags");
    const cleanup = steps.find((c) => c.name === "cleanup");
    if (!listing || !cleanup) {
        throw new Error("the stack's CronJob has no cleanup step: retention is off (set retentionKeepLast or retentionKeepDays)");
    }
    const env = (overrides: Record<string, string>) => withEnv(cleanup.env, overrides);
    if (options.dryRun) {
        pod.initContainers = [listing];
        pod.containers = [{ ...cleanup, env: env({ CLEANUP_DRY_RUN: "true", CLEANUP_OUTPUT: options.json ? "json" : "table" }) }];
    } else if (options.json) {
        pod.initContainers = steps.map((c) => (c.name === "cleanup" ? { ...c, env: env({ CLEANUP_OUTPUT: "json" }) } : c));
    }
    return manualJob(cronJob, name, spec);
}

/** The container whose log holds the report: the cleanup step itself in a dry run, else the report step. */
export const reportContainer = (job: KubeObject) => job.spec.template.spec.containers[0].name as string;

/**
 * A Job to run now from the gcSchedule CronJob's template (`npm run gc` on Kubernetes): the
 * collection alone, or with `cleanup` the tag retention first, as the schedule runs them. A dry run
 * switches nothing read-only: `registry garbage-collect --dry-run` (after a planning cleanup) only reports.
 * Untagged manifests go as gcDeleteUntagged says: the CronJob's own flags are kept.
 */
export function collectionJobFromCronJob(cronJob: KubeObject, name: string, options: { cleanup: boolean; dryRun: boolean }): KubeObject {
    const spec = structuredClone(cronJob.spec.jobTemplate.spec);
    const pod = spec.template.spec;
    const steps: KubeObject[] = pod.initContainers;
    const isCleanupStep = (step: KubeObject) => step.name === "list-tags" || step.name === "cleanup";
    if (options.cleanup && !steps.some(isCleanupStep)) {
        throw new Error("the stack's CronJob has no cleanup step: retention is off (set retentionKeepLast or retentionKeepDays)");
    }
    const collect = steps.find((step) => step.name === "collect")!;
    if (options.dryRun) collect.command = [...collect.command, "--dry-run"];
    const planned = (step: KubeObject) =>
        step.name === "cleanup" && options.dryRun ? { ...step, env: withEnv(step.env, { CLEANUP_DRY_RUN: "true" }) } : step;
    pod.initContainers = steps
        .filter((step) => options.cleanup || !isCleanupStep(step))
        .filter((step) => !options.dryRun || !["read-only", "drained", "read-write"].includes(step.name))
        .map(planned);
    return manualJob(cronJob, name, spec);
}
