import * as assert from "assert";
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { copyScript, registryRoot } from "../../common/backupScript";
import { planCleanup } from "../../common/cleanup";
import { collectGarbage } from "../../operations/garbageCollect";
import { manifestTypes, RegistryApi } from "../../common/registryApi";
import { CommandRunner, runCommand } from "../../operations/dockerRegistryControl";
import { provisionDockerMinio } from "../../operations/dockerProvision";
import { generateSigningKey, pushArtifact, sha256, signImage, verifySignature } from "./harness/cosign";
import { Mc } from "./harness/mc";
import { freePort } from "./harness/net";
import { MinioServer } from "./harness/minio";
import { OciImage, randomLayer, readBlob, readManifest, writeOciImage } from "./harness/ociImage";
import { LocalRegistryControl } from "./harness/registryControl";
import { LocalRegistryStack } from "./harness/stack";
import { findTools, installHint, requireTools, Tools } from "./harness/tools";

const KiB = 1024;
const targetBucket = "orbit-backups";
const targetPath = `${targetBucket}/registry`;

/**
 * Backups that restore, on real binaries: the registry's MinIO and Distribution, a second MinIO as
 * the backup target, and the program's copy script run by bash with mc, as the CronJob and
 * `npm run backup` run it.
 */
describe("backups on real MinIO and Distribution: copy, copy again during pushes, wipe, restore", function () {
    let tools: Tools;
    let stack: LocalRegistryStack;
    let target: MinioServer;
    let targetMc: Mc;
    let auth: string;
    let api: RegistryApi;
    const images = new Map<string, OciImage>();
    const signingKey = generateSigningKey();
    /** A signed image's signature and SBOM, in a repository of their own: tag and manifest as pushed. */
    const accessories: Array<{ tag: string; body: string }> = [];
    /** The repository each image was pushed to, by its tag. */
    const repositories = new Map<string, string>();
    const script = () => {
        const file = path.join(stack.dir, "copy.sh");
        fs.writeFileSync(file, copyScript());
        return file;
    };

    /** The copy script as the CronJob runs it: MODE, the source as the backup identity, the target. */
    const copy = (mode: "backup" | "restore", overrides: Record<string, string> = {}) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
            execFile(
                "bash",
                [script()],
                {
                    env: {
                        PATH: `${path.dirname(tools.mc)}:/usr/bin:/bin`,
                        HOME: stack.dir,
                        MC_CONFIG_DIR: path.join(stack.dir, `mc-${crypto.randomBytes(4).toString("hex")}`),
                        MODE: mode,
                        SOURCE_ENDPOINT: stack.minio.endpoint,
                        // A backup reads with the read-only identity; a restore writes with the registry's own.
                        SOURCE_ACCESS_KEY: mode === "backup" ? stack.readerS3.accessKey : stack.registryS3.accessKey,
                        SOURCE_SECRET_KEY: mode === "backup" ? stack.readerS3.secretKey : stack.registryS3.secretKey,
                        SOURCE_BUCKET: stack.bucket,
                        TARGET_ENDPOINT: target.endpoint,
                        TARGET_ACCESS_KEY: target.root.user,
                        TARGET_SECRET_KEY: target.root.password,
                        TARGET_PATH: targetPath,
                        ...overrides,
                    },
                    timeout: 180_000,
                },
                (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
            ),
        );
    const copiedCount = (stdout: string) => Number(/copied (\d+) object\(s\), \d+ bytes/.exec(stdout)?.[1] ?? NaN);

    const push = async (name: string, repository: string, layers: Array<number | Buffer>) => {
        const image = writeOciImage(path.join(stack.dir, `image-${name}`), name, layers);
        await stack.pushImage(image, repository, name, auth);
        images.set(name, image);
        repositories.set(name, repository);
        return image;
    };
    const assertPulls = async (name: string, repository: string) => {
        const image = images.get(name)!;
        const into = path.join(stack.dir, `pull-${name}-${crypto.randomBytes(3).toString("hex")}`);
        const pulled = await stack.skopeo.copy(`docker://${stack.registry.host}/${repository}:${name}`, `oci:${into}:${name}`, auth);
        assert.strictEqual(pulled.code, 0, `${repository}:${name}: ${pulled.output}`);
        assert.strictEqual(readManifest(into, name).digest, image.manifestDigest);
        for (const layer of image.layerDigests)
            assert.ok(readBlob(into, layer).equals(readBlob(image.layoutDir, layer)), `${name} ${layer}`);
    };
    /** The keys under the registry's root in `alias/pathPrefix`, _uploads aside. */
    const keys = async (mc: Mc, location: string) =>
        (await mc.mustRun("ls", "--json", "--recursive", `${location}/${registryRoot}/`))
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line).key as string)
            .filter((key) => key && !key.includes("/_uploads/"));

    /**
     * Every manifest a link in the backup names, with the blobs it references, is in the backup:
     * what a registry restored from it needs to serve every tag. The problems it finds.
     */
    async function inconsistencies(): Promise<string[]> {
        const all = await keys(targetMc, `root/${targetPath}`);
        const blobs = new Set(all.filter((k) => k.startsWith("blobs/")).map((k) => /([0-9a-f]{64})\/data$/.exec(k)?.[1]));
        const linked = new Set<string>();
        for (const key of all.filter((k) => /_manifests\/(revisions|tags\/[^/]+\/current)/.test(k) && k.endsWith("/link"))) {
            linked.add((await targetMc.mustRun("cat", `root/${targetPath}/${registryRoot}/${key}`)).trim());
        }
        const problems: string[] = [];
        for (const digest of linked) {
            const hex = digest.replace("sha256:", "");
            if (!blobs.has(hex)) {
                problems.push(`manifest ${digest} is linked but its blob is missing`);
                continue;
            }
            const manifest = JSON.parse(
                await targetMc.mustRun("cat", `root/${targetPath}/${registryRoot}/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`),
            );
            for (const blob of [manifest.config, ...(manifest.layers ?? []), ...(manifest.manifests ?? [])].filter(Boolean)) {
                if (!blobs.has(blob.digest.replace("sha256:", ""))) problems.push(`manifest ${digest} references missing ${blob.digest}`);
            }
        }
        return problems;
    }

    before(async function () {
        tools = requireTools(this, "integration tools", findTools(), installHint);
        stack = new LocalRegistryStack(tools, { readerIdentity: true });
        await stack.start();
        target = new MinioServer(tools.minio, path.join(stack.dir, "target-data"), {
            user: "targetroot",
            password: crypto.randomBytes(16).toString("hex"),
        });
        await target.start();
        targetMc = new Mc(tools.mc, path.join(stack.dir, "target-mc"));
        targetMc.alias("root", target.endpoint, target.root.user, target.root.password);
        await targetMc.mustRun("mb", `root/${targetBucket}`);
        auth = stack.skopeo.authFile("service", stack.registry.host, stack.serviceAccount);
        api = new RegistryApi(stack.registry.url, stack.serviceAccount);
        const base = randomLayer(200 * KiB);
        await push("a", "acme/web", [base, 100 * KiB]);
        await push("b", "acme/api", [base, 300 * KiB]);
        const signed = await push("signed", "acme/signed", [120 * KiB]);
        accessories.push(await signImage(api, stack.registry.host, "acme/signed", signed.manifestDigest, signingKey.privateKey));
        const spdx = Buffer.from(JSON.stringify({ spdxVersion: "SPDX-2.3", name: "signed", packages: [] }));
        const size = (await api.manifest("acme/signed", "signed")).size;
        const subject = { mediaType: manifestTypes.ociManifest, digest: signed.manifestDigest, size };
        const sbom = await pushArtifact(
            api,
            "acme/signed",
            "signed-sbom",
            { mediaType: "application/spdx+json", content: spdx },
            { subject },
        );
        accessories.push({ tag: "signed-sbom", body: sbom.body });
    });

    after(async () => {
        await target?.stop();
        await stack?.stop();
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed" && stack) console.error(stack.logs());
    });

    it("copies every object the first time, reading with an identity that cannot write", async () => {
        const sourceKeys = await keys(stack.mc, `root/${stack.bucket}`);
        const first = await copy("backup");
        assert.strictEqual(first.code, 0, first.stderr);
        assert.strictEqual(copiedCount(first.stdout), sourceKeys.length);
        assert.match(first.stdout, /^backup: repositories: copied \d+ object\(s\)\nbackup: blobs: copied/m, "links before blobs");
        assert.deepStrictEqual((await keys(targetMc, `root/${targetPath}`)).sort(), sourceKeys.sort());
        stack.mc.alias("backup", stack.minio.endpoint, stack.readerS3.accessKey, stack.readerS3.secretKey);
        fs.writeFileSync(path.join(stack.dir, "intruder"), "x");
        const write = await stack.mc.run("cp", path.join(stack.dir, "intruder"), `backup/${stack.bucket}/intruder`);
        assert.notStrictEqual(write.code, 0, "the backup identity wrote to the registry's bucket");
        assert.match(write.output, /Insufficient permissions|Access Denied/i);
        console.log(`      ${first.stdout.trim().split("\n").at(-1)}`);
    });

    it("takes a second copy during pushes that restores whole, then copies only what is new", async () => {
        const before = new Set(await keys(stack.mc, `root/${stack.bucket}`));
        const during = copy("backup");
        await push("c", "acme/web", [randomLayer(150 * KiB), 250 * KiB]);
        const second = await during;
        assert.strictEqual(second.code, 0, second.stderr);
        assert.deepStrictEqual(await inconsistencies(), [], "the copy taken during the push");
        const third = await copy("backup");
        assert.strictEqual(third.code, 0, third.stderr);
        const added = (await keys(stack.mc, `root/${stack.bucket}`)).filter((key) => !before.has(key));
        assert.strictEqual(copiedCount(second.stdout) + copiedCount(third.stdout), added.length, "each new object copied once");
        const fourth = await copy("backup");
        assert.strictEqual(copiedCount(fourth.stdout), 0, "nothing new: nothing copied");
        console.log(
            `      during the push: ${copiedCount(second.stdout)}, after it: ${copiedCount(third.stdout)}, of ${added.length} new objects`,
        );
    });

    it("keeps every manifest's blobs in copies taken while pushes race them, as the links-first order guarantees", async () => {
        for (let round = 0; round < 6; round++) {
            const during = copy("backup");
            await push(`race-${round}`, `acme/race-${round % 2}`, [randomLayer(64 * KiB), randomLayer(96 * KiB)]);
            assert.strictEqual((await during).code, 0);
            assert.deepStrictEqual(await inconsistencies(), [], `round ${round}`);
        }
    });

    it("would not with blobs copied first: a push between the passes leaves links without blobs (why the order)", async () => {
        const wrong = `root/${targetBucket}/wrong-order`;
        targetMc.alias("src", stack.minio.endpoint, stack.readerS3.accessKey, stack.readerS3.secretKey);
        const mirror = (part: string) =>
            targetMc.mustRun("mirror", "--overwrite", `src/${stack.bucket}/${registryRoot}/${part}/`, `${wrong}/${registryRoot}/${part}/`);
        await mirror("blobs");
        await push("between", "acme/web", [randomLayer(80 * KiB)]);
        await mirror("repositories");
        const blobs = new Set(
            (await keys(targetMc, wrong)).filter((k) => k.startsWith("blobs/")).map((k) => /([0-9a-f]{64})\/data$/.exec(k)?.[1]),
        );
        const tagLink = (
            await targetMc.mustRun("cat", `${wrong}/${registryRoot}/repositories/acme/web/_manifests/tags/between/current/link`)
        ).trim();
        assert.ok(!blobs.has(tagLink.replace("sha256:", "")), "the tag's manifest is missing from that copy");
    });

    it("restores a wiped bucket: every image pulls back byte-identical once the registry restarted", async () => {
        const backup = await copy("backup");
        assert.strictEqual(backup.code, 0, backup.stderr);
        await stack.mc.mustRun("rm", "--recursive", "--force", `root/${stack.bucket}/docker`);
        assert.deepStrictEqual(await keys(stack.mc, `root/${stack.bucket}`).catch(() => []), []);
        const started = Date.now();
        const restored = await copy("restore");
        assert.strictEqual(restored.code, 0, restored.stderr);
        assert.match(restored.stdout, /^restore: blobs: copied \d+ object\(s\)\nrestore: repositories: copied/m, "blobs before links");
        await stack.registry.stop();
        await stack.registry.start();
        for (const [name, repository] of [
            ["a", "acme/web"],
            ["b", "acme/api"],
            ["c", "acme/web"],
            ["race-5", "acme/race-1"],
        ]) {
            await assertPulls(name, repository);
        }
        console.log(`      restored ${copiedCount(restored.stdout)} objects in ${Date.now() - started} ms; every image pulls back`);
    });

    it("restores a signed image whose signature still verifies, its signature and SBOM byte-identical", async () => {
        await assertPulls("signed", "acme/signed");
        const problems = await verifySignature(stack.registry.url, stack.serviceAccount, "acme/signed", "signed", signingKey.publicKey);
        assert.deepStrictEqual(problems, [], "cosign verify --key on the restored image");
        for (const { tag, body } of accessories) {
            const restored = await api.manifest("acme/signed", tag);
            assert.strictEqual(restored.digest, sha256(Buffer.from(body)), `${tag} is byte-identical`);
            for (const layer of restored.manifest.layers ?? [])
                assert.strictEqual(await api.blobSize("acme/signed", layer.digest), layer.size, `${tag}'s payload`);
        }
    });

    it("leaves no order among the restored tags for keepLast to go by: they tie, behind every later push", async () => {
        const control = new LocalRegistryControl(stack.registry, stack.mc, stack.bucket);
        const restored = (await control.tagPushTimes()).get("acme/web")!;
        assert.ok(restored.size >= 2, `acme/web has ${restored.size} tag(s)`);
        assert.strictEqual(new Set(restored.values()).size, 1, "each restored tag counts as pushed when the restore ended");
        const removedBy = async (keepLast: number) =>
            (await planCleanup(api, await control.tagPushTimes(), { keepLast, keepDays: 0, keepTags: "" }, new Date())).removals
                .filter((removal) => removal.repository === "acme/web")
                .flatMap((removal) => removal.tags)
                .sort();
        assert.deepStrictEqual(await removedBy(1), [], "the copy's order decides nothing");
        await push("after-restore", "acme/web", [randomLayer(20 * KiB)]);
        assert.deepStrictEqual(await removedBy(1), [...restored.keys()].sort(), "a push since the restore is the last one");
        console.log(
            `      acme/web: ${restored.size} restored tags tie at ${[...restored.values()][0]}; keepLast 1 keeps them until a new push`,
        );
    });

    it("never deletes from the target unless asked to prune", async () => {
        await api.deleteManifest("acme/api", images.get("b")!.manifestDigest);
        await collectGarbage(new LocalRegistryControl(stack.registry, stack.mc, stack.bucket), api, {
            dryRun: false,
            deleteUntagged: false,
        });
        const hex = images.get("b")!.layerDigests[1].slice("sha256:".length);
        const bBlob = `${registryRoot}/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
        assert.strictEqual((await copy("backup")).code, 0);
        assert.strictEqual((await targetMc.run("stat", `root/${targetPath}/${bBlob}`)).code, 0, "kept without --prune");
        const pruned = await copy("backup", { PRUNE: "true" });
        assert.strictEqual(pruned.code, 0, pruned.stderr);
        assert.notStrictEqual((await targetMc.run("stat", `root/${targetPath}/${bBlob}`)).code, 0, "gone with --prune");
        assert.deepStrictEqual(await inconsistencies(), []);
    });

    it("fails with a clear message when the target refuses its credentials", async () => {
        const refused = await copy("backup", { TARGET_SECRET_KEY: "not-the-secret-key" });
        assert.notStrictEqual(refused.code, 0);
        assert.match(
            refused.stderr,
            new RegExp(`^backup failed: the backup target ${target.endpoint} refused backupAccessKey and backupSecretKey: `, "m"),
        );
        console.log(`      ${refused.stderr.trim().slice(0, 160)}`);
    });

    it("says it cannot reach a target that does not answer, rather than blaming the keys", async () => {
        const closed = await freePort();
        const unreachable = await copy("backup", { TARGET_ENDPOINT: `http://127.0.0.1:${closed}` });
        assert.notStrictEqual(unreachable.code, 0);
        assert.match(
            unreachable.stderr,
            new RegExp(`^backup failed: cannot reach the backup target http://127\\.0\\.0\\.1:${closed} from where`, "m"),
        );
        assert.doesNotMatch(unreachable.stderr, /refused backupAccessKey/);
    });

    it("runs the lost-volume drill: MinIO on a new, empty volume, provisioned and restored as npm run restore does", async () => {
        const backup = await copy("backup");
        assert.strictEqual(backup.code, 0, backup.stderr);
        // Every image the suite pushed, but the one it deleted and collected.
        const pushed = [...images.keys()].filter((name) => name !== "b");
        // The disk is lost: users, policies and the bucket go with MinIO's data. Then `up` starts MinIO on a new volume.
        await stack.registry.stop();
        await stack.minio.stop();
        fs.rmSync(path.join(stack.dir, "minio-data"), { recursive: true, force: true });
        await stack.minio.start();
        assert.notStrictEqual((await copy("backup")).code, 0, "the backup identity went with the volume");

        // npm run restore: the program's provisioning as it runs on Docker, here with the docker CLI's two calls
        // played by the real MinIO and mc (inspect gives MinIO's root credentials; run pipes the script to bash).
        const dockerPlayedLocally: CommandRunner = async (_command, args, stdin) => {
            if (args[0] === "inspect") {
                const env = [`MINIO_ROOT_USER=${stack.minio.root.user}`, `MINIO_ROOT_PASSWORD=${stack.minio.root.password}`];
                return { code: 0, stdout: JSON.stringify(env), stderr: "" };
            }
            const envFile = args[args.indexOf("--env-file") + 1];
            const env = Object.fromEntries(
                fs
                    .readFileSync(envFile, "utf8")
                    .split("\n")
                    .filter(Boolean)
                    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
            );
            env.MC_CONFIG_DIR = path.join(stack.dir, `mc-provision-${crypto.randomBytes(3).toString("hex")}`);
            return runCommand(
                "env",
                ["-i", `PATH=${path.dirname(tools.mc)}:/usr/bin:/bin`, ...Object.entries(env).map(([k, v]) => `${k}=${v}`), "bash", "-s"],
                stdin,
            );
        };
        await provisionDockerMinio({
            minioContainer: "orbit-minio",
            registry: { endpoint: stack.minio.endpoint, ...stack.registryS3 },
            bucket: stack.bucket,
            backup: stack.readerS3,
            mcImage: "unused",
            network: "unused",
            run: dockerPlayedLocally,
        });
        const restored = await copy("restore");
        assert.strictEqual(restored.code, 0, restored.stderr);
        await stack.registry.start();
        for (const name of pushed) await assertPulls(name, repositories.get(name)!);
        assert.strictEqual((await copy("backup")).code, 0, "the backup identity is back");
        await push("after-drill", "acme/web", [randomLayer(10 * KiB)]);
        console.log(`      ${pushed.length} images pulled back byte-identical after a lost volume; the registry pushes again`);
    });

    it("says to run up first when MinIO's container is gone, instead of a failed docker inspect", async () => {
        const noContainer: CommandRunner = async () => ({ code: 1, stdout: "", stderr: "Error: No such object: orbit-minio" });
        await assert.rejects(
            provisionDockerMinio({
                minioContainer: "orbit-minio",
                registry: { endpoint: "http://orbit-minio:9000", ...stack.registryS3 },
                bucket: stack.bucket,
                backup: stack.readerS3,
                mcImage: "unused",
                network: "unused",
                run: noContainer,
            }),
            /^Error: MinIO's container orbit-minio does not exist: run scripts\/pulumi up first/,
        );
    });

    it("loses its read-only MinIO user when backups are turned off and the provisioner runs again", async () => {
        const users = async () => (await stack.mc.mustRun("admin", "user", "list", "root", "--json")).split("\n").filter(Boolean);
        assert.ok((await users()).some((line) => line.includes(stack.readerS3.accessKey)));
        const provisioned = await stack.provision([stack.registryS3], false);
        assert.match(provisioned, /removed the retired user/);
        const left = await users();
        assert.ok(!left.some((line) => line.includes(stack.readerS3.accessKey)), "the backup user is gone");
        assert.ok(
            left.some((line) => line.includes(stack.registryS3.accessKey)),
            "the registry's user stays",
        );
    });

    it("keeps users it does not know when told to (npm run restore on Docker, where Pulumi manages them)", async () => {
        const stray = { accessKey: `stray${crypto.randomBytes(4).toString("hex")}`, secretKey: crypto.randomBytes(16).toString("hex") };
        await stack.mc.mustRun("admin", "user", "add", "root", stray.accessKey, stray.secretKey);
        await stack.mc.mustRun("admin", "policy", "attach", "root", `${stack.bucket}-registry`, "--user", stray.accessKey);
        const users = async () => (await stack.mc.mustRun("admin", "user", "list", "root", "--json")).includes(stray.accessKey);
        const provision = (extraEnv: Record<string, string>) => stack.provision([stack.registryS3], true, extraEnv);
        await provision({ KEEP_OTHER_USERS: "true" });
        assert.ok(await users(), "kept with KEEP_OTHER_USERS=true");
        await provision({});
        assert.ok(!(await users()), "removed without it, as the Kubernetes Job does");
    });
});
