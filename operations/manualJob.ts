/* eslint-disable @typescript-eslint/no-explicit-any */

/** A Job to run now with `spec` (from a CronJob's template), named and labelled as `kubectl create job --from` makes one. */
export function manualJob(cronJob: Record<string, any>, name: string, spec: Record<string, any>): Record<string, any> {
    return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: {
            name,
            namespace: cronJob.metadata.namespace,
            labels: cronJob.spec.jobTemplate.metadata?.labels,
            annotations: { "cronjob.kubernetes.io/instantiate": "manual" },
        },
        spec,
    };
}
