/* eslint-disable @typescript-eslint/no-explicit-any */

/** How long a finished Job from `npm run backup`, `cleanup`, `gc` or `restore` stays for `kubectl logs`: a day. */
export const manualJobTtlSeconds = 86_400;

/**
 * A Job to run now with `spec` (from a CronJob's template), named, labelled and owned as `kubectl
 * create job --from` makes one: the CronJob controls it, so it goes with the CronJob and counts in its
 * job history limits, and Kubernetes deletes it a day after it finished.
 */
export function manualJob(cronJob: Record<string, any>, name: string, spec: Record<string, any>): Record<string, any> {
    const { uid, name: cronJobName, namespace } = cronJob.metadata;
    if (!uid) throw new Error(`the CronJob ${cronJobName} has no uid: read it from the cluster`);
    return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: {
            name,
            namespace,
            labels: cronJob.spec.jobTemplate.metadata?.labels,
            annotations: { "cronjob.kubernetes.io/instantiate": "manual" },
            ownerReferences: [
                { apiVersion: "batch/v1", kind: "CronJob", name: cronJobName, uid, controller: true, blockOwnerDeletion: true },
            ],
        },
        spec: { ...spec, ttlSecondsAfterFinished: manualJobTtlSeconds },
    };
}

/** A container's env with `overrides` set, each replacing the variable of its name or added: a string is a value, an object a valueFrom. */
export function withEnv(
    env: Array<Record<string, any>>,
    overrides: Record<string, string | Record<string, any>>,
): Array<Record<string, any>> {
    const variable = (name: string, value: string | Record<string, any>) =>
        typeof value === "string" ? { name, value } : { name, valueFrom: value };
    return [
        ...env.map((e) => (e.name in overrides ? variable(e.name, overrides[e.name]) : e)),
        ...Object.entries(overrides)
            .filter(([name]) => !env.some((e) => e.name === name))
            .map(([name, value]) => variable(name, value)),
    ];
}
