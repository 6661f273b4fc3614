import { parseImageReference } from "../policy/lib/imageReference";

/** Docker Distribution's major versions the program configures: registry:2 (2.8) and registry:3. */
export const distributionVersions = [2, 3] as const;
export type DistributionVersion = (typeof distributionVersions)[number];

/** What the registryVersion config key accepts: "auto" reads the major version off the image tag. */
export const registryVersionSettings = ["auto", "2", "3"] as const;
export type RegistryVersionSetting = (typeof registryVersionSettings)[number];

/** The major version an image tag names (`registry:2.8.3` → 2, `registry:3.0.0` → 3), if it names one. */
function tagMajorVersion(image: string): number | undefined {
    const tag = parseImageReference(image)?.tag;
    const major = tag === undefined ? undefined : /^v?(\d+)(?:$|[.-])/.exec(tag)?.[1];
    return major === undefined ? undefined : Number(major);
}

/**
 * The Distribution version to configure for `image`, or why it cannot be decided: the setting
 * wins when it is explicit, but never against a tag that says otherwise.
 */
export function resolveDistributionVersion(image: string, setting: RegistryVersionSetting): DistributionVersion | { problem: string } {
    const fromTag = tagMajorVersion(image);
    if (setting === "auto") {
        if (fromTag === 2 || fromTag === 3) return fromTag;
        return fromTag === undefined
            ? { problem: `its tag does not name Distribution's major version; set registryVersion to 2 or 3` }
            : { problem: `its tag names major version ${fromTag}; the program configures Distribution 2 or 3` };
    }
    const chosen = Number(setting) as DistributionVersion;
    if (fromTag !== undefined && fromTag !== chosen) return { problem: `its tag names major version ${fromTag}, not ${chosen}` };
    return chosen;
}
