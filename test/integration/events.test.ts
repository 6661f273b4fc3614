import * as assert from "assert";
import * as crypto from "crypto";
import * as path from "path";
import { RegistryApi } from "../../common/registryApi";
import { cleanUp } from "../../common/cleanup";
import { generateSigningKey, signImage } from "./harness/cosign";
import { EventReceiver } from "./harness/eventReceiver";
import { waitUntil } from "./harness/net";
import { OciImage, readBlob, writeOciImage } from "./harness/ociImage";
import { LocalRegistryControl } from "./harness/registryControl";
import { LocalRegistryStack } from "./harness/stack";
import { findTools, installHint, requireTools } from "./harness/tools";

const repository = "acme-workspace/web-app";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Longer than the registry takes to deliver an event to a receiver that is up (well under a second here). */
const quietPeriodMs = 3_000;

for (const version of [2, 3] as const) {
    describe(`Distribution ${version}: push and delete events for orbit-www`, function () {
        let stack: LocalRegistryStack;
        let auth: string;
        const receiver = new EventReceiver();
        const token = crypto.randomBytes(20).toString("hex");
        let image: OciImage;

        const push = (from: OciImage, tag: string) =>
            stack.skopeo.copy(`oci:${from.layoutDir}:${from.tag}`, `docker://${stack.registry.host}/${repository}:${tag}`, auth);
        const eventsFor = (tag: string) => receiver.events.filter((e) => e.target.tag === tag);

        before(async function () {
            const tools = requireTools(this, "integration tools", findTools(), installHint);
            await receiver.start();
            stack = new LocalRegistryStack(tools, { version, events: { url: receiver.url, token } });
            await stack.start();
            auth = stack.skopeo.authFile("service", stack.registry.host, stack.serviceAccount);
        });

        after(async () => {
            await stack?.stop();
            await receiver.stop();
        });

        afterEach(function () {
            if (this.currentTest?.state === "failed" && stack) console.error(stack.logs());
        });

        it("sends one event per push, with the repository, tag, manifest digest and the bearer token", async () => {
            image = writeOciImage(path.join(stack.dir, "v1"), "v1", [3 * 1024 * 1024, 200 * 1024]);
            const pushed = await push(image, "v1");
            assert.strictEqual(pushed.code, 0, pushed.output);
            await waitUntil("the push event", async () => eventsFor("v1").length > 0, 30_000);
            await sleep(quietPeriodMs);

            assert.strictEqual(receiver.events.length, 1, JSON.stringify(receiver.events, null, 2));
            const [request] = receiver.requests;
            assert.strictEqual(request.authorization, `Bearer ${token}`);
            // Distribution 3 names its envelope v2; the events in it have the same shape.
            assert.strictEqual(request.contentType, `application/vnd.docker.distribution.events.v${version === 2 ? 1 : 2}+json`);
            const [event] = request.events;
            assert.strictEqual(event.action, "push");
            assert.strictEqual(event.target.repository, repository);
            assert.strictEqual(event.target.tag, "v1");
            assert.strictEqual(event.target.digest, image.manifestDigest);
            console.log(`      received: ${JSON.stringify({ ...event, target: { ...event.target, references: undefined } })}`);

            // The image's size, as docs/events-and-inventory.md tells orbit-www to compute it: the references' sizes.
            const referenced = (event.target.references ?? []).map((r) => r.digest).sort();
            assert.deepStrictEqual(referenced, [image.configDigest, ...image.layerDigests].sort());
            const bytes = (event.target.references ?? []).reduce((sum, r) => sum + r.size, 0);
            const expected = [image.configDigest, ...image.layerDigests].reduce((sum, d) => sum + readBlob(image.layoutDir, d).length, 0);
            assert.strictEqual(bytes, expected);
        });

        it("sends none for a pull", async () => {
            const into = path.join(stack.dir, "pulled");
            const pulled = await stack.skopeo.copy(`docker://${stack.registry.host}/${repository}:v1`, `oci:${into}:v1`, auth);
            assert.strictEqual(pulled.code, 0, pulled.output);
            await sleep(quietPeriodMs);
            assert.strictEqual(receiver.events.length, 1, JSON.stringify(receiver.events.slice(1), null, 2));
        });

        it("lets a push succeed while orbit-www is down, and delivers its event once it is back", async () => {
            await receiver.stop();
            const pushed = await push(image, "while-down");
            assert.strictEqual(pushed.code, 0, pushed.output);
            await sleep(quietPeriodMs);
            const downSince = Date.now();
            await receiver.start();
            await waitUntil("the event of the push made while orbit-www was down", async () => eventsFor("while-down").length > 0, 60_000);
            console.log(`      delivered ${Math.round((Date.now() - downSince) / 1000)} s after the receiver came back`);
            assert.strictEqual(eventsFor("while-down").length, 1);
            assert.strictEqual(eventsFor("while-down")[0].target.digest, image.manifestDigest);
        });

        it("sends an event when a manifest is deleted", async () => {
            const other = writeOciImage(path.join(stack.dir, "v2"), "v2", [64 * 1024]);
            assert.strictEqual((await push(other, "v2")).code, 0);
            await waitUntil("the push event of v2", async () => eventsFor("v2").length > 0, 30_000);
            await new RegistryApi(stack.registry.url, stack.serviceAccount).deleteManifest(repository, other.manifestDigest);
            const deleted = () => receiver.events.filter((e) => e.action === "delete");
            await waitUntil("the delete event", async () => deleted().some((e) => e.target.digest), 30_000);
            await new Promise((resolve) => setTimeout(resolve, 2000)); // any tag delete sent with it
            const manifestDeletes = deleted().filter((e) => e.target.digest);
            assert.deepStrictEqual(
                manifestDeletes.map((e) => [e.target.repository, e.target.digest]),
                [[repository, other.manifestDigest]],
            );
            // As docs/events-and-inventory.md says: both versions also send the removed tag, by name, without a digest.
            const tagDeletes = deleted().filter((e) => !e.target.digest);
            assert.deepStrictEqual(
                tagDeletes.map((e) => [e.target.repository, e.target.tag]),
                [[repository, "v2"]],
            );
        });

        it("sends a delete event for each signature the cleanup removes with its image", async () => {
            const signedRepository = "acme-workspace/signed";
            const api = new RegistryApi(stack.registry.url, stack.serviceAccount);
            const key = generateSigningKey().privateKey;
            const pushSigned = async (tag: string) => {
                const built = writeOciImage(path.join(stack.dir, `signed-${tag}`), tag, [16 * 1024]);
                await stack.pushImage(built, signedRepository, tag, auth);
                return {
                    image: built.manifestDigest,
                    signature: (await signImage(api, stack.registry.host, signedRepository, built.manifestDigest, key)).digest,
                };
            };
            const old = await pushSigned("old");
            const kept = await pushSigned("new");
            await sleep(quietPeriodMs);
            const control = new LocalRegistryControl(stack.registry, stack.mc, stack.bucket);
            await cleanUp(api, await control.tagPushTimes(), { keepLast: 1, keepDays: 0, keepTags: "" }, { dryRun: false });
            const deletedDigests = () =>
                receiver.events
                    .filter((e) => e.action === "delete" && e.target.repository === signedRepository && e.target.digest)
                    .map((e) => e.target.digest);
            await waitUntil("the delete events", async () => deletedDigests().length >= 2, 30_000);
            await sleep(quietPeriodMs);
            assert.deepStrictEqual(deletedDigests().sort(), [old.image, old.signature].sort());
            assert.ok(!deletedDigests().includes(kept.signature));
        });
    });
}
