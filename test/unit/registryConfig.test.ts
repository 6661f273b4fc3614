import * as assert from "assert";
import { parse } from "yaml";
import {
    registryS3Defaults,
    registrySecretEnv,
    renderRegistryConfig,
    RegistryConfigOptions,
    storageHealthCheck,
} from "../../components/registryConfig";

const minioOptions: RegistryConfigOptions = {
    storage: { bucket: "orbit-registry", region: "us-east-1", regionEndpoint: "http://orbit-minio:9000" },
    distributionVersion: 2,
    foreignLayerUrls: "",
    htpasswdPath: "/etc/docker/registry/htpasswd",
    httpAddr: ":5000",
    debugAddr: "127.0.0.1:5001",
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const render = (options: RegistryConfigOptions): any => parse(renderRegistryConfig(options));

describe("renderRegistryConfig", () => {
    const config = render(minioOptions);

    it("addresses MinIO by path on Distribution 3 only, which otherwise puts the bucket in the host name", () => {
        assert.strictEqual(config.storage.s3.forcepathstyle, undefined);
        assert.strictEqual(render({ ...minioOptions, distributionVersion: 3 }).storage.s3.forcepathstyle, true);
        const awsOptions = { ...minioOptions, distributionVersion: 3 as const, storage: { bucket: "b", region: "eu-west-1" } };
        assert.strictEqual(render(awsOptions).storage.s3.forcepathstyle, undefined, "AWS S3 keeps virtual-hosted style");
    });

    it("admits non-distributable layer URLs only when foreignLayerUrls allows them", () => {
        assert.strictEqual(config.validation, undefined, "empty: Distribution refuses every manifest with layer URLs");
        const allowing = render({ ...minioOptions, foreignLayerUrls: "^https://" });
        assert.deepStrictEqual(allowing.validation, { manifests: { urls: { allow: ["^https://"] } } });
    });

    it("is Distribution's config format version 0.1", () => assert.strictEqual(config.version, 0.1));

    it("stores on the S3 driver at the internal MinIO endpoint with v4 signatures", () => {
        assert.deepStrictEqual(config.storage.s3, {
            region: "us-east-1",
            bucket: "orbit-registry",
            regionendpoint: "http://orbit-minio:9000",
            secure: false,
            v4auth: true,
            chunksize: registryS3Defaults.chunkSize,
            rootdirectory: "/",
        });
    });

    it("sets secure from the endpoint's scheme", () => {
        const tls = render({ ...minioOptions, storage: { ...minioOptions.storage, regionEndpoint: "https://minio.internal:9000" } });
        assert.strictEqual(tls.storage.s3.secure, true);
    });

    it("disables redirects while the endpoint is internal", () => assert.deepStrictEqual(config.storage.redirect, { disable: true }));

    it("redirects to MinIO only when clients reach that endpoint (minioPublicEndpoint, the bench's loopback)", () => {
        const reached = (clientsReachEndpoint: boolean) =>
            render({ ...minioOptions, storage: { ...minioOptions.storage, clientsReachEndpoint } });
        assert.deepStrictEqual(reached(true).storage.redirect, { disable: false });
        assert.deepStrictEqual(reached(false).storage.redirect, { disable: true });
    });

    it("keeps redirects on AWS S3, with no endpoint and TLS", () => {
        const aws = render({ ...minioOptions, storage: { bucket: "b-1", region: "eu-west-1" } });
        assert.strictEqual(aws.storage.s3.regionendpoint, undefined);
        assert.strictEqual(aws.storage.s3.secure, true);
        assert.deepStrictEqual(aws.storage.redirect, { disable: false });
    });

    it("enables delete, the inmemory blob descriptor cache and upload purging", () => {
        assert.deepStrictEqual(config.storage.delete, { enabled: true });
        assert.deepStrictEqual(config.storage.cache, { blobdescriptor: "inmemory" });
        assert.strictEqual(config.storage.maintenance.uploadpurging.enabled, true);
        assert.strictEqual(config.storage.maintenance.uploadpurging.dryrun, false);
        assert.match(config.storage.maintenance.uploadpurging.age, /^\d+h$/);
    });

    it("requires htpasswd authentication", () =>
        assert.deepStrictEqual(config.auth, { htpasswd: { realm: "orbit-registry", path: "/etc/docker/registry/htpasswd" } }));

    it("listens on the given address and sends nosniff", () => {
        assert.strictEqual(config.http.addr, ":5000");
        assert.deepStrictEqual(config.http.headers["X-Content-Type-Options"], ["nosniff"]);
    });

    it("puts health and metrics on the debug listener only", () => {
        assert.strictEqual(config.http.debug.addr, "127.0.0.1:5001");
        assert.strictEqual(config.http.debug.prometheus.enabled, true);
    });

    it("checks the storage driver's health, and has its first verdict before the first probe looks", () => {
        assert.deepStrictEqual(config.health.storagedriver, { enabled: true, interval: "10s", threshold: 1 });
        // Distribution reports healthy until `threshold` checks failed, the first one interval after start.
        assert.ok(storageHealthCheck.firstVerdictSeconds > storageHealthCheck.intervalSeconds * storageHealthCheck.threshold);
    });

    it("holds no secret: no keys and no http secret", () => {
        assert.strictEqual(config.storage.s3.accesskey, undefined);
        assert.strictEqual(config.storage.s3.secretkey, undefined);
        assert.strictEqual(config.http.secret, undefined);
    });
});

describe("registrySecretEnv", () => {
    it("maps the S3 keys and http secret to the variables Distribution reads", () => {
        assert.deepStrictEqual(registrySecretEnv({ s3AccessKey: "fake-ak", s3SecretKey: "fake-sk", httpSecret: "fake-hs" }), {
            REGISTRY_STORAGE_S3_ACCESSKEY: "fake-ak",
            REGISTRY_STORAGE_S3_SECRETKEY: "fake-sk",
            REGISTRY_HTTP_SECRET: "fake-hs",
        });
    });
});
