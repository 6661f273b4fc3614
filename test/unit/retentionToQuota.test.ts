import * as assert from "assert";
import * as crypto from "crypto";
import { judgeTags, PushedTag, RetentionRules } from "../../common/retention";
import { keepWithinQuota } from "../../common/retentionToQuota";

const KiB = 1024;
const now = new Date("2026-12-05T12:00:00Z");
const daysAgo = (days: number) => new Date(now.getTime() - days * 24 * 60 * 60 * 1000).toISOString();
const hex = (name: string) => crypto.createHash("sha256").update(name).digest("hex");

/** A tag on a manifest of its own, its one layer `layerKiB` (or the layer `shared` names, to share it). */
interface Pushed extends PushedTag {
    layer: string;
    layerKiB: number;
}
const image = (repository: string, name: string, pushedDaysAgo: number, layerKiB: number, shared?: string): Pushed => ({
    repository,
    tag: name,
    digest: `sha256:${hex(`${repository}:${name}`)}`,
    pushedAt: daysAgo(pushedDaysAgo),
    layer: `sha256:${hex(shared ?? `layer ${repository}:${name}`)}`,
    layerKiB,
});
/** cosign's signature of `of`: a small payload layer. */
const signature = (of: Pushed, pushedDaysAgo: number): Pushed => ({
    ...image(of.repository, `sha256-${of.digest.slice(7)}.sig`, pushedDaysAgo, 1),
});

/** What the cleanup keeps with retentionToQuota: the rules judge, the quota decides how much of what they let go goes. */
function keptToQuota(tags: Pushed[], rules: Omit<RetentionRules, "toQuota">, quotaKiB: Record<string, number>, defaultKiB = 0) {
    const policy = {
        defaultBytes: defaultKiB * KiB,
        overrides: Object.fromEntries(Object.entries(quotaKiB).map(([w, kib]) => [w, kib * KiB])),
    };
    const judged = judgeTags(tags, { ...rules, toQuota: policy }, now);
    const layers = new Map(tags.map((t) => [`${t.repository}@${t.digest}`, new Map([[t.layer, t.layerKiB * KiB]])]));
    const verdicts = keepWithinQuota(judged, policy, (repository, digest) => layers.get(`${repository}@${digest}`)!);
    const kept = verdicts.filter((v) => v.keptBy.length > 0);
    const keptBytes = (workspace: string) => {
        const blobs = new Map(
            kept
                .filter((v) => v.repository.startsWith(`${workspace}/`))
                .map((v) => {
                    const tag = tags.find((t) => t.repository === v.repository && t.tag === v.tag)!;
                    return [tag.layer, tag.layerKiB * KiB];
                }),
        );
        return [...blobs.values()].reduce((a, b) => a + b, 0);
    };
    return { kept: kept.map((v) => `${v.repository}:${v.tag}`).sort(), verdicts, keptBytes };
}

describe("retentionToQuota: the rules say what may go, the quota how much of it goes", () => {
    const noRules = { keepLast: 0, keepDays: 0, keepTags: "" };

    it("removes a workspace's oldest tags, one at a time, only until it is under its quota", () => {
        const tags = [image("acme/web", "b1", 30, 100), image("acme/web", "b2", 20, 100), image("acme/api", "b3", 10, 100)];
        const { kept, keptBytes } = keptToQuota(tags, noRules, { acme: 250 });
        assert.deepStrictEqual(kept, ["acme/api:b3", "acme/web:b2"], "b1, the oldest across the workspace's repositories, goes");
        assert.ok(keptBytes("acme") < 250 * KiB);
        assert.deepStrictEqual(keptToQuota(tags, noRules, { acme: 201 }).kept, ["acme/api:b3", "acme/web:b2"]);
        assert.deepStrictEqual(keptToQuota(tags, noRules, { acme: 200 }).kept, ["acme/api:b3"], "at the quota is not under it");
    });

    it("removes nothing from a workspace under its quota, or one without a quota", () => {
        const tags = [image("acme/web", "b1", 30, 100), image("beta/web", "b1", 30, 100), image("ci/cache", "b1", 30, 900)];
        const { kept, verdicts } = keptToQuota(tags, noRules, { beta: 101, ci: 0 }, 50);
        assert.deepStrictEqual(kept, ["beta/web:b1", "ci/cache:b1"]);
        assert.deepStrictEqual(verdicts.find((v) => v.repository === "beta/web")!.keptBy, ["quota"]);
    });

    it("never removes a tag a rule keeps, even when the workspace stays over its quota", () => {
        const tags = [
            image("acme/web", "v1.0.0", 90, 100),
            image("acme/web", "b1", 30, 100),
            image("acme/web", "b2", 2, 100),
            image("acme/web", "b3", 1, 100),
        ];
        const rules = { keepLast: 1, keepDays: 0, keepTags: "^v[0-9.]+$" };
        assert.deepStrictEqual(keptToQuota(tags, rules, { acme: 250 }).kept, ["acme/web:b3", "acme/web:v1.0.0"]);
        assert.deepStrictEqual(keptToQuota(tags, rules, { acme: 10 }).kept, ["acme/web:b3", "acme/web:v1.0.0"], "still over");
        const byDays = keptToQuota(tags, { keepLast: 0, keepDays: 3, keepTags: "" }, { acme: 10 });
        assert.deepStrictEqual(byDays.kept, ["acme/web:b2", "acme/web:b3"]);
    });

    it("keeps the signature of every image that stays, and removes a removed image's signature with it", () => {
        const old = image("acme/web", "old", 30, 100);
        const kept = image("acme/web", "kept", 20, 100);
        const newest = image("acme/web", "new", 1, 100);
        const tags = [old, signature(old, 29), kept, signature(kept, 0), newest];
        const result = keptToQuota(tags, { keepLast: 1, keepDays: 0, keepTags: "" }, { acme: 250 });
        assert.deepStrictEqual(result.kept, ["acme/web:kept", "acme/web:new", `acme/web:${signature(kept, 0).tag}`]);
        const ofKept = result.verdicts.find((v) => v.tag === signature(kept, 0).tag)!;
        assert.deepStrictEqual([ofKept.keptBy, ofKept.accessoryOf], [["subject"], kept.digest]);
    });

    it("counts what follows an image (a signature of its SBOM too) as freed with it", () => {
        const old = image("acme/web", "old", 30, 100);
        const sbom = { ...image("acme/web", `sha256-${old.digest.slice(7)}.sbom`, 29, 40) };
        const sigOfSbom = signature(sbom, 29);
        const tags = [old, sbom, sigOfSbom, image("acme/web", "b1", 20, 100), image("acme/web", "b2", 10, 100)];
        // 341 KiB: old and what follows it free 141 KiB, enough for 215; counting old's 100 alone would take b1 too.
        assert.deepStrictEqual(keptToQuota(tags, noRules, { acme: 215 }).kept, ["acme/web:b1", "acme/web:b2"]);
        assert.strictEqual(keptToQuota(tags, noRules, { acme: 342 }).kept.length, 5);
    });

    it("counts a layer two tags share once, and frees it only when neither stays", () => {
        const tags = [image("acme/web", "a", 30, 100, "base"), image("acme/api", "b", 20, 100, "base"), image("acme/web", "c", 10, 100)];
        // Removing a frees nothing (b holds base): b goes too, and the workspace is then at 100 KiB.
        assert.deepStrictEqual(keptToQuota(tags, noRules, { acme: 150 }).kept, ["acme/web:c"]);
        assert.deepStrictEqual(keptToQuota(tags, noRules, { acme: 201 }).kept, ["acme/api:b", "acme/web:a", "acme/web:c"]);
    });

    it("lets an orphaned signature (its image gone already) go first when it is the oldest", () => {
        const gone = image("acme/web", "gone", 40, 100);
        const tags = [signature(gone, 40), image("acme/web", "b1", 30, 100), image("acme/web", "b2", 20, 100)];
        assert.deepStrictEqual(keptToQuota(tags, noRules, { acme: 201 }).kept, ["acme/web:b1", "acme/web:b2"], "201 KiB, 1 over");
        assert.strictEqual(keptToQuota(tags, noRules, { acme: 500 }).kept.length, 3, "under the quota the orphan stays too");
    });
});
