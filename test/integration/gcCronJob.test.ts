import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readOnlyEnv } from "../../components/kubernetes/garbageCollector";
import { gcScript } from "../../components/kubernetes/gcScript";
import { blobPath } from "../../operations/garbageCollect";
import { RegistryApi } from "../../common/registryApi";
import { OciImage, randomLayer, readBlob, writeOciImage } from "./harness/ociImage";
import { removedOnExit } from "./harness/processes";
import { RedisServer } from "./harness/redis";
import { LocalRegistryStack } from "./harness/stack";
import { findTools, installHint, requireTools, Tools } from "./harness/tools";

const KiB = 1024;

/**
 * The garbage-collection CronJob's steps on the real binaries: kubectl's part is an environment
 * variable on the registry and a restart (what a rollout does); the registry image's part is the
 * program's gc.sh, run here under busybox sh, the shell of the Alpine-based registry images.
 */
for (const version of [2, 3] as const) {
    describe(`Distribution ${version}: the garbage-collection CronJob's steps`, function () {
        let tools: Tools;
        let stack: LocalRegistryStack;
        let redis: RedisServer;
        let auth: string;
        let api: RegistryApi;
        let imageA: OciImage;
        let imageB: OciImage;
        let stepDir: string;

        const push = (image: OciImage, reference: string) =>
            stack.skopeo.copy(`oci:${image.layoutDir}:${image.tag}`, `docker://${stack.registry.host}/${reference}`, auth);
        const inStorage = async (digest: string) => (await stack.mc.run("stat", `root/${stack.bucket}/${blobPath(digest)}`)).code === 0;

        /** gc.sh as the CronJob's container runs it: `registry` on PATH, the registry's config and environment. */
        function gcStep(args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
            const script = path.join(stepDir, "gc.sh");
            fs.writeFileSync(script, gcScript());
            return new Promise((resolve) =>
                execFile(
                    tools.busybox,
                    ["sh", script, ...args],
                    {
                        env: {
                            ...stack.registry.env(),
                            PATH: `${path.join(stepDir, "bin")}:${process.env.PATH}`,
                            REPORT_DIR: path.join(stepDir, "report"),
                            REDIS_ADDRESS: redis.address,
                            REGISTRY_REDIS_PASSWORD: redis.password,
                            ...env,
                        },
                        timeout: 120_000,
                    },
                    (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
                ),
            );
        }

        before(async function () {
            tools = requireTools(this, "integration tools", findTools(), installHint);
            redis = new RedisServer(tools.redis, removedOnExit(fs.mkdtempSync(path.join(os.tmpdir(), "orbit-registry-redis-"))));
            await redis.start();
            stack = new LocalRegistryStack(tools, { version, redis: { address: redis.address, password: redis.password } });
            await stack.start();
            stepDir = path.join(stack.dir, "cronjob");
            fs.mkdirSync(path.join(stepDir, "bin"), { recursive: true });
            fs.mkdirSync(path.join(stepDir, "report"));
            fs.symlinkSync(stack.registry.binary, path.join(stepDir, "bin", "registry"));
            // The image's other commands are busybox applets, as on Alpine.
            for (const applet of ["nc", "grep", "cat"]) fs.symlinkSync(tools.busybox, path.join(stepDir, "bin", applet));
            auth = stack.skopeo.authFile("service", stack.registry.host, stack.serviceAccount);
            api = new RegistryApi(stack.registry.url, stack.serviceAccount);

            const shared = randomLayer(200 * KiB);
            imageA = writeOciImage(path.join(stack.dir, "a"), "a", [shared, 100 * KiB]);
            imageB = writeOciImage(path.join(stack.dir, "b"), "b", [shared, 50 * KiB]);
            assert.strictEqual((await push(imageA, "acme-workspace/a:v1")).code, 0);
            assert.strictEqual((await push(imageB, "acme-workspace/b:v1")).code, 0);
            await api.deleteManifest("acme-workspace/b", imageB.manifestDigest);
        });

        after(async () => {
            await stack?.stop();
            await redis?.stop();
        });

        afterEach(function () {
            if (this.currentTest?.state === "failed" && stack) console.error(stack.logs());
        });

        it("read-only: the variable kubectl sets makes the restarted registry refuse pushes, and serve pulls", async () => {
            await stack.registry.stop();
            await stack.registry.start({ [readOnlyEnv.name]: readOnlyEnv.value });
            const late = writeOciImage(path.join(stack.dir, "late"), "late", [10 * KiB]);
            const refused = await push(late, "acme-workspace/late:v1");
            assert.notStrictEqual(refused.code, 0);
            assert.match(refused.output, /405/);
            assert.ok((await api.manifest("acme-workspace/a", "v1")).digest === imageA.manifestDigest);
        });

        it("collect: removes exactly B's own blobs, empties Redis, and exits 0", async () => {
            assert.ok((await redis.keyCount()) > 0, "the registry cached blob descriptors in Redis");
            const collected = await gcStep(["collect", stack.registry.configFile]);
            assert.strictEqual(collected.code, 0, collected.output);
            assert.strictEqual(await redis.keyCount(), 0);
            for (const digest of [imageB.manifestDigest, imageB.configDigest, imageB.layerDigests[1]])
                assert.ok(!(await inStorage(digest)), `${digest} is gone`);
            for (const digest of [imageA.configDigest, ...imageA.layerDigests]) assert.ok(await inStorage(digest), `${digest} stays`);
        });

        it("read-write: without the variable the registry takes pushes again, and A pulls back byte-identical", async () => {
            await stack.registry.stop();
            await stack.registry.start();
            const late = writeOciImage(path.join(stack.dir, "late-again"), "late", [10 * KiB]);
            const pushed = await push(late, "acme-workspace/late:v1");
            assert.strictEqual(pushed.code, 0, pushed.output);
            const into = path.join(stack.dir, "pulled-a");
            const pulled = await stack.skopeo.copy(`docker://${stack.registry.host}/acme-workspace/a:v1`, `oci:${into}:v1`, auth);
            assert.strictEqual(pulled.code, 0, pulled.output);
            for (const digest of imageA.layerDigests) assert.ok(readBlob(into, digest).equals(readBlob(imageA.layoutDir, digest)));
        });

        it("report: prints what was removed and succeeds", async () => {
            const report = await gcStep(["report"]);
            console.log(report.output.trim().split("\n").slice(-4).join("\n").replace(/^/gm, "      "));
            assert.strictEqual(report.code, 0, report.output);
            assert.match(report.output, /^removed 3 blob\(s\)$/m);
            assert.match(report.output, /^emptied the Redis cache$/m);
        });

        it("report: with retention on, prints the cleanup's report first, and fails the Job when the cleanup failed", async () => {
            const reportDir = path.join(stepDir, "report");
            fs.writeFileSync(path.join(reportDir, "cleanup.txt"), "removed 2 tag(s); a garbage collection now frees 123 bytes\n");
            fs.writeFileSync(path.join(reportDir, "cleanup-exit-code"), "0\n");
            const report = await gcStep(["report"]);
            assert.strictEqual(report.code, 0, report.output);
            assert.match(report.output, /^removed 2 tag\(s\); a garbage collection now frees 123 bytes\n[\s\S]*^removed 3 blob\(s\)$/m);
            fs.writeFileSync(path.join(reportDir, "cleanup-exit-code"), "1\n");
            assert.notStrictEqual((await gcStep(["report"])).code, 0, "a failed cleanup fails the Job");
            for (const file of ["cleanup.txt", "cleanup-exit-code"]) fs.rmSync(path.join(reportDir, file));
        });

        it("a failed collection still lets the read-write step run, and fails the Job at the report", async () => {
            const collected = await gcStep(["collect", path.join(stepDir, "no-such-config.yml")]);
            assert.strictEqual(collected.code, 0, "the collecting step itself never fails");
            const report = await gcStep(["report"]);
            assert.notStrictEqual(report.code, 0, report.output);
        });

        it("an unreachable Redis fails the Job at the report: a stale cache must not pass silently", async () => {
            const collected = await gcStep(["collect", stack.registry.configFile], { REDIS_ADDRESS: "127.0.0.1:1" });
            assert.strictEqual(collected.code, 0);
            const report = await gcStep(["report"]);
            assert.notStrictEqual(report.code, 0);
            assert.match(report.output, /could not empty the Redis cache/);
        });
    });
}
