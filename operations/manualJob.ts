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
