import * as assert from "assert";
import { ConfigError, parseConfig, RawConfig } from "../../components/config";
import { collectionJobFromCronJob, jobFromCronJob } from "../../operations/cleanupJob";
import { judgeTags, PushedTag, RetentionRules } from "../../common/retention";
import { tagPushTimes } from "../../common/tagListing";
import { K, KubeObject, named, objectsOf } from "../helpers/kubernetesObjects";
import { validateKubernetesObject } from "../helpers/kubernetesSchema";
import { isSecret, runProgram, StackRun } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

const now = new Date("2026-12-04T12:00:00Z");
const daysAgo = (days: number) => new Date(now.getTime() - days * 24 * 60 * 60 * 1000).toISOString();
const tag = (name: string, pushedDaysAgo: number, repository = "acme/web"): PushedTag => ({
    repository,
    tag: name,
    digest: `sha256:${name}`,
    pushedAt: daysAgo(pushedDaysAgo),
});
const kept = (tags: PushedTag[], rules: RetentionRules) =>
    judgeTags(tags, rules, now)
        .filter((v) => v.keptBy.length > 0)
        .map((v) => v.tag)
        .sort();

describe("tag retention: which tags each rule keeps", () => {
    const tags = [tag("b1", 40), tag("b2", 20), tag("b3", 8), tag("b4", 3), tag("b5", 1), tag("v1.2.0", 90), tag("latest", 60)];
    const pattern = "^(latest|v?[0-9]+\\.[0-9]+\\.[0-9]+)$";

    it("keeps the N most recently pushed of each repository", () => {
        assert.deepStrictEqual(kept(tags, { keepLast: 2, keepDays: 0, keepTags: "" }), ["b4", "b5"]);
        const other = [tag("x1", 50, "acme/api"), tag("x2", 30, "acme/api")];
        assert.deepStrictEqual(kept([...tags, ...other], { keepLast: 1, keepDays: 0, keepTags: "" }), ["b5", "x2"]);
    });

    it("keeps what was pushed in the last D days", () => {
        assert.deepStrictEqual(kept(tags, { keepLast: 0, keepDays: 10, keepTags: "" }), ["b3", "b4", "b5"]);
    });

    it("always keeps tags the pattern matches, and a tag goes only when no rule keeps it", () => {
        assert.deepStrictEqual(kept(tags, { keepLast: 1, keepDays: 5, keepTags: pattern }), ["b4", "b5", "latest", "v1.2.0"]);
    });

    it("removes nothing while both counts are 0, whatever the pattern (it alone would remove every other tag)", () => {
        assert.deepStrictEqual(kept(tags, { keepLast: 0, keepDays: 0, keepTags: pattern }).length, tags.length);
    });

    it("keeps every tag tied at the boundary (pushed at one moment, as a restore's are): an order nobody knows removes nothing", () => {
        const same = [tag("b", 1), tag("a", 1), tag("c", 1), tag("old", 5)];
        assert.deepStrictEqual(kept(same, { keepLast: 2, keepDays: 0, keepTags: "" }), ["a", "b", "c"]);
        const later = [...same, tag("new", 0)];
        assert.deepStrictEqual(kept(later, { keepLast: 1, keepDays: 0, keepTags: "" }), ["new"], "the tie ranks behind what came after");
    });
});

describe("tag retention and accessories: signatures, SBOMs and attestations live and die with their image", () => {
    const hex = (name: string) =>
        name
            .padEnd(64, "0")
            .replace(/[^0-9a-f]/g, "f")
            .slice(0, 64);
    const image = (name: string, pushedDaysAgo: number): PushedTag => ({ ...tag(name, pushedDaysAgo), digest: `sha256:${hex(name)}` });
    /** What cosign pushes for `of`: the tag sha256-<hex of its digest>.sig on a manifest of its own. */
    const cosign = (of: PushedTag, suffix: string, pushedDaysAgo: number): PushedTag => ({
        ...tag(`sha256-${of.digest.slice(7)}.${suffix}`, pushedDaysAgo),
        digest: `sha256:${hex(`${suffix}${of.tag}`)}`,
    });
    const verdictsOf = (tags: PushedTag[], rules: RetentionRules, untagged = new Set<string>()) =>
        new Map(judgeTags(tags, rules, now, untagged).map((v) => [v.tag, v]));
    const keptNames = (tags: PushedTag[], rules: RetentionRules, untagged?: Set<string>) =>
        [...verdictsOf(tags, rules, untagged).values()]
            .filter((v) => v.keptBy.length > 0)
            .map((v) => v.tag)
            .sort();
    const v1 = image("v1", 4);
    const v2 = image("v2", 2);
    const signed = [v1, cosign(v1, "sig", 3), v2, cosign(v2, "sig", 1)];

    it("keepLast 1 over v1, its signature, v2, its signature keeps v2 and its signature, and counts no signature as a version", () => {
        assert.deepStrictEqual(keptNames(signed, { keepLast: 1, keepDays: 0, keepTags: "" }), [`sha256-${v2.digest.slice(7)}.sig`, "v2"]);
        const verdict = verdictsOf(signed, { keepLast: 1, keepDays: 0, keepTags: "" }).get(`sha256-${v2.digest.slice(7)}.sig`)!;
        assert.deepStrictEqual([verdict.keptBy, verdict.accessoryOf], [["subject"], v2.digest]);
        assert.deepStrictEqual(keptNames(signed, { keepLast: 2, keepDays: 0, keepTags: "" }).length, 4);
    });

    it("keepTags keeps v1 and so its signature, and never matches an accessory's own tag", () => {
        assert.deepStrictEqual(keptNames(signed, { keepLast: 1, keepDays: 0, keepTags: "^v1$" }).length, 4);
        const sigOfV1 = `sha256-${v1.digest.slice(7)}.sig`;
        assert.deepStrictEqual(keptNames(signed, { keepLast: 1, keepDays: 0, keepTags: "^sha256-" }), [
            `sha256-${v2.digest.slice(7)}.sig`,
            "v2",
        ]);
        assert.ok(!keptNames(signed, { keepLast: 1, keepDays: 0, keepTags: "^sha256-" }).includes(sigOfV1));
    });

    it("keeps an accessory by its image's age, not its own: an old image's fresh signature goes with the image", () => {
        const late = [v1, cosign(v1, "sig", 0)];
        assert.deepStrictEqual(keptNames(late, { keepLast: 0, keepDays: 3, keepTags: "" }), []);
    });

    it("reports an accessory whose image is gone as orphaned, and removes it; an untagged image keeps its accessories", () => {
        const gone = image("gone", 9);
        const orphan = cosign(gone, "sig", 1);
        const verdict = verdictsOf([v2, orphan], { keepLast: 5, keepDays: 0, keepTags: "" }).get(orphan.tag)!;
        assert.deepStrictEqual([verdict.keptBy, verdict.orphaned], [[], true]);
        const untagged = verdictsOf([v2, orphan], { keepLast: 5, keepDays: 0, keepTags: "" }, new Set([`acme/web@${gone.digest}`]));
        assert.deepStrictEqual([untagged.get(orphan.tag)!.keptBy, untagged.get(orphan.tag)!.orphaned], [["subject"], undefined]);
    });

    it("follows subject chains: a signature of an SBOM of an image stays and goes with the image", () => {
        const sbom = cosign(v1, "sbom", 3);
        const sigOfSbom = cosign(sbom, "sig", 3);
        const chain = [v1, sbom, sigOfSbom, v2];
        assert.deepStrictEqual(keptNames(chain, { keepLast: 1, keepDays: 0, keepTags: "" }), ["v2"]);
        assert.deepStrictEqual(keptNames(chain, { keepLast: 2, keepDays: 0, keepTags: "" }).length, 4);
    });

    it("takes an OCI 1.1 artifact whose manifest names a subject for an accessory, whatever its tag", () => {
        const sbom: PushedTag = { ...tag("sbom-of-v1", 0), subject: v1.digest };
        assert.deepStrictEqual(keptNames([v1, sbom, v2], { keepLast: 1, keepDays: 0, keepTags: "" }), ["v2"]);
        assert.strictEqual(
            verdictsOf([v1, sbom, v2], { keepLast: 2, keepDays: 0, keepTags: "" }).get("sbom-of-v1")!.accessoryOf,
            v1.digest,
        );
    });

    it("keeps an accessory whose subject another kept tag still points at (the image is only untagged)", () => {
        const alias: PushedTag = { ...tag("stable", 5), digest: v1.digest };
        const rules = { keepLast: 1, keepDays: 0, keepTags: "^stable$" };
        assert.ok(keptNames([...signed, alias], rules).includes(`sha256-${v1.digest.slice(7)}.sig`));
    });
});

describe("tag push times from a storage listing", () => {
    it("reads each tag's current link and its LastModified from mc's JSON lines, and nothing else", () => {
        const line = (key: string, lastModified = "2026-12-01T10:00:00.5Z") =>
            JSON.stringify({ status: "success", type: "file", lastModified, size: 71, key });
        const listing = [
            line("acme/web/_manifests/tags/v1/current/link"),
            line("acme/web/_manifests/tags/v1/index/sha256/abc/link"),
            line("acme/web/_layers/sha256/def/link"),
            line("team/group/app/_manifests/tags/main/current/link", "2026-12-02T08:00:00Z"),
            JSON.stringify({ status: "error", error: { message: "x" } }),
            "",
        ].join("\n");
        const times = tagPushTimes(listing);
        assert.deepStrictEqual([...times.keys()], ["acme/web", "team/group/app"]);
        assert.deepStrictEqual(Object.fromEntries(times.get("acme/web")!), { v1: "2026-12-01T10:00:00.500Z" });
        assert.deepStrictEqual(Object.fromEntries(times.get("team/group/app")!), { main: "2026-12-02T08:00:00.000Z" });
    });

    it("counts a link no newer than the restore marker as pushed when the restore ended", () => {
        const line = (key: string, lastModified: string) =>
            JSON.stringify({ status: "success", type: "file", lastModified, size: 71, key });
        const listing = [
            line("acme/web/_manifests/tags/b2/current/link", "2026-12-03T09:00:00.001Z"),
            line("acme/web/_manifests/tags/b1/current/link", "2026-12-03T09:00:00.004Z"),
            line("acme/web/_manifests/tags/b3/current/link", "2026-12-03T09:00:01Z"),
            line("acme/web/_manifests/tags/after/current/link", "2026-12-03T10:00:00Z"),
            line("orbit-registry-restored", "2026-12-03T09:00:01Z"),
        ].join("\n");
        assert.deepStrictEqual(Object.fromEntries(tagPushTimes(listing).get("acme/web")!), {
            b1: "2026-12-03T09:00:01.000Z",
            b2: "2026-12-03T09:00:01.000Z",
            b3: "2026-12-03T09:00:01.000Z",
            after: "2026-12-03T10:00:00.000Z",
        });
    });
});

describe("retention configuration", () => {
    const problemsOf = (raw: RawConfig) => {
        try {
            parseConfig(raw);
            return [];
        } catch (error) {
            assert.ok(error instanceof ConfigError);
            return error.problems;
        }
    };

    it("is off by default, keeping latest and semantic-version releases by name once on", () => {
        const config = parseConfig(stackConfig("dev"));
        assert.deepStrictEqual(config.retention, { keepLast: 0, keepDays: 0, keepTags: "^(latest|v?[0-9]+\\.[0-9]+\\.[0-9]+)$" });
        const pattern = new RegExp(config.retention.keepTags);
        assert.deepStrictEqual(
            ["latest", "v1.2.3", "2.0.10", "main", "3f9c2ab", "build-141", "v1.2"].filter((t) => pattern.test(t)),
            ["latest", "v1.2.3", "2.0.10"],
        );
    });

    it("refuses negative counts and a pattern that is no RE2, naming the key", () => {
        assert.match(
            problemsOf(stackConfig("dev", { retentionKeepLast: "-1" }))[0],
            /^orbit-registry:retentionKeepLast = "-1" is not allowed/,
        );
        assert.match(problemsOf(stackConfig("dev", { retentionKeepDays: "1.5" }))[0], /^orbit-registry:retentionKeepDays = "1.5"/);
        assert.match(problemsOf(stackConfig("dev", { retentionKeepTags: "(?!main)" }))[0], /^orbit-registry:retentionKeepTags = .*RE2/);
        assert.match(problemsOf(stackConfig("dev", { nodeImage: "node:latest" }))[0], /^orbit-registry:nodeImage = "node:latest"/);
    });

    it("refuses a rule on Kubernetes without gcSchedule, whose CronJob runs the cleanup", () => {
        const [problem] = problemsOf(stackConfig("prod", { retentionKeepDays: "30" }));
        assert.strictEqual(
            problem,
            'orbit-registry:retentionKeepDays = "30" is not allowed; expected 0 while gcSchedule is empty on the kubernetes target: ' +
                "the gcSchedule CronJob runs the cleanup",
        );
        assert.deepStrictEqual(problemsOf(stackConfig("prod", { retentionKeepDays: "30", gcSchedule: "0 3 * * *" })), []);
        assert.deepStrictEqual(problemsOf(stackConfig("dev", { retentionKeepDays: "30" })), [], "npm run cleanup on Docker");
    });

    it("hands the rules to npm run cleanup as the retention output", async () => {
        const run = await runProgram(stackConfig("dev", { retentionKeepLast: "10" }));
        assert.deepStrictEqual(run.outputs.retention, {
            value: { keepLast: 10, keepDays: 0, keepTags: "^(latest|v?[0-9]+\\.[0-9]+\\.[0-9]+)$" },
            secret: false,
        });
    });
});

describe("prod with retention: the gcSchedule CronJob cleans up first", () => {
    const withRetention = stackConfig("prod", { gcSchedule: "0 3 * * 0", retentionKeepLast: "10", retentionKeepDays: "30" });
    let run: StackRun;
    let cronJob: KubeObject;
    let pod: KubeObject;

    before(async () => {
        run = await runProgram(withRetention, "prod");
        cronJob = objectsOf(run, K.cronJob)[0];
        pod = cronJob.spec.jobTemplate.spec.template.spec;
    });

    it("lists push times with mc and cleans up with Node.js before the read-only switch", () => {
        assert.deepStrictEqual(
            pod.initContainers.map((c: KubeObject) => c.name),
            ["list-tags", "cleanup", "read-only", "drained", "collect", "read-write"],
        );
        const [list, cleanup] = pod.initContainers;
        assert.strictEqual(list.image, withRetention.mcImage);
        assert.strictEqual(cleanup.image, withRetention.nodeImage);
        const env = Object.fromEntries(cleanup.env.map((e: KubeObject) => [e.name, e.value]));
        assert.deepStrictEqual(
            [env.RETENTION_KEEP_LAST, env.RETENTION_KEEP_DAYS, env.RETENTION_KEEP_TAGS, env.CLEANUP_DRY_RUN],
            ["10", "30", withRetention.retentionKeepTags, "false"],
        );
        assert.strictEqual(env.REGISTRY_URL, "http://orbit-registry.orbit-registry.svc.cluster.local:5000");
        assert.doesNotThrow(() => validateKubernetesObject(cronJob));
    });

    it("gives the cleanup the service account in a Secret of its own, and lets its pods reach the registry", async () => {
        const secret = run.all(K.secret).find((s) => (s.inputs.metadata as KubeObject).name === "orbit-registry-cleanup")!;
        assert.ok(isSecret(secret.inputs.stringData), "the password stays secret");
        const policy = named(run, K.networkPolicy, "orbit-registry-registry-ingress");
        const sources = policy.spec.ingress[0].from.map((f: KubeObject) => f.podSelector?.matchLabels?.["app.kubernetes.io/name"]);
        assert.ok(sources.includes("registry-gc"));
        const script = objectsOf(run, K.configMap).find((c) => c.data?.["cleanup.js"])!.data["cleanup.js"] as string;
        assert.doesNotMatch(script, /require\("(?!fs"|crypto")/, "requires nothing but builtins");
    });

    it("makes `npm run gc` Jobs from it: the collection alone, with the cleanup, or a dry run that switches nothing", () => {
        const live: KubeObject = { ...cronJob, metadata: { ...cronJob.metadata, name: "orbit-registry-gc", uid: "5e1f-cronjob-uid" } };
        const stepsOf = (job: KubeObject) => job.spec.template.spec.initContainers.map((c: KubeObject) => c.name);
        const collectOf = (job: KubeObject) => job.spec.template.spec.initContainers.find((c: KubeObject) => c.name === "collect");
        const alone = collectionJobFromCronJob(live, "orbit-registry-gc-now-1", { cleanup: false, dryRun: false });
        assert.deepStrictEqual(stepsOf(alone), ["read-only", "drained", "collect", "read-write"]);
        const withCleanup = collectionJobFromCronJob(live, "orbit-registry-gc-now-2", { cleanup: true, dryRun: false });
        assert.deepStrictEqual(withCleanup.spec.template.spec, cronJob.spec.jobTemplate.spec.template.spec);
        const plan = collectionJobFromCronJob(live, "orbit-registry-gc-plan-1", { cleanup: true, dryRun: true });
        assert.deepStrictEqual(stepsOf(plan), ["list-tags", "cleanup", "collect"]);
        assert.strictEqual(collectOf(plan).command.at(-1), "--dry-run");
        const cleanupEnv = plan.spec.template.spec.initContainers[1].env.find((e: KubeObject) => e.name === "CLEANUP_DRY_RUN");
        assert.strictEqual(cleanupEnv.value, "true");
        assert.strictEqual(collectOf(alone).command.includes("--dry-run"), false);
        for (const job of [alone, withCleanup, plan]) assert.doesNotThrow(() => validateKubernetesObject(job));
    });

    it("has no cleanup steps while retention is off", async () => {
        const off = await runProgram(stackConfig("prod", { gcSchedule: "0 3 * * 0" }), "prod");
        const steps = objectsOf(off, K.cronJob)[0].spec.jobTemplate.spec.template.spec.initContainers.map((c: KubeObject) => c.name);
        assert.deepStrictEqual(steps, ["read-only", "drained", "collect", "read-write"]);
    });

    it("runs the cleanup with retentionToQuota alone, handing it the stack's quotas", async () => {
        const toQuota = await runProgram(
            stackConfig("prod", { gcSchedule: "0 3 * * 0", retentionToQuota: "true", workspaceQuota: "20Gi", workspaceQuotas: "ci=0" }),
            "prod",
        );
        const steps: KubeObject[] = objectsOf(toQuota, K.cronJob)[0].spec.jobTemplate.spec.template.spec.initContainers;
        const cleanup = steps.find((c) => c.name === "cleanup")!;
        const env = Object.fromEntries(cleanup.env.map((e: KubeObject) => [e.name, e.value]));
        assert.deepStrictEqual(JSON.parse(env.RETENTION_TO_QUOTA), { defaultBytes: 20 * 2 ** 30, overrides: { ci: 0 } });
        assert.deepStrictEqual([env.RETENTION_KEEP_LAST, env.RETENTION_KEEP_DAYS], ["0", "0"]);
        const withoutToQuota = pod.initContainers.find((c: KubeObject) => c.name === "cleanup").env;
        assert.ok(!withoutToQuota.some((e: KubeObject) => e.name === "RETENTION_TO_QUOTA"), "every tag no rule keeps goes");
    });

    it("makes `npm run cleanup` Jobs from it: the whole run, or a dry run that only lists and plans", () => {
        // As kubectl reads it from the cluster: with its uid.
        const named: KubeObject = { ...cronJob, metadata: { ...cronJob.metadata, name: "orbit-registry-gc", uid: "5e1f-cronjob-uid" } };
        const full = jobFromCronJob(named, "orbit-registry-gc-now-1", { dryRun: false, json: false });
        assert.deepStrictEqual(full.spec, { ...cronJob.spec.jobTemplate.spec, ttlSecondsAfterFinished: 86_400 });
        const plan = jobFromCronJob(named, "orbit-registry-gc-plan-1", { dryRun: true, json: true });
        const planPod = plan.spec.template.spec;
        assert.deepStrictEqual(
            planPod.initContainers.map((c: KubeObject) => c.name),
            ["list-tags"],
        );
        assert.deepStrictEqual(
            planPod.containers.map((c: KubeObject) => c.name),
            ["cleanup"],
        );
        const env = Object.fromEntries(planPod.containers[0].env.map((e: KubeObject) => [e.name, e.value]));
        assert.strictEqual(env.CLEANUP_DRY_RUN, "true");
        assert.strictEqual(env.CLEANUP_OUTPUT, "json");
        for (const job of [full, plan]) assert.doesNotThrow(() => validateKubernetesObject(job));
        // They do not pile up: gone a day after they finish, and with the CronJob, like kubectl create job --from's.
        assert.deepStrictEqual(plan.metadata.ownerReferences, [
            {
                apiVersion: "batch/v1",
                kind: "CronJob",
                name: "orbit-registry-gc",
                uid: "5e1f-cronjob-uid",
                controller: true,
                blockOwnerDeletion: true,
            },
        ]);
        assert.strictEqual(plan.spec.ttlSecondsAfterFinished, 86_400);
        assert.throws(() => jobFromCronJob(cronJob, "x", { dryRun: false, json: false }), /has no uid/);
        const withoutCleanup = structuredClone(named);
        withoutCleanup.spec.jobTemplate.spec.template.spec.initContainers.splice(0, 2);
        assert.throws(() => jobFromCronJob(withoutCleanup, "x", { dryRun: true, json: false }), /retention is off/);
    });
});
