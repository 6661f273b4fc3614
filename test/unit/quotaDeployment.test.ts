import * as assert from "assert";
import { ConfigError, parseConfig, RawConfig } from "../../components/config";
import { K, KubeObject, named, objectsOf } from "../helpers/kubernetesObjects";
import { isSecret, plain, runProgram, StackRun } from "../helpers/mockProgram";
import { stackConfig, StackName } from "../helpers/stackConfig";
import { retentionRules } from "../../scripts/stackOutputs";

const GiB = 2 ** 30;

function problemsOf(stack: StackName, overrides: RawConfig): string[] {
    try {
        parseConfig(stackConfig(stack, overrides));
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
        return error.problems;
    }
    assert.fail(`configuration ${JSON.stringify(overrides)} was accepted`);
}

describe("workspace quotas: configuration", () => {
    it("defaults to 10Gi for every workspace, enforced by a token server on port 5053", () => {
        const config = parseConfig(stackConfig("dev"));
        assert.deepStrictEqual(config.quota?.policy, { defaultBytes: 10 * GiB, overrides: {} });
        assert.strictEqual(config.quota?.authPort, 5053);
    });

    it("reads workspaceQuotas' pairs over the default, and turns quotas off only when every quota is 0", () => {
        const config = parseConfig(stackConfig("dev", { workspaceQuotas: "acme=50Gi, sandbox=0,beta-team=500M" }));
        assert.deepStrictEqual(config.quota?.policy.overrides, { acme: 50 * GiB, sandbox: 0, "beta-team": 500e6 });
        assert.strictEqual(parseConfig(stackConfig("dev", { workspaceQuota: "0" })).quota, undefined);
        const onlyAcme = parseConfig(stackConfig("dev", { workspaceQuota: "0", workspaceQuotas: "acme=1Gi" }));
        assert.deepStrictEqual(onlyAcme.quota?.policy, { defaultBytes: 0, overrides: { acme: GiB } });
    });

    it("refuses sizes that are no Kubernetes quantity, naming the key, the value and what is allowed", () => {
        const [problem] = problemsOf("dev", { workspaceQuota: "10GB" });
        assert.match(problem, /^orbit-registry:workspaceQuota = "10GB" is not allowed; expected a Kubernetes quantity such as 10Gi/);
    });

    for (const [value, allowed] of [
        ["acme=lots", /comma-separated workspace=size pairs/],
        ["Acme=1Gi", /lowercase/],
        ["acme", /comma-separated workspace=size pairs/],
        ["acme=1Gi,acme=2Gi", /each workspace once; acme is listed twice/],
    ] as const) {
        it(`refuses workspaceQuotas = ${value}`, () => {
            const problems = problemsOf("dev", { workspaceQuotas: value });
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            assert.ok(problems[0].startsWith(`orbit-registry:workspaceQuotas = ${JSON.stringify(value)} is not allowed`), problems[0]);
            assert.match(problems[0], allowed);
        });
    }

    it("refuses a authPort another port has, and ignores it with quotas off", () => {
        assert.match(
            problemsOf("dev", { authPort: "5050" }).join(),
            /authPort = "5050".*a port different from orbit-registry:registryPort/,
        );
        assert.strictEqual(parseConfig(stackConfig("dev", { authPort: "5050", workspaceQuota: "0" })).quota, undefined);
    });

    it("asks for authRealmHost when apps on dockerNetwork push, and refuses it on Kubernetes", () => {
        const [missing] = problemsOf("dev", { dockerNetwork: "orbit_default" });
        assert.match(missing, /^orbit-registry:authRealmHost is not set; the apps on dockerNetwork \(orbit_default\)/);
        assert.match(missing, /or set workspaceQuota to 0/);
        assert.ok(parseConfig(stackConfig("dev", { dockerNetwork: "orbit_default", workspaceQuota: "0" })));
        assert.match(problemsOf("dev", { authRealmHost: "localhost" }).join(), /authRealmHost = "localhost" is not allowed/);
        assert.match(problemsOf("prod", { authRealmHost: "auth.example.com" }).join(), /empty on the kubernetes target/);
    });
});

describe("workspace quotas on the dev stack (Docker)", () => {
    let run: StackRun;
    let auth: Record<string, unknown>;
    let uploads: Array<{ file: string; content: string; permissions?: string }>;
    before(async () => {
        run = await runProgram(stackConfig("dev", { workspaceQuotas: "acme=50Gi" }), "dev");
        auth = run.one("docker:index/container:Container", "token-server-container").inputs;
        uploads = plain(auth.uploads);
    });

    it("runs the token server from nodeImage, published on bindAddress:authPort only", () => {
        assert.strictEqual(auth.name, "orbit-registry-auth");
        assert.strictEqual(run.one("docker:index/remoteImage:RemoteImage", "token-server-image").inputs.name, "node:24.22.3-alpine");
        assert.deepStrictEqual(auth.ports, [{ internal: 5053, external: 5053, ip: "127.0.0.1", protocol: "tcp" }]);
    });

    it("hands it the quotas and the registry to scan on the internal network", () => {
        const env = Object.fromEntries((auth.envs as string[]).map((line) => line.split(/=(.*)/s).slice(0, 2)));
        assert.strictEqual(env.QUOTA_DEFAULT_BYTES, String(10 * GiB));
        assert.deepStrictEqual(JSON.parse(env.QUOTA_OVERRIDES), { acme: 50 * GiB });
        assert.strictEqual(env.REGISTRY_URL, "http://orbit-registry:5000");
        assert.strictEqual(env.AUTH_LISTEN, ":5053");
    });

    it("uploads its script, its signing key (secret, owner-only) and the certificate the registry checks tokens with", () => {
        assert.ok(isSecret(auth.uploads));
        const file = (suffix: string) => uploads.find((u) => u.file.endsWith(suffix))!;
        assert.match(file("auth-server.js").content, /exports\.handler = /);
        assert.match(file("signing.key").content, /BEGIN EC PRIVATE KEY/);
        assert.strictEqual(file("signing.key").permissions, "0400");
        assert.strictEqual(file("accounts.json").permissions, "0400");
        const registryUploads = plain<Array<{ file: string; content: string }>>(
            run.one("docker:index/container:Container", "registry-container").inputs.uploads,
        );
        assert.strictEqual(registryUploads.find((u) => u.file.endsWith("signing.crt"))!.content, file("signing.crt").content);
        const key = run.one("tls:index/privateKey:PrivateKey");
        assert.deepStrictEqual([key.inputs.algorithm, key.inputs.ecdsaCurve], ["ECDSA", "P256"]);
    });

    it("exports the quotas and where orbit-www reads usage", () => {
        assert.deepStrictEqual(run.outputs.quotas.value, {
            defaultBytes: 10 * GiB,
            overrides: { acme: 50 * GiB },
            usageUrl: "http://orbit-registry-auth:5054/usage",
        });
    });
});

describe("workspace quotas on the prod stack (Kubernetes)", () => {
    let run: StackRun;
    before(async () => {
        run = await runProgram(stackConfig("prod", { gcSchedule: "0 3 * * 0", retentionKeepLast: "5" }), "prod");
    });

    it("keeps the signing key and the accounts in a Secret, the script and certificate in a ConfigMap", () => {
        const secret = named(run, K.secret, "orbit-registry-auth");
        assert.deepStrictEqual(Object.keys(secret.stringData).sort(), ["accounts.json", "signing.key"]);
        const files = named(run, K.configMap, "orbit-registry-auth");
        assert.deepStrictEqual(Object.keys(files.data).sort(), ["auth-server.js", "signing.crt"]);
    });

    it("serves tokens and usage from a Service the ingress controller, orbit-www and the cleanup may reach, and nothing else", () => {
        const policy = named(run, K.networkPolicy, "orbit-registry-auth-ingress").spec;
        const from = (rule: KubeObject) =>
            rule.from.map((f: KubeObject) => f.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] ?? f.podSelector.matchLabels);
        assert.deepStrictEqual(from(policy.ingress[0]), [
            "ingress-nginx",
            { "app.kubernetes.io/name": "registry-gc", "app.kubernetes.io/part-of": "orbit-registry" },
        ]);
        assert.deepStrictEqual(policy.ingress[0].ports, [{ protocol: "TCP", port: 5053 }]);
        assert.deepStrictEqual(from(policy.ingress[1]), ["orbit"]);
        assert.deepStrictEqual(policy.ingress[1].ports, [{ protocol: "TCP", port: 5054 }]);
    });

    it("has the cleanup get its tokens from the token server's Service, not through the public Ingress", () => {
        const cronJob = objectsOf(run, K.cronJob).find((c) => c.metadata.name === "orbit-registry-gc")!;
        const cleanup = cronJob.spec.jobTemplate.spec.template.spec.initContainers.find((c: KubeObject) => c.name === "cleanup");
        assert.deepStrictEqual(
            cleanup.env.find((e: KubeObject) => e.name === "REGISTRY_AUTH_REALM"),
            { name: "REGISTRY_AUTH_REALM", value: "http://orbit-registry-auth.orbit-registry.svc.cluster.local:5053/token" },
        );
    });

    it("exports the usage URL on the token server's Service", () => {
        const quotas = run.outputs.quotas.value as { usageUrl: string };
        assert.strictEqual(quotas.usageUrl, "http://orbit-registry-auth.orbit-registry.svc.cluster.local:5054/usage");
    });
});

describe("retentionToQuota in the stack's config", () => {
    it("is off by default and refused without a quota, naming the key", () => {
        assert.strictEqual(parseConfig(stackConfig("dev")).retention.toQuota, undefined);
        const problems = problemsOf("dev", { retentionToQuota: "true", workspaceQuota: "0" });
        assert.match(problems[0], /^orbit-registry:retentionToQuota = "true".*false while no workspace has a quota/);
        assert.match(problemsOf("dev", { retentionToQuota: "yes" })[0], /^orbit-registry:retentionToQuota = "yes"/);
    });

    it("carries the stack's quotas into the cleanup's rules", () => {
        const config = parseConfig(stackConfig("dev", { retentionToQuota: "true", workspaceQuota: "1Gi", workspaceQuotas: "ci=0" }));
        assert.deepStrictEqual(config.retention.toQuota, { defaultBytes: 2 ** 30, overrides: { ci: 0 } });
        // `npm run cleanup` reads them from the stack's retention output.
        assert.deepStrictEqual(retentionRules({ retention: config.retention }, []), config.retention);
    });

    it("needs gcSchedule on kubernetes, whose CronJob runs the cleanup", () => {
        const problems = problemsOf("prod", { retentionToQuota: "true", gcSchedule: "" });
        assert.ok(
            problems.some((p) => /^orbit-registry:retentionToQuota = "true".*false while gcSchedule is empty/.test(p)),
            problems.join("\n"),
        );
    });
});
