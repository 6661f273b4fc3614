/*
 * What the Kubernetes target cannot deploy over what a cluster already holds, checked by the
 * stack's guard at preview. Pure: the cluster comes in as a ClusterView. Runs inside the guard's
 * dynamic provider, so it imports nothing.
 */

/** The Kubernetes part of the guard's inputs: what the stack creates with fixed names, and MinIO's claims. */
export interface KubernetesGuardInputs {
    /** kubeContext; empty for the kubeconfig's current context. */
    context?: string;
    /** `<organization>/<project>/<stack>`: the owner annotation of what this stack creates. */
    stack: string;
    namespace: string;
    appNamespace: string;
    /** The Secret with the apps' environment, in appNamespace. */
    appSecret: string;
    /** With the pull endpoint: its dockerconfigjson Secret, written into appNamespace and each of pullSecretNamespaces. */
    pullSecret?: string;
    /** Namespaces besides appNamespace that get the pull endpoint's Secret (pullSecretNamespaces). */
    pullSecretNamespaces?: string[];
    /** MinIO on the cluster (absent with storage s3). */
    minio?: {
        storageSize: string;
        /** Empty for the cluster's default StorageClass. */
        storageClass?: string;
        pods: number;
        drivesPerPod: number;
        statefulSet: string;
        /** The single pod's own claim; a pool's claims come from its volumeClaimTemplates. */
        claim?: string;
    };
}

/** The annotation that names the stack that created an object. */
export const ownerAnnotation = "orbit-registry/stack";

export interface LiveClaim {
    storageClassName?: string;
    /** spec.resources.requests.storage */
    storage?: string;
}

/** The few reads the rules need; undefined for an object that does not exist. */
export interface ClusterView {
    namespace(name: string): Promise<{ annotations: Record<string, string> } | undefined>;
    secret(namespace: string, name: string): Promise<{ annotations: Record<string, string> } | undefined>;
    claim(namespace: string, name: string): Promise<LiveClaim | undefined>;
    storageClass(name: string): Promise<{ allowVolumeExpansion: boolean } | undefined>;
    statefulSetExists(namespace: string, name: string): Promise<boolean>;
}

const units: Record<string, number> = {
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/** Bytes of a quantity as config validation admits them (a number and one suffix), NaN for anything else. */
export function quantityBytes(quantity: string): number {
    const match = /^([0-9]+(?:\.[0-9]+)?)([kMGTPE]i?|Ki)?$/.exec(quantity);
    return match && (match[2] ?? "") in units ? Number(match[1]) * units[match[2] ?? ""] : NaN;
}

const resizeSteps = 'see docs/operations.md, "Resizing MinIO\'s volume"';
const newVolumes = 'see docs/operations.md, "Moving MinIO to new volumes"';
const secondStack = 'see docs/operations.md, "A second stack on the same cluster"';

async function ownedElsewhere(
    kind: string,
    object: { annotations: Record<string, string> } | undefined,
    news: KubernetesGuardInputs,
    firstGuardedDeployment: boolean,
): Promise<string | undefined> {
    if (!object) return undefined;
    const owner = object.annotations[ownerAnnotation];
    if (owner === news.stack) return undefined;
    // Stacks made before the guard existed did not annotate their objects: on a stack's first guarded
    // deployment an unannotated object is taken for its own, and annotated by it.
    if (owner === undefined && firstGuardedDeployment) return undefined;
    return owner ? `${kind} belongs to the stack ${owner}` : `${kind} exists already, and this stack did not create it`;
}

/** Objects with fixed names that another stack (or anyone) already holds; checked when they would be created. */
async function collisions(olds: KubernetesGuardInputs | undefined, news: KubernetesGuardInputs, cluster: ClusterView) {
    const problems: string[] = [];
    const first = olds === undefined;
    if (first || olds.namespace !== news.namespace) {
        const held = await ownedElsewhere("the namespace", await cluster.namespace(news.namespace), news, first);
        if (held) problems.push(`orbit-registry:namespace = ${JSON.stringify(news.namespace)}: ${held}; ${secondStack}`);
    }
    if (first || olds.appNamespace !== news.appNamespace) {
        if (!(await cluster.namespace(news.appNamespace))) {
            problems.push(
                `orbit-registry:appNamespace = ${JSON.stringify(news.appNamespace)}: no such namespace in the cluster; ` +
                    "create it, or set appNamespace to build-service's namespace",
            );
        } else {
            const secret = await cluster.secret(news.appNamespace, news.appSecret);
            const held = await ownedElsewhere(`its Secret ${news.appSecret}`, secret, news, first);
            if (held) problems.push(`orbit-registry:appNamespace = ${JSON.stringify(news.appNamespace)}: ${held}; ${secondStack}`);
        }
    }
    const listed = new Set(first ? [] : (olds.pullSecretNamespaces ?? []));
    const missing = new Set<string>();
    for (const namespace of (news.pullSecretNamespaces ?? []).filter((name) => !listed.has(name))) {
        if (!(await cluster.namespace(namespace))) {
            missing.add(namespace);
            problems.push(
                `orbit-registry:pullSecretNamespaces = ${JSON.stringify(news.pullSecretNamespaces?.join(","))}: ` +
                    `no namespace ${namespace} in the cluster; create it, or leave it out of the list`,
            );
        }
    }
    for (const namespace of newPullSecretNamespaces(olds, news).filter((name) => !missing.has(name))) {
        const key =
            namespace === news.appNamespace
                ? `orbit-registry:appNamespace = ${JSON.stringify(namespace)}`
                : `orbit-registry:pullSecretNamespaces = ${JSON.stringify(news.pullSecretNamespaces?.join(","))}`;
        const held = await ownedElsewhere(
            `the Secret ${news.pullSecret} in ${namespace}`,
            await cluster.secret(namespace, news.pullSecret!),
            news,
            first,
        );
        if (held) problems.push(`${key}: ${held}; ${secondStack}`);
    }
    return problems;
}

/** The namespaces where this deployment writes the pull endpoint's Secret and the previous one did not. */
function newPullSecretNamespaces(olds: KubernetesGuardInputs | undefined, news: KubernetesGuardInputs): string[] {
    if (!news.pullSecret) return [];
    const before = olds?.pullSecret ? [olds.appNamespace, ...(olds.pullSecretNamespaces ?? [])] : [];
    return [news.appNamespace, ...(news.pullSecretNamespaces ?? [])].filter((namespace) => !before.includes(namespace));
}

/** A new minioStorageSize on the same MinIO: what the claims and their StorageClass allow. */
async function resize(olds: KubernetesGuardInputs, news: KubernetesGuardInputs, cluster: ClusterView) {
    const [before, after] = [olds.minio, news.minio];
    if (!before || !after || before.storageSize === after.storageSize || before.statefulSet !== after.statefulSet) return [];
    if (before.pods !== after.pods || before.drivesPerPod !== after.drivesPerPod) return [];
    const key = `orbit-registry:minioStorageSize = ${JSON.stringify(after.storageSize)} (was ${JSON.stringify(before.storageSize)})`;
    const wanted = quantityBytes(after.storageSize);
    if (wanted < quantityBytes(before.storageSize)) return [`${key}: a claim never shrinks; keep ${before.storageSize} or more`];
    const namespace = news.namespace;

    if (after.claim) {
        const claim = await cluster.claim(namespace, after.claim);
        if (!claim) return [];
        if (!claim.storageClassName) {
            return [
                `${key}: the claim ${after.claim} is bound to a volume without a StorageClass, which cannot grow; ` +
                    `move MinIO to new, larger volumes: ${newVolumes}`,
            ];
        }
        const storageClass = await cluster.storageClass(claim.storageClassName);
        if (!storageClass?.allowVolumeExpansion) {
            return [
                `${key}: the claim ${after.claim}'s StorageClass ${claim.storageClassName} ` +
                    `${storageClass ? "does not allow volume expansion (allowVolumeExpansion)" : "does not exist"}; ` +
                    `move MinIO to new, larger volumes: ${newVolumes}`,
            ];
        }
        return [];
    }

    // A pool's claims come from volumeClaimTemplates, which a StatefulSet cannot change: the protected
    // StatefulSet would be replaced. Allowed once each claim has grown and the StatefulSet is gone (its pods kept).
    const claims = Array.from({ length: after.pods }, (_, pod) =>
        Array.from({ length: after.drivesPerPod }, (_, drive) => `data${drive + 1}-${after.statefulSet}-${pod}`),
    ).flat();
    const small: string[] = [];
    let storageClassName: string | undefined;
    for (const name of claims) {
        const claim = await cluster.claim(namespace, name);
        storageClassName ??= claim?.storageClassName;
        if (!claim || !(quantityBytes(claim.storage ?? "0") >= wanted)) small.push(name);
    }
    // Claims on a class that cannot expand never grow: the server refuses each patch (403).
    const expandable = storageClassName ? (await cluster.storageClass(storageClassName))?.allowVolumeExpansion === true : false;
    if (small.length > 0 && !expandable) {
        const where = storageClassName
            ? `the StorageClass ${storageClassName}, which does not allow volume expansion`
            : "volumes without a StorageClass";
        return [
            `${key}: distributed MinIO's claims are on ${where}, ` +
                `so they cannot grow. Move MinIO to new, larger volumes: ${newVolumes}`,
        ];
    }
    const statefulSetLeft = await cluster.statefulSetExists(namespace, after.statefulSet);
    if (small.length === 0 && !statefulSetLeft) return [];
    return [
        `${key}: distributed MinIO's claims come from its StatefulSet's volumeClaimTemplates, which cannot change ` +
            `(the protected StatefulSet ${after.statefulSet} would be replaced). ` +
            (small.length > 0
                ? `Grow each claim first (${small.length} below ${after.storageSize}: ${small.slice(0, 3).join(", ")}…), `
                : "") +
            (statefulSetLeft ? `delete the StatefulSet without its pods (kubectl delete --cascade=orphan), ` : "") +
            `then unprotect it and run up; ${resizeSteps}`,
    ];
}

/** Why the Kubernetes part of this deployment cannot go ahead over the cluster as it is; reads the cluster only when needed. */
export async function kubernetesProblems(
    olds: KubernetesGuardInputs | undefined,
    news: KubernetesGuardInputs,
    connect: () => ClusterView,
    newMinioAllowed = false,
): Promise<string[]> {
    const sizeChanged = olds?.minio && news.minio && olds.minio.storageSize !== news.minio.storageSize;
    const placed = olds && olds.namespace === news.namespace && olds.appNamespace === news.appNamespace;
    if (placed && !sizeChanged && newPullSecretNamespaces(olds, news).length === 0) return [];
    const cluster = connect();
    // With minioLayoutChange the operator moves the data to a new MinIO, whose claims are new: nothing grows.
    const grown = olds && !newMinioAllowed ? await resize(olds, news, cluster) : [];
    return [...(await collisions(olds, news, cluster)), ...grown];
}
