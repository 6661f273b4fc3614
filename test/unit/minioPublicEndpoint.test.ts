import * as assert from "assert";
import { parse } from "yaml";
import { ConfigError, parseConfig, RawConfig } from "../../components/config";
import { minioNotExposed, registryAuthAndRedirects } from "../../policy/policies";
import { K, KubeObject, named, objectsOf } from "../helpers/kubernetesObjects";
import { DeclaredResource, plain, runProgram, StackRun } from "../helpers/mockProgram";
import { policyInputsOf, violations } from "../helpers/policyHarness";
import { StackName, stackConfig } from "../helpers/stackConfig";

const container = "docker:index/container:Container";

function problemOf(stack: StackName, overrides: RawConfig): string {
    try {
        parseConfig(stackConfig(stack, overrides));
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        assert.strictEqual(error.problems.length, 1, error.problems.join("\n"));
        return error.problems[0];
    }
    assert.fail(`${JSON.stringify(overrides)} was accepted on ${stack}`);
}

describe("minioPublicEndpoint: the configuration", () => {
    const rejected = (stack: StackName, value: string, overrides: RawConfig = {}) => {
        const problem = problemOf(stack, { minioPublicEndpoint: value, ...overrides });
        assert.ok(problem.includes(`orbit-registry:minioPublicEndpoint = ${JSON.stringify(value)}`), problem);
        return problem;
    };

    it("is off by default on both stacks", () => {
        for (const stack of ["dev", "prod"] as const) {
            const config = parseConfig(stackConfig(stack));
            assert.ok(config.storage === "minio");
            assert.strictEqual(config.minio.publicEndpoint, undefined);
        }
    });

    it("takes, on docker, an http:// name on minioApiPort that the registry container can resolve to MinIO", () => {
        const config = parseConfig(stackConfig("dev", { minioPublicEndpoint: "http://minio.orbit.test:9000/" }));
        assert.ok(config.storage === "minio");
        assert.strictEqual(config.minio.publicEndpoint, "http://minio.orbit.test:9000");
        for (const value of [
            "http://localhost:9000",
            "http://127.0.0.1:9000",
            "https://minio.orbit.test:9000",
            "http://minio.orbit.test:9000/data",
        ])
            assert.match(rejected("dev", value), /an http:\/\/ URL on minioApiPort \(9000\) with a host name other than localhost/);
        assert.match(rejected("dev", "http://minio.orbit.test:9100"), /on minioApiPort \(9000\)/);
        assert.doesNotThrow(() =>
            parseConfig(stackConfig("dev", { minioPublicEndpoint: "http://minio.orbit.test:9100", minioApiPort: "9100" })),
        );
    });

    it("takes, on kubernetes, an https:// host other than the registry's, served by its Ingress", () => {
        const config = parseConfig(stackConfig("prod", { minioPublicEndpoint: "https://minio.orbit.example.com" }));
        assert.ok(config.storage === "minio");
        assert.strictEqual(config.minio.publicEndpoint, "https://minio.orbit.example.com");
        for (const value of [
            "http://minio.orbit.example.com",
            "https://minio.orbit.example.com:9000",
            "https://user:pw@minio.orbit.example.com",
        ])
            assert.match(rejected("prod", value), /an https:\/\/ URL with a host name and no port, path or credentials/);
        assert.match(
            rejected("prod", "https://registry.orbit.example.com"),
            /a host other than ingressHost \(registry.orbit.example.com\)/,
        );
    });

    it("is refused with storage s3, whose presigned URLs clients already reach", () => {
        const problem = rejected("prod", "https://minio.orbit.example.com", { storage: "s3", awsRegion: "eu-west-1" });
        assert.match(problem, /empty with storage s3: the registry already redirects pulls to AWS S3/);
    });
});

const registryConfigUpload = (registry: DeclaredResource) => {
    const uploads = plain<Array<{ file: string; content: string }>>(registry.inputs.uploads);
    return parse(uploads.find((u) => u.file.endsWith("/config.yml"))!.content);
};

describe("minioPublicEndpoint on the docker target", () => {
    let run: StackRun;
    before(async () => {
        run = await runProgram(
            stackConfig("dev", {
                minioPublicEndpoint: "http://minio.orbit.test:9100",
                minioApiPort: "9100",
                dockerNetwork: "orbit_default",
                authRealmHost: "auth.orbit.test",
            }),
            "dev",
        );
    });

    it("has the registry sign and redirect blob pulls for the public name", () => {
        const config = registryConfigUpload(run.one(container, "registry-container"));
        assert.strictEqual(config.storage.s3.regionendpoint, "http://minio.orbit.test:9100");
        assert.strictEqual(config.storage.s3.secure, false);
        assert.deepStrictEqual(config.storage.redirect, { disable: false });
    });

    it("makes MinIO answer to that name and port inside Docker, published on bindAddress only", () => {
        const minio = run.one(container, "minio-container");
        assert.deepStrictEqual(minio.inputs.command, ["server", "/data", "--address", ":9100", "--console-address", ":9001"]);
        assert.deepStrictEqual((minio.inputs.ports as Array<{ internal: number; external: number; ip: string }>)[0], {
            internal: 9100,
            external: 9100,
            ip: "127.0.0.1",
            protocol: "tcp",
        });
        assert.match((minio.inputs.healthcheck as { tests: string[] }).tests.join(" "), /\/dev\/tcp\/127\.0\.0\.1\/9100/);
        const networks = minio.inputs.networksAdvanced as Array<{ name: string; aliases: string[] }>;
        assert.deepStrictEqual(
            networks.map((n) => [n.name, n.aliases]),
            [
                ["orbit-registry-internal", ["orbit-minio", "minio.orbit.test"]],
                // Containers on Orbit's network (BuildKit) follow the redirects too.
                ["orbit_default", ["minio.orbit.test"]],
            ],
        );
    });

    it("leaves MinIO's command, port and network as they were when off (no replacement on upgrade)", async () => {
        const off = await runProgram(stackConfig("dev"), "dev");
        const minio = off.one(container, "minio-container");
        assert.deepStrictEqual(minio.inputs.command, ["server", "/data", "--console-address", ":9001"]);
        assert.deepStrictEqual(
            (minio.inputs.networksAdvanced as Array<{ aliases: string[] }>).map((n) => n.aliases),
            [["orbit-minio"]],
        );
        assert.deepStrictEqual(registryConfigUpload(off.one(container, "registry-container")).storage.redirect, { disable: true });
    });
});

describe("minioPublicEndpoint on the kubernetes target", () => {
    const raw = stackConfig("prod", { minioPublicEndpoint: "https://minio.orbit.example.com" });
    let run: StackRun;
    before(async () => {
        run = await runProgram(raw, "prod");
    });

    it("serves MinIO's API on the public host from the registry's Ingress, under its certificate", () => {
        const ingresses = objectsOf(run, K.ingress);
        assert.strictEqual(ingresses.length, 1);
        const [ingress] = ingresses;
        assert.deepStrictEqual(ingress.spec.tls, [
            { hosts: ["registry.orbit.example.com", "minio.orbit.example.com"], secretName: raw.tlsSecretName },
        ]);
        const backends = Object.fromEntries(ingress.spec.rules.map((r: KubeObject) => [r.host, r.http.paths[0].backend.service]));
        assert.deepStrictEqual(backends["minio.orbit.example.com"], { name: "orbit-minio", port: { number: 9000 } });
        assert.strictEqual(named(run, K.service, "orbit-minio").spec.ports[0].port, 9000);
    });

    it("has the registry reach MinIO at that host, so the redirects' signatures hold", () => {
        const configMap = objectsOf(run, K.configMap).find((c) => c.data?.["config.yml"])!;
        const config = parse(configMap.data["config.yml"]);
        assert.strictEqual(config.storage.s3.regionendpoint, "https://minio.orbit.example.com");
        assert.strictEqual(config.storage.s3.secure, true);
        assert.deepStrictEqual(config.storage.redirect, { disable: false });
    });

    it("admits the ingress controller to MinIO's API, and nothing else new", () => {
        const sources = named(run, K.networkPolicy, "orbit-registry-minio-ingress").spec.ingress[0].from;
        assert.deepStrictEqual(sources.at(-1), {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": raw.ingressControllerNamespace } },
        });
    });

    it("passes the policy pack only where the platform team allowed the host in minio-not-exposed's publicApiHosts", async () => {
        const inputs = policyInputsOf(run);
        assert.deepStrictEqual(await violations(registryAuthAndRedirects, inputs), []);
        assert.match((await violations(minioNotExposed, inputs)).join("\n"), /routes minio.orbit.example.com to MinIO Service orbit-minio/);
        assert.deepStrictEqual(await violations(minioNotExposed, inputs, { publicApiHosts: ["minio.orbit.example.com"] }), []);
    });
});
