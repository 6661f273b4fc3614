import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RegistryApi } from "../../common/registryApi";
import { restoreMarkerKey } from "../../common/tagListing";
import { K, KubeObject, objectsOf } from "../helpers/kubernetesObjects";
import { runProgram } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";
import { randomLayer, writeOciImage } from "./harness/ociImage";
import { LocalRegistryStack } from "./harness/stack";
import { findTools, installHint, requireTools, Tools } from "./harness/tools";

const KiB = 1024;
const repository = "acme-workspace/app";

/**
 * The CronJob's cleanup steps on the real binaries, from the files the program puts in its
 * ConfigMap: the listing script under bash with mc, then the serialized cleanup under plain `node`
 * outside the project (so it can require nothing but builtins), against a real registry and MinIO.
 */
for (const version of [2, 3] as const) {
    describe(`Distribution ${version}: the CronJob's retention cleanup steps`, function () {
        let tools: Tools;
        let stack: LocalRegistryStack;
        let stepDir: string;
        let scripts: Record<string, string>;
        let cleanupEnv: Record<string, string>;

        const run = (command: string, args: string[], env: Record<string, string>) =>
            new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
                execFile(command, args, { cwd: stepDir, env: { HOME: stepDir, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
                    resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
                ),
            );
        const listStep = () =>
            run("bash", [path.join(stepDir, "list.sh")], {
                PATH: `${path.dirname(tools.mc)}:/usr/bin:/bin`,
                REPORT_DIR: path.join(stepDir, "report"),
                MC_CONFIG_DIR: path.join(stepDir, "mc"),
                S3_ENDPOINT: stack.minio.endpoint,
                BUCKET: stack.bucket,
                REGISTRY_STORAGE_S3_ACCESSKEY: stack.registryS3.accessKey,
                REGISTRY_STORAGE_S3_SECRETKEY: stack.registryS3.secretKey,
            });
        const cleanupStep = (overrides: Record<string, string> = {}) =>
            run(process.execPath, [path.join(stepDir, "cleanup.js")], {
                ...cleanupEnv,
                PATH: "/usr/bin:/bin",
                REGISTRY_URL: stack.registry.url,
                REPORT_DIR: path.join(stepDir, "report"),
                ORBIT_REGISTRY_USER: stack.serviceAccount.user,
                ORBIT_REGISTRY_PASS: stack.serviceAccount.password,
                ...overrides,
            });

        before(async function () {
            tools = requireTools(this, "integration tools", findTools(), installHint);
            stack = new LocalRegistryStack(tools, { version });
            await stack.start();
            stepDir = path.join(stack.dir, "cronjob");
            fs.mkdirSync(path.join(stepDir, "report"), { recursive: true });

            const run = await runProgram(stackConfig("prod", { gcSchedule: "0 3 * * 0", retentionKeepLast: "1" }), "prod");
            scripts = objectsOf(run, K.configMap).find((c) => c.data?.["cleanup.js"])!.data;
            for (const [file, content] of Object.entries(scripts)) fs.writeFileSync(path.join(stepDir, file), content);
            const cronJob = objectsOf(run, K.cronJob)[0];
            const step = cronJob.spec.jobTemplate.spec.template.spec.initContainers.find((c: KubeObject) => c.name === "cleanup");
            cleanupEnv = Object.fromEntries(step.env.map((e: KubeObject) => [e.name, e.value]));

            const auth = stack.skopeo.authFile("service", stack.registry.host, stack.serviceAccount);
            for (const tag of ["old", "mid", "recent"]) {
                const image = writeOciImage(path.join(stack.dir, tag), tag, [randomLayer(30 * KiB)]);
                const pushed = await stack.skopeo.copy(
                    `oci:${image.layoutDir}:${tag}`,
                    `docker://${stack.registry.host}/${repository}:${tag}`,
                    auth,
                );
                assert.strictEqual(pushed.code, 0, pushed.output);
                await new Promise((resolve) => setTimeout(resolve, 20));
            }
        });

        after(async () => {
            await stack?.stop();
        });

        it("lists every tag's push time with mc, as the registry's own S3 identity", async () => {
            const listed = await listStep();
            assert.strictEqual(listed.code, 0, listed.stderr);
            assert.strictEqual(fs.readFileSync(path.join(stepDir, "report", "listing-exit-code"), "utf8").trim(), "0");
            const links = fs
                .readFileSync(path.join(stepDir, "report", "storage.jsonl"), "utf8")
                .split("\n")
                .filter((line) => line.includes("/current/link"));
            assert.strictEqual(links.length, 3);
        });

        it("lists a restore's marker with them, and then removes none of the tags the restore wrote", async () => {
            const marker = `root/${stack.bucket}/${restoreMarkerKey}`;
            const markerFile = path.join(stack.dir, "marker");
            fs.writeFileSync(markerFile, "restored\n");
            await stack.mc.mustRun("cp", markerFile, marker);
            try {
                assert.strictEqual((await listStep()).code, 0);
                assert.match(fs.readFileSync(path.join(stepDir, "report", "storage.jsonl"), "utf8"), /"key":"orbit-registry-restored"/);
                const dryRun = await cleanupStep({ CLEANUP_DRY_RUN: "true" });
                assert.match(dryRun.stdout, /would remove 0 tag\(s\)/);
            } finally {
                await stack.mc.mustRun("rm", marker);
                await listStep();
            }
        });

        it("plans without removing anything in a dry run, printing the plan", async () => {
            const dryRun = await cleanupStep({ CLEANUP_DRY_RUN: "true" });
            assert.strictEqual(dryRun.code, 0, dryRun.stderr);
            assert.match(dryRun.stdout, /would remove 2 tag\(s\)/);
            assert.match(dryRun.stdout, new RegExp(`${repository}\\s+old\\s+sha256:`));
            assert.deepStrictEqual((await new RegistryApi(stack.registry.url, stack.serviceAccount).tags(repository)).sort(), [
                "mid",
                "old",
                "recent",
            ]);
        });

        it("with retentionToQuota, plans only the oldest tags' removal, until the workspace is under its quota", async () => {
            // 3 images of 30 KiB: a quota of 70Ki needs the oldest gone, and only it.
            const toQuota = await runProgram(
                stackConfig("prod", { gcSchedule: "0 3 * * 0", retentionToQuota: "true", workspaceQuota: "70Ki" }),
                "prod",
            );
            const cronJob = objectsOf(toQuota, K.cronJob)[0];
            const step = cronJob.spec.jobTemplate.spec.template.spec.initContainers.find((c: KubeObject) => c.name === "cleanup");
            const rules: Record<string, string> = Object.fromEntries(
                step.env.filter((e: KubeObject) => e.name.startsWith("RETENTION_")).map((e: KubeObject) => [e.name, e.value]),
            );
            const dryRun = await cleanupStep({ ...rules, CLEANUP_DRY_RUN: "true", CLEANUP_OUTPUT: "json" });
            assert.strictEqual(dryRun.code, 0, dryRun.stderr);
            const plan = JSON.parse(dryRun.stdout) as {
                removals: Array<{ tags: string[] }>;
                verdicts: Array<{ tag: string; keptBy: string[] }>;
            };
            assert.deepStrictEqual(
                plan.removals.flatMap((r) => r.tags),
                ["old"],
                dryRun.stdout.slice(0, 2000),
            );
            assert.deepStrictEqual(plan.verdicts.find((v) => v.tag === "mid")!.keptBy, ["quota"]);
        });

        it("removes what the rules let go, through the registry's API, and reports it for the report step", async () => {
            const cleaned = await cleanupStep();
            assert.strictEqual(cleaned.code, 0, cleaned.stderr);
            assert.strictEqual(fs.readFileSync(path.join(stepDir, "report", "cleanup-exit-code"), "utf8").trim(), "0");
            assert.match(fs.readFileSync(path.join(stepDir, "report", "cleanup.txt"), "utf8"), /^removed 2 tag\(s\)/m);
            assert.deepStrictEqual(await new RegistryApi(stack.registry.url, stack.serviceAccount).tags(repository), ["recent"]);
        });

        it("fails only its report, never its own exit, when the listing failed", async () => {
            fs.writeFileSync(path.join(stepDir, "report", "listing-exit-code"), "1\n");
            const cleaned = await cleanupStep();
            assert.strictEqual(cleaned.code, 0);
            assert.strictEqual(fs.readFileSync(path.join(stepDir, "report", "cleanup-exit-code"), "utf8").trim(), "1");
            assert.match(
                fs.readFileSync(path.join(stepDir, "report", "cleanup.txt"), "utf8"),
                /listing the registry's storage failed \(exit 1\)/,
            );
        });
    });
}
