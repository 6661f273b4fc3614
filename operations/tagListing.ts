/** The storage prefix under which Distribution keeps every repository (its tags' links among them). */
export const repositoriesPrefix = "docker/registry/v2/repositories/";

/**
 * When each tag was last pushed, from the JSON lines of `mc ls --json --recursive` over the
 * repositories prefix: a tag's `_manifests/tags/<tag>/current/link` object is written each time the
 * tag is pushed, so its LastModified is the push time (an image's `created` field is not: reproducible
 * builds set it to 1970). Returns repository → tag → ISO time.
 */
export function tagPushTimes(jsonLines: string): Map<string, Map<string, string>> {
    const times = new Map<string, Map<string, string>>();
    for (const line of jsonLines.split("\n")) {
        if (!line.startsWith("{")) continue;
        const entry = JSON.parse(line) as { status?: string; key?: string; lastModified?: string };
        const match = /^(?:.*docker\/registry\/v2\/repositories\/)?(.+)\/_manifests\/tags\/([^/]+)\/current\/link$/.exec(entry.key ?? "");
        if (entry.status !== "success" || !match || !entry.lastModified) continue;
        const [, repository, tag] = match;
        if (!times.has(repository)) times.set(repository, new Map());
        times.get(repository)!.set(tag, new Date(entry.lastModified).toISOString());
    }
    return times;
}
