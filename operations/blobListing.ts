/** The storage prefix under which Distribution holds every blob. */
export const blobListingPrefix = "docker/registry/v2/blobs/";

/**
 * The sizes of `digests` in the JSON lines of `mc ls --json --recursive` over blobListingPrefix
 * (one listing, not one request per blob: a collection can name thousands). Keys end in
 * `<hex digest>/data`; blobs not listed are left out.
 */
export function blobSizesFromListing(jsonLines: string, digests: string[]): Map<string, number> {
    const wanted = new Set(digests);
    const sizes = new Map<string, number>();
    for (const line of jsonLines.split("\n").filter((l) => l.startsWith("{"))) {
        const entry = JSON.parse(line) as { status: string; key?: string; size?: number };
        const hex = /([0-9a-f]{64})\/data$/.exec(entry.key ?? "")?.[1];
        const digest = hex && `sha256:${hex}`;
        if (entry.status === "success" && digest && wanted.has(digest) && entry.size !== undefined) sizes.set(digest, entry.size);
    }
    return sizes;
}
