import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { execFile } from "child_process";
import { distributionVersions } from "../../common/distributionVersion";
import { bashHttpCheck } from "../../components/docker/healthcheck";
import { statusOf, waitUntil } from "./harness/net";
import { OciImage, readBlob, readManifest, writeOciImage } from "./harness/ociImage";
import { Credentials, LocalRegistryStack } from "./harness/stack";
import { findTools, installHint, requireTools } from "./harness/tools";

const MiB = 1024 * 1024;
const repository = "acme-workspace/web-app";

/**
 * One scenario, run in order against one stack: what the program generates (config.yml, htpasswd
 * line, REGISTRY_* env, IAM policy) working in the real registry, on real MinIO, with a real client.
 */
for (const version of distributionVersions) {
    describe(`the generated registry configuration on real MinIO, Distribution ${version} and skopeo`, function () {
        let stack: LocalRegistryStack;
        let bigImage: OciImage;
        let serviceAuth: string;

        const basic = ({ user, password }: Credentials) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
        const api = (urlPath: string, init: RequestInit = {}, credentials: Credentials | null = stack.serviceAccount) =>
            fetch(`${stack.registry.url}${urlPath}`, {
                redirect: "manual",
                ...init,
                headers: { ...(credentials ? { authorization: basic(credentials) } : {}), ...(init.headers ?? {}) },
            });
        const jsonOf = async (urlPath: string) => {
            const response = await api(urlPath);
            assert.strictEqual(response.status, 200, `${urlPath}: ${response.status}`);
            return response.json();
        };
        const push = (image: OciImage, tag: string, authFile = serviceAuth) =>
            stack.skopeo.copy(`oci:${image.layoutDir}:${image.tag}`, `docker://${stack.registry.host}/${repository}:${tag}`, authFile);

        /** Pulls `tag` into a fresh layout and asserts manifest and every layer match `image` byte for byte. */
        async function assertPullsBackIdentical(image: OciImage, tag: string) {
            const into = path.join(stack.dir, `pull-${tag}-${crypto.randomBytes(4).toString("hex")}`);
            const pulled = await stack.skopeo.copy(
                `docker://${stack.registry.host}/${repository}:${tag}`,
                `oci:${into}:${tag}`,
                serviceAuth,
            );
            assert.strictEqual(pulled.code, 0, pulled.output);
            const manifest = readManifest(into, tag);
            assert.strictEqual(manifest.digest, image.manifestDigest);
            assert.deepStrictEqual(
                manifest.layers.map((l) => l.digest),
                image.layerDigests,
            );
            for (const digest of image.layerDigests) {
                assert.ok(readBlob(into, digest).equals(readBlob(image.layoutDir, digest)), `layer ${digest} differs`);
            }
            fs.rmSync(into, { recursive: true, force: true });
        }

        before(async function () {
            stack = new LocalRegistryStack(requireTools(this, "integration tools", findTools(), installHint), { version });
            await stack.start();
            serviceAuth = stack.skopeo.authFile("service", stack.registry.host, stack.serviceAccount);
        });

        after(async function () {
            await stack?.stop();
            if (stack) assert.ok(!fs.existsSync(stack.dir), "the run's temporary directory is removed");
        });

        afterEach(function () {
            if (this.currentTest?.state === "failed" && stack) console.error(stack.logs());
        });

        describe("authentication (auth.htpasswd with the service account's bcrypt line)", () => {
            it("answers /v2/ with 401 and a Basic challenge without credentials", async () => {
                const response = await api("/v2/", {}, null);
                assert.strictEqual(response.status, 401);
                assert.match(response.headers.get("www-authenticate") ?? "", /^Basic realm="orbit-registry"/);
            });

            it("answers /v2/ with 200 for the service account", async () => {
                assert.strictEqual((await api("/v2/")).status, 200);
            });

            it("refuses a wrong password", async () => {
                assert.strictEqual((await api("/v2/", {}, { ...stack.serviceAccount, password: "wrong-password" })).status, 401);
            });

            it("refuses an anonymous push and a push with a wrong password", async () => {
                const image = writeOciImage(path.join(stack.dir, "tiny"), "tiny", [1024]);
                const anonymous = await push(image, "anonymous", stack.skopeo.authFile("anonymous", stack.registry.host));
                assert.notStrictEqual(anonymous.code, 0);
                assert.match(anonymous.output, /unauthorized|authentication required/i);
                const wrong = await push(
                    image,
                    "wrong",
                    stack.skopeo.authFile("wrong", stack.registry.host, { ...stack.serviceAccount, password: "wrong-password" }),
                );
                assert.notStrictEqual(wrong.code, 0);
                // Nothing was stored: 2.8 answers 404 for the unknown repository, 3 an empty tag list.
                const tags = await api(`/v2/${repository}/tags/list`);
                const stored = tags.status === 404 ? [] : (((await tags.json()) as { tags?: string[] | null }).tags ?? []);
                assert.deepStrictEqual(stored, [], `tags list answered ${tags.status}`);
                assert.ok(!(await jsonOf("/v2/_catalog")).repositories.includes(repository), "the repository is not in the catalog");
            });
        });

        describe("a multi-layer image through the S3 driver", () => {
            it("pushes to <workspace>/<app>:<tag>, with a layer larger than the S3 chunk size", async () => {
                const chunkSize = parse(fs.readFileSync(stack.registry.configFile, "utf8")).storage.s3.chunksize;
                bigImage = writeOciImage(path.join(stack.dir, "big"), "v1", [24 * MiB, 8 * MiB, 2 * MiB]);
                assert.ok(fs.statSync(path.join(bigImage.layoutDir, "blobs/sha256", bigImage.layerDigests[0].slice(7))).size > chunkSize);
                const pushed = await push(bigImage, "v1");
                assert.strictEqual(pushed.code, 0, pushed.output);
            });

            it("lists the repository in /v2/_catalog and the tag in its tag list", async () => {
                assert.ok((await jsonOf("/v2/_catalog")).repositories.includes(repository));
                assert.deepStrictEqual((await jsonOf(`/v2/${repository}/tags/list`)).tags, ["v1"]);
            });

            it("pulls back byte-identical", async () => {
                await assertPullsBackIdentical(bigImage, "v1");
            });

            it("serves blobs itself, never redirecting to the MinIO host", async () => {
                for (const digest of bigImage.layerDigests) {
                    const response = await api(`/v2/${repository}/blobs/${digest}`);
                    assert.strictEqual(
                        response.status,
                        200,
                        `blob ${digest}: ${response.status} ${response.headers.get("location") ?? ""}`,
                    );
                    assert.strictEqual(response.headers.get("location"), null);
                    const body = Buffer.from(await response.arrayBuffer());
                    assert.strictEqual(`sha256:${crypto.createHash("sha256").update(body).digest("hex")}`, digest);
                }
            });
        });

        describe("the registry's S3 identity (the program's IAM policy, applied by the program's provisioning script)", () => {
            it("survives a re-run of the provisioning script, as when the Job runs again", async () => {
                assert.match(await stack.provision(), /are in place/);
                assert.deepStrictEqual((await jsonOf(`/v2/${repository}/tags/list`)).tags, ["v1"]);
            });

            it("can write, list and delete in its bucket", async () => {
                const probe = path.join(stack.dir, "probe.txt");
                fs.writeFileSync(probe, "probe");
                await stack.mc.mustRun("cp", probe, `registry/${stack.bucket}/probe.txt`);
                assert.match(await stack.mc.mustRun("ls", `registry/${stack.bucket}/`), /probe\.txt/);
                await stack.mc.mustRun("rm", `registry/${stack.bucket}/probe.txt`);
            });

            it("cannot list another bucket, create a bucket, or use admin APIs", async () => {
                await stack.mc.mustRun("mb", "root/other-bucket");
                await stack.mc.mustRun("cp", stack.registry.configFile, "root/other-bucket/secret.yml");
                for (const args of [
                    ["ls", "registry/other-bucket/"],
                    ["cat", "registry/other-bucket/secret.yml"],
                    ["mb", "registry/new-bucket"],
                    ["admin", "user", "list", "registry"],
                    ["admin", "policy", "list", "registry"],
                ]) {
                    const result = await stack.mc.run(...args);
                    assert.notStrictEqual(result.code, 0, `mc ${args.join(" ")} succeeded:\n${result.output}`);
                    assert.match(
                        result.output,
                        /access denied|insufficient permissions|AccessDenied/i,
                        `mc ${args.join(" ")}: ${result.output}`,
                    );
                }
                // Listing buckets shows only the ones it may use.
                const buckets = await stack.mc.mustRun("ls", "registry");
                assert.match(buckets, new RegExp(`${stack.bucket}/`));
                assert.doesNotMatch(buckets, /other-bucket/);
            });
        });

        describe("restarts and outages", () => {
            /** Runs MinIO's container healthcheck command (the program's) against this MinIO; resolves to its exit code. */
            const minioHealthcheck = () =>
                new Promise<number>((resolve) => {
                    const [, command, ...args] = bashHttpCheck(stack.minio.port, "/minio/health/live");
                    execFile(command, args, { timeout: 15_000 }, (error) => resolve(error ? Number(error.code ?? 1) : 0));
                });

            it("passes MinIO's container healthcheck while MinIO runs", async () => {
                assert.strictEqual(await minioHealthcheck(), 0);
            });

            it("keeps every image across a registry restart", async () => {
                await stack.registry.stop();
                await stack.registry.start();
                assert.deepStrictEqual((await jsonOf(`/v2/${repository}/tags/list`)).tags, ["v1"]);
                await assertPullsBackIdentical(bigImage, "v1");
            });

            it("reports unhealthy storage and fails a push in bounded time while MinIO is down", async () => {
                await stack.minio.stop();
                assert.notStrictEqual(await minioHealthcheck(), 0, "MinIO's healthcheck fails while it is down");
                await waitUntil(
                    "/debug/health to report the storage driver down",
                    async () => (await statusOf(stack.registry.healthUrl)) === 503,
                    30_000,
                );
                const health = await (await fetch(stack.registry.healthUrl)).text();
                assert.match(health, /storagedriver/);

                const image = writeOciImage(path.join(stack.dir, "during-outage"), "outage", [512 * 1024]);
                const attempt = await stack.skopeo.copy(
                    `oci:${image.layoutDir}:outage`,
                    `docker://${stack.registry.host}/${repository}:outage`,
                    serviceAuth,
                    { timeoutMs: 120_000 },
                );
                assert.strictEqual(attempt.timedOut, false, `the push hung for ${attempt.millis} ms`);
                assert.notStrictEqual(attempt.code, 0, "a push without storage must fail");
            });

            it("pushes again once MinIO is back, with every earlier image intact", async () => {
                await stack.minio.start();
                await waitUntil("/debug/health to recover", async () => (await statusOf(stack.registry.healthUrl)) === 200, 30_000);
                const image = writeOciImage(path.join(stack.dir, "after-outage"), "v2", [3 * MiB]);
                const pushed = await push(image, "v2");
                assert.strictEqual(pushed.code, 0, pushed.output);
                await assertPullsBackIdentical(image, "v2");
                await assertPullsBackIdentical(bigImage, "v1");
            });
        });

        describe("deletion (storage.delete.enabled)", () => {
            it("deletes a manifest through the API", async () => {
                const head = await api(`/v2/${repository}/manifests/v2`, {
                    method: "HEAD",
                    headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
                });
                const digest = head.headers.get("docker-content-digest");
                assert.ok(digest, "the registry names the manifest's digest");
                assert.strictEqual((await api(`/v2/${repository}/manifests/${digest}`, { method: "DELETE" })).status, 202);
                assert.strictEqual((await api(`/v2/${repository}/manifests/${digest}`)).status, 404);
                assert.deepStrictEqual((await jsonOf(`/v2/${repository}/tags/list`)).tags, ["v1"]);
            });
        });
    });
}
