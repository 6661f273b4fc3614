import * as assert from "assert";
import { parse } from "yaml";
import { K, named, objectsOf } from "../helpers/kubernetesObjects";
import { DeclaredResource, isSecret, plain, runProgram, StackRun } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

const eventsUrl = "https://orbit-www.example.com/api/registry/events";
const password = "random:index/randomPassword:RandomPassword";

interface Endpoint {
    name: string;
    url: string;
    headers: Record<string, string[]>;
    timeout: string;
    threshold: number;
    backoff: string;
    ignoredmediatypes: string[];
    ignore: { actions: string[] };
}

const eventsTokenOf = (run: StackRun) => `fake-${run.one(password, "events-token").name}`;

function dockerRegistry(run: StackRun): { env: Record<string, string>; config: Record<string, unknown>; container: DeclaredResource } {
    const container = run.one("docker:index/container:Container", "registry-container");
    const env = Object.fromEntries(plain<string[]>(container.inputs.envs).map((line) => line.split(/=(.*)/s).slice(0, 2)));
    const uploads = plain<Array<{ file: string; content: string }>>(container.inputs.uploads);
    return { env, config: parse(uploads.find((u) => u.file.endsWith("config.yml"))!.content), container };
}

function kubernetesRegistry(run: StackRun): { env: Record<string, string>; config: Record<string, unknown> } {
    const configMap = objectsOf(run, K.configMap).find((c) => c.data?.["config.yml"]);
    return { env: named(run, K.secret, "orbit-registry-env").stringData, config: parse(configMap!.data["config.yml"]) };
}

for (const [variant, stack, registryOf] of [
    ["dev (docker)", "dev", dockerRegistry],
    ["prod (kubernetes)", "prod", kubernetesRegistry],
] as const) {
    describe(`${variant}: push and delete events for orbit-www`, () => {
        let run: StackRun;
        before(async () => {
            run = await runProgram(stackConfig(stack, { eventsUrl }), stack);
        });

        it("sends manifest pushes and deletes to eventsUrl with a bearer token from @pulumi/random", () => {
            const { env } = registryOf(run);
            const [endpoint] = parse(env.REGISTRY_NOTIFICATIONS_ENDPOINTS) as Endpoint[];
            assert.strictEqual(endpoint.url, eventsUrl);
            assert.deepStrictEqual(endpoint.headers, { Authorization: [`Bearer ${eventsTokenOf(run)}`] });
            assert.deepStrictEqual(endpoint.ignore.actions, ["pull"], "pulls send no event");
            assert.deepStrictEqual(endpoint.ignoredmediatypes, ["application/octet-stream"], "layer blobs send no event");
            assert.ok(endpoint.threshold >= 1 && /^\d+s$/.test(endpoint.timeout) && /^\d+s$/.test(endpoint.backoff));
        });

        it("includes the layers each manifest references, and keeps the endpoint out of config.yml", () => {
            const { config } = registryOf(run);
            assert.deepStrictEqual(config.notifications, { events: { includereferences: true } });
            assert.ok(!JSON.stringify(config).includes(eventsTokenOf(run)));
        });

        it("hands orbit-www the same token, secret, as ORBIT_REGISTRY_EVENTS_TOKEN", () => {
            const output = run.outputs.orbitWwwEnv;
            assert.ok(output.secret);
            assert.strictEqual((output.value as Record<string, string>).ORBIT_REGISTRY_EVENTS_TOKEN, eventsTokenOf(run));
            assert.strictEqual((run.outputs.buildServiceEnv.value as Record<string, string>).ORBIT_REGISTRY_EVENTS_TOKEN, undefined);
        });
    });
}

describe("events: secret everywhere, off by default", () => {
    it("passes the endpoint (with its token) only as secret env", async () => {
        const dev = await runProgram(stackConfig("dev", { eventsUrl }), "dev");
        assert.ok(isSecret(dockerRegistry(dev).container.inputs.envs));
        const prod = await runProgram(stackConfig("prod", { eventsUrl }), "prod");
        assert.ok(isSecret(prod.one(K.secret, "registry-env").inputs.stringData));
        const registryPod = named(prod, K.deployment, "orbit-registry").spec.template.spec;
        for (const container of registryPod.containers) {
            for (const env of container.env ?? [])
                assert.notStrictEqual(env.name, "REGISTRY_NOTIFICATIONS_ENDPOINTS", "not a plain env value");
        }
    });

    it("declares no token and no notifications with eventsUrl empty (the default)", async () => {
        const run = await runProgram(stackConfig("dev"), "dev");
        assert.strictEqual(
            run.all(password).find((p) => p.name.endsWith("events-token")),
            undefined,
        );
        const { env, config } = dockerRegistry(run);
        assert.strictEqual(env.REGISTRY_NOTIFICATIONS_ENDPOINTS, undefined);
        assert.strictEqual(config.notifications, undefined);
        assert.strictEqual((run.outputs.orbitWwwEnv.value as Record<string, string>).ORBIT_REGISTRY_EVENTS_TOKEN, undefined);
    });

    it("lets the registry reach orbit-www: no NetworkPolicy restricts egress", async () => {
        const run = await runProgram(stackConfig("prod", { eventsUrl }), "prod");
        for (const policy of objectsOf(run, K.networkPolicy)) {
            assert.ok(!(policy.spec.policyTypes ?? []).includes("Egress"), `${policy.metadata.name} restricts egress`);
        }
    });
});
