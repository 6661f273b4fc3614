/*
 * The image-reference rule, shared by the policy pack and the program's config validation. It
 * lives in the pack because a published pack is the policy/ folder alone: the pack must not import
 * from outside it, while the program may import from here.
 */

// The grammar of github.com/distribution/reference, reduced to what a pin needs:
// an optional registry host, a lowercase path, then a tag and/or a sha256 digest.
const domain = String.raw`[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*(?::[0-9]+)?`;
const pathComponent = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const tag = String.raw`[\w][\w.-]{0,127}`;
const imageReference = new RegExp(
    `^(?:(?<domain>${domain})/)?(?<path>${pathComponent}(?:/${pathComponent})*)(?::(?<tag>${tag}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$`,
);

export interface ImageReference {
    domain?: string;
    path: string;
    tag?: string;
    digest?: string;
}

/** The parts of an image reference, or undefined when it is not one. */
export function parseImageReference(value: string): ImageReference | undefined {
    const groups = imageReference.exec(value)?.groups;
    return groups ? { domain: groups.domain, path: groups.path, tag: groups.tag, digest: groups.digest } : undefined;
}

export const pinnedImage = (value: string): string | undefined => {
    const allowed = "an image reference pinned to an explicit tag other than 'latest' or to a sha256 digest";
    const reference = parseImageReference(value);
    if (!reference) return allowed;
    const { tag, digest } = reference;
    if (digest) return undefined;
    if (!tag || tag === "latest") return allowed;
    return undefined;
};
