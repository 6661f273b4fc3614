import type { QuotaPolicy } from "./quota";

/*
 * Tag retention, as Harbor's users know it: per repository, keep the N most recently pushed tags,
 * keep what was pushed in the last D days, always keep tags matching a pattern. A tag goes only
 * when no rule keeps it. Pure: the in-cluster cleanup runs it from a serialized copy.
 */

export interface RetentionRules {
    /** Keep this many of each repository's most recently pushed tags; 0 turns the rule off. */
    keepLast: number;
    /** Keep tags pushed within this many days; 0 turns the rule off. */
    keepDays: number;
    /** Tags matching this RE2 pattern are never removed; empty matches none. */
    keepTags: string;
    /**
     * retentionToQuota: of the tags no rule keeps, only the oldest go, until their workspace is back
     * under its quota (these quotas); absent: every tag no rule keeps goes.
     */
    toQuota?: QuotaPolicy;
}

/**
 * Retention removes nothing until one of its count or age rules, or cleanup to quota, is on: a
 * pattern alone would remove every other tag.
 */
export const retentionEnabled = (rules: RetentionRules) => rules.keepLast > 0 || rules.keepDays > 0 || rules.toQuota !== undefined;

/** A tag as the cleanup sees it: its manifest and when the tag was last pushed (its link in storage). */
export interface PushedTag {
    repository: string;
    tag: string;
    digest: string;
    pushedAt: string;
    /** The `subject` its manifest names (OCI 1.1 artifacts: signatures, SBOMs, attestations). */
    subject?: string;
}

export interface TagVerdict extends PushedTag {
    /**
     * Which rules keep it; none means it goes ("off": retention is off, everything stays; "subject":
     * an accessory kept because the image it belongs to is; "quota": retentionToQuota, its workspace
     * is under its quota without removing it).
     */
    keptBy: Array<"last" | "days" | "pattern" | "off" | "subject" | "quota">;
    /** An accessory: the digest of the manifest it signs, describes or attests. */
    accessoryOf?: string;
    /** An accessory whose subject is no longer in the repository: it goes. */
    orphaned?: boolean;
}

/**
 * cosign's tags for what it attaches to the manifest sha256:<hex> (`.sig`, `.att`, `.sbom`), and the
 * tag notation and oras fall back to where a registry has no referrers API: `sha256-<hex>[.suffix]`.
 */
const accessoryTagPattern = /^sha256-([0-9a-f]{64})(?:\.[A-Za-z0-9_-]+)?$/;

/** The manifest a tag belongs to as an accessory (by its name, or its manifest's subject); undefined for an image's own tag. */
export function accessorySubject(tag: Pick<PushedTag, "tag" | "subject">): string | undefined {
    const byName = accessoryTagPattern.exec(tag.tag);
    return tag.subject ?? (byName ? `sha256:${byName[1]}` : undefined);
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * Each tag with the rules that keep it, most recently pushed first within each repository. An
 * accessory (a signature, SBOM or attestation of an image in the same repository) is no version of
 * its own: no rule counts or matches it, and it stays exactly while its subject does. `untaggedSubjects`
 * holds `repository@digest` of subjects that exist without a tag (retention never removes those).
 */
export function judgeTags(tags: PushedTag[], rules: RetentionRules, now: Date, untaggedSubjects = new Set<string>()): TagVerdict[] {
    if (!retentionEnabled(rules)) {
        return tags.map((tag) => {
            const accessoryOf = accessorySubject(tag);
            return { ...tag, keptBy: ["off"], ...(accessoryOf ? { accessoryOf } : {}) };
        });
    }
    const pattern = rules.keepTags ? new RegExp(rules.keepTags) : undefined;
    const byRepository = new Map<string, PushedTag[]>();
    for (const tag of tags) byRepository.set(tag.repository, [...(byRepository.get(tag.repository) ?? []), tag]);
    const verdicts: TagVerdict[] = [];
    for (const allTags of byRepository.values()) {
        const repositoryTags = allTags.filter((tag) => !accessorySubject(tag));
        const newestFirst = [...repositoryTags].sort((a, b) => b.pushedAt.localeCompare(a.pushedAt) || a.tag.localeCompare(b.tag));
        for (const tag of newestFirst) {
            // Tags pushed at the same moment (a restore's) tie: each is among the last N while fewer
            // than N were pushed after it, so an order nobody knows never decides what goes.
            const pushedLater = newestFirst.filter((other) => other.pushedAt > tag.pushedAt).length;
            const keptBy: TagVerdict["keptBy"] = [];
            if (rules.keepLast > 0 && pushedLater < rules.keepLast) keptBy.push("last");
            if (rules.keepDays > 0 && now.getTime() - Date.parse(tag.pushedAt) < rules.keepDays * dayMs) keptBy.push("days");
            if (pattern?.test(tag.tag)) keptBy.push("pattern");
            verdicts.push({ ...tag, keptBy });
        }
        verdicts.push(...judgeAccessories(allTags, verdicts, untaggedSubjects));
    }
    return verdicts;
}

/** One repository's accessories, judged by their subjects (a signature of an SBOM of an image follows the image). */
export function judgeAccessories(allTags: PushedTag[], verdicts: TagVerdict[], untaggedSubjects: Set<string>): TagVerdict[] {
    const accessories = allTags.filter((tag) => accessorySubject(tag));
    /** Whether the manifest `digest` stays: some kept tag points at it; undefined where nothing in the repository is it. */
    const stays = (repository: string, digest: string, seen: Set<string>): boolean | undefined => {
        const versions = verdicts.filter((v) => v.repository === repository && v.digest === digest);
        if (versions.length > 0) return versions.some((v) => v.keptBy.length > 0);
        const asAccessories = accessories.filter((a) => a.digest === digest && !seen.has(a.tag));
        if (asAccessories.length > 0) {
            return asAccessories.some((a) => stays(repository, accessorySubject(a)!, new Set([...seen, a.tag])) === true);
        }
        return untaggedSubjects.has(`${repository}@${digest}`) ? true : undefined;
    };
    return accessories.map((tag) => {
        const accessoryOf = accessorySubject(tag)!;
        const subjectStays = stays(tag.repository, accessoryOf, new Set([tag.tag]));
        return {
            ...tag,
            accessoryOf,
            keptBy: subjectStays ? ["subject"] : [],
            ...(subjectStays === undefined ? { orphaned: true } : {}),
        };
    });
}
