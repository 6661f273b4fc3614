/** The storage prefix under which Distribution keeps every repository (its tags' links among them). */
const repositoriesPrefix = "docker/registry/v2/repositories/";

/**
 * An object a restore writes at the bucket's root (where Distribution never looks) after the last
 * link: its LastModified is when the restore ended.
 */
export const restoreMarkerKey = "orbit-registry-restored";

/** What a push-time listing lists, in one `mc ls --json --recursive`: every repository, and the restore marker. */
export const pushTimeListingPaths = (bucketPath: string) => [`${bucketPath}/${repositoriesPrefix}`, `${bucketPath}/${restoreMarkerKey}`];

/**
 * When each tag was last pushed, from the JSON lines of `mc ls --json --recursive` over
 * pushTimeListingPaths: a tag's `_manifests/tags/<tag>/current/link` object is written each time the
 * tag is pushed, so its LastModified is the push time (an image's `created` field is not: reproducible
 * builds set it to 1970). A restore writes every link anew, in the copy's order, so a link no newer
 * than the restore marker counts as pushed when the restore ended: the restored tags tie, which
 * keepLast reads as "order unknown", and keepDays counts from the restore. Returns repository → tag → ISO time.
 */
export function tagPushTimes(jsonLines: string): Map<string, Map<string, string>> {
    const links: Array<{ repository: string; tag: string; at: Date }> = [];
    let restoredAt: Date | undefined;
    for (const line of jsonLines.split("\n")) {
        if (!line.startsWith("{")) continue;
        const entry = JSON.parse(line) as { status?: string; key?: string; lastModified?: string };
        if (entry.status !== "success" || !entry.lastModified) continue;
        if (entry.key === restoreMarkerKey) {
            restoredAt = new Date(entry.lastModified);
            continue;
        }
        const match = /^(?:.*docker\/registry\/v2\/repositories\/)?(.+)\/_manifests\/tags\/([^/]+)\/current\/link$/.exec(entry.key ?? "");
        if (match) links.push({ repository: match[1], tag: match[2], at: new Date(entry.lastModified) });
    }
    const times = new Map<string, Map<string, string>>();
    for (const { repository, tag, at } of links) {
        const pushedAt = restoredAt && at <= restoredAt ? restoredAt : at;
        times.set(repository, (times.get(repository) ?? new Map<string, string>()).set(tag, pushedAt.toISOString()));
    }
    return times;
}
