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
