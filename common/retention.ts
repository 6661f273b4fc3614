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
}

/** Retention removes nothing until one of its count or age rules is on: a pattern alone would remove every other tag. */
export const retentionEnabled = (rules: RetentionRules) => rules.keepLast > 0 || rules.keepDays > 0;

/** A tag as the cleanup sees it: its manifest and when the tag was last pushed (its link in storage). */
export interface PushedTag {
    repository: string;
    tag: string;
    digest: string;
    pushedAt: string;
}

export interface TagVerdict extends PushedTag {
    /** Which rules keep it; none means it goes ("off": retention is off, everything stays). */
    keptBy: Array<"last" | "days" | "pattern" | "off">;
}

const dayMs = 24 * 60 * 60 * 1000;

/** Each tag with the rules that keep it, most recently pushed first within each repository. */
export function judgeTags(tags: PushedTag[], rules: RetentionRules, now: Date): TagVerdict[] {
    if (!retentionEnabled(rules)) return tags.map((tag) => ({ ...tag, keptBy: ["off"] }));
    const pattern = rules.keepTags ? new RegExp(rules.keepTags) : undefined;
    const byRepository = new Map<string, PushedTag[]>();
    for (const tag of tags) byRepository.set(tag.repository, [...(byRepository.get(tag.repository) ?? []), tag]);
    const verdicts: TagVerdict[] = [];
    for (const repositoryTags of byRepository.values()) {
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
    }
    return verdicts;
}
