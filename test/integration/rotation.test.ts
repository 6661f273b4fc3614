import * as assert from "assert";
import * as crypto from "crypto";
import * as path from "path";
import { generationSuffix } from "../../components/credentialGenerations";
import { htpasswdHash } from "../../components/htpasswd";
import { OciImage, readBlob, readManifest, writeOciImage } from "./harness/ociImage";
import { Credentials, LocalRegistryStack, randomSalt } from "./harness/stack";
import { findTools, installHint, requireTools } from "./harness/tools";

const KiB = 1024;
const secret = () => crypto.randomBytes(20).toString("hex");

/**
 * The README's rotation on real binaries: generation 2 issued while generation 1 keeps working,
 * then generation 1 retired. The registry gets what each `pulumi up` gives it: the htpasswd of the
 * live generations, the current storage keys, and a restart (the Docker container replaced, the
 * Kubernetes pods rolled); MinIO's users come from the program's provisioning script.
 */
for (const version of [2, 3] as const) {
    describe(`Distribution ${version}: rotating credentials, step by step`, function () {
        let stack: LocalRegistryStack;
        const timeline: string[] = [];
        const pushed: Array<{ image: OciImage; tag: string }> = [];
        let generation1: Credentials & { bcryptHash: string };
        let generation2: Credentials & { bcryptHash: string };
        const storage2 = { accessKey: `registry${crypto.randomBytes(6).toString("hex")}`, secretKey: secret() };

        const v2Status = async (account: Credentials) =>
            (
                await fetch(`${stack.registry.url}/v2/`, {
                    headers: { authorization: `Basic ${Buffer.from(`${account.user}:${account.password}`).toString("base64")}` },
                })
            ).status;
        async function pushAs(account: Credentials, tag: string): Promise<number> {
            const image = writeOciImage(path.join(stack.dir, `image-${tag}`), tag, [64 * KiB]);
            const auth = stack.skopeo.authFile(`${account.user}-${tag}`, stack.registry.host, account);
            const result = await stack.skopeo.copy(
                `oci:${image.layoutDir}:${tag}`,
                `docker://${stack.registry.host}/acme-workspace/app:${tag}`,
                auth,
            );
            if (result.code === 0) pushed.push({ image, tag });
            return result.code;
        }
        async function record(step: string) {
            const status1 = await v2Status(generation1);
            const status2 = await v2Status(generation2);
            timeline.push(`${step}: ${generation1.user} ${status1}, ${generation2.user} ${status2}`);
            return { status1, status2 };
        }
        const restartRegistry = async () => {
            await stack.registry.stop();
            await stack.registry.start();
        };
        const minioAccepts = async (keys: { accessKey: string; secretKey: string }) => {
            stack.mc.alias("probe", stack.minio.endpoint, keys.accessKey, keys.secretKey);
            return (await stack.mc.run("ls", `probe/${stack.bucket}`)).code === 0;
        };

        before(async function () {
            const tools = requireTools(this, "integration tools", findTools(), installHint);
            stack = new LocalRegistryStack(tools, { version });
            await stack.start();
            generation1 = { ...stack.serviceAccount, bcryptHash: htpasswdHash(stack.serviceAccount.password, randomSalt()) };
            const user2 = `${stack.serviceAccount.user}${generationSuffix(2)}`;
            const password2 = secret();
            generation2 = { user: user2, password: password2, bcryptHash: htpasswdHash(password2, randomSalt()) };
        });

        after(async () => {
            if (timeline.length > 0) console.log(timeline.map((line) => `      ${line}`).join("\n"));
            await stack?.stop();
        });

        afterEach(function () {
            if (this.currentTest?.state === "failed" && stack) console.error(stack.logs());
        });

        it("generation 1 only: its account pushes, generation 2's is unknown", async () => {
            assert.deepStrictEqual(await record("before"), { status1: 200, status2: 401 });
            assert.strictEqual(await pushAs(generation1, "before"), 0);
        });

        it("overlap: both accounts and both storage identities work, before and after the registry restarts", async () => {
            const provisioned = await stack.provision([stack.registryS3, storage2]);
            assert.match(provisioned, /are in place/);
            assert.ok(await minioAccepts(stack.registryS3), "generation 1's MinIO user still works");
            assert.ok(await minioAccepts(storage2), "generation 2's MinIO user works");

            stack.registry.setAccounts([generation1, generation2]);
            // Both versions reread htpasswd when its modification time changes: no restart needed for it.
            const reread = await record("htpasswd rewritten, registry not restarted");
            assert.deepStrictEqual(reread, { status1: 200, status2: 200 });

            stack.registry.setStorageKeys(storage2.accessKey, storage2.secretKey);
            await restartRegistry();
            assert.deepStrictEqual(await record("overlap (restarted on generation 2's storage keys)"), { status1: 200, status2: 200 });
            assert.strictEqual(await pushAs(generation1, "overlap-old"), 0, "a build still holding the old password pushes");
            assert.strictEqual(await pushAs(generation2, "overlap-new"), 0, "a build with the new password pushes");
        });

        it("retired: generation 1 gets 401 and its MinIO user is gone; every image is still there, byte-identical", async () => {
            const provisioned = await stack.provision([storage2]);
            assert.match(provisioned, /removed the retired user/);
            assert.ok(!(await minioAccepts(stack.registryS3)), "generation 1's MinIO user is refused");
            assert.ok(await minioAccepts(storage2));

            stack.registry.setAccounts([generation2]);
            await restartRegistry();
            assert.deepStrictEqual(await record("retired"), { status1: 401, status2: 200 });
            assert.notStrictEqual(await pushAs(generation1, "retired-old"), 0);
            assert.strictEqual(await pushAs(generation2, "retired-new"), 0);

            const auth = stack.skopeo.authFile("pull", stack.registry.host, generation2);
            for (const { image, tag } of pushed) {
                const into = path.join(stack.dir, `pulled-${tag}`);
                const pulled = await stack.skopeo.copy(
                    `docker://${stack.registry.host}/acme-workspace/app:${tag}`,
                    `oci:${into}:${tag}`,
                    auth,
                );
                assert.strictEqual(pulled.code, 0, pulled.output);
                assert.strictEqual(readManifest(into, tag).digest, image.manifestDigest);
                for (const digest of image.layerDigests) assert.ok(readBlob(into, digest).equals(readBlob(image.layoutDir, digest)));
            }
            timeline.push(`pulled back all ${pushed.length} images pushed along the way, byte-identical`);
        });
    });
}
