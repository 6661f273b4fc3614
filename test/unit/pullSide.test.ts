import * as assert from "assert";
import { parse } from "yaml";
import { ConfigKey, parseConfig, RawConfig } from "../../components/config";
import { DockerRegistryControl } from "../../operations/dockerRegistryControl";
import { K, KubeObject, named, objectsOf } from "../helpers/kubernetesObjects";
import { validateKubernetesObject } from "../helpers/kubernetesSchema";
import { credentialKeys, isSecret, plain, runProgram, StackRun } from "../helpers/mockProgram";
import { configProblems } from "../helpers/configProblems";
import { stackConfig, StackName } from "../helpers/stackConfig";

const upstream = "https://registry-1.docker.io";
const secretKeys: ConfigKey[] = [...credentialKeys, "mirrorPassword"];

const problemsOf = (stack: StackName, overrides: RawConfig, secrets: ConfigKey[] = secretKeys) => configProblems(stack, overrides, secrets);

describe("pull side configuration", () => {
    it("is off by default", () => {
        const config = parseConfig(stackConfig("dev"));
        assert.deepStrictEqual([config.pull, config.mirror], [undefined, undefined]);
    });

    it("needs pullHost on Kubernetes, other than ingressHost, and a pull user other than the push user", () => {
        assert.match(problemsOf("prod", { pullEndpoint: "true" })[0], /^orbit-registry:pullHost is not set; the kubernetes target serves/);
        assert.match(
            problemsOf("prod", { pullEndpoint: "true", pullHost: "registry.orbit.example.com" })[0],
            /pullHost = "registry.orbit.example.com" is not allowed; expected a host other than ingressHost/,
        );
        assert.match(
            problemsOf("dev", { pullEndpoint: "true", pullUser: "orbit-service" })[0],
            /pullUser = "orbit-service" .*other than registryUser/,
        );
        assert.match(
            problemsOf("dev", { pullEndpoint: "true", pullPort: "5050" })[0],
            /pullPort = "5050" .*different from orbit-registry:registryPort/,
        );
        assert.match(problemsOf("dev", { pullHost: "pull.example.com" })[0], /pullHost .* empty while pullEndpoint is false/);
        assert.match(
            problemsOf("prod", { pullEndpoint: "true", pullHost: "pull.example.com", pullSecretNamespaces: "orbit-jobs,Bad_Name" })[0],
            /pullSecretNamespaces = "orbit-jobs,Bad_Name" .*comma-separated DNS labels/,
        );
        assert.deepStrictEqual(
            problemsOf("prod", { pullEndpoint: "true", pullHost: "pull.example.com", pullSecretNamespaces: "a, b" }),
            [],
        );
    });

    it("refuses a mirror upstream with a path or credentials, a password in plain text, one without the other, and S3 storage", () => {
        assert.match(
            problemsOf("dev", { mirrorUpstream: "https://u:p@registry-1.docker.io" })[0],
            /mirrorUpstream .* the https:\/\/ origin of a registry/,
        );
        assert.match(problemsOf("dev", { mirrorUpstream: "https://registry-1.docker.io/library" })[0], /mirrorUpstream = /);
        assert.match(
            problemsOf("dev", { mirrorUpstream: upstream, mirrorUsername: "orbit", mirrorPassword: "fake-token" }, credentialKeys)[0],
            /^orbit-registry:mirrorPassword is set in plain text; set it as a secret/,
        );
        assert.match(
            problemsOf("dev", { mirrorUpstream: upstream, mirrorUsername: "orbit" })[0],
            /^orbit-registry:mirrorPassword is not set/,
        );
        assert.match(
            problemsOf("dev", { mirrorUpstream: upstream, storage: "s3", awsRegion: "eu-west-1" })[0],
            /mirrorUpstream .* empty with storage s3/,
        );
        assert.match(problemsOf("dev", { mirrorUpstream: upstream, mirrorPort: "9000" })[0], /mirrorPort = "9000" .*different from/);
    });

    it("takes a cache expiry only where Distribution reads it (3), and a bucket name that leaves room for the mirror's", () => {
        assert.match(problemsOf("dev", { mirrorUpstream: upstream, mirrorTtl: "24h" })[0], /mirrorTtl = "24h" .*168h with Distribution 2/);
        assert.deepStrictEqual(problemsOf("dev", { mirrorUpstream: upstream, mirrorTtl: "24h", registryImage: "registry:3.0.0" }), []);
        assert.match(
            problemsOf("dev", { mirrorUpstream: upstream, mirrorTtl: "a week" })[0],
            /mirrorTtl = "a week" .*a duration such as 168h/,
        );
        assert.match(problemsOf("dev", { mirrorUpstream: upstream, bucketName: "b".repeat(60) })[0], /bucketName .*the mirror's bucket/);
    });
});

const registryConfig = (run: StackRun, container: string) => {
    const uploads = plain<Array<{ file: string; content: string }>>(
        run.one("docker:index/container:Container", `${container}-container`).inputs.uploads,
    );
    return { config: parse(uploads.find((u) => u.file.endsWith("config.yml"))!.content), uploads };
};
const containerEnv = (run: StackRun, container: string) =>
    Object.fromEntries(
        plain<string[]>(run.one("docker:index/container:Container", `${container}-container`).inputs.envs).map((line) => [
            line.slice(0, line.indexOf("=")),
            line.slice(line.indexOf("=") + 1),
        ]),
    );

describe("dev with the pull endpoint and the mirror", () => {
    let run: StackRun;
    before(async () => {
        run = await runProgram(
            stackConfig("dev", {
                pullEndpoint: "true",
                mirrorUpstream: upstream,
                mirrorUsername: "orbit",
                mirrorPassword: "fake-hub-token",
            }),
            "dev",
            undefined,
            secretKeys,
        );
    });

    it("runs the pull endpoint read-only on the registry's bucket, with the read-only identity and only pull accounts", () => {
        const { config, uploads } = registryConfig(run, "docker-pull");
        assert.strictEqual(config.storage.maintenance.readonly.enabled, true);
        assert.strictEqual(config.storage.s3.bucket, "orbit-registry");
        const env = containerEnv(run, "docker-pull");
        assert.strictEqual(env.REGISTRY_STORAGE_S3_ACCESSKEY, "fake-orbit-registry-minio-credentials-reader-access-key");
        const htpasswd = uploads.find((u) => u.file.endsWith("htpasswd"))!.content;
        assert.match(htpasswd, /^orbit-pull:\$2b\$05\$/);
        assert.ok(!htpasswd.includes("orbit-service"), "no push account");
        const container = run.one("docker:index/container:Container", "docker-pull-container");
        assert.strictEqual(container.inputs.name, "orbit-registry-pull");
        assert.deepStrictEqual(
            (container.inputs.ports as KubeObject[]).map((p) => `${p.ip}:${p.external}`),
            ["127.0.0.1:5051"],
        );
    });

    it("runs the mirror on its own bucket with its own identity, no accounts, and the upstream account as secret env", () => {
        const { config, uploads } = registryConfig(run, "docker-mirror");
        assert.deepStrictEqual(config.proxy, { remoteurl: upstream });
        assert.strictEqual(config.auth, undefined);
        assert.strictEqual(config.storage.s3.bucket, "orbit-registry-mirror");
        assert.ok(!uploads.some((u) => u.file.endsWith("htpasswd")));
        const env = containerEnv(run, "docker-mirror");
        assert.strictEqual(env.REGISTRY_STORAGE_S3_ACCESSKEY, "fake-orbit-registry-minio-credentials-mirror-access-key");
        assert.deepStrictEqual([env.REGISTRY_PROXY_USERNAME, env.REGISTRY_PROXY_PASSWORD], ["orbit", "fake-hub-token"]);
        assert.ok(isSecret(run.one("docker:index/container:Container", "docker-mirror-container").inputs.envs), "the token stays secret");
        const policy = run.one("minio:index/iamPolicy:IamPolicy", "mirror-policy");
        assert.ok(!(policy.inputs.policy as string).includes("arn:aws:s3:::orbit-registry/"), "the mirror's policy names only its bucket");
    });

    it("hands out where to pull and the pull account, and tells build-service about the mirror", () => {
        assert.strictEqual(run.outputs.pullUrl.value, "localhost:5051");
        assert.ok(run.outputs.pullEnv.secret);
        const pullEnv = run.outputs.pullEnv.value as Record<string, string>;
        assert.deepStrictEqual(Object.keys(pullEnv).sort(), [
            "ORBIT_REGISTRY_PULL_PASS",
            "ORBIT_REGISTRY_PULL_URL",
            "ORBIT_REGISTRY_PULL_USER",
        ]);
        assert.strictEqual(pullEnv.ORBIT_REGISTRY_PULL_USER, "orbit-pull");
        assert.strictEqual(run.outputs.mirrorUrl.value, "orbit-registry-mirror:5000");
        assert.strictEqual(
            (run.outputs.buildServiceEnv.value as Record<string, string>).ORBIT_REGISTRY_MIRROR,
            "orbit-registry-mirror:5000",
        );
        assert.strictEqual((run.outputs.orbitWwwEnv.value as Record<string, string>).ORBIT_REGISTRY_PULL_URL, "localhost:5051");
    });

    it("rotates the pull account with credentialsGeneration, both generations in htpasswd during the overlap", async () => {
        const rotated = await runProgram(stackConfig("dev", { pullEndpoint: "true", credentialsGeneration: "2" }), "dev");
        const htpasswd = registryConfig(rotated, "docker-pull").uploads.find((u) => u.file.endsWith("htpasswd"))!.content;
        assert.deepStrictEqual(
            htpasswd
                .split("\n")
                .filter(Boolean)
                .map((line) => line.split(":")[0]),
            ["orbit-pull", "orbit-pull-g2"],
        );
        assert.strictEqual((rotated.outputs.pullEnv.value as Record<string, string>).ORBIT_REGISTRY_PULL_USER, "orbit-pull-g2");
    });
});

describe("prod with the pull endpoint and the mirror", () => {
    const config = stackConfig("prod", {
        pullEndpoint: "true",
        pullHost: "pull.orbit.example.com",
        pullSecretNamespaces: "orbit-jobs",
        mirrorUpstream: upstream,
        registryReplicas: "1",
    });
    let run: StackRun;
    before(async () => {
        run = await runProgram(config, "prod");
    });

    it("deploys the pull endpoint (pullReplicas) behind the registry's Ingress at pullHost, and one mirror replica", () => {
        const pull = named(run, K.deployment, "orbit-registry-pull");
        assert.strictEqual(pull.spec.replicas, 2);
        assert.strictEqual(named(run, K.deployment, "orbit-registry-mirror").spec.replicas, 1);
        const ingress = objectsOf(run, K.ingress)[0];
        const rule = ingress.spec.rules.find((r: KubeObject) => r.host === "pull.orbit.example.com");
        assert.strictEqual(rule.http.paths[0].backend.service.name, "orbit-registry-pull");
        assert.ok(ingress.spec.tls[0].hosts.includes("pull.orbit.example.com"), "on the same certificate");
        assert.ok(!JSON.stringify(ingress).includes("orbit-registry-mirror"), "no route to the mirror");
        for (const object of [pull, named(run, K.deployment, "orbit-registry-mirror"), ingress]) validateKubernetesObject(object);
    });

    it("shares Redis between the push and pull endpoints, even with one push replica", () => {
        const configOf = (prefix: string) =>
            parse(
                objectsOf(run, K.configMap).find((c) => c.metadata.name.startsWith(`${prefix}-`) && c.data?.["config.yml"])!.data[
                    "config.yml"
                ],
            );
        assert.strictEqual(configOf("orbit-registry-pull").storage.cache.blobdescriptor, "redis");
        assert.strictEqual(configOf("orbit-registry-pull").storage.maintenance.readonly.enabled, true);
        assert.strictEqual(configOf("orbit-registry-mirror").storage.cache.blobdescriptor, "inmemory", "the mirror's storage is another");
        assert.ok(objectsOf(run, K.deployment).some((d) => d.metadata.name === "orbit-registry-redis"));
    });

    it("writes the pull account as a dockerconfigjson Secret in appNamespace and each listed namespace", () => {
        const secrets = run.all(K.secret).filter((s) => (s.inputs.metadata as KubeObject).name === "orbit-registry-pull");
        assert.deepStrictEqual(secrets.map((s) => (s.inputs.metadata as KubeObject).namespace).sort(), ["orbit", "orbit-jobs"]);
        for (const secret of secrets) {
            assert.strictEqual(secret.inputs.type, "kubernetes.io/dockerconfigjson");
            assert.ok(isSecret(secret.inputs.stringData));
            const auths = JSON.parse((plain(secret.inputs.stringData) as Record<string, string>)[".dockerconfigjson"]).auths;
            const entry = auths["pull.orbit.example.com"];
            assert.strictEqual(entry.username, "orbit-pull");
            assert.strictEqual(Buffer.from(entry.auth, "base64").toString(), `orbit-pull:${entry.password}`);
        }
    });

    it("admits the pull endpoint from the ingress controller, the mirror from appNamespace only, and both to MinIO", () => {
        const from = (policy: KubeObject) =>
            policy.spec.ingress[0].from.map(
                (f: KubeObject) =>
                    f.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] ?? f.podSelector.matchLabels["app.kubernetes.io/name"],
            );
        assert.deepStrictEqual(from(named(run, K.networkPolicy, "orbit-registry-registry-pull-ingress")), ["ingress-nginx", "orbit"]);
        assert.deepStrictEqual(from(named(run, K.networkPolicy, "orbit-registry-registry-mirror-ingress")), ["orbit"]);
        const minio = from(named(run, K.networkPolicy, "orbit-registry-minio-ingress"));
        assert.ok(minio.includes("registry-pull") && minio.includes("registry-mirror"), minio.join());
        assert.ok(from(named(run, K.networkPolicy, "orbit-registry-redis-ingress")).includes("registry-pull"));
    });

    it("has the provisioning Job create the mirror's bucket and user", () => {
        const env = Object.fromEntries(
            objectsOf(run, K.job)[0].spec.template.spec.containers[0].env.map((e: KubeObject) => [e.name, e.value ?? e.valueFrom]),
        );
        assert.strictEqual(env.MIRROR_BUCKET, "orbit-registry-mirror");
        assert.strictEqual(env.MIRROR_POLICY_NAME, "orbit-registry-mirror-registry");
        assert.deepStrictEqual(env.MIRROR_ACCESS_KEY, { secretKeyRef: { name: "orbit-minio-registry-user", key: "MIRROR_ACCESS_KEY" } });
        assert.strictEqual(run.outputs.mirrorUrl.value, "orbit-registry-mirror.orbit-registry.svc.cluster.local:5000");
    });
});

describe("the Docker target's restarts include the pull endpoint", () => {
    it("restarts the pull container after the registry when it exists, and waits for both to be healthy", async () => {
        const calls: string[] = [];
        const control = new DockerRegistryControl({
            container: "orbit-registry",
            pullContainer: "orbit-registry-pull",
            network: "orbit-registry-internal",
            bucket: "orbit-registry",
            mcImage: "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z",
            run: async (_command, args) => {
                calls.push(args.join(" "));
                if (args[0] === "ps") return { code: 0, stdout: "0123abcd\n", stderr: "" };
                if (args[0] === "inspect") return { code: 0, stdout: "healthy\n", stderr: "" };
                return { code: 0, stdout: "", stderr: "" };
            },
        });
        await control.restart();
        assert.deepStrictEqual(
            calls.filter((c) => c.startsWith("restart")),
            ["restart --time 30 orbit-registry", "restart --time 30 orbit-registry-pull"],
        );
    });
});
