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

/** The verdicts `judged` by the rules, with what need not go for every workspace to be under its quota kept ("quota"). */
export function keepWithinQuota(
    judged: TagVerdict[],
    policy: QuotaPolicy,
    storedBlobs: StoredBlobs,
    untaggedSubjects = new Set<string>(),
): TagVerdict[] {
    const byWorkspace = new Map<string, TagVerdict[]>();
    for (const verdict of judged) {
        const workspace = workspaceOf(verdict.repository);
        byWorkspace.set(workspace, [...(byWorkspace.get(workspace) ?? []), verdict]);
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
    const images = verdicts.filter((v) => !v.accessoryOf);
    const keptManifests = new Set(images.filter((v) => v.keptBy.length > 0).map(manifestKey));
    // What may go, a manifest (with every unkept tag on it) at a time; one a kept tag uses frees nothing.
    const candidates = new Map<string, string>();
    for (const verdict of verdicts) {
        const mayGo = verdict.keptBy.length === 0 && (!verdict.accessoryOf || verdict.orphaned);
        if (!mayGo || keptManifests.has(manifestKey(verdict))) continue;
        const newest = candidates.get(manifestKey(verdict));
        if (!newest || verdict.pushedAt > newest) candidates.set(manifestKey(verdict), verdict.pushedAt);
    }
    const oldestFirst = [...candidates].sort(([a, at], [b, bt]) => at.localeCompare(bt) || a.localeCompare(b)).map(([key]) => key);

    const going = new Set<string>();
    let current = judgeGoing(verdicts, going, untaggedSubjects);
    for (const key of quotaBytes > 0 ? oldestFirst : []) {
        if (storedBytes(current, storedBlobs) < quotaBytes) break;
        going.add(key);
        current = judgeGoing(verdicts, going, untaggedSubjects);
    }
    return current;
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
        byRepository.set(tag.repository, [...(byRepository.get(tag.repository) ?? []), tag]);
    }
    // An accessory whose subject goes goes with it; an orphan stays unless it was let go itself.
    const accessories = [...byRepository.values()].flatMap((tags) =>
        judgeAccessories(tags, images, untaggedSubjects).map((accessory) => (accessory.orphaned ? stays(accessory) : accessory)),
    );
    return [...images, ...accessories];
}

/** Bytes of the distinct blobs the kept tags reference: the workspace's usage once the others are gone. */
function storedBytes(verdicts: TagVerdict[], storedBlobs: StoredBlobs): number {
    const blobs = new Map<string, number>();
    for (const verdict of verdicts.filter((v) => v.keptBy.length > 0)) {
        for (const [digest, size] of storedBlobs(verdict.repository, verdict.digest)) blobs.set(digest, size);
    }
    return [...blobs.values()].reduce((total, size) => total + size, 0);
}
