import * as assert from "assert";
import * as path from "path";
import { cleanUp, cleanupTable } from "../../common/cleanup";
import { manifestTypes, RegistryApi } from "../../common/registryApi";
import { collectGarbage, untaggedByRepository } from "../../operations/garbageCollect";
import { takeInventory } from "../../common/inventory";
import { generateSigningKey, pushArtifact as pushArtifactTo, sha256, signatureTag, signImage, verifySignature } from "./harness/cosign";
import { OciImage, writeOciImage } from "./harness/ociImage";
import { LocalRegistryControl } from "./harness/registryControl";
import { LocalRegistryStack } from "./harness/stack";
import { findTools, installHint, requireTools } from "./harness/tools";

const repository = "acme-workspace/signed";

/**
 * Signatures, SBOMs and attestations on a real registry and MinIO, both Distribution versions: images
 * signed with cosign's tag scheme (its simple-signing payload, as `cosign sign` pushes it), an SBOM
 * attached as an OCI 1.1 artifact naming its image as subject, a signature of that SBOM, and an
 * orphaned signature; then the retention cleanup with keepLast 1.
 */
for (const version of [2, 3] as const) {
    describe(`Distribution ${version}: retention keeps an image's accessories exactly while it keeps the image`, function () {
        let stack: LocalRegistryStack;
        let api: RegistryApi;
        let auth: string;
        const images = new Map<string, OciImage>();
        /** Every accessory pushed: its tag and the manifest bytes the registry was given. */
        const accessories = new Map<string, { of: string; body: string }>();

        const signingKey = generateSigningKey();
        const pushArtifact = (tag: string, layer: { mediaType: string; content: Buffer }, extra: Record<string, unknown>) =>
            pushArtifactTo(api, repository, tag, layer, extra);
        /** `cosign sign`: the simple-signing payload naming `digest`, tagged sha256-<hex>.sig. */
        const sign = async (digest: string) => {
            const pushed = await signImage(api, stack.registry.host, repository, digest, signingKey.privateKey);
            accessories.set(pushed.tag, { of: digest, body: pushed.body });
            return pushed.digest;
        };
        const pushImage = async (name: string) => {
            const image = writeOciImage(path.join(stack.dir, name), name, [16 * 1024 + name.length]);
            await stack.pushImage(image, repository, name, auth);
            images.set(name, image);
            return image;
        };
        const fetched = async (tag: string) => (await api.manifestDigest(repository, tag)) !== undefined;

        before(async function () {
            const tools = requireTools(this, "integration tools", findTools(), installHint);
            stack = new LocalRegistryStack(tools, { version });
            await stack.start();
            auth = stack.skopeo.authFile("service", stack.registry.host, stack.serviceAccount);
            api = new RegistryApi(stack.registry.url, stack.serviceAccount);
            // In push order, as a CI pipeline signs each build: v1, its signature, v2, its signature and SBOM.
            const v1 = await pushImage("v1");
            await sign(v1.manifestDigest);
            const v2 = await pushImage("v2");
            await sign(v2.manifestDigest);
            const spdx = Buffer.from(JSON.stringify({ spdxVersion: "SPDX-2.3", name: "v2", packages: [] }));
            const sbom = await pushArtifact(
                "v2-sbom",
                { mediaType: "application/spdx+json", content: spdx },
                {
                    artifactType: "application/spdx+json",
                    subject: {
                        mediaType: manifestTypes.ociManifest,
                        digest: v2.manifestDigest,
                        size: (await api.manifest(repository, "v2")).size,
                    },
                },
            );
            accessories.set("v2-sbom", { of: v2.manifestDigest, body: sbom.body });
            await sign(sbom.digest);
            // A signature whose image was deleted by hand: nothing keeps it.
            const gone = await pushImage("gone");
            await sign(gone.manifestDigest);
            await api.deleteManifest(repository, gone.manifestDigest);
        });

        after(async () => stack?.stop());
        afterEach(function () {
            if (this.currentTest?.state === "failed" && stack) console.error(stack.logs());
        });

        it("keepLast 1 removes v1 and its signature, keeps v2 with its signature, SBOM and SBOM signature as pushed", async () => {
            const control = new LocalRegistryControl(stack.registry, stack.mc, stack.bucket);
            const rules = { keepLast: 1, keepDays: 0, keepTags: "" };
            const plan = await cleanUp(api, await control.tagPushTimes(), rules, { dryRun: true });
            const table = cleanupTable(plan);
            const sigOf = (name: string) => signatureTag(images.get(name)!.manifestDigest);
            // The dry run lists the signature under its image, and the orphan as such.
            assert.match(table, new RegExp(`v1 .*\\n.*└ ${sigOf("v1")} `));
            assert.match(table, new RegExp(`└ ${sigOf("gone")} \\(orphaned\\)`));
            const report = await cleanUp(api, await control.tagPushTimes(), rules, { dryRun: false });
            assert.deepStrictEqual(report.applied.flatMap((removal) => removal.tags).sort(), [sigOf("gone"), sigOf("v1"), "v1"].sort());
            assert.strictEqual(await fetched("v1"), false);
            assert.strictEqual(await fetched(sigOf("v1")), false, "the signature went with its image");
            assert.strictEqual(await fetched(sigOf("gone")), false, "the orphan went");
            assert.strictEqual(await fetched("v2"), true);
            for (const [tag, { of, body }] of accessories) {
                if (of === images.get("v1")!.manifestDigest || of === images.get("gone")!.manifestDigest) continue;
                const kept = await api.manifest(repository, tag);
                assert.strictEqual(kept.digest, sha256(Buffer.from(body)), `${tag} is byte-identical`);
            }
            // The workspace pays for its signatures: their payloads count in its usage, the shared empty config once.
            const usage = (await takeInventory(api)).workspaces.find((w) => w.workspace === "acme-workspace")!;
            const image = (await takeInventory(api)).images.find((i) => i.tag === "v2")!;
            const payloads = [...accessories.values()]
                .filter(({ of }) => of !== images.get("v1")!.manifestDigest && of !== images.get("gone")!.manifestDigest)
                .map(({ body }) => JSON.parse(body).layers[0].size as number);
            assert.strictEqual(usage.bytes, image.bytes + payloads.reduce((a, b) => a + b, 0) + "{}".length);
            console.log(`      kept v2, ${accessories.size - 2} of its accessories; removed ${report.applied.length} manifest(s)`);
        });

        it("refuses --delete-untagged where the collection would delete an untagged referrer of a kept image", async () => {
            const control = new LocalRegistryControl(stack.registry, stack.mc, stack.bucket);
            const v2 = images.get("v2")!.manifestDigest;
            // An attestation attached by digest, without a tag (oras attach, docker buildx with a referrers-aware registry).
            const statement = Buffer.from(
                JSON.stringify({ _type: "https://in-toto.io/Statement/v1", subject: [{ digest: { sha256: v2.slice(7) } }] }),
            );
            const config = Buffer.from("{}");
            await api.pushBlob(repository, config, sha256(config));
            await api.pushBlob(repository, statement, sha256(statement));
            const body = JSON.stringify({
                schemaVersion: 2,
                mediaType: manifestTypes.ociManifest,
                artifactType: "application/vnd.in-toto+json",
                config: { mediaType: "application/vnd.oci.empty.v1+json", digest: sha256(config), size: config.length },
                layers: [{ mediaType: "application/vnd.in-toto+json", digest: sha256(statement), size: statement.length }],
                subject: { mediaType: manifestTypes.ociManifest, digest: v2, size: (await api.manifest(repository, "v2")).size },
            });
            const referrer = sha256(Buffer.from(body));
            assert.strictEqual(await api.putManifest(repository, referrer, body, manifestTypes.ociManifest), referrer);
            // What this registry's own collection would do with it: delete it as untagged.
            const planned = await control.garbageCollect(["--delete-untagged", "--dry-run"]);
            assert.deepStrictEqual(
                untaggedByRepository(planned.output).filter((m) => m.digest === referrer),
                [{ repository, digest: referrer }],
                `Distribution ${version} deletes an untagged referrer with --delete-untagged:\n${planned.output.slice(0, 3000)}`,
            );
            await assert.rejects(collectGarbage(control, api, { dryRun: false, deleteUntagged: true }), (error: Error) => {
                assert.ok(error.message.startsWith("--delete-untagged refused: it would delete 1 untagged signature(s), SBOM(s) or "));
                assert.ok(error.message.endsWith(`attestation(s) of images that stay (${repository}@${referrer}); run without it`));
                return true;
            });
            // Without it the collection keeps every manifest the repository links, and every kept accessory whole.
            await collectGarbage(control, api, { dryRun: false, deleteUntagged: false });
            assert.strictEqual((await api.manifest(repository, referrer)).digest, referrer);
            assert.strictEqual((await api.manifest(repository, "v2")).digest, v2);
            for (const [tag, { of, body }] of accessories) {
                if (of === images.get("v1")!.manifestDigest || of === images.get("gone")!.manifestDigest) continue;
                assert.strictEqual((await api.manifest(repository, tag)).digest, sha256(Buffer.from(body)), `${tag} after the collection`);
                const layer = JSON.parse(body).layers[0];
                assert.strictEqual(await api.blobSize(repository, layer.digest), layer.size, `${tag}'s payload after the collection`);
            }
            assert.deepStrictEqual(
                await verifySignature(stack.registry.url, stack.serviceAccount, repository, "v2", signingKey.publicKey),
                [],
            );
        });
    });
}
