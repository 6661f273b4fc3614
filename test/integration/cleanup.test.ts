import * as assert from "assert";
import * as crypto from "crypto";
import * as path from "path";
import { applyCleanup, CleanupPlan, planCleanup } from "../../common/cleanup";
import { blobPath, collectGarbage } from "../../operations/garbageCollect";
import { RegistryApi } from "../../common/registryApi";
import { RetentionRules } from "../../common/retention";
import { EventReceiver } from "./harness/eventReceiver";
import { waitUntil } from "./harness/net";
import { OciImage, OciIndex, randomLayer, readBlob, readManifest, writeOciImage, writeOciIndex } from "./harness/ociImage";
import { LocalRegistryControl } from "./harness/registryControl";
import { LocalRegistryStack } from "./harness/stack";
import { findTools, installHint, requireTools } from "./harness/tools";

const KiB = 1024;
const repository = "acme-workspace/web";
const dayMs = 24 * 60 * 60 * 1000;

/**
 * Retention on a real registry and MinIO, both Distribution versions: a repository of a dozen tags
 * (two on one manifest, one multi-arch index, one release the pattern keeps, one old tag sharing its
 * manifest with a recent one), cleaned up by the rules while another build pushes, then collected.
 */
for (const version of [2, 3] as const) {
    describe(`Distribution ${version}: retention cleanup, then the safe collection`, function () {
        let stack: LocalRegistryStack;
        let receiver: EventReceiver;
        let auth: string;
        let api: RegistryApi;
        let control: LocalRegistryControl;
        const images = new Map<string, OciImage>();
        let index: OciIndex;
        let plan: CleanupPlan;
        let blobsBefore: Set<string>;

        const push = (layoutDir: string, from: string, tag: string, all = false) =>
            stack.skopeo.copy(`oci:${layoutDir}:${from}`, `docker://${stack.registry.host}/${repository}:${tag}`, auth, { all });
        const pushImage = async (name: string, tag: string) => {
            const image = images.get(name)!;
            const pushed = await push(image.layoutDir, image.tag, tag);
            assert.strictEqual(pushed.code, 0, pushed.output);
        };
        const blobsInStorage = async () =>
            new Set(
                (await stack.mc.mustRun("ls", "--json", "--recursive", `root/${stack.bucket}/docker/registry/v2/blobs/`))
                    .split("\n")
                    .filter(Boolean)
                    .map((line) => /([0-9a-f]{64})\/data$/.exec(JSON.parse(line).key ?? "")?.[1])
                    .filter((hex): hex is string => Boolean(hex))
                    .map((hex) => `sha256:${hex}`),
            );
        const ownBlobs = (image: OciImage) => [image.manifestDigest, image.configDigest, ...image.layerDigests];

        before(async function () {
            const tools = requireTools(this, "integration tools", findTools(), installHint);
            receiver = new EventReceiver();
            await receiver.start();
            stack = new LocalRegistryStack(tools, {
                version,
                events: { url: receiver.url, token: crypto.randomBytes(16).toString("hex") },
            });
            await stack.start();
            auth = stack.skopeo.authFile("service", stack.registry.host, stack.serviceAccount);
            api = new RegistryApi(stack.registry.url, stack.serviceAccount);
            control = new LocalRegistryControl(stack.registry, stack.mc, stack.bucket);

            const base = randomLayer(200 * KiB);
            for (const name of ["A", "B", "C", "E", "F", "G", "H", "K", "L", "N"]) {
                images.set(name, writeOciImage(path.join(stack.dir, name), name, [base, randomLayer(20 * KiB + name.charCodeAt(0))]));
            }
            index = writeOciIndex(path.join(stack.dir, "multi"), "multi", ["amd64", "arm64"], 30 * KiB);
            // Oldest first. The pushes are a few milliseconds apart at least; storage records each tag's.
            for (const [name, tag] of [
                ["A", "old-a"],
                ["B", "old-b"],
                ["C", "shared-1"],
                ["C", "shared-2"],
                ["index", "multi"],
                ["E", "v1.0.0"],
                ["F", "pinned-old"],
                ["G", "mid-1"],
                ["H", "mid-2"],
                ["F", "recent-f"],
                ["K", "recent-k"],
                ["L", "recent-l"],
            ]) {
                if (name === "index") {
                    const pushed = await push(index.layoutDir, "multi", tag, true);
                    assert.strictEqual(pushed.code, 0, pushed.output);
                } else {
                    await pushImage(name, tag);
                }
                await new Promise((resolve) => setTimeout(resolve, 20));
            }
            blobsBefore = await blobsInStorage();
        });

        after(async () => {
            await stack?.stop();
            await receiver?.stop();
        });

        afterEach(function () {
            if (this.currentTest?.state === "failed" && stack) console.error(stack.logs());
        });

        it("plans by the rules: the last 3, the last day (mid-1 on), the release pattern; a shared manifest only untagged", async () => {
            const pushTimes = await control.tagPushTimes();
            assert.deepStrictEqual([...pushTimes.get(repository)!.keys()].length, 12, "storage shows every tag's push time");
            // "Now" is a day after mid-1 was pushed: the day rule keeps mid-1 and what came after.
            const now = new Date(Date.parse(pushTimes.get(repository)!.get("mid-1")!) + dayMs - 1);
            const rules: RetentionRules = { keepLast: 3, keepDays: 1, keepTags: "^(latest|v?[0-9]+\\.[0-9]+\\.[0-9]+)$" };
            plan = await planCleanup(api, pushTimes, rules, now);

            const kept = plan.verdicts.filter((v) => v.keptBy.length > 0).map((v) => `${v.tag}:${v.keptBy.join("+")}`);
            assert.deepStrictEqual(kept.sort(), [
                "mid-1:days",
                "mid-2:days",
                "recent-f:last+days",
                "recent-k:last+days",
                "recent-l:last+days",
                "v1.0.0:pattern",
            ]);
            const removals = plan.removals.map((r) => `${r.action} ${r.tags.join(",")}`);
            assert.deepStrictEqual(removals, [
                "delete old-a",
                "delete old-b",
                "delete shared-1,shared-2",
                "delete multi",
                "untag pinned-old",
            ]);
            assert.deepStrictEqual(plan.removals.find((r) => r.tags.includes("multi"))!.children.sort(), [...index.childDigests].sort());
            const expectedBytes = ["A", "B", "C"]
                .flatMap((name) => {
                    const image = images.get(name)!;
                    return [image.manifestDigest, image.configDigest, image.layerDigests[1]].map(
                        (d) => readBlob(image.layoutDir, d).length,
                    );
                })
                .concat([index.indexDigest, ...index.childDigests, ...index.blobDigests].map((d) => readBlob(index.layoutDir, d).length))
                .reduce((sum, size) => sum + size, 0);
            assert.strictEqual(plan.bytes, expectedBytes, "the bytes a collection would free: the removed images' own blobs");
        });

        it("never loses a push made while it runs, even one of a manifest it was about to delete", async () => {
            // Between the plan and its removals another build pushes a new image, and pushes A again under a new tag.
            await pushImage("N", "during");
            await pushImage("A", "again");
            const applied = await applyCleanup(api, plan);
            const outcome = Object.fromEntries(applied.map((a) => [a.tags.join(","), a.outcome]));
            assert.deepStrictEqual(outcome, {
                "old-a": "untagged",
                "old-b": "deleted",
                "shared-1,shared-2": "deleted",
                multi: "deleted",
                "pinned-old": "untagged",
            });
            assert.match(applied.find((a) => a.tags[0] === "old-a")!.detail, /pushed since as again/);
            if (version === 2) assert.match(applied.find((a) => a.tags[0] === "pinned-old")!.detail, /throwaway manifest/);
            else assert.match(applied.find((a) => a.tags[0] === "pinned-old")!.detail, /deleted by name/);
        });

        it("keeps exactly the tags the rules keep (and the new pushes), each pulling back byte-identical", async () => {
            const tags = (await api.tags(repository)).sort();
            assert.deepStrictEqual(tags, ["again", "during", "mid-1", "mid-2", "recent-f", "recent-k", "recent-l", "v1.0.0"]);
            for (const [tag, name] of [
                ["again", "A"],
                ["during", "N"],
                ["mid-1", "G"],
                ["v1.0.0", "E"],
                ["recent-f", "F"],
            ]) {
                const image = images.get(name)!;
                const into = path.join(stack.dir, `pull-${tag}`);
                const pulled = await stack.skopeo.copy(`docker://${stack.registry.host}/${repository}:${tag}`, `oci:${into}:${tag}`, auth);
                assert.strictEqual(pulled.code, 0, pulled.output);
                const manifest = readManifest(into, tag);
                assert.strictEqual(manifest.digest, image.manifestDigest, tag);
                for (const layer of image.layerDigests) assert.ok(readBlob(into, layer).equals(readBlob(image.layoutDir, layer)), tag);
            }
        });

        it("sends orbit-www a delete event for each manifest it removed", async () => {
            const removed = [...["B", "C"].map((n) => images.get(n)!.manifestDigest), index.indexDigest, ...index.childDigests];
            const deletedDigests = () => new Set(receiver.events.filter((e) => e.action === "delete").map((e) => e.target.digest));
            await waitUntil("the delete events", async () => removed.every((digest) => deletedDigests().has(digest)), 30_000);
            const deleted = deletedDigests();
            for (const digest of removed) assert.ok(deleted.has(digest), `a delete event for ${digest}`);
            assert.ok(!deleted.has(images.get("A")!.manifestDigest), "A was pushed again: no delete of its manifest");
        });

        it("lets the collection that follows free exactly the removed images' own blobs", async () => {
            const report = await collectGarbage(control, api, { dryRun: false, deleteUntagged: false });
            const after = await blobsInStorage();
            const gone = [...blobsBefore].filter((blob) => !after.has(blob)).sort();
            const expected = [
                ...["B", "C"].flatMap((name) => {
                    const image = images.get(name)!;
                    return [image.manifestDigest, image.configDigest, image.layerDigests[1]];
                }),
                index.indexDigest,
                ...index.childDigests,
                ...index.blobDigests,
            ].sort();
            // A's blobs stay (pushed again as `again`); the base layer stays (every kept image uses it).
            assert.deepStrictEqual(gone, expected);
            for (const name of ["A", "E", "F", "G", "H", "K", "L", "N"]) {
                for (const blob of ownBlobs(images.get(name)!)) {
                    assert.strictEqual(
                        (await stack.mc.run("stat", `root/${stack.bucket}/${blobPath(blob)}`)).code,
                        0,
                        `${name} keeps ${blob}`,
                    );
                }
            }
            console.log(
                `      ${plan.removals.length} removals, then the collection freed ${report.blobs.length} blobs (${report.bytes} bytes)`,
            );
        });
    });
}
