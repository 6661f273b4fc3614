import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RegistryApi } from "../../common/registryApi";
import { alertRuleGroups, metricNamesUsed } from "../../components/alertRules";
import { cleanUp, planCleanup } from "../../common/cleanup";
import { collectGarbage } from "../../operations/garbageCollect";
import { generateSigningKey, signImage } from "./harness/cosign";
import { Crane } from "./harness/crane";
import { waitUntil } from "./harness/net";
import { OciImage, randomLayer, writeOciImage } from "./harness/ociImage";
import { removedOnExit } from "./harness/processes";
import { LocalRegistryControl } from "./harness/registryControl";
import { LocalRegistryStack } from "./harness/stack";
import { TokenServerProcess } from "./harness/tokenServer";
import { findTools, installHint, requireTools, Tools } from "./harness/tools";

const KiB = 1024;
const quotaBytes = 300 * KiB;
const scanSeconds = 2;
const secret = () => crypto.randomBytes(20).toString("hex");

/**
 * Workspace quotas on real binaries, per Distribution version: the registry with token authentication
 * at the program's token server (its usage scan through the registry's API), MinIO, and crane and
 * skopeo as the clients. The acme workspace has a 300 KiB quota; the ci workspace none (an override of 0).
 */
for (const version of [2, 3] as const) {
    describe(`Distribution ${version}: workspace quotas enforced at push by the token server`, function () {
        let tools: Tools;
        let stack: LocalRegistryStack;
        let token: TokenServerProcess;
        let api: RegistryApi;
        const images = new Map<string, OciImage>();
        const signingKey = generateSigningKey().privateKey;
        let signature: Awaited<ReturnType<typeof signImage>>;
        const cranes = new Map<string, Crane>();

        const imageOf = (name: string, layerBytes: number) => {
            if (!images.has(name)) images.set(name, writeOciImage(path.join(stack.dir, `image-${name}`), name, [randomLayer(layerBytes)]));
            return images.get(name)!;
        };
        const craneAs = (account: { user: string; password: string }) => {
            if (!cranes.has(account.user))
                cranes.set(
                    account.user,
                    new Crane(tools.crane, path.join(stack.dir, `crane-${account.user}`), stack.registry.host, account),
                );
            return cranes.get(account.user)!;
        };
        const push = (name: string, layerBytes: number, reference: string, account = stack.serviceAccount) =>
            craneAs(account).push(imageOf(name, layerBytes).layoutDir, `${stack.registry.host}/${reference}`);
        const usageOf = async (workspace: string) => (await token.usage()).workspaces.find((w) => w.workspace === workspace);
        /** Waits for a scan that started after now, so the usage reflects what happened before. */
        const rescanned = async () => {
            const after = Date.now();
            await waitUntil(
                "a usage scan",
                async () => Date.parse((await token.usage()).scannedAt ?? "") > after + 50,
                30_000,
                () => token.log(),
            );
        };

        before(async function () {
            tools = requireTools(this, "integration tools", findTools(), installHint);
            token = new TokenServerProcess(
                removedOnExit(fs.mkdtempSync(path.join(os.tmpdir(), "orbit-token-"))),
                {
                    defaultBytes: quotaBytes,
                    overrides: { ci: 0 },
                },
                scanSeconds,
            );
            stack = new LocalRegistryStack(tools, { version, token: await token.registryAuth() });
            token.setAccounts([stack.serviceAccount]);
            await stack.start();
            await token.start(stack.registry.url);
            api = new RegistryApi(stack.registry.url, stack.serviceAccount);
        });

        after(async () => {
            await token?.stop();
            await stack?.stop();
        });

        afterEach(function () {
            if (this.currentTest?.state === "failed" && stack) console.error(`${stack.logs()}\n${token.log()}`);
        });

        it("lets a workspace under its quota push, and lets a push that crosses the quota mid-way finish", async () => {
            const first = await push("v1", 200 * KiB, "acme/web:v1");
            assert.strictEqual(first.code, 0, first.output);
            await rescanned();
            assert.ok((await usageOf("acme"))!.bytes < quotaBytes);
            const second = await push("v2", 200 * KiB, "acme/web:v2");
            assert.strictEqual(second.code, 0, `the push that crosses the quota: ${second.output}`);
        });

        it("refuses the next push into the workspace before any layer is uploaded, naming the workspace, usage and quota", async () => {
            const started = Date.now();
            await waitUntil("acme's usage at its quota", async () => ((await usageOf("acme"))?.bytes ?? 0) >= quotaBytes, 30_000);
            console.log(`      the usage showed the push ${Date.now() - started} ms after it finished (scans every ${scanSeconds} s)`);
            const used = (await usageOf("acme"))!.bytes;
            const refused = await push("api", 50 * KiB, "acme/api:v1");
            assert.notStrictEqual(refused.code, 0, "a push into a workspace at its quota");
            assert.ok(
                refused.output.includes(`workspace acme is at its registry quota: `) &&
                    refused.output.includes(`(${used} of ${quotaBytes} bytes)`),
                `crane prints the refusal: ${refused.output}`,
            );
            const viaSkopeo = await stack.skopeo.copy(
                `oci:${imageOf("api", 50 * KiB).layoutDir}:api`,
                `docker://${stack.registry.host}/acme/api:v1`,
                stack.skopeo.authFile("service", stack.registry.host, stack.serviceAccount),
            );
            assert.notStrictEqual(viaSkopeo.code, 0);
            // skopeo 1.9 (Debian's) prints the status of the token request, not the message in its body.
            assert.match(
                viaSkopeo.output,
                /Requesting bearer token: invalid status code from registry 403|workspace acme is at its registry quota/,
            );
            const layer = images.get("api")!.layerDigests[0].slice("sha256:".length);
            const stored = await stack.mc.run(
                "stat",
                `root/${stack.bucket}/docker/registry/v2/blobs/sha256/${layer.slice(0, 2)}/${layer}/data`,
            );
            assert.notStrictEqual(stored.code, 0, "no layer of the refused image reached the bucket");
            console.log(`      crane: ${refused.output.trim().split("\n").at(-1)?.slice(0, 200)}`);
        });

        it("keeps pulls and deletes in that workspace working, and pushes into other workspaces", async () => {
            const pulled = await craneAs(stack.serviceAccount).pull(
                `${stack.registry.host}/acme/web:v1`,
                path.join(stack.dir, "pulled-v1"),
            );
            assert.strictEqual(pulled.code, 0, pulled.output);
            const other = await push("other", 350 * KiB, "ci/cache:v1");
            assert.strictEqual(other.code, 0, `a workspace without a quota: ${other.output}`);
            const another = await push("small", 20 * KiB, "beta/web:v1");
            assert.strictEqual(another.code, 0, `another workspace under the default quota: ${another.output}`);
        });

        it("never lets the pull account or an anonymous client push", async () => {
            const pullAccount = { user: "orbit-pull", password: secret() };
            const asPull = await push("small", 20 * KiB, "beta/web:v2", pullAccount);
            assert.notStrictEqual(asPull.code, 0, "the pull account pushed");
            assert.match(asPull.output, /401|UNAUTHORIZED|authentication required/i);
            const anonymous = await fetch(`${token.url}/token?service=orbit-registry&scope=repository:beta/web:pull,push`);
            assert.strictEqual(anonymous.status, 401, "an anonymous token request");
            const direct = await fetch(`${stack.registry.url}/v2/beta/web/tags/list`);
            assert.strictEqual(direct.status, 401, "the registry without a token");
        });

        it("lifts the refusal once images are deleted (with crane, at the quota) and collected", async () => {
            // crane asks for push,pull,delete to delete: at the quota it must still get delete.
            const deleted = await craneAs(stack.serviceAccount).delete(
                `${stack.registry.host}/acme/web@${images.get("v2")!.manifestDigest}`,
            );
            assert.strictEqual(deleted.code, 0, deleted.output);
            await collectGarbage(new LocalRegistryControl(stack.registry, stack.mc, stack.bucket), api, {
                dryRun: false,
                deleteUntagged: false,
            });
            await rescanned();
            assert.ok((await usageOf("acme"))!.bytes < quotaBytes, "the usage after the delete and the collection");
            const again = await push("api", 50 * KiB, "acme/api:v1");
            assert.strictEqual(again.code, 0, again.output);
        });

        it("admits both credential generations during a rotation's overlap and only the new one once the old is retired", async () => {
            const next = { user: "orbit-service-g2", password: secret() };
            token.setAccounts([stack.serviceAccount, next]);
            assert.strictEqual((await push("small", 20 * KiB, "beta/web:g1", stack.serviceAccount)).code, 0, "generation 1 in the overlap");
            assert.strictEqual((await push("small", 20 * KiB, "beta/web:g2", next)).code, 0, "generation 2 in the overlap");
            token.setAccounts([next]);
            const retired = await push("small", 20 * KiB, "beta/web:g1-retired", stack.serviceAccount);
            assert.notStrictEqual(retired.code, 0, "generation 1 once retired");
            assert.strictEqual((await push("small", 20 * KiB, "beta/web:g2-again", next)).code, 0, "generation 2 once alone");
            token.setAccounts([stack.serviceAccount, next]);
        });

        it("shows usage and quota per workspace in /usage and as Prometheus metrics", async () => {
            await rescanned();
            const acme = (await usageOf("acme"))!;
            assert.strictEqual(acme.quotaBytes, quotaBytes);
            assert.strictEqual(acme.percent, Math.round((acme.bytes / quotaBytes) * 1000) / 10);
            assert.strictEqual((await usageOf("ci"))!.quotaBytes, 0);
            const metrics = await token.metrics();
            assert.match(metrics, new RegExp(`^orbit_registry_workspace_usage_bytes\\{workspace="acme"\\} ${acme.bytes}$`, "m"));
            assert.match(metrics, new RegExp(`^orbit_registry_workspace_quota_bytes\\{workspace="acme"\\} ${quotaBytes}$`, "m"));
            assert.doesNotMatch(metrics, /orbit_registry_workspace_quota_bytes\{workspace="ci"\}/);
            assert.match(metrics, /^orbit_registry_quota_refusals_total\{workspace="acme"\} [1-9]/m);
            const exposed = new Set(
                metrics
                    .split("\n")
                    .filter((line) => line && !line.startsWith("#"))
                    .map((line) => line.split(/[{ ]/)[0]),
            );
            const used = metricNamesUsed(alertRuleGroups("orbit-registry", undefined, true)).filter((name) =>
                name.startsWith("orbit_registry_"),
            );
            assert.deepStrictEqual(
                used.filter((name) => !exposed.has(name)),
                [],
                "the quota alerts read only series it exposes",
            );
        });

        it("retentionToQuota: the cleanup removes the oldest tags no rule keeps until the workspace is under its quota", async () => {
            // delta (the default quota): a release, three builds (build-2 signed), the last crossing the quota.
            for (const [name, kib] of [
                ["v1.0.0", 100],
                ["build-1", 100],
                ["build-2", 90],
                ["build-3", 100],
            ] as const) {
                const pushed = await push(name, kib * KiB, `delta/web:${name}`);
                assert.strictEqual(pushed.code, 0, pushed.output);
                if (name === "build-2") {
                    signature = await signImage(api, stack.registry.host, "delta/web", images.get(name)!.manifestDigest, signingKey);
                }
                await new Promise((resolve) => setTimeout(resolve, 20));
            }
            await rescanned();
            const over = (await usageOf("delta"))!.bytes;
            assert.ok(over >= quotaBytes, `delta at ${over} of ${quotaBytes} bytes`);
            assert.notStrictEqual((await push("small", 20 * KiB, "delta/web:build-4")).code, 0, "a push into delta, over its quota");

            const control = new LocalRegistryControl(stack.registry, stack.mc, stack.bucket);
            const pushTimes = await control.tagPushTimes();
            const rules = { keepLast: 1, keepDays: 0, keepTags: "^v[0-9.]+$" };
            const everyUnkept = await planCleanup(api, pushTimes, rules, new Date());
            assert.ok(
                everyUnkept.removals.some((r) => r.repository === "delta/web" && r.tags.includes("build-2")),
                "without toQuota",
            );
            const toQuota = { defaultBytes: quotaBytes, overrides: { ci: 0 } };
            const report = await cleanUp(api, pushTimes, { ...rules, toQuota }, { dryRun: false });
            assert.deepStrictEqual(
                report.applied.map((r) => `${r.repository}:${r.tags.join(",")} ${r.outcome}`),
                ["delta/web:build-1 deleted"],
                "only the oldest build in delta; nothing in acme, beta (under their quotas) or ci (none)",
            );
            assert.deepStrictEqual((await api.tags("delta/web")).sort(), ["build-2", "build-3", signature.tag, "v1.0.0"].sort());
            assert.strictEqual(await api.manifestDigest("delta/web", signature.tag), signature.digest, "build-2's signature");
            const payload = (JSON.parse(signature.body) as { layers: Array<{ digest: string }> }).layers[0].digest;
            assert.ok(await api.blobSize("delta/web", payload), "its payload");

            await collectGarbage(control, api, { dryRun: false, deleteUntagged: false });
            await rescanned();
            const under = (await usageOf("delta"))!.bytes;
            assert.ok(under < quotaBytes, `delta at ${under} of ${quotaBytes} bytes after the cleanup`);
            const again = await push("small", 20 * KiB, "delta/web:build-4");
            assert.strictEqual(again.code, 0, again.output);
            console.log(
                `      delta: ${over} bytes of ${quotaBytes}; the cleanup removed build-1 and kept build-2 (signed): ${under} bytes`,
            );
        });
    });
}
