import { QuotaPolicy, quotaOf, workspaceOf } from "./quota";
import { judgeAccessories, PushedTag, TagVerdict } from "./retention";

/*
 * retentionToQuota: the retention rules say which tags may go, the quota how many of them do. In a
 * workspace at or over its quota the oldest such tags go, one manifest at a time, until its usage
 * (as the inventory and the token server count it) is under the quota; the rest stay. Pure: the
 * in-cluster cleanup runs it from a serialized copy.
 */

/** Blob digest → bytes of what a manifest (an index: its platform manifests) stores: configs and layers. */
export type StoredBlobs = (repository: string, digest: string) => Map<string, number>;

const manifestKey = (tag: Pick<PushedTag, "repository" | "digest">) => `${tag.repository}@${tag.digest}`;

function append<T>(groups: Map<string, T[]>, key: string, item: T): void {
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
}

/** The verdicts `judged` by the rules, with what need not go for every workspace to be under its quota kept ("quota"). */
export function keepWithinQuota(
    judged: TagVerdict[],
    policy: QuotaPolicy,
    storedBlobs: StoredBlobs,
    untaggedSubjects = new Set<string>(),
): TagVerdict[] {
    const byWorkspace = new Map<string, TagVerdict[]>();
    for (const verdict of judged) {
        append(byWorkspace, workspaceOf(verdict.repository), verdict);
    }
    return [...byWorkspace].flatMap(([workspace, verdicts]) =>
        keepWithinWorkspaceQuota(verdicts, quotaOf(workspace, policy), storedBlobs, untaggedSubjects),
    );
}

function keepWithinWorkspaceQuota(
    verdicts: TagVerdict[],
    quotaBytes: number,
    storedBlobs: StoredBlobs,
    untaggedSubjects: Set<string>,
): TagVerdict[] {
    const going = new Set<string>();
    if (quotaBytes > 0) {
        const usage = blobUsage(storedBlobs);
        for (const verdict of verdicts) usage.add(verdict);
        const leaving = leavingWith(verdicts);
        for (const key of oldestCandidatesFirst(verdicts)) {
            if (usage.bytes() < quotaBytes) break;
            going.add(key);
            for (const verdict of leaving(key)) usage.remove(verdict);
        }
    }
    return judgeGoing(verdicts, going, untaggedSubjects);
}

/**
 * What may go, oldest first: a manifest (with every unkept tag on it) at a time, by its newest tag's
 * push; an image's or an orphaned accessory's. One a kept tag also names frees nothing and stays.
 */
function oldestCandidatesFirst(verdicts: TagVerdict[]): string[] {
    const keptManifests = new Set(verdicts.filter((v) => !v.accessoryOf && v.keptBy.length > 0).map(manifestKey));
    const newestPush = new Map<string, string>();
    for (const verdict of verdicts) {
        const mayGo = verdict.keptBy.length === 0 && (!verdict.accessoryOf || verdict.orphaned);
        if (!mayGo || keptManifests.has(manifestKey(verdict))) continue;
        const newest = newestPush.get(manifestKey(verdict));
        if (!newest || verdict.pushedAt > newest) newestPush.set(manifestKey(verdict), verdict.pushedAt);
    }
    return [...newestPush].sort(([a, at], [b, bt]) => at.localeCompare(bt) || a.localeCompare(b)).map(([key]) => key);
}

/** The tags that go when the manifest `key` goes: its unkept tags, and the accessories that follow it (a chain too). */
function leavingWith(verdicts: TagVerdict[]): (key: string) => TagVerdict[] {
    const onManifest = new Map<string, TagVerdict[]>();
    const following = new Map<string, TagVerdict[]>();
    for (const verdict of verdicts.filter((v) => v.keptBy.length === 0)) {
        append(onManifest, manifestKey(verdict), verdict);
        if (verdict.accessoryOf && !verdict.orphaned) append(following, manifestKey({ ...verdict, digest: verdict.accessoryOf }), verdict);
    }
    return (key) => {
        const leaving = [...(onManifest.get(key) ?? [])];
        const seen = new Set([key]);
        for (let i = 0; i < leaving.length; i++) {
            for (const accessory of following.get(manifestKey(leaving[i])) ?? []) {
                if (seen.has(manifestKey(accessory))) continue;
                seen.add(manifestKey(accessory));
                leaving.push(...(onManifest.get(manifestKey(accessory)) ?? []));
            }
        }
        return leaving;
    };
}

/**
 * The bytes of the distinct blobs the tags added and not removed reference: a workspace's usage, as
 * the token server counts it. A closure, not a class: Pulumi's serializer (the CronJob's copy) drops
 * field initializers.
 */
function blobUsage(storedBlobs: StoredBlobs) {
    const references = new Map<string, number>();
    let bytes = 0;
    const count = (tag: PushedTag, by: 1 | -1) => {
        for (const [digest, size] of storedBlobs(tag.repository, tag.digest)) {
            const before = references.get(digest) ?? 0;
            references.set(digest, before + by);
            if (before === 0) bytes += size;
            if (before + by === 0) bytes -= size;
        }
    };
    return {
        add: (tag: PushedTag) => count(tag, 1),
        remove: (tag: PushedTag) => count(tag, -1),
        bytes: () => bytes,
    };
}

/** The verdicts with only the manifests in `going` let go; accessories follow their subjects again. */
function judgeGoing(verdicts: TagVerdict[], going: Set<string>, untaggedSubjects: Set<string>): TagVerdict[] {
    const stays = (verdict: TagVerdict): TagVerdict =>
        verdict.keptBy.length > 0 || going.has(manifestKey(verdict)) ? verdict : { ...verdict, keptBy: ["quota"] };
    const images = verdicts.filter((v) => !v.accessoryOf).map(stays);
    const byRepository = new Map<string, PushedTag[]>();
    for (const verdict of verdicts.filter((v) => v.accessoryOf)) {
        // eslint-disable-next-line @typescript-eslint/no-unused-vars
        const { keptBy, accessoryOf, orphaned, ...tag } = verdict;
        append(byRepository, tag.repository, tag);
    }
    // An accessory whose subject goes goes with it; an orphan stays unless it was let go itself.
    const accessories = [...byRepository.values()].flatMap((tags) =>
        judgeAccessories(tags, images, untaggedSubjects).map((accessory) => (accessory.orphaned ? stays(accessory) : accessory)),
    );
    return [...images, ...accessories];
}
