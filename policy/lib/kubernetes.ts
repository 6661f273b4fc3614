/* eslint-disable @typescript-eslint/no-explicit-any */

/** The pod spec a Kubernetes workload (or Pod) declares, or undefined for other types. */
export function podSpecOf(type: string, props: Record<string, any>): Record<string, any> | undefined {
    switch (type) {
        case "kubernetes:core/v1:Pod":
            return props.spec;
        case "kubernetes:apps/v1:Deployment":
        case "kubernetes:apps/v1:StatefulSet":
        case "kubernetes:apps/v1:DaemonSet":
        case "kubernetes:apps/v1:ReplicaSet":
        case "kubernetes:batch/v1:Job":
            return props.spec?.template?.spec;
        case "kubernetes:batch/v1:CronJob":
            return props.spec?.jobTemplate?.spec?.template?.spec;
        default:
            return undefined;
    }
}

/** Jobs run to completion: they need no readiness probe. */
export const runsToCompletion = (type: string) => type === "kubernetes:batch/v1:Job" || type === "kubernetes:batch/v1:CronJob";

export interface NamedContainer {
    kind: "container" | "initContainer";
    container: Record<string, any>;
}

export function containersOf(pod: Record<string, any>): NamedContainer[] {
    return [
        ...(pod.initContainers ?? []).map((container: Record<string, any>) => ({ kind: "initContainer" as const, container })),
        ...(pod.containers ?? []).map((container: Record<string, any>) => ({ kind: "container" as const, container })),
    ];
}
