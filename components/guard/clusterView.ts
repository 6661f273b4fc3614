import type * as KubernetesClient from "@kubernetes/client-node";
import type { ClusterView } from "./kubernetesRules";

/**
 * The cluster as the Kubernetes provider reaches it (KUBECONFIG or ~/.kube/config, and kubeContext),
 * through the official client. Required where it runs: in the guard's dynamic provider, Pulumi
 * serializes this function and the process that runs it resolves the client from the project.
 */
export function clusterView(context?: string): ClusterView {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const client = require("@kubernetes/client-node") as typeof KubernetesClient;
    const config = new client.KubeConfig();
    config.loadFromDefault();
    if (context) config.setCurrentContext(context);
    const core = config.makeApiClient(client.CoreV1Api);
    const storage = config.makeApiClient(client.StorageV1Api);
    const apps = config.makeApiClient(client.AppsV1Api);
    const unlessMissing = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
        try {
            return await read();
        } catch (error) {
            if ((error as { code?: number }).code === 404) return undefined;
            throw new Error(`reading the cluster (${config.getCurrentContext()}): ${(error as Error).message}`);
        }
    };
    const annotationsOf = (object?: { metadata?: { annotations?: Record<string, string> } }) =>
        object && { annotations: object.metadata?.annotations ?? {} };
    return {
        namespace: async (name) => annotationsOf(await unlessMissing(() => core.readNamespace({ name }))),
        secret: async (namespace, name) => annotationsOf(await unlessMissing(() => core.readNamespacedSecret({ name, namespace }))),
        claim: async (namespace, name) => {
            const claim = await unlessMissing(() => core.readNamespacedPersistentVolumeClaim({ name, namespace }));
            return claim && { storageClassName: claim.spec?.storageClassName, storage: claim.spec?.resources?.requests?.storage };
        },
        storageClass: async (name) => {
            const storageClass = await unlessMissing(() => storage.readStorageClass({ name }));
            return storageClass && { allowVolumeExpansion: storageClass.allowVolumeExpansion === true };
        },
        statefulSetExists: async (namespace, name) =>
            (await unlessMissing(() => apps.readNamespacedStatefulSet({ name, namespace }))) !== undefined,
    };
}
