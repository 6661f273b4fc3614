import type * as pulumi from "@pulumi/pulumi";

/*
 * Pulumi serializes a dynamic provider's code into the state and runs it in its own process: this
 * module imports nothing at run time, so what it captures is this file alone.
 */

/** What the guard compares between one deployment and the next. */
export interface StackGuardInputs {
    /** `s3`, or `minio:<pods>x<drives per pod>` (program.ts storageLayoutOf). */
    storageLayout: string;
    /** minioLayoutChange: the operator moved the data and asks for the new layout. */
    layoutChangeAllowed: boolean;
}

/** Why the new inputs cannot be deployed over the old ones, or nothing when they can. */
export function stackGuardProblems(olds: Partial<StackGuardInputs>, news: StackGuardInputs): string[] {
    const previous = olds.storageLayout;
    const next = news.storageLayout;
    const bothMinio = previous?.startsWith("minio:") && next.startsWith("minio:");
    if (!bothMinio || previous === next || news.layoutChangeAllowed) return [];
    return [
        `orbit-registry:minioReplicas and orbit-registry:minioDrivesPerPod change this stack's MinIO from ${previous} to ${next}: ` +
            `that deploys a new, empty MinIO. Move the data as docs/operations.md "Scaling out" shows, then ` +
            `scripts/pulumi config set minioLayoutChange true`,
    ];
}

/**
 * A resource whose only work is its check: the engine hands it this deployment's inputs beside the
 * previous deployment's, before anything else of the stack changes (every other resource waits for
 * it). Without `diff` the engine compares the inputs itself; without `read` a refresh keeps the
 * state as it is, so a refresh never finds the guard stale.
 */
export const stackGuardProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds, news) {
        const problems = stackGuardProblems(olds, news as StackGuardInputs);
        return { inputs: news, failures: problems.map((reason) => ({ property: "", reason })) };
    },
    async create(inputs) {
        return { id: "stack-guard", outs: inputs };
    },
    async update(_id, _olds, news) {
        return { outs: news };
    },
};
