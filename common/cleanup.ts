// Required as is, not `import * as`: a serialized copy (the CronJob runs one) requires builtins by name.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import crypto = require("crypto");
import { alignedTable } from "./table";
import { FetchedManifest, isIndex, manifestTypes, RegistryApi, storedBlobsOf } from "./registryApi";
import { accessorySubject, judgeTags, PushedTag, RetentionRules, TagVerdict } from "./retention";
import { keepWithinQuota } from "./retentionToQuota";

/*
 * The cleanup the retention rules ask for, through the registry's API (so orbit-www gets a delete
 * event for each manifest that goes) with the service account. Imports only builtins and pure
 * modules: the Kubernetes CronJob runs a serialized copy of it in a Node image.
 */

/** The tags of one repository that go, grouped by the manifest (or index) they point at. */
export interface Removal {
    repository: string;
    digest: string;
    tags: string[];
    /** The most recent push among those tags. */
    pushedAt: string;
    /**
     * `delete`: no kept tag uses the manifest, which goes with every tag on it (and an index's
     * platform manifests nothing kept uses); `untag`: a kept tag uses it, so only these tags go.
     */
    action: "delete" | "untag";
    /** An index's platform manifests deleted with it. */
    children: string[];
    /** Bytes of the blobs (layers, configs, the manifests themselves) only this removal references: what a collection then frees. */
    bytes: number;
    /** Of these tags, the accessories: the subject each belongs to, and whether that subject was gone already. */
    accessories?: Record<string, { of: string; orphaned: boolean }>;
}

export interface CleanupPlan {
    /** Every tag, with the rules that keep it. */
    verdicts: TagVerdict[];
    removals: Removal[];
    /** What a garbage collection frees afterwards (manifests no tag names, which the API cannot list, may keep some). */
    bytes: number;
    /** Tags whose push time storage did not show (kept). */
    unknownPushTime: string[];
}

export interface AppliedRemoval extends Removal {
    outcome: "deleted" | "untagged" | "skipped";
    /** How, or why not. */
    detail: string;
}

export interface CleanupReport extends CleanupPlan {
    dryRun: boolean;
    applied: AppliedRemoval[];
}

export type CleanupProgress = (repositoriesDone: number, repositoriesTotal: number) => void;

/** Blob digest → size for a manifest: its config and layers, and the manifests' own bytes. */
function blobsOf(fetched: FetchedManifest, children: FetchedManifest[]): Map<string, number> {
    const blobs = new Map<string, number>([[fetched.digest, fetched.size]]);
    for (const manifest of isIndex(fetched) ? children : []) blobs.set(manifest.digest, manifest.size);
    for (const [digest, size] of storedBlobsOf(fetched, children)) blobs.set(digest, size);
    return blobs;
}

/** Reads every repository's tags and what they point at, judges them by the rules, and says what goes. */
export async function planCleanup(
    api: RegistryApi,
    pushTimes: Map<string, Map<string, string>>,
    rules: RetentionRules,
    now: Date,
    progress: CleanupProgress = () => {},
): Promise<CleanupPlan> {
    const repositories = await api.repositories();
    const tags: PushedTag[] = [];
    const unknownPushTime: string[] = [];
    const manifests = new Map<string, { fetched: FetchedManifest; children: FetchedManifest[] }>();
    progress(0, repositories.length);
    for (const [done, repository] of repositories.entries()) {
        for (const tag of await api.tags(repository)) {
            const fetched = await api.manifest(repository, tag);
            const key = `${repository}@${fetched.digest}`;
            if (!manifests.has(key)) {
                const children = isIndex(fetched)
                    ? await Promise.all(fetched.manifest.manifests!.map((child) => api.manifest(repository, child.digest)))
                    : [];
                manifests.set(key, { fetched, children });
            }
            const pushedAt = pushTimes.get(repository)?.get(tag);
            if (!pushedAt) unknownPushTime.push(`${repository}:${tag}`);
            // A tag storage did not list (pushed after the listing) counts as pushed now: kept.
            const subject = fetched.manifest.subject?.digest;
            tags.push({
                repository,
                tag,
                digest: fetched.digest,
                pushedAt: pushedAt ?? now.toISOString(),
                ...(subject ? { subject } : {}),
            });
        }
        progress(done + 1, repositories.length);
    }

    // Accessories whose subject no tag names: an untagged subject stays (retention never removes one), a missing one is an orphan.
    const untaggedSubjects = new Set<string>();
    for (const tag of tags) {
        const subject = accessorySubject(tag);
        if (!subject || tags.some((t) => t.repository === tag.repository && t.digest === subject)) continue;
        if (await api.manifestDigest(tag.repository, subject)) untaggedSubjects.add(`${tag.repository}@${subject}`);
    }
    const judged = judgeTags(tags, rules, now, untaggedSubjects);
    const storedBlobs = (repository: string, digest: string) => {
        const { fetched, children } = manifests.get(`${repository}@${digest}`)!;
        return storedBlobsOf(fetched, children);
    };
    const verdicts = rules.toQuota ? keepWithinQuota(judged, rules.toQuota, storedBlobs, untaggedSubjects) : judged;
    const kept = verdicts.filter((v) => v.keptBy.length > 0);
    // Per repository: what kept tags use, an index's platform manifests included. Blobs: across repositories.
    const keptDigests = new Set<string>();
    const keptBlobs = new Set<string>();
    for (const tag of kept) {
        const { fetched, children } = manifests.get(`${tag.repository}@${tag.digest}`)!;
        keptDigests.add(`${tag.repository}@${tag.digest}`);
        for (const child of children) keptDigests.add(`${tag.repository}@${child.digest}`);
        for (const blob of blobsOf(fetched, children).keys()) keptBlobs.add(blob);
    }

    const groups = new Map<string, TagVerdict[]>();
    for (const verdict of verdicts.filter((v) => v.keptBy.length === 0)) {
        const key = `${verdict.repository}@${verdict.digest}`;
        groups.set(key, [...(groups.get(key) ?? []), verdict]);
    }
    const freed = new Set<string>();
    let bytes = 0;
    const removals: Removal[] = [];
    for (const [key, group] of groups) {
        const { repository, digest } = group[0];
        const { fetched, children } = manifests.get(key)!;
        const action = keptDigests.has(key) ? "untag" : "delete";
        let removalBytes = 0;
        if (action === "delete") {
            for (const [blob, size] of blobsOf(fetched, children)) {
                if (keptBlobs.has(blob) || freed.has(blob)) continue;
                freed.add(blob);
                removalBytes += size;
            }
        }
        bytes += removalBytes;
        removals.push({
            repository,
            digest,
            tags: group.map((t) => t.tag).sort(),
            pushedAt: group
                .map((t) => t.pushedAt)
                .sort()
                .at(-1)!,
            action,
            children: action === "delete" ? children.map((c) => c.digest).filter((c) => !keptDigests.has(`${repository}@${c}`)) : [],
            bytes: removalBytes,
            ...accessoriesOf(group),
        });
    }
    removals.sort((a, b) => a.repository.localeCompare(b.repository) || a.pushedAt.localeCompare(b.pushedAt));
    return { verdicts, removals, bytes, unknownPushTime };
}

/** The accessories among a removal's tags, by tag. */
function accessoriesOf(group: TagVerdict[]): Pick<Removal, "accessories"> {
    const accessories = group.filter((v) => v.accessoryOf);
    if (accessories.length === 0) return {};
    return { accessories: Object.fromEntries(accessories.map((v) => [v.tag, { of: v.accessoryOf!, orphaned: v.orphaned === true }])) };
}

/** The empty JSON object, as the config blob of the throwaway manifest a tag is moved to before it goes. */
const emptyConfig = Buffer.from("{}");
const emptyConfigDigest = `sha256:${crypto.createHash("sha256").update(emptyConfig).digest("hex")}`;

/**
 * Removes one tag and nothing else. Distribution 3 deletes a tag by name. Distribution 2.8 cannot,
 * and deleting its manifest by digest would take every other tag on it: the tag is moved to a
 * throwaway manifest of its own (an empty config, no layers), which is then deleted by digest.
 */
async function untag(api: RegistryApi, repository: string, tag: string): Promise<string> {
    if (await api.deleteTag(repository, tag)) return "deleted by name";
    await api.pushBlob(repository, emptyConfig, emptyConfigDigest);
    const throwaway = JSON.stringify({
        schemaVersion: 2,
        mediaType: manifestTypes.ociManifest,
        config: { mediaType: "application/vnd.oci.empty.v1+json", digest: emptyConfigDigest, size: emptyConfig.length },
        layers: [],
        annotations: { "org.orbit.registry.cleanup": `untag ${tag} ${crypto.randomUUID()}` },
    });
    const digest = await api.putManifest(repository, tag, throwaway, manifestTypes.ociManifest);
    await api.deleteManifest(repository, digest);
    return "moved to a throwaway manifest, which was deleted (Distribution 2 deletes no tag by name)";
}

/**
 * Carries out a plan. Each removal first checks the repository as it is now: a tag pushed (or
 * pushed again) since the plan was made to a manifest that would go keeps it, and a planned tag
 * that now points elsewhere is left alone. An index goes before its platform manifests.
 */
export async function applyCleanup(api: RegistryApi, plan: CleanupPlan, log: (line: string) => void = () => {}): Promise<AppliedRemoval[]> {
    const applied: AppliedRemoval[] = [];
    const planned = new Map<string, Set<string>>();
    for (const removal of plan.removals) {
        for (const tag of removal.tags) planned.set(removal.repository, new Set([...(planned.get(removal.repository) ?? []), tag]));
    }
    for (const removal of plan.removals) {
        const { repository } = removal;
        const current = new Map<string, string | undefined>();
        for (const tag of await api.tags(repository)) current.set(tag, await api.manifestDigest(repository, tag));
        const stillThere = removal.tags.filter((tag) => current.get(tag) === removal.digest);
        const using = [...current]
            .filter(([tag, digest]) => !planned.get(repository)!.has(tag) && digest === removal.digest)
            .map(([tag]) => tag);
        if (stillThere.length === 0) {
            applied.push({ ...removal, outcome: "skipped", detail: "its tags point elsewhere now" });
            continue;
        }
        if (removal.action === "delete" && using.length === 0) {
            await api.deleteManifest(repository, removal.digest);
            for (const child of removal.children) await api.deleteManifest(repository, child);
            applied.push({ ...removal, tags: stillThere, outcome: "deleted", detail: `manifest deleted with ${stillThere.join(", ")}` });
        } else {
            const how: string[] = [];
            for (const tag of stillThere) how.push(await untag(api, repository, tag));
            const why = using.length > 0 ? ` (pushed since as ${using.join(", ")})` : "";
            applied.push({ ...removal, tags: stillThere, outcome: "untagged", detail: `${how[0]}; the manifest stays${why}` });
        }
        log(`${repository}: ${applied.at(-1)!.outcome} ${stillThere.join(", ")}`);
    }
    return applied;
}

/**
 * The plan or report as an aligned table: one row per removed tag, each accessory (`└ sha256-….sig`)
 * right under the image it belongs to, an orphaned one (its image gone already) marked so.
 */
export function cleanupTable(report: Pick<CleanupReport, "removals" | "bytes" | "dryRun"> & { applied?: AppliedRemoval[] }): string {
    const rows = [["REPOSITORY", "TAG", "DIGEST", "PUSHED-AT", report.dryRun ? "WOULD" : "DONE"]];
    const removals = report.dryRun ? report.removals : (report.applied ?? report.removals);
    const entries = removals.flatMap((removal) => {
        const outcome = "outcome" in removal ? (removal as AppliedRemoval).outcome : removal.action === "delete" ? "delete" : "untag";
        return removal.tags.map((tag) => ({ removal, tag, outcome, accessory: removal.accessories?.[tag] }));
    });
    type Entry = (typeof entries)[number];
    /** `accessory` belongs to the image of `entry`'s row. */
    const belongsTo = (accessory: Entry, entry: Entry) =>
        accessory.accessory?.of === entry.removal.digest && accessory.removal.repository === entry.removal.repository;
    const placed = new Set<Entry>();
    const place = (entry: Entry, depth: number) => {
        if (placed.has(entry)) return;
        placed.add(entry);
        const label = entry.accessory
            ? `${"  ".repeat(depth - 1)}└ ${entry.tag}${entry.accessory.orphaned ? " (orphaned)" : ""}`
            : entry.tag;
        rows.push([entry.removal.repository, label, entry.removal.digest, entry.removal.pushedAt, entry.outcome]);
        const under = entries.filter((e) => belongsTo(e, entry));
        for (const accessory of under) place(accessory, depth + 1);
    };
    for (const entry of entries) if (!entry.accessory || !entries.some((e) => belongsTo(entry, e))) place(entry, entry.accessory ? 1 : 0);
    const verb = report.dryRun ? "would remove" : "removed";
    const then = report.dryRun ? "would then free" : "now frees";
    return alignedTable(rows).concat(`${verb} ${rows.length - 1} tag(s); a garbage collection ${then} ${report.bytes} bytes\n`);
}

export interface CleanUpOptions {
    dryRun: boolean;
    now?: Date;
    progress?: CleanupProgress;
    log?: (line: string) => void;
}

/** Plans by the rules and, unless a dry run, carries the plan out: what `npm run cleanup` and the CronJob's step do. */
export async function cleanUp(
    api: RegistryApi,
    pushTimes: Map<string, Map<string, string>>,
    rules: RetentionRules,
    options: CleanUpOptions,
): Promise<CleanupReport> {
    const plan = await planCleanup(api, pushTimes, rules, options.now ?? new Date(), options.progress);
    const applied = options.dryRun ? [] : await applyCleanup(api, plan, options.log);
    return { ...plan, dryRun: options.dryRun, applied };
}
