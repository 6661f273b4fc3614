import { DeclaredResource, StackRun } from "./mockProgram";
import { deepPlain } from "./kubernetesSchema";

/* eslint-disable @typescript-eslint/no-explicit-any */
export type KubeObject = Record<string, any>;

export const K = {
    namespace: "kubernetes:core/v1:Namespace",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    service: "kubernetes:core/v1:Service",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    deployment: "kubernetes:apps/v1:Deployment",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
};

/** Every Kubernetes object of a run, as the manifest the provider would apply (secrets unwrapped). */
export function kubernetesObjects(run: StackRun): Array<{ resource: DeclaredResource; object: KubeObject }> {
    return run.resources
        .filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:"))
        .map((resource) => ({ resource, object: deepPlain(resource.inputs) as KubeObject }));
}

export const objectsOf = (run: StackRun, type: string) =>
    kubernetesObjects(run)
        .filter((o) => o.resource.type === type)
        .map((o) => o.object);

export const named = (run: StackRun, type: string, name: string): KubeObject => {
    const found = objectsOf(run, type).filter((o) => o.metadata?.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
};

/** Workloads with their pod template's spec and labels: Deployments, StatefulSets, Jobs, CronJobs. */
export function workloads(run: StackRun): Array<{ kind: string; object: KubeObject; pod: KubeObject; labels: Record<string, string> }> {
    const templateOf = (object: KubeObject) => (object.kind === "CronJob" ? object.spec.jobTemplate.spec.template : object.spec.template);
    return [K.deployment, K.statefulSet, K.job, K.cronJob].flatMap((type) =>
        objectsOf(run, type).map((object) => ({
            kind: object.kind as string,
            object,
            pod: templateOf(object).spec,
            labels: templateOf(object).metadata?.labels ?? {},
        })),
    );
}

/** Every container of a pod, init containers first. */
export const containersOf = (pod: KubeObject): KubeObject[] => [...(pod.initContainers ?? []), ...pod.containers];

export const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
    Object.entries(selector).every(([key, value]) => labels[key] === value);

/** The keys a Secret declares (stringData or data). */
export const secretKeys = (secret: KubeObject) => Object.keys({ ...(secret.stringData ?? {}), ...(secret.data ?? {}) });
