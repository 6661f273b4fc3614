import type * as pulumi from "@pulumi/pulumi";
import { clusterView } from "./clusterView";
import { DockerGuardInputs, dockerProblems, DockerView } from "./dockerRules";
import { dockerView } from "./dockerView";
import { KubernetesGuardInputs, kubernetesProblems } from "./kubernetesRules";

/*
 * Pulumi serializes a dynamic provider's code into the state and runs it in its own process: the
 * modules this provider uses import nothing at run time but the Kubernetes client, which that
 * process requires from the project.
 */

/** What the guard compares between one deployment and the next. */
export interface StackGuardInputs {
    /** `s3`, or `minio:<pods>x<drives per pod>` (program.ts storageLayoutOf). */
    storageLayout: string;
    /** minioLayoutChange: the operator moved the data and asks for the new layout. */
    layoutChangeAllowed: boolean;
    /** The Kubernetes target's fixed names and MinIO claims; absent on Docker. */
    kubernetes?: KubernetesGuardInputs;
    /** The Docker target's names and published ports; absent on Kubernetes. */
    docker?: DockerGuardInputs;
}

/** A new MinIO layout is a new, empty MinIO: refused unless asked for. */
function layoutProblems(olds: Partial<StackGuardInputs>, news: StackGuardInputs): string[] {
    const previous = olds.storageLayout;
    const next = news.storageLayout;
    const bothMinio = previous?.startsWith("minio:") && next.startsWith("minio:");
    if (!bothMinio || previous === next || news.layoutChangeAllowed) return [];
    return [
        `orbit-registry:minioReplicas and orbit-registry:minioDrivesPerPod change this stack's MinIO from ${previous} to ${next}: ` +
            'that deploys a new, empty MinIO beside the old one. Follow docs/operations.md "Scaling out": unprotect the old ' +
            "MinIO, scripts/pulumi config set minioLayoutChange true and up, copy the data across, then set it back to false and up",
    ];
}

/** A new storageClass is a new claim, so a new, empty MinIO: refused unless asked for. */
function storageClassProblems(olds: Partial<StackGuardInputs>, news: StackGuardInputs): string[] {
    const [before, after] = [olds.kubernetes?.minio, news.kubernetes?.minio];
    if (!before || !after || before.statefulSet !== after.statefulSet || news.layoutChangeAllowed) return [];
    const [was, now] = [before.storageClass ?? "", after.storageClass ?? ""];
    if (was === now) return [];
    const named = (storageClass: string) => (storageClass ? JSON.stringify(storageClass) : '"" (the cluster\'s default)');
    return [
        `orbit-registry:storageClass = ${named(now)} (was ${named(was)}): a claim's StorageClass cannot change, so MinIO would get ` +
            "new, empty claims, and up would stop half-way on the claim the old one leaves behind. Move the data as " +
            'docs/operations.md "Moving MinIO to new volumes" shows (it sets minioLayoutChange true for the move)',
    ];
}

/** Every reason the new inputs cannot be deployed over the old ones and the cluster as it is. */
export async function stackGuardProblems(
    olds: Partial<StackGuardInputs>,
    news: StackGuardInputs,
    connect = (context?: string) => clusterView(context),
    connectDocker = (host?: string): DockerView => dockerView(host),
): Promise<string[]> {
    const layout = [...layoutProblems(olds, news), ...storageClassProblems(olds, news)];
    if (layout.length > 0) return layout;
    const docker = news.docker;
    if (docker) return dockerProblems(olds, docker, () => connectDocker(docker.host));
    if (!news.kubernetes) return [];
    // A refused layout change aside, the cluster is read only where a change needs it.
    const kubernetes = news.kubernetes;
    return kubernetesProblems(olds.kubernetes, kubernetes, () => connect(kubernetes.context), news.layoutChangeAllowed);
}

/**
 * A resource whose only work is its check: the engine hands it this deployment's inputs beside the
 * previous deployment's, at preview and before anything else of the stack changes (every other
 * resource waits for it). Without `diff` the engine compares the inputs itself; without `read` a
 * refresh keeps the state as it is, so a refresh never finds the guard stale.
 */
export const stackGuardProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds, news) {
        const problems = await stackGuardProblems(olds, news as StackGuardInputs);
        return { inputs: news, failures: problems.map((reason) => ({ property: "", reason })) };
    },
    async create(inputs) {
        return { id: "stack-guard", outs: inputs };
    },
    async update(_id, _olds, news) {
        return { outs: news };
    },
};
