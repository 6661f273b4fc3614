import { takeInventory } from "../common/inventory";
import { RegistryApi } from "../common/registryApi";

/** What a safe collection needs of wherever the registry runs (a Docker container, local processes). */
export interface RegistryControl {
    /**
     * Restarts the registry with storage.maintenance.readonly on or off and returns once it serves
     * again. The restart drains requests in flight (http.draintimeout) and empties the in-memory
     * blob-descriptor cache, which would otherwise still claim collected blobs exist.
     */
    setReadOnly(readOnly: boolean): Promise<void>;
    /** Runs `registry garbage-collect` with the registry's own config and environment. */
    garbageCollect(flags: string[]): Promise<{ code: number; output: string }>;
    /** The output of `registry --version`, which names the Distribution module and version. */
    registryVersion(): Promise<string>;
    /** Each blob's size as the storage holds it (the registry API serves no unreferenced blob). */
    blobSizes(digests: string[]): Promise<Map<string, number>>;
}

/** Where Distribution keeps a blob's bytes under its root directory. */
export const blobPath = (digest: string) => {
    const hex = digest.replace(/^sha256:/, "");
    return `docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
};

export interface CollectOptions {
    dryRun: boolean;
    /** Also delete manifests no tag references (and what only they reference). */
    deleteUntagged: boolean;
    log?: (line: string) => void;
}

export interface CollectReport {
    dryRun: boolean;
    /** Blobs removed (or, in a dry run, that would be). */
    blobs: string[];
    /** Their bytes, as the registry served them before the collection. */
    bytes: number;
    /** Manifests removed as untagged (with --delete-untagged). */
    manifests: string[];
}

const digestIn = (line: string) => /sha256:[0-9a-f]{64}|sha256\/[0-9a-f]{2}\/([0-9a-f]{64})/.exec(line);

/** The blobs and manifests `garbage-collect` names as eligible for deletion (the same lines in both versions). */
export function eligibleForDeletion(output: string): { blobs: string[]; manifests: string[] } {
    const blobs = new Set<string>();
    const manifests = new Set<string>();
    for (const line of output.split("\n")) {
        const match = digestIn(line);
        if (!match) continue;
        const digest = match[1] ? `sha256:${match[1]}` : match[0];
        if (/blob eligible for deletion|Deleting blob/i.test(line)) blobs.add(digest);
        else if (/manifest eligible for deletion|deleting manifest/i.test(line)) manifests.add(digest);
    }
    return { blobs: [...blobs].sort(), manifests: [...manifests].sort() };
}

/**
 * The untagged manifests `garbage-collect --delete-untagged` names, by repository: 2.8 prints a
 * repository's name on a line of its own before what it finds in it; 3 prints each as
 * `{<repository> <digest> [<tags>]}`.
 */
export function untaggedByRepository(output: string): Array<{ repository: string; digest: string }> {
    const found: Array<{ repository: string; digest: string }> = [];
    let repository = "";
    for (const line of output.split("\n").map((l) => l.trim())) {
        const name = "[a-z0-9]+(?:(?:[._-]|__|[/])[a-z0-9]+)*";
        if (new RegExp(`^${name}$`).test(line)) repository = line;
        const match = new RegExp(`manifest eligible for deletion:? \\{?(?:(${name}) )?(sha256:[0-9a-f]{64})`, "i").exec(line);
        if (match && (match[1] || repository)) found.push({ repository: match[1] ?? repository, digest: match[2] });
    }
    return found;
}

/**
 * Untagged artifacts (OCI 1.1 referrers: signatures, SBOMs, attestations attached without a tag)
 * whose subject stays: `--delete-untagged` would strip a kept image of them.
 */
async function referrersAtRisk(plannedOutput: string, api: RegistryApi): Promise<string[]> {
    const untagged = untaggedByRepository(plannedOutput);
    const going = new Set(untagged.map((m) => `${m.repository}@${m.digest}`));
    const atRisk: string[] = [];
    for (const { repository, digest } of untagged) {
        const subject = (await api.manifest(repository, digest)).manifest.subject?.digest;
        if (subject && !going.has(`${repository}@${subject}`)) atRisk.push(`${repository}@${digest}`);
    }
    return atRisk;
}

/** Distribution's major version from `registry --version` (2.8: github.com/docker/distribution). */
export const majorVersionOf = (versionOutput: string): 2 | 3 => (/distribution\/distribution\/v3 /.test(versionOutput) ? 3 : 2);

/**
 * Distribution 2.8's --delete-untagged deletes the children of a multi-arch index (distribution
 * issues 3178, 3004; the integration suite shows it, and that 3 keeps them): the tagged indexes that
 * make it unsafe there.
 */
async function indexesAtRisk(control: RegistryControl, api: RegistryApi): Promise<string[]> {
    if (majorVersionOf(await control.registryVersion()) === 3) return [];
    const inventory = await takeInventory(api);
    return inventory.images.filter((image) => image.platforms > 0).map((image) => `${image.repository}:${image.tag}`);
}

const bytesOf = (blobs: string[], sizes: Map<string, number>) => blobs.reduce((sum, digest) => sum + (sizes.get(digest) ?? 0), 0);

/**
 * Garbage collection that cannot corrupt a push (distribution issue 3045): a dry run names what goes
 * and its bytes; a real run switches the registry to read-only (drained, so no manifest can land on
 * a blob being collected), collects with the registry's own config, and always switches back, which
 * restarts the registry with an empty cache.
 */
export async function collectGarbage(control: RegistryControl, api: RegistryApi, options: CollectOptions): Promise<CollectReport> {
    const log = options.log ?? (() => {});
    if (options.deleteUntagged) {
        const atRisk = await indexesAtRisk(control, api);
        if (atRisk.length > 0) {
            const named = `${atRisk.slice(0, 5).join(", ")}${atRisk.length > 5 ? ", …" : ""}`;
            throw new Error(
                `--delete-untagged refused: Distribution 2 would delete the platform images of ${atRisk.length} multi-arch ` +
                    `image(s) (${named}); run without it, or move to registryVersion 3`,
            );
        }
    }
    const flags = options.deleteUntagged ? ["--delete-untagged"] : [];
    const planned = await control.garbageCollect([...flags, "--dry-run"]);
    if (planned.code !== 0) throw new Error(`garbage-collect --dry-run failed (exit ${planned.code}):\n${planned.output}`);
    const plan = eligibleForDeletion(planned.output);
    const referrers = options.deleteUntagged ? await referrersAtRisk(planned.output, api) : [];
    if (referrers.length > 0) {
        throw new Error(
            `--delete-untagged refused: it would delete ${referrers.length} untagged signature(s), SBOM(s) or attestation(s) ` +
                `of images that stay (${referrers.slice(0, 3).join(", ")}${referrers.length > 3 ? ", …" : ""}); run without it`,
        );
    }
    const sizes = await control.blobSizes(plan.blobs);
    if (options.dryRun) return { dryRun: true, ...plan, bytes: bytesOf(plan.blobs, sizes) };

    log("switching the registry to read-only (pushes fail until it is done; pulls go on)");
    try {
        await control.setReadOnly(true);
        log(`collecting${options.deleteUntagged ? " (and deleting untagged manifests)" : ""}`);
        const collected = await control.garbageCollect(flags);
        if (collected.code !== 0) throw new Error(`garbage-collect failed (exit ${collected.code}):\n${collected.output}`);
        const removed = eligibleForDeletion(collected.output);
        // A blob uploaded between the dry run and read-only has no size on record; it counts 0 bytes.
        return { dryRun: false, ...removed, bytes: bytesOf(removed.blobs, sizes) };
    } finally {
        log("switching the registry back to read-write");
        await control.setReadOnly(false);
    }
}
