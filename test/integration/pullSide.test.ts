import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { registryBucketPolicy, registryPolicyName } from "../../common/bucketPolicy";
import { htpasswdHash } from "../../components/htpasswd";
import { mirrorBucketName } from "../../components/pullSideConfig";
import { minioContainer } from "../../common/upstream";
import { RegistryApi } from "../../common/registryApi";
import { generateSigningKey, signImage, verifySignature } from "./harness/cosign";
import { statusOf } from "./harness/net";
import { OciImage, readBlob, readManifest, writeOciImage } from "./harness/ociImage";
import { RegistryServer } from "./harness/registry";
import { LocalRegistryStack, randomSalt } from "./harness/stack";
import { findTools, installHint, requireTools, Tools } from "./harness/tools";

const KiB = 1024;
const secret = () => crypto.randomBytes(20).toString("hex");

/**
 * The pull side on real binaries, per Distribution version: the read-only pull endpoint on the
 * registry's storage (its own htpasswd, the identity that may only read), and the Docker Hub mirror on
 * a bucket of its own, with a second registry on loopback (htpasswd) standing in for Docker Hub.
 */
for (const version of [2, 3] as const) {
    describe(`Distribution ${version}: the pull endpoint and the Docker Hub mirror`, function () {
        let tools: Tools;
        let stack: LocalRegistryStack;
        let pull: RegistryServer;
        const pullAccounts = [1, 2].map((generation) => ({
            user: generation === 1 ? "orbit-pull" : "orbit-pull-g2",
            password: secret(),
            salt: randomSalt(),
        }));
        const pullAccount = pullAccounts[0];
        let image: OciImage;
        const httpSecret = secret();
        let mirrorLog = () => "";
        const signingKey = generateSigningKey();

        const auth = (name: string, host: string, account?: { user: string; password: string }) =>
            stack.skopeo.authFile(name, host, account);
        const pullFrom = async (host: string, reference: string, account?: { user: string; password: string }) => {
            const into = path.join(stack.dir, `pull-${crypto.randomBytes(4).toString("hex")}`);
            const result = await stack.skopeo.copy(`docker://${host}/${reference}`, `oci:${into}:x`, auth(`pull-${host}`, host, account));
            return { ...result, into };
        };
        const assertIdentical = (into: string, original: OciImage) => {
            assert.strictEqual(readManifest(into, "x").digest, original.manifestDigest);
            for (const layer of original.layerDigests) assert.ok(readBlob(into, layer).equals(readBlob(original.layoutDir, layer)));
        };
        const setPullAccounts = (accounts: typeof pullAccounts) =>
            pull.setAccounts(accounts.map((a) => ({ user: a.user, bcryptHash: htpasswdHash(a.password, a.salt) })));

        before(async function () {
            tools = requireTools(this, "integration tools", findTools(), installHint);
            stack = new LocalRegistryStack(tools, { version, readerIdentity: true });
            await stack.start();
            pull = new RegistryServer({
                version,
                role: "pull",
                binary: version === 2 ? tools.registry : tools.registry3,
                dir: path.join(stack.dir, "pull"),
                minioEndpoint: stack.registryMinioEndpoint,
                bucket: stack.bucket,
                region: minioContainer.region,
                user: pullAccount.user,
                bcryptHash: htpasswdHash(pullAccount.password, pullAccount.salt),
                // The identity that may only list and read the bucket.
                secrets: { s3AccessKey: stack.readerS3.accessKey, s3SecretKey: stack.readerS3.secretKey, httpSecret },
                healthInterval: "1s",
            });
            await pull.start();
            image = writeOciImage(path.join(stack.dir, "app"), "v1", [300 * KiB, 120 * KiB]);
            const pushed = await stack.skopeo.copy(
                `oci:${image.layoutDir}:v1`,
                `docker://${stack.registry.host}/acme/web:v1`,
                auth("service", stack.registry.host, stack.serviceAccount),
            );
            assert.strictEqual(pushed.code, 0, pushed.output);
        });

        after(async () => {
            await pull?.stop();
            await stack?.stop();
        });

        afterEach(function () {
            if (this.currentTest?.state === "failed" && stack) console.error(`${stack.logs()}\n${pull?.log()}\n${mirrorLog()}`);
        });

        it("serves what the push endpoint stored, byte-identical, to the pull account, reading with the read-only identity", async () => {
            const pulled = await pullFrom(pull.host, "acme/web:v1", pullAccount);
            assert.strictEqual(pulled.code, 0, pulled.output);
            assertIdentical(pulled.into, image);
            assert.strictEqual(await statusOf(pull.healthUrl), 200, "its storage check passes with the read-only identity");
        });

        it("serves a signed image's signature: cosign verify through the pull account", async () => {
            const api = new RegistryApi(stack.registry.url, stack.serviceAccount);
            await signImage(api, stack.registry.host, "acme/web", image.manifestDigest, signingKey.privateKey);
            assert.deepStrictEqual(await verifySignature(pull.url, pullAccount, "acme/web", "v1", signingKey.publicKey), []);
        });

        it("refuses the pull account a push and a delete, and the push account altogether", async () => {
            const pushed = await stack.skopeo.copy(
                `oci:${image.layoutDir}:v1`,
                `docker://${pull.host}/acme/web:overwritten`,
                auth("pull-push", pull.host, pullAccount),
            );
            assert.notStrictEqual(pushed.code, 0, "a push through the pull endpoint");
            const deleted = await new RegistryApi(pull.url, pullAccount).deleteManifest("acme/web", image.manifestDigest).then(
                () => "deleted",
                (error: Error) => error.message,
            );
            assert.match(deleted, /405|read-only|UNSUPPORTED/i);
            const asService = await pullFrom(pull.host, "acme/web:v1", stack.serviceAccount);
            assert.notStrictEqual(asService.code, 0, "the push account on the pull endpoint");
            assert.match(asService.output, /401|unauthorized|authentication required/i);
            const onPush = await pullFrom(stack.registry.host, "acme/web:v1", pullAccount);
            assert.notStrictEqual(onPush.code, 0, "the pull account on the push endpoint");
            const stillThere = await pullFrom(stack.registry.host, "acme/web:v1", stack.serviceAccount);
            assert.strictEqual(stillThere.code, 0, "the push account works where it did");
            assertIdentical(stillThere.into, image);
            console.log(`      push with the pull account: exit ${pushed.code}: ${pushed.output.trim().split("\n").at(-1)?.slice(0, 140)}`);
        });

        it("lets both generations pull during a rotation's overlap, and only the new one once the old is retired", async () => {
            setPullAccounts(pullAccounts);
            await pull.stop();
            await pull.start();
            for (const account of pullAccounts)
                assert.strictEqual((await pullFrom(pull.host, "acme/web:v1", account)).code, 0, account.user);
            setPullAccounts([pullAccounts[1]]);
            await pull.stop();
            await pull.start();
            assert.notStrictEqual((await pullFrom(pull.host, "acme/web:v1", pullAccounts[0])).code, 0, "retired");
            assert.strictEqual((await pullFrom(pull.host, "acme/web:v1", pullAccounts[1])).code, 0, "current");
        });

        describe("the Docker Hub mirror", () => {
            let upstream: LocalRegistryStack;
            /** What the mirror pulls from: the upstream's registry, or (Distribution 2) an anonymous one on its storage. */
            let upstreamServer: RegistryServer;
            let mirror: RegistryServer;
            let base: OciImage;
            let signaturePayloads: string[];
            const mirrorBucket = mirrorBucketName("orbit-registry");
            const mirrorS3 = { accessKey: `mirror${crypto.randomBytes(4).toString("hex")}`, secretKey: secret() };

            before(async () => {
                // Docker Hub's stand-in: another registry with an account of its own, holding a base image.
                upstream = new LocalRegistryStack(tools, { version });
                await upstream.start();
                base = writeOciImage(path.join(stack.dir, "base"), "3.20", [200 * KiB]);
                const seeded = await upstream.skopeo.copy(
                    `oci:${base.layoutDir}:3.20`,
                    `docker://${upstream.registry.host}/library/alpine:3.20`,
                    upstream.skopeo.authFile("seed", upstream.registry.host, upstream.serviceAccount),
                );
                assert.strictEqual(seeded.code, 0, seeded.output);
                const upstreamApi = new RegistryApi(upstream.registry.url, upstream.serviceAccount);
                const signature = await signImage(upstreamApi, "docker.io", "library/alpine", base.manifestDigest, signingKey.privateKey);
                signaturePayloads = (JSON.parse(signature.body).layers as Array<{ digest: string }>).map((layer) => layer.digest);
                upstreamServer = upstream.registry;
                if (version === 2) {
                    // 2.8's cache answers only token challenges (as Docker Hub's), not htpasswd's basic one: it
                    // pulls anonymously here, from a second registry on the upstream's storage without accounts.
                    upstreamServer = new RegistryServer({
                        version,
                        role: "mirror",
                        binary: tools.registry,
                        dir: path.join(upstream.dir, "anonymous"),
                        minioEndpoint: upstream.registryMinioEndpoint,
                        bucket: upstream.bucket,
                        region: minioContainer.region,
                        user: "unused",
                        bcryptHash: htpasswdHash(secret(), randomSalt()),
                        secrets: { s3AccessKey: upstream.registryS3.accessKey, s3SecretKey: upstream.registryS3.secretKey, httpSecret },
                        healthInterval: "1s",
                    });
                    await upstreamServer.start();
                }

                // The mirror's bucket and identity, as the provisioning script creates them.
                const policyFile = path.join(stack.dir, "mirror-policy.json");
                fs.writeFileSync(policyFile, JSON.stringify(registryBucketPolicy(mirrorBucket)));
                await stack.provision([stack.registryS3], true, {
                    MIRROR_BUCKET: mirrorBucket,
                    MIRROR_ACCESS_KEY: mirrorS3.accessKey,
                    MIRROR_SECRET_KEY: mirrorS3.secretKey,
                    MIRROR_POLICY_NAME: registryPolicyName(mirrorBucket),
                    MIRROR_POLICY_FILE: policyFile,
                });
                mirror = new RegistryServer({
                    version,
                    role: "mirror",
                    proxy: { remoteUrl: upstreamServer.url, ttl: "24h" },
                    binary: version === 2 ? tools.registry : tools.registry3,
                    dir: path.join(stack.dir, "mirror"),
                    minioEndpoint: stack.registryMinioEndpoint,
                    bucket: mirrorBucket,
                    region: minioContainer.region,
                    user: "unused",
                    bcryptHash: htpasswdHash(secret(), randomSalt()),
                    secrets: {
                        s3AccessKey: mirrorS3.accessKey,
                        s3SecretKey: mirrorS3.secretKey,
                        httpSecret,
                        ...(version === 3
                            ? { proxyUsername: upstream.serviceAccount.user, proxyPassword: upstream.serviceAccount.password }
                            : {}),
                    },
                    healthInterval: "1s",
                });
                mirrorLog = () => mirror.log();
                await mirror.start();
            });

            /**
             * The blobs of `digests` not in the mirror's bucket after a wait: the cache writes a blob in the
             * background, from a second fetch of the upstream, so it lands a moment after the client has it.
             */
            const notYetCached = async (digests: string[]): Promise<string[]> => {
                const cached = async (digest: string) => {
                    const hex = digest.slice("sha256:".length);
                    const data = `root/${mirrorBucket}/docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
                    return (await stack.mc.run("stat", data)).code === 0;
                };
                let missing = digests;
                for (let i = 0; i < 300 && missing.length > 0; i++) {
                    if (i > 0) await new Promise((r) => setTimeout(r, 100));
                    const present = await Promise.all(missing.map(cached));
                    missing = missing.filter((_, index) => !present[index]);
                }
                return missing;
            };

            after(async () => {
                await mirror?.stop();
                if (upstreamServer !== upstream?.registry) await upstreamServer?.stop();
                await upstream?.stop();
            });

            const how = version === 3 ? "with its account" : "anonymously";
            it(`pulls through to the upstream ${how} and keeps the image in its own bucket`, async () => {
                const pulled = await pullFrom(mirror.host, "library/alpine:3.20");
                assert.strictEqual(pulled.code, 0, pulled.output);
                assertIdentical(pulled.into, base);
                assert.deepStrictEqual(await notYetCached([base.configDigest, ...base.layerDigests]), [], "in the mirror's bucket");
                const inRegistryBucket = await stack.mc.run(
                    "ls",
                    "--recursive",
                    `root/${stack.bucket}/docker/registry/v2/repositories/library`,
                );
                assert.ok(!inRegistryBucket.output.includes("alpine"), "nothing of it in the registry's bucket");
            });

            it("serves the upstream image's signature through the cache: cosign verify works on the mirror", async () => {
                assert.deepStrictEqual(await verifySignature(mirror.url, undefined, "library/alpine", "3.20", signingKey.publicKey), []);
            });

            it("serves the cached image with the upstream stopped", async () => {
                assert.deepStrictEqual(await notYetCached(signaturePayloads), [], "the signature's payload in the mirror's bucket");
                await upstreamServer.stop();
                const started = Date.now();
                const pulled = await pullFrom(mirror.host, "library/alpine:3.20");
                assert.strictEqual(pulled.code, 0, pulled.output);
                assertIdentical(pulled.into, base);
                const verified = await verifySignature(mirror.url, undefined, "library/alpine", "3.20", signingKey.publicKey);
                assert.deepStrictEqual(verified, [], "the signature from the cache");
                console.log(`      pulled library/alpine:3.20 from the cache with the upstream stopped in ${Date.now() - started} ms`);
            });

            it("refuses a push, and its identity cannot touch the registry's bucket", async () => {
                const pushed = await stack.skopeo.copy(
                    `oci:${image.layoutDir}:v1`,
                    `docker://${mirror.host}/acme/web:v1`,
                    auth("mirror-push", mirror.host),
                );
                assert.notStrictEqual(pushed.code, 0, "a push to the mirror");
                stack.mc.alias("mirroruser", stack.minio.endpoint, mirrorS3.accessKey, mirrorS3.secretKey);
                const listed = await stack.mc.run("ls", `mirroruser/${stack.bucket}`);
                assert.notStrictEqual(listed.code, 0, "the mirror's identity listed the registry's bucket");
                assert.match(listed.output, /Access Denied/i);
                console.log(`      push to the mirror: exit ${pushed.code}: ${pushed.output.trim().split("\n").at(-1)?.slice(0, 140)}`);
            });
        });
    });
}
