import * as assert from "assert";
import * as path from "path";
import { distributionVersions } from "../../common/distributionVersion";
import { Crane } from "./harness/crane";
import { readBlob, readManifest, writeOciImage } from "./harness/ociImage";
import { LocalRegistryStack } from "./harness/stack";
import { findTools, installHint, requireTools, Tools } from "./harness/tools";

const repository = "acme-workspace/redirected";

/**
 * minioPublicEndpoint on real binaries: the registry reaches MinIO by the name clients use
 * (here localhost, for MinIO on 127.0.0.1), so its blob GETs answer with presigned URLs on that name.
 */
for (const version of distributionVersions) {
    describe(`Distribution ${version}: pulls redirected to MinIO's public name`, function () {
        let tools: Tools;
        let stack: LocalRegistryStack;
        let authorization: string;

        before(async function () {
            tools = requireTools(this, "integration tools", findTools(), installHint);
            stack = new LocalRegistryStack(tools, { version, storageRedirects: true, minioHostName: "localhost" });
            await stack.start();
            const { user, password } = stack.serviceAccount;
            authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
        });

        after(async () => {
            await stack?.stop();
        });

        const get = (urlPath: string, accept = "*/*") =>
            fetch(`${stack.registry.url}${urlPath}`, { headers: { authorization, accept }, redirect: "manual" });

        it("answers a blob GET with a presigned URL on the public name, which serves the exact bytes without credentials", async () => {
            const image = writeOciImage(path.join(stack.dir, "image"), "v1", [512 * 1024]);
            const crane = new Crane(tools.crane, path.join(stack.dir, "crane"), stack.registry.host, stack.serviceAccount);
            const pushed = await crane.push(image.layoutDir, `${stack.registry.host}/${repository}:v1`);
            assert.strictEqual(pushed.code, 0, pushed.output);

            const [layer] = image.layerDigests;
            const response = await get(`/v2/${repository}/blobs/${layer}`);
            assert.strictEqual(response.status, 307);
            const location = new URL(response.headers.get("location")!);
            assert.strictEqual(location.origin, stack.registryMinioEndpoint);
            assert.ok(location.searchParams.get("X-Amz-Signature"), location.href);

            const fromMinio = await fetch(location);
            assert.strictEqual(fromMinio.status, 200);
            assert.ok(Buffer.from(await fromMinio.arrayBuffer()).equals(readBlob(image.layoutDir, layer)), "MinIO served other bytes");

            // What a registry signing for its internal name and a rewritten host would hand out: MinIO refuses it.
            const otherName = new URL(location);
            otherName.hostname = "127.0.0.1";
            const refused = await fetch(otherName);
            assert.strictEqual(refused.status, 403);
            assert.match(await refused.text(), /SignatureDoesNotMatch/);
        });

        it("still serves manifests itself", async () => {
            const response = await get(`/v2/${repository}/manifests/v1`, "application/vnd.oci.image.manifest.v1+json");
            assert.strictEqual(response.status, 200);
        });

        it("lets crane and skopeo pull images byte-identical through the redirects", async () => {
            const image = writeOciImage(path.join(stack.dir, "image2"), "v2", [300 * 1024, 200 * 1024]);
            const auth = stack.skopeo.authFile("service", stack.registry.host, stack.serviceAccount);
            const reference = `${stack.registry.host}/${repository}:v2`;
            const pushed = await stack.skopeo.copy(`oci:${image.layoutDir}:v2`, `docker://${reference}`, auth);
            assert.strictEqual(pushed.code, 0, pushed.output);

            const crane = new Crane(tools.crane, path.join(stack.dir, "crane"), stack.registry.host, stack.serviceAccount);
            const craneDir = path.join(stack.dir, "pulled-crane");
            const byCrane = await crane.pull(reference, craneDir);
            assert.strictEqual(byCrane.code, 0, byCrane.output);
            const skopeoDir = path.join(stack.dir, "pulled-skopeo");
            const bySkopeo = await stack.skopeo.copy(`docker://${reference}`, `oci:${skopeoDir}:v2`, auth);
            assert.strictEqual(bySkopeo.code, 0, bySkopeo.output);

            for (const layer of image.layerDigests) {
                const original = readBlob(image.layoutDir, layer);
                assert.ok(readBlob(craneDir, layer).equals(original), `crane's ${layer}`);
                assert.ok(readBlob(skopeoDir, layer).equals(original), `skopeo's ${layer}`);
            }
            assert.deepStrictEqual(
                readManifest(skopeoDir, "v2").layers.map((l) => l.digest),
                image.layerDigests,
            );
        });
    });
}
