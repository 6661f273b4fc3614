import { isDeepStrictEqual } from "util";
import type { KubeObject } from "../cluster/harness/kubeApi";

/*
 * When pulumi-kubernetes replaces an object instead of updating it: a change to one of these fields
 * of its inputs (the provider's forceNew rules for the kinds this program declares, with
 * enableSecretMutable on, as the program sets it). Everything else is an update in place.
 */
const always = ["metadata.name", "metadata.namespace"];
const byKind: Record<string, string[]> = {
    "batch/v1 Job": ["spec.completions", "spec.parallelism", "spec.selector", "spec.template"],
    "apps/v1 StatefulSet": [
        "spec.podManagementPolicy",
        "spec.revisionHistoryLimit",
        "spec.selector",
        "spec.serviceName",
        "spec.volumeClaimTemplates",
    ],
    "apps/v1 Deployment": ["spec.selector"],
    "v1 PersistentVolumeClaim": ["spec.accessModes", "spec.selector", "spec.storageClassName", "spec.volumeName"],
    "v1 Service": ["spec.clusterIP"],
    "v1 Secret": ["type"],
    // ConfigMaps are immutable to the provider unless enableConfigMapMutable (the program leaves it off).
    "v1 ConfigMap": ["data", "binaryData"],
    "rbac.authorization.k8s.io/v1 RoleBinding": ["roleRef"],
};

const at = (object: KubeObject, path: string): unknown =>
    path.split(".").reduce<KubeObject | undefined>((value, key) => value?.[key], object);

/** The fields whose change makes the provider replace `before` by `after` (none: an update, or nothing). */
export function replacementFields(before: KubeObject, after: KubeObject): string[] {
    const fields = [...always, ...(byKind[`${after.apiVersion} ${after.kind}`] ?? [])];
    return fields.filter((field) => !isDeepStrictEqual(at(before, field), at(after, field)));
}

/**
 * What makes an object a new one to the provider: the fields whose change replaces it. A fake uid
 * derived from them changes exactly when the real object would be created anew.
 */
export function replacementIdentity(object: KubeObject): string {
    const fields = [...always, ...(byKind[`${object.apiVersion} ${object.kind}`] ?? [])];
    return JSON.stringify(fields.map((field) => at(object, field)));
}
