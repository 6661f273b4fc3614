import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Inventory, WorkspaceUsage } from "../../common/inventory";
import { OciImage, OciIndex, randomLayer, readBlob, writeOciImage, writeOciIndex } from "./harness/ociImage";
import { LocalRegistryStack } from "./harness/stack";
import { findTools, installHint, requireTools } from "./harness/tools";

const KiB = 1024;
const repoRoot = path.resolve(__dirname, "../..");

/** `npm run inventory` as an operator runs it, on the stack's outputs saved as JSON. */
function runInventory(outputsFile: string, ...flags: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) =>
        execFile(
            "npm",
            ["run", "--silent", "inventory", "--", "--outputs", outputsFile, ...flags],
            { cwd: repoRoot, timeout: 120_000 },
            (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        ),
    );
}

describe("npm run inventory on a real registry", function () {
    let stack: LocalRegistryStack;
    let outputsFile: string;
    const pushed: Array<{ repository: string; tag: string; image: OciImage }> = [];
    let index: OciIndex;

    const sizeOf = (layoutDir: string, digests: string[]) => digests.reduce((sum, d) => sum + readBlob(layoutDir, d).length, 0);

    before(async function () {
        const tools = requireTools(this, "integration tools", findTools(), installHint);
        stack = new LocalRegistryStack(tools);
        await stack.start();
        const auth = stack.skopeo.authFile("service", stack.registry.host, stack.serviceAccount);
        const shared = randomLayer(150 * KiB);
        for (const [repository, tag, layers] of [
            ["acme-workspace/web", "v1", [shared, 40 * KiB]],
            ["acme-workspace/worker", "v2", [shared, 60 * KiB]],
            ["beta-team/api", "main", [80 * KiB]],
        ] as const) {
            const image = writeOciImage(path.join(stack.dir, `${repository.replace("/", "-")}-${tag}`), tag, [...layers]);
            const result = await stack.skopeo.copy(
                `oci:${image.layoutDir}:${tag}`,
                `docker://${stack.registry.host}/${repository}:${tag}`,
                auth,
            );
            assert.strictEqual(result.code, 0, result.output);
            pushed.push({ repository, tag, image });
        }
        index = writeOciIndex(path.join(stack.dir, "multi"), "multi", ["amd64", "arm64"], 30 * KiB);
        const multi = await stack.skopeo.copy(`oci:${index.layoutDir}:multi`, `docker://${stack.registry.host}/beta-team/cli:1.0`, auth, {
            all: true,
        });
        assert.strictEqual(multi.code, 0, multi.output);
        outputsFile = path.join(stack.dir, "outputs.json");
        fs.writeFileSync(
            outputsFile,
            JSON.stringify({
                registryUrl: stack.registry.host,
                buildServiceEnv: {
                    ORBIT_REGISTRY_URL: stack.registry.host,
                    ORBIT_REGISTRY_USER: stack.serviceAccount.user,
                    ORBIT_REGISTRY_PASS: stack.serviceAccount.password,
                },
            }),
            { mode: 0o600 },
        );
    });

    after(async () => {
        await stack?.stop();
    });

    it("lists every repository, tag and manifest digest, with the bytes of each image's blobs", async () => {
        const result = await runInventory(outputsFile, "--json");
        assert.strictEqual(result.code, 0, result.stderr);
        const inventory = JSON.parse(result.stdout) as Inventory;
        const expected = [
            ...pushed.map(({ repository, tag, image }) => ({
                repository,
                tag,
                digest: image.manifestDigest,
                platforms: 0,
                blobs: 1 + image.layerDigests.length,
                bytes: sizeOf(image.layoutDir, [image.configDigest, ...image.layerDigests]),
            })),
            {
                repository: "beta-team/cli",
                tag: "1.0",
                digest: index.indexDigest,
                platforms: 2,
                blobs: index.blobDigests.length,
                bytes: sizeOf(index.layoutDir, index.blobDigests),
            },
        ];
        const listed = inventory.images.map(({ repository, tag, digest, platforms, blobs, bytes }) => ({
            repository,
            tag,
            digest,
            platforms,
            blobs,
            bytes,
        }));
        const key = (i: { repository: string; tag: string }) => `${i.repository}:${i.tag}`;
        assert.deepStrictEqual(
            listed.sort((a, b) => key(a).localeCompare(key(b))),
            expected.sort((a, b) => key(a).localeCompare(key(b))),
        );
        assert.strictEqual(inventory.repositories, 4);
        // The shared layer counts once across the registry.
        const shared = pushed[0].image.layerDigests[0];
        const distinct = new Map<string, number>();
        for (const { image } of pushed)
            for (const d of [image.configDigest, ...image.layerDigests]) distinct.set(d, readBlob(image.layoutDir, d).length);
        for (const d of index.blobDigests) distinct.set(d, readBlob(index.layoutDir, d).length);
        assert.ok(distinct.has(shared));
        assert.strictEqual(
            inventory.uniqueBytes,
            [...distinct.values()].reduce((a, b) => a + b, 0),
        );
    });

    it("prints a table for people, and no progress bar when stderr is not a terminal", async () => {
        const result = await runInventory(outputsFile);
        assert.strictEqual(result.code, 0, result.stderr);
        console.log(result.stdout.replace(/^/gm, "      "));
        assert.match(result.stdout, /^REPOSITORY\s+TAG\s+DIGEST\s+PLATFORMS\s+BLOBS\s+BYTES$/m);
        assert.match(result.stdout, /^4 tags in 4 repositories; \d+ bytes of distinct blobs$/m);
        assert.strictEqual(result.stderr, "");
    });

    it("gives each workspace the bytes of its distinct blobs (a layer two of its apps share counts once), and the total", async () => {
        const result = await runInventory(outputsFile, "--by", "workspace", "--json");
        assert.strictEqual(result.code, 0, result.stderr);
        const usage = JSON.parse(result.stdout) as { workspaces: WorkspaceUsage[]; totalBytes: number };
        const distinct = (blobs: Array<[string, string]>) => new Map(blobs.map(([layoutDir, d]) => [d, readBlob(layoutDir, d).length]));
        const acme = distinct(
            pushed
                .filter((p) => p.repository.startsWith("acme-workspace/"))
                .flatMap(({ image }) => [image.configDigest, ...image.layerDigests].map((d) => [image.layoutDir, d] as [string, string])),
        );
        const beta = distinct([
            ...pushed
                .filter((p) => p.repository.startsWith("beta-team/"))
                .flatMap(({ image }) => [image.configDigest, ...image.layerDigests].map((d) => [image.layoutDir, d] as [string, string])),
            ...index.blobDigests.map((d) => [index.layoutDir, d] as [string, string]),
        ]);
        const total = (blobs: Map<string, number>) => [...blobs.values()].reduce((a, b) => a + b, 0);
        assert.strictEqual(acme.size, 5, "its two apps, web and worker, share their first layer");
        assert.deepStrictEqual(usage.workspaces, [
            { workspace: "acme-workspace", repositories: 2, tags: 2, bytes: total(acme) },
            { workspace: "beta-team", repositories: 2, tags: 2, bytes: total(beta) },
        ]);
        assert.strictEqual(usage.totalBytes, total(acme) + total(beta));
        const table = await runInventory(outputsFile, "--by", "workspace");
        assert.match(table.stdout, /^WORKSPACE\s+REPOSITORIES\s+TAGS\s+BYTES$/m);
        assert.match(table.stdout, new RegExp(`^acme-workspace\\s+2\\s+2\\s+${total(acme)}$`, "m"));
        console.log(table.stdout.replace(/^/gm, "      "));

        // With quotas on, the stack's quotas output puts each workspace's quota and the share used beside it.
        const withQuotas = path.join(stack.dir, "outputs-with-quotas.json");
        const quota = Math.ceil(total(acme) * 4);
        const outputs = JSON.parse(fs.readFileSync(outputsFile, "utf8"));
        outputs.quotas = { defaultBytes: quota, overrides: { "beta-team": 0 }, usageUrl: "http://unused.invalid/usage" };
        fs.writeFileSync(withQuotas, JSON.stringify(outputs), { mode: 0o600 });
        const quotaJson = await runInventory(withQuotas, "--by", "workspace", "--json");
        assert.strictEqual(quotaJson.code, 0, quotaJson.stderr);
        const [acmeUsage, betaUsage] = (
            JSON.parse(quotaJson.stdout) as { workspaces: Array<{ quotaBytes: number; percent: number | null }> }
        ).workspaces;
        assert.deepStrictEqual([acmeUsage.quotaBytes, acmeUsage.percent], [quota, Math.round((total(acme) / quota) * 1000) / 10]);
        assert.deepStrictEqual([betaUsage.quotaBytes, betaUsage.percent], [0, null]);
        const quotaTable = await runInventory(withQuotas, "--by", "workspace");
        assert.match(quotaTable.stdout, /^WORKSPACE\s+REPOSITORIES\s+TAGS\s+BYTES\s+QUOTA\s+USED$/m);
        assert.match(quotaTable.stdout, /^acme-workspace\s+2\s+2\s+\d+\s+[\d.]+ [KM]iB\s+2[45]\.\d%$/m);
        assert.match(quotaTable.stdout, /^beta-team\s+2\s+2\s+\d+\s+none\s+-$/m);
    });

    it("says what is wrong when the credentials are refused", async () => {
        const bad = path.join(stack.dir, "bad-outputs.json");
        const outputs = JSON.parse(fs.readFileSync(outputsFile, "utf8"));
        outputs.buildServiceEnv.ORBIT_REGISTRY_PASS = "not-the-password";
        fs.writeFileSync(bad, JSON.stringify(outputs));
        const result = await runInventory(bad);
        assert.notStrictEqual(result.code, 0);
        assert.match(result.stderr, /inventory: http:\/\/127\.0\.0\.1:\d+ refused the service account's credentials \(401\)/);
    });
});
