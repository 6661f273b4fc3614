import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as languageHostErrors from "@pulumi/pulumi/cmd/run/error";
import { ConfigError, parseConfig, RawConfig, readRawConfig } from "../../components/config";
import { mockedResourceCount, runProgram } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

function problemsOf(overrides: RawConfig): string[] {
    try {
        parseConfig(stackConfig("dev", overrides));
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
        return error.problems;
    }
    assert.fail(`configuration ${JSON.stringify(overrides)} was accepted`);
}

/** Asserts one problem, naming the key and the bad value and saying what is allowed. */
function assertRejected(overrides: RawConfig, allowed: RegExp) {
    const problems = problemsOf(overrides);
    assert.strictEqual(problems.length, 1, problems.join("\n"));
    const [key, value] = Object.entries(overrides)[0];
    assert.ok(problems[0].includes(`orbit-registry:${key}`), problems[0]);
    assert.ok(problems[0].includes(JSON.stringify(value)), problems[0]);
    assert.match(problems[0], allowed);
}

describe("configuration", () => {
    it("accepts the dev stack with Pulumi.yaml's defaults", () => {
        const config = parseConfig(stackConfig("dev"));
        assert.ok(config.target === "docker" && config.storage === "minio");
        assert.strictEqual(config.docker.bindAddress, "127.0.0.1");
        assert.strictEqual(config.docker.registryPort, 5050);
        assert.strictEqual(config.protectData, true);
        assert.strictEqual(config.docker.dockerNetwork, undefined);
        assert.strictEqual("kubernetes" in config, false, "the Docker target gets no Kubernetes part");
    });

    it("refuses a mistyped key instead of ignoring it, naming the nearest valid one", () => {
        const problems = problemsOf({ registyPort: "5055" });
        assert.deepStrictEqual(problems, [
            "orbit-registry:registyPort is not a key this program reads; did you mean registryPort? (scripts/pulumi config rm registyPort)",
        ]);
    });

    it("reads every key of the project's namespace from the stack, so a typo reaches validation", () => {
        pulumi.runtime.setAllConfig({
            "orbit-registry:registyPort": "5055",
            "orbit-registry:registryPort": "5050",
            "aws:region": "eu-west-1",
            "other:key": "x",
        });
        assert.deepStrictEqual(readRawConfig(), { registyPort: "5055", registryPort: "5050", awsRegion: "eu-west-1" });
    });

    it("rejects an unknown target", () => assertRejected({ target: "nomad" }, /one of: docker, kubernetes/));
    it("rejects an unknown storage", () => assertRejected({ storage: "gcs" }, /one of: minio, s3/));
    it("rejects a log level Distribution does not know", () =>
        assertRejected({ registryLogLevel: "verbose" }, /one of: error, warn, info, debug/));

    for (const port of ["0", "65536", "80.5", "http", "-1"]) {
        it(`rejects registryPort ${port}`, () => assertRejected({ registryPort: port }, /integer port from 1 to 65535/));
    }
    it("rejects a non-numeric minioConsolePort", () => assertRejected({ minioConsolePort: "console" }, /1 to 65535/));

    it("rejects two services on one port, naming both keys", () => {
        const problems = problemsOf({ minioApiPort: "5050" });
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /orbit-registry:minioApiPort = "5050".*different from orbit-registry:registryPort/);
    });

    const badBuckets = [
        "ab",
        "Orbit-Registry",
        "orbit_registry",
        "-orbit",
        "orbit-",
        "orbit..registry",
        "192.168.1.1",
        "xn--orbit",
        "orbit-s3alias",
        "a".repeat(64),
    ];
    for (const bucket of badBuckets) {
        it(`rejects bucket name ${JSON.stringify(bucket)}`, () => assertRejected({ bucketName: bucket }, /S3 bucket name/));
    }
    it("accepts a bucket name with dots and digits", () => {
        assert.strictEqual(parseConfig(stackConfig("dev", { bucketName: "orbit.registry-01" })).bucketName, "orbit.registry-01");
    });

    for (const image of [
        "registry",
        "registry:latest",
        "quay.io/minio/minio",
        "quay.io/minio/minio:latest",
        "Registry:2",
        "registry:2 ",
        "registry@sha256:abc",
    ]) {
        it(`rejects unpinned or malformed image ${JSON.stringify(image)}`, () =>
            assertRejected({ registryImage: image }, /pinned to an explicit tag other than 'latest' or to a sha256 digest/));
    }
    for (const image of [
        "registry:2.8.3",
        "localhost:5000/team/minio:RELEASE.2025-10-15T17-29-55Z",
        `registry@sha256:${"a".repeat(64)}`,
        `registry:latest@sha256:${"b".repeat(64)}`,
    ]) {
        it(`accepts pinned image ${image.slice(0, 40)}`, () => {
            const config = parseConfig(stackConfig("dev", { minioImage: image }));
            assert.strictEqual(config.storage === "minio" && config.minio.minioImage, image);
        });
    }

    describe("Distribution's version", () => {
        const versionOf = (overrides: RawConfig) => parseConfig(stackConfig("dev", overrides)).distributionVersion;
        const digest = `registry@sha256:${"c".repeat(64)}`;

        it("reads it from the image tag by default", () => {
            assert.strictEqual(versionOf({}), 2, "registry:2.8.3, the default image");
            assert.strictEqual(versionOf({ registryImage: "registry:3.0.0" }), 3);
            assert.strictEqual(versionOf({ registryImage: "ghcr.io/distribution/distribution:3.1.2" }), 3);
        });
        it("takes an explicit registryVersion for an image pinned by digest alone", () => {
            assert.strictEqual(versionOf({ registryImage: digest, registryVersion: "3" }), 3);
        });
        it("refuses auto when the tag cannot tell, naming both keys", () => {
            const problems = problemsOf({ registryImage: digest });
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            assert.match(
                problems[0],
                /registryVersion = "auto" does not fit orbit-registry:registryImage = "registry@sha256:c+": .*to 2 or 3/,
            );
        });
        it("refuses a registryVersion the tag contradicts", () =>
            assert.match(problemsOf({ registryImage: "registry:2.8.3", registryVersion: "3" })[0], /tag names major version 2, not 3/));
        it("refuses a major version it does not configure", () =>
            assert.match(
                problemsOf({ registryImage: "registry:4.0.0" })[0],
                /names major version 4; the program configures Distribution 2 or 3/,
            ));
        it("rejects a registryVersion other than auto, 2, 3", () => assertRejected({ registryVersion: "2.8" }, /one of: auto, 2, 3/));
    });

    it("rejects a foreignLayerUrls that is no RE2 regular expression", () => {
        for (const pattern of ["^https://(", "^(?!http:)", "(a)\\1"])
            assertRejected({ foreignLayerUrls: pattern }, /regular expression \(RE2/);
        assert.strictEqual(parseConfig(stackConfig("dev", { foreignLayerUrls: "" })).foreignLayerUrls, "");
    });

    it("rejects a gcSchedule that is no cron schedule, and accepts the usual ones", () => {
        for (const schedule of ["0 3 * *", "every sunday", "0 3 * * 0 extra", "61x * * * *", "0 3 L * *"])
            assertRejected({ gcSchedule: schedule }, /a cron schedule of five fields/);
        for (const schedule of ["0 3 * * 0", "*/15 * * * *", "30 2 1,15 * 1-5", "@daily", "0 3 * * SUN", "0 3 ? JAN MON-FRI"]) {
            const parsed = parseConfig(stackConfig("prod", { gcSchedule: schedule }));
            assert.strictEqual(parsed.target === "kubernetes" && parsed.kubernetes.gc?.schedule, schedule);
        }
    });

    it("refuses a cron field out of its range, as the API server would only when applying the CronJob", () => {
        for (const [schedule, reason] of [
            ["61 * * * *", /'61' of minutes field is bigger than upper limit '59'/],
            ["0 25 * * *", /'25' of hours field is bigger than upper limit '23'/],
            ["0 3 0 * *", /'0' of daysOfMonth field is smaller than lower limit '1'/],
            ["0 3 * 13 *", /'13' of months field is bigger than upper limit '12'/],
            ["0 3 * * 7", /'7' of daysOfWeek field is bigger than upper limit '6'/],
        ] as const) {
            const problems = problemsOf({ target: "kubernetes", ingressHost: "registry.example.com", gcSchedule: schedule });
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            assert.match(
                problems[0],
                /^orbit-registry:gcSchedule = ".*" is not allowed; expected empty, or a cron schedule of five fields/,
            );
            assert.match(problems[0], reason);
        }
    });

    it("refuses gcSchedule on the docker target, pointing at npm run gc", () => {
        assertRejected({ gcSchedule: "0 3 * * 0" }, /empty on the docker target: run "npm run gc -- --stack <stack>"/);
    });

    it("refuses gcDeleteUntagged with Distribution 2, which strips multi-arch images of their platforms", () => {
        assertRejected({ gcDeleteUntagged: "true" }, /false with Distribution 2, whose --delete-untagged deletes the platform images/);
        assert.doesNotThrow(() => parseConfig(stackConfig("dev", { gcDeleteUntagged: "true", registryImage: "registry:3.0.0" })));
    });

    it("rejects an eventsUrl that is no http(s) URL, or carries credentials (the token is generated)", () => {
        for (const url of ["orbit-www:8080/events", "ftp://orbit-www/events", "https://user:pw@orbit-www/events"])
            assertRejected({ eventsUrl: url }, /expected empty, or an http:\/\/ or https:\/\/ URL/);
        assert.strictEqual(parseConfig(stackConfig("dev", { eventsUrl: "" })).eventsUrl, undefined);
    });

    for (const address of ["localhost", "127.0.0.300", "0.0.0.0:5050", ""]) {
        it(`rejects bindAddress ${JSON.stringify(address)}`, () => assertRejected({ bindAddress: address }, /IPv4 or IPv6 address/));
    }
    it("rejects protectData other than true/false", () => assertRejected({ protectData: "yes" }, /true or false/));
    it("rejects a registryUser with a colon", () => assertRejected({ registryUser: "orbit:service" }, /letters, digits/));
    it("rejects a dockerNetwork with spaces", () => assertRejected({ dockerNetwork: "orbit net" }, /Docker network name/));

    describe("Kubernetes and S3 keys", () => {
        const prodProblems = (overrides: RawConfig) => {
            try {
                parseConfig(stackConfig("prod", overrides));
            } catch (error) {
                return (error as ConfigError).problems;
            }
            assert.fail(`configuration ${JSON.stringify(overrides)} was accepted`);
        };

        it("accepts the prod stack", () => {
            const config = parseConfig(stackConfig("prod"));
            assert.ok(config.target === "kubernetes");
            assert.strictEqual(config.kubernetes.ingressHost, "registry.orbit.example.com");
            assert.strictEqual(config.kubernetes.registryReplicas, 2);
            assert.strictEqual("docker" in config, false, "the Kubernetes target gets no Docker part");
        });
        for (const namespace of ["Orbit", "orbit_registry", "-orbit", "a".repeat(64)]) {
            it(`rejects namespace ${JSON.stringify(namespace)}`, () => assertRejected({ namespace }, /DNS label/));
        }
        it("rejects an appNamespace that is not a DNS label", () => assertRejected({ appNamespace: "Orbit Apps" }, /DNS label/));
        for (const replicas of ["0", "-1", "1.5", "two"]) {
            it(`rejects registryReplicas ${replicas}`, () => assertRejected({ registryReplicas: replicas }, /integer of at least 1/));
        }
        for (const size of ["ten", "10 Gi", "10GB", "0", "-5Gi"]) {
            it(`rejects minioStorageSize ${JSON.stringify(size)}`, () => assertRejected({ minioStorageSize: size }, /Kubernetes quantity/));
        }
        it("accepts quantities like 500Mi, 1.5Ti and 100G", () => {
            for (const size of ["500Mi", "1.5Ti", "100G"]) {
                const config = parseConfig(stackConfig("prod", { minioStorageSize: size }));
                assert.strictEqual(config.target === "kubernetes" && config.kubernetes.minioStorageSize, size);
            }
        });
        it("rejects an ingressHost that is not a DNS name", () =>
            assertRejected({ ingressHost: "https://registry.example.com" }, /DNS name/));
        it("rejects an unpinned mcImage", () => assertRejected({ mcImage: "quay.io/minio/mc" }, /pinned/));

        it("requires ingressHost for the kubernetes target", () => {
            const problems = prodProblems({ ingressHost: "" });
            assert.deepStrictEqual(problems.length, 1);
            assert.match(problems[0], /orbit-registry:ingressHost is not set; the kubernetes target serves the registry on this host/);
        });
        it("requires aws:region for storage s3, naming the key", () => {
            const problems = prodProblems({ storage: "s3" });
            assert.match(
                problems[0],
                /^aws:region is not set; storage s3 creates the bucket in this region \(scripts\/pulumi config set aws:region/,
            );
        });
        it("rejects a malformed aws:region", () => {
            const problems = prodProblems({ storage: "s3", awsRegion: "Frankfurt" });
            assert.match(problems[0], /aws:region = "Frankfurt" is not allowed; expected an AWS region/);
        });
    });

    it("names a missing key and how to set it", () => {
        const raw = stackConfig("dev");
        delete raw.bucketName;
        assert.throws(
            () => parseConfig(raw),
            /orbit-registry:bucketName is not set; Pulumi.yaml declares its default \(scripts\/pulumi config set bucketName/,
        );
    });

    it("lists every bad key in one error", () => {
        const problems = problemsOf({ registryPort: "0", bindAddress: "lan", registryImage: "registry:latest" });
        assert.strictEqual(problems.length, 3);
    });

    it("fails as a RunError without a stack, which Pulumi prints as the plain message", () => {
        // What the Node language host does with an error the program throws (cmd/run/run.js): a
        // RunError's message alone, and every error once more through defaultErrorMessage, whose
        // util.inspect of a stack is what hangs on Node 20.20 (nodejs/node issue 64011).
        const { defaultErrorMessage } = languageHostErrors as unknown as { defaultErrorMessage: (error: unknown) => string };
        const error = (() => {
            try {
                parseConfig(stackConfig("dev", { registryPort: "0" }));
            } catch (thrown) {
                return thrown as Error;
            }
            return assert.fail("accepted");
        })();
        assert.ok(pulumi.RunError.isInstance(error));
        assert.strictEqual(error.stack, undefined);
        assert.strictEqual(defaultErrorMessage(error), error.message);
        assert.strictEqual(
            error.message,
            'Invalid orbit-registry configuration:\n  - orbit-registry:registryPort = "0" is not allowed; ' +
                "expected an integer port from 1 to 65535",
        );
    });

    it("fails before the first resource is declared", async () => {
        await assert.rejects(runProgram(stackConfig("dev", { bindAddress: "everywhere" })), ConfigError);
        assert.strictEqual(mockedResourceCount, 0);
    });
});
