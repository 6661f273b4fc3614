import * as assert from "assert";
import { compareSync } from "bcryptjs";
import { parse } from "yaml";
import { registryBucketPolicy } from "../../common/bucketPolicy";
import { storageHealthCheck } from "../../components/registryConfig";
import { aliasesOf, DeclaredResource, dependsOnNames, fakeImageId, isSecret, plain, runProgram, StackRun } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

const T = {
    password: "random:index/randomPassword:RandomPassword",
    dockerProvider: "pulumi:providers:docker",
    minioProvider: "pulumi:providers:minio",
    network: "docker:index/network:Network",
    volume: "docker:index/volume:Volume",
    image: "docker:index/remoteImage:RemoteImage",
    container: "docker:index/container:Container",
    bucket: "minio:index/s3Bucket:S3Bucket",
    user: "minio:index/iamUser:IamUser",
    policy: "minio:index/iamPolicy:IamPolicy",
    attachment: "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment",
};

interface Upload {
    file: string;
    content: string;
    permissions?: string;
}
interface Port {
    internal: number;
    external: number;
    ip: string;
    protocol: string;
}

const passwordOf = (run: StackRun, suffix: string) => `fake-${run.one(T.password, suffix).name}`;
const envList = (container: DeclaredResource) => plain<string[]>(container.inputs.envs);
const usesProvider = (resource: DeclaredResource, provider: DeclaredResource) =>
    resource.provider?.includes(`::${provider.name}::${provider.name}-id`) ?? false;

describe("dev stack (target docker, storage minio)", () => {
    const dev = stackConfig("dev");
    let run: StackRun;
    before(async () => {
        run = await runProgram(dev, "dev");
    });

    describe("Credentials and MinioCredentials", () => {
        it("generates every credential with @pulumi/random, under the component that owns it", () => {
            const byParent = (parent: string) =>
                run
                    .all(T.password)
                    .filter((p) => p.parentName === parent)
                    .map((p) => p.name.replace(`${parent}-`, ""))
                    .sort();
            assert.deepStrictEqual(byParent("orbit-registry-credentials"), ["registry-http-secret", "registry-password"]);
            assert.deepStrictEqual(byParent("orbit-registry-minio-credentials"), [
                "registry-access-key",
                "registry-secret-key",
                "root-password",
                "root-user",
            ]);
            for (const password of run.all(T.password)) {
                assert.ok((password.inputs.length as number) >= 20, `${password.name} is too short`);
                assert.strictEqual(password.inputs.special, false, "alphanumeric, safe in env files and URLs");
            }
        });
    });

    describe("DockerTarget", () => {
        it("manages every Docker object through one explicit docker provider", () => {
            const provider = run.one(T.dockerProvider);
            const dockerResources = run.resources.filter((r) => r.type.startsWith("docker:"));
            // Network, MinIO's volume, and an image and a container each for MinIO, the registry and the token server.
            assert.strictEqual(dockerResources.length, 8);
            for (const resource of dockerResources)
                assert.ok(usesProvider(resource, provider), `${resource.name} uses ${resource.provider}`);
        });

        it("puts MinIO and the registry on one internal network", () => {
            const network = run.one(T.network);
            const networksOf = (suffix: string) =>
                (run.one(T.container, suffix).inputs.networksAdvanced as Array<{ name: string }>).map((n) => n.name);
            assert.deepStrictEqual(networksOf("minio-container"), [network.inputs.name]);
            assert.deepStrictEqual(networksOf("registry-container"), [network.inputs.name]);
        });
    });

    describe("DockerMinio", () => {
        let minio: DeclaredResource;
        before(() => {
            minio = run.one(T.container, "minio-container");
        });

        it("runs container orbit-minio from the pinned minioImage", () => {
            assert.strictEqual(minio.inputs.name, "orbit-minio");
            const image = run.one(T.image, "minio-image");
            assert.strictEqual(image.inputs.name, dev.minioImage);
            assert.strictEqual(minio.inputs.image, fakeImageId(image.name));
        });

        it("publishes the API and console on bindAddress only", () => {
            assert.deepStrictEqual(minio.inputs.ports as Port[], [
                { internal: 9000, external: 9000, ip: "127.0.0.1", protocol: "tcp" },
                { internal: 9001, external: 9001, ip: "127.0.0.1", protocol: "tcp" },
            ]);
        });

        it("gets the generated root credentials as secret env", () => {
            assert.ok(isSecret(minio.inputs.envs));
            assert.deepStrictEqual(envList(minio), [
                `MINIO_ROOT_USER=${passwordOf(run, "root-user")}`,
                `MINIO_ROOT_PASSWORD=${passwordOf(run, "root-password")}`,
            ]);
        });

        it("keeps /data on a named volume that Pulumi protects and retains", () => {
            const volume = run.one(T.volume);
            assert.deepStrictEqual(minio.inputs.volumes, [{ volumeName: volume.inputs.name, containerPath: "/data" }]);
            assert.strictEqual(volume.opts.protect, true);
            assert.strictEqual(volume.opts.retainOnDelete, true);
            assert.deepStrictEqual(minio.inputs.command, ["server", "/data", "--console-address", ":9001"]);
        });

        it("is healthchecked on /minio/health/live, restarted, and awaited until healthy", () => {
            const healthcheck = minio.inputs.healthcheck as { tests: string[]; retries: number };
            assert.strictEqual(healthcheck.tests[0], "CMD");
            assert.match(healthcheck.tests.join(" "), /\/dev\/tcp\/127\.0\.0\.1\/9000.*GET \/minio\/health\/live/);
            assert.ok(healthcheck.retries > 0);
            assert.strictEqual(minio.inputs.restart, "unless-stopped");
            assert.strictEqual(minio.inputs.wait, true);
        });

        it("is deleted before it is replaced, so the fixed name and ports never collide", () => {
            assert.strictEqual(minio.opts.deleteBeforeReplace, true);
        });
    });

    describe("MinioBucket", () => {
        it("is part of DockerMinio, aliased to where stacks made before 0.2 keep their protected bucket", () => {
            const bucket = run.one("orbit:registry:MinioBucket");
            assert.strictEqual(bucket.parentName, "orbit-registry-docker-minio");
            assert.deepStrictEqual(aliasesOf(bucket), [["orbit-registry-docker-bucket", "orbit-registry-docker"]]);
        });

        it("talks to the published MinIO port with the root credentials, after MinIO is healthy", () => {
            const provider = run.one(T.minioProvider);
            assert.strictEqual(provider.inputs.minioServer, "127.0.0.1:9000");
            assert.strictEqual(plain(provider.inputs.minioUser), passwordOf(run, "root-user"));
            assert.ok(isSecret(provider.inputs.minioUser) && isSecret(provider.inputs.minioPassword));
            assert.ok(dependsOnNames(provider).includes("orbit-registry-docker-minio-container"));
        });

        it("declares bucket, user, policy and attachment through that provider, each after MinIO", () => {
            const provider = run.one(T.minioProvider);
            for (const type of [T.bucket, T.user, T.policy, T.attachment]) {
                const resource = run.one(type);
                assert.ok(usesProvider(resource, provider), `${resource.name} uses ${resource.provider}`);
                assert.ok(dependsOnNames(resource).includes("orbit-registry-docker-minio-container"), resource.name);
            }
        });

        it("creates the protected bucket bucketName", () => {
            const bucket = run.one(T.bucket);
            assert.strictEqual(bucket.inputs.bucket, "orbit-registry");
            assert.strictEqual(bucket.inputs.forceDestroy, false);
            assert.strictEqual(bucket.opts.protect, true);
        });

        it("gives the registry its own MinIO user with the generated S3 keys, as secrets", () => {
            const user = run.one(T.user);
            assert.ok(isSecret(user.inputs.name) && isSecret(user.inputs.secret));
            assert.strictEqual(plain(user.inputs.name), passwordOf(run, "registry-access-key"));
            assert.notStrictEqual(plain(user.inputs.name), passwordOf(run, "root-user"));
        });

        it("attaches the least-privilege bucket policy to that user", () => {
            const policy = run.one(T.policy);
            assert.deepStrictEqual(JSON.parse(policy.inputs.policy as string), registryBucketPolicy("orbit-registry"));
            const attachment = run.one(T.attachment);
            assert.strictEqual(attachment.inputs.policyName, policy.inputs.name);
            assert.strictEqual(plain(attachment.inputs.userName), passwordOf(run, "registry-access-key"));
        });
    });

    describe("DockerRegistry", () => {
        let registry: DeclaredResource;
        let uploads: Upload[];
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        let config: any;
        before(() => {
            registry = run.one(T.container, "registry-container");
            uploads = plain<Upload[]>(registry.inputs.uploads);
            config = parse(uploads.find((u) => u.file === "/etc/docker/registry/config.yml")!.content);
        });

        it("serves /etc/docker/registry/config.yml, where registry:2 reads it, without Distribution 3's settings", () => {
            assert.deepStrictEqual(registry.inputs.command, ["serve", "/etc/docker/registry/config.yml"]);
            assert.ok(!envList(registry).some((e) => e.startsWith("OTEL_")));
            assert.strictEqual(config.storage.s3.forcepathstyle, undefined);
        });

        it("runs container orbit-registry from the pinned registryImage", () => {
            assert.strictEqual(registry.inputs.name, "orbit-registry");
            const image = run.one(T.image, "registry-image");
            assert.strictEqual(image.inputs.name, "registry:2.8.3");
            assert.strictEqual(registry.inputs.image, fakeImageId(image.name));
        });

        it("publishes bindAddress:registryPort to 5000 and nothing else (no debug port)", () => {
            assert.deepStrictEqual(registry.inputs.ports as Port[], [{ internal: 5000, external: 5050, ip: "127.0.0.1", protocol: "tcp" }]);
        });

        it("uploads a config.yml that stores in the bucket on MinIO's internal endpoint, with redirects off", () => {
            assert.strictEqual(config.storage.s3.bucket, "orbit-registry");
            assert.strictEqual(config.storage.s3.regionendpoint, "http://orbit-minio:9000");
            const minioAliases = (run.one(T.container, "minio-container").inputs.networksAdvanced as Array<{ aliases: string[] }>)[0]
                .aliases;
            assert.ok(minioAliases.includes("orbit-minio"), "the endpoint's host name resolves on the shared network");
            assert.strictEqual(config.storage.redirect.disable, true);
            assert.strictEqual(config.http.addr, ":5000");
        });

        it("authenticates by the token server's tokens (workspace quotas): its realm on the host, its certificate uploaded", () => {
            assert.strictEqual(config.auth.htpasswd, undefined);
            assert.deepStrictEqual(config.auth.token, {
                realm: "http://localhost:5053/token",
                service: "orbit-registry",
                issuer: "orbit-registry-auth",
                rootcertbundle: "/etc/docker/registry/signing.crt",
            });
            const certificate = uploads.find((u) => u.file === config.auth.token.rootcertbundle);
            assert.match(certificate?.content ?? "", /BEGIN CERTIFICATE/);
        });

        it("authenticates with the uploaded htpasswd when quotas are off: the service account's bcrypt line, secret", async () => {
            const withoutQuotas = await runProgram(stackConfig("dev", { workspaceQuota: "0" }), "dev");
            const htpasswdUploads = plain<Upload[]>(withoutQuotas.one(T.container, "registry-container").inputs.uploads);
            const htpasswdConfig = parse(htpasswdUploads.find((u) => u.file.endsWith("config.yml"))!.content);
            const htpasswd = htpasswdUploads.find((u) => u.file === htpasswdConfig.auth.htpasswd.path);
            assert.ok(htpasswd, `no upload at ${htpasswdConfig.auth.htpasswd.path}`);
            const [user, hash] = htpasswd.content.trimEnd().split(":");
            assert.strictEqual(user, "orbit-service");
            assert.match(hash, /^\$2b\$05\$/, "bcrypt at the cost every registry request pays (htpasswdBcryptCost)");
            assert.ok(
                compareSync(passwordOf(withoutQuotas, "credentials-registry-password"), hash),
                "the hash is of the service account's password",
            );
            assert.ok(!withoutQuotas.resources.some((r) => r.name.includes("token")), "no token server without quotas");
        });

        it("passes S3 keys and the http secret as secret REGISTRY_* env, never in config.yml", () => {
            assert.ok(isSecret(registry.inputs.envs));
            assert.deepStrictEqual(envList(registry), [
                `REGISTRY_STORAGE_S3_ACCESSKEY=${passwordOf(run, "registry-access-key")}`,
                `REGISTRY_STORAGE_S3_SECRETKEY=${passwordOf(run, "registry-secret-key")}`,
                `REGISTRY_HTTP_SECRET=${passwordOf(run, "registry-http-secret")}`,
            ]);
            const configText = uploads.find((u) => u.file.endsWith("config.yml"))!.content;
            for (const password of run.all(T.password)) assert.ok(!configText.includes(`fake-${password.name}`), password.name);
        });

        it("is healthchecked on the unpublished debug listener's /debug/health", () => {
            const healthcheck = registry.inputs.healthcheck as { tests: string[] };
            const url = healthcheck.tests.find((t) => t.startsWith("http://"))!;
            assert.strictEqual(new URL(url).pathname, "/debug/health");
            assert.strictEqual(new URL(url).host, config.http.debug.addr);
            assert.strictEqual(registry.inputs.restart, "unless-stopped");
        });

        it("is first probed once the registry has checked its storage, so a lost bucket never looks healthy", () => {
            const healthcheck = registry.inputs.healthcheck as Record<string, unknown>;
            // Docker probes first one interval after start and marks the container healthy at once. A start
            // period would make Docker 25+ probe every 5 s during it; startInterval needs Docker 25 (API 1.44),
            // and the real Docker provider refuses it on older engines (Debian 12 ships 20.10).
            assert.strictEqual(healthcheck.interval, `${storageHealthCheck.firstVerdictSeconds}s`);
            assert.strictEqual(healthcheck.startPeriod, undefined);
            assert.strictEqual(healthcheck.startInterval, undefined);
        });

        it("starts only after the bucket, user, policy and attachment exist", () => {
            const after = dependsOnNames(registry);
            for (const type of [T.bucket, T.user, T.policy, T.attachment]) assert.ok(after.includes(run.one(type).name), type);
        });

        it("is deleted before it is replaced, so the fixed name and port never collide", () => {
            assert.strictEqual(registry.opts.deleteBeforeReplace, true);
        });
    });

    describe("outputs", () => {
        it("gives the host-facing and the internal registry address", () => {
            assert.deepStrictEqual(run.outputs.registryUrl, { value: "localhost:5050", secret: false });
            assert.deepStrictEqual(run.outputs.registryInternalUrl, { value: "orbit-registry:5000", secret: false });
        });

        it("gives build-service its env, as a secret", () => {
            assert.deepStrictEqual(run.outputs.buildServiceEnv, {
                secret: true,
                value: {
                    ORBIT_REGISTRY_URL: "orbit-registry:5000",
                    ORBIT_REGISTRY_USER: "orbit-service",
                    ORBIT_REGISTRY_PASS: passwordOf(run, "registry-password"),
                },
            });
        });

        it("gives orbit-www its env, as a secret, with the service account password as token", () => {
            assert.deepStrictEqual(run.outputs.orbitWwwEnv, {
                secret: true,
                value: { ORBIT_REGISTRY_URL: "orbit-registry:5000", ORBIT_REGISTRY_TOKEN: passwordOf(run, "registry-password") },
            });
        });

        it("gives the MinIO endpoint and the bucket name", () => {
            assert.strictEqual(run.outputs.minioEndpoint.value, "http://localhost:9000");
            assert.strictEqual(run.outputs.bucketName.value, "orbit-registry");
        });
    });

    it("leaks no credential into any plain (non-secret) input", () => {
        const credentials = run.all(T.password).map((p) => `fake-${p.name}`);
        for (const resource of run.resources) {
            for (const [key, value] of Object.entries(resource.inputs)) {
                if (isSecret(value)) continue;
                const text = JSON.stringify(value);
                for (const credential of credentials)
                    assert.ok(!text.includes(credential), `${resource.name}.${key} carries ${credential}`);
            }
        }
    });

    it("nests every resource under its component (type tokens orbit:registry:*)", () => {
        for (const resource of run.resources.filter((r) => r.name !== "orbit-registry")) {
            const parent = run.resources.find((r) => r.name === resource.parentName);
            assert.ok(parent?.type.startsWith("orbit:registry:"), `${resource.name} has parent ${resource.parentName}`);
        }
    });
});

describe("dev stack variants", () => {
    it("joins dockerNetwork too, reachable there as orbit-registry, its token realm there under authRealmHost", async () => {
        const run = await runProgram(stackConfig("dev", { dockerNetwork: "orbit_default", authRealmHost: "auth.orbit.test" }));
        const networks = run.one(T.container, "registry-container").inputs.networksAdvanced as Array<{ name: string; aliases: string[] }>;
        assert.deepStrictEqual(networks[1], { name: "orbit_default", aliases: ["orbit-registry"] });
        const minioNetworks = run.one(T.container, "minio-container").inputs.networksAdvanced as unknown[];
        assert.strictEqual(minioNetworks.length, 1, "MinIO stays off Orbit's network");
        const auth = run.one(T.container, "token-server-container").inputs;
        assert.deepStrictEqual(auth.networksAdvanced, [
            { name: "orbit-registry-internal", aliases: ["orbit-registry-auth", "auth.orbit.test"] },
            { name: "orbit_default", aliases: ["orbit-registry-auth", "auth.orbit.test"] },
        ]);
        const config = parse(plain<Upload[]>(run.one(T.container, "registry-container").inputs.uploads)[0].content);
        assert.strictEqual(config.auth.token.realm, "http://auth.orbit.test:5053/token");
    });

    it("publishes every port on a configured bindAddress and reports it in the outputs", async () => {
        const run = await runProgram(stackConfig("dev", { bindAddress: "10.0.0.5", registryPort: "5555" }));
        for (const container of run.all(T.container)) {
            for (const port of container.inputs.ports as Port[]) assert.strictEqual(port.ip, "10.0.0.5");
        }
        assert.strictEqual(run.outputs.registryUrl.value, "10.0.0.5:5555");
        assert.strictEqual(run.one(T.minioProvider).inputs.minioServer, "10.0.0.5:9000");
    });

    it("leaves data unprotected only when protectData is false", async () => {
        const run = await runProgram(stackConfig("dev", { protectData: "false" }));
        assert.strictEqual(run.one(T.volume).opts.protect, false);
        assert.strictEqual(run.one(T.bucket).opts.protect, false);
    });

    it("uses a configured minioImage and bucketName everywhere", async () => {
        const run = await runProgram(
            stackConfig("dev", { minioImage: "localhost:5000/orbit/minio:RELEASE.2025-10-15T17-29-55Z", bucketName: "images" }),
        );
        assert.strictEqual(run.one(T.image, "minio-image").inputs.name, "localhost:5000/orbit/minio:RELEASE.2025-10-15T17-29-55Z");
        assert.strictEqual(run.one(T.bucket).inputs.bucket, "images");
        assert.deepStrictEqual(JSON.parse(run.one(T.policy).inputs.policy as string), registryBucketPolicy("images"));
        const uploads = plain<Upload[]>(run.one(T.container, "registry-container").inputs.uploads);
        assert.strictEqual(parse(uploads[0].content).storage.s3.bucket, "images");
    });
});

describe("docker + s3", () => {
    let run: StackRun;
    before(async () => {
        run = await runProgram(stackConfig("dev", { storage: "s3", awsRegion: "eu-west-1" }));
    });

    it("deploys no MinIO: no container, volume, provider or MinIO credentials", () => {
        assert.deepStrictEqual(
            run.all(T.container).map((c) => c.inputs.name),
            ["orbit-registry-auth", "orbit-registry"],
        );
        assert.strictEqual(run.all(T.volume).length, 0);
        assert.strictEqual(run.all(T.minioProvider).length, 0);
        assert.strictEqual(run.all(T.password).length, 2);
    });

    it("runs the registry on AWS S3 with the IAM user's access key, after the bucket and its policies", () => {
        const registry = run.one(T.container, "registry-container");
        const uploads = plain<Upload[]>(registry.inputs.uploads);
        const config = parse(uploads.find((u) => u.file.endsWith("config.yml"))!.content);
        assert.strictEqual(config.storage.s3.region, "eu-west-1");
        assert.strictEqual(config.storage.s3.regionendpoint, undefined);
        const accessKey = run.one("aws:iam/accessKey:AccessKey");
        assert.ok(isSecret(registry.inputs.envs));
        assert.ok(envList(registry).includes(`REGISTRY_STORAGE_S3_ACCESSKEY=${accessKey.name}-id`));
        assert.ok(envList(registry).includes(`REGISTRY_STORAGE_S3_SECRETKEY=fake-${accessKey.name}-secret`));
        const after = dependsOnNames(registry);
        for (const type of [
            "aws:s3/bucket:Bucket",
            "aws:iam/userPolicy:UserPolicy",
            "aws:iam/accessKey:AccessKey",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        ]) {
            assert.ok(after.includes(run.one(type).name), type);
        }
    });
});

describe("dev stack with registry:3 (Distribution 3)", () => {
    let registry: DeclaredResource;
    let uploads: Upload[];
    before(async () => {
        const run = await runProgram(stackConfig("dev", { registryImage: "registry:3.0.0" }), "dev");
        registry = run.one(T.container, "registry-container");
        uploads = plain<Upload[]>(registry.inputs.uploads);
    });

    it("uploads config.yml and the token server's certificate under /etc/distribution and serves that config.yml", () => {
        assert.deepStrictEqual(uploads.map((u) => u.file).sort(), ["/etc/distribution/config.yml", "/etc/distribution/signing.crt"]);
        assert.deepStrictEqual(registry.inputs.command, ["serve", "/etc/distribution/config.yml"]);
        const config = parse(uploads.find((u) => u.file.endsWith("config.yml"))!.content);
        assert.strictEqual(config.auth.token.rootcertbundle, "/etc/distribution/signing.crt");
    });

    it("addresses MinIO by path and exports no traces", () => {
        const config = parse(uploads.find((u) => u.file.endsWith("config.yml"))!.content);
        assert.strictEqual(config.storage.s3.forcepathstyle, true);
        assert.ok(envList(registry).includes("OTEL_TRACES_EXPORTER=none"));
    });
});

describe("dev stack with redisCache", () => {
    it("keeps the in-memory cache on Docker: one registry container has nothing to share", async () => {
        const run = await runProgram(stackConfig("dev", { redisCache: "true", registryReplicas: "3" }), "dev");
        const uploads = plain<Upload[]>(run.one(T.container, "registry-container").inputs.uploads);
        assert.strictEqual(parse(uploads.find((u) => u.file.endsWith("config.yml"))!.content).storage.cache.blobdescriptor, "inmemory");
        assert.ok(!run.resources.some((r) => r.name.includes("redis")));
    });
});
