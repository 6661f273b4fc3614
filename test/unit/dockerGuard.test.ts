import * as assert from "assert";
import { dockerNames, dockerNamesOfUrl } from "../../common/names";
import { DockerContainer, DockerGuardInputs, DockerView } from "../../components/guard/dockerRules";
import { dockerConnection } from "../../components/guard/dockerView";
import { stackGuardProblems, StackGuardInputs } from "../../components/guard/stackGuardProvider";
import { runProgram, StackRun } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

/** A Docker host as the rules read it; every read is counted. */
class FakeDockerHost implements DockerView {
    reads = 0;
    running: DockerContainer[] = [];
    networks = new Set<string>();
    volumes = new Set<string>();
    async containers() {
        this.reads++;
        return this.running;
    }
    async networkExists(name: string) {
        this.reads++;
        return this.networks.has(name);
    }
    async volumeExists(name: string) {
        this.reads++;
        return this.volumes.has(name);
    }
}

const guardType = "pulumi-nodejs:dynamic/orbit-registry:StackGuard";
const guardOf = (run: StackRun) => run.one(guardType).inputs as unknown as StackGuardInputs;

/** The first dev stack on a host: its containers, network, volume and ports, as `up` left them. */
function firstStackOn(host: FakeDockerHost, suffix = "") {
    const named = dockerNames(suffix);
    host.running.push(
        { name: named.minio, ports: [9000, 9001].map((port) => ({ address: "127.0.0.1", port })) },
        { name: named.registry, ports: [{ address: "127.0.0.1", port: 5050 }] },
    );
    host.networks.add(named.internalNetwork);
    host.volumes.add(named.minioData);
}

describe("the stack's guard on the Docker target (its rules, on a fake Docker host)", () => {
    let host: FakeDockerHost;
    let dev: StackGuardInputs;
    const problems = (olds: Partial<StackGuardInputs>, news: StackGuardInputs) =>
        stackGuardProblems(
            olds,
            news,
            () => assert.fail("the Docker target reads no cluster"),
            () => host,
        );

    before(async () => {
        dev = guardOf(await runProgram(stackConfig("dev"), "dev"));
    });
    beforeEach(() => {
        host = new FakeDockerHost();
    });

    it("is handed the dev stack's names, ports and host by the program", async () => {
        assert.deepStrictEqual(dev.docker, {
            suffix: "",
            containers: ["orbit-minio", "orbit-registry", "orbit-registry-auth"],
            network: "orbit-registry-internal",
            volume: "orbit-minio-data",
            ports: [
                { key: "registryPort", address: "127.0.0.1", port: 5050 },
                { key: "minioApiPort", address: "127.0.0.1", port: 9000 },
                { key: "minioConsolePort", address: "127.0.0.1", port: 9001 },
                { key: "authPort", address: "127.0.0.1", port: 5053 },
            ],
            adoptData: false,
        } satisfies DockerGuardInputs);
        const staging = guardOf(
            await runProgram(
                stackConfig("dev", { dockerNameSuffix: "staging", pullEndpoint: "true", dockerHost: "ssh://ops@build-host" }),
                "dev",
            ),
        );
        assert.deepStrictEqual(staging.docker!.containers, [
            "orbit-minio-staging",
            "orbit-registry-staging",
            "orbit-registry-pull-staging",
            "orbit-registry-auth-staging",
        ]);
        assert.strictEqual(staging.docker!.host, "ssh://ops@build-host");
    });

    describe("a second stack on one Docker host", () => {
        it("refuses, at preview, a new stack whose containers and network the host has already, naming the way out", async () => {
            firstStackOn(host);
            const found = await problems({}, dev);
            // The ports those containers publish and the volume MinIO runs on are theirs: the names say who holds them.
            assert.strictEqual(found.length, 3, found.join("\n"));
            assert.strictEqual(
                found[0],
                'orbit-registry:dockerNameSuffix = "": the Docker host already has the container orbit-minio, which this stack did not ' +
                    "create (another stack, or another clone of this project); give this stack names and ports of its own " +
                    "(scripts/pulumi config set dockerNameSuffix staging, and registryPort, minioApiPort, minioConsolePort), or " +
                    'remove it; see docs/operations.md, "Two stacks on one Docker host"',
            );
            assert.match(found[1], /already has the container orbit-registry,/);
            assert.match(found[2], /already has the network orbit-registry-internal/);
        });

        it("refuses a port another container publishes on every address", async () => {
            host.running.push({ name: "someone-elses-registry", ports: [{ address: "0.0.0.0", port: 5050 }] });
            assert.deepStrictEqual(await problems({}, dev), [
                "orbit-registry:registryPort = 5050: the container someone-elses-registry publishes that port on 127.0.0.1 " +
                    "already; choose a free port (scripts/pulumi config set registryPort …); " +
                    'see docs/operations.md, "Two stacks on one Docker host"',
            ]);
        });

        it("deploys beside the first with its own suffix and ports", async () => {
            firstStackOn(host);
            const staging = guardOf(
                await runProgram(
                    stackConfig("dev", {
                        dockerNameSuffix: "staging",
                        registryPort: "5150",
                        minioApiPort: "9100",
                        minioConsolePort: "9101",
                    }),
                    "staging",
                ),
            );
            assert.deepStrictEqual(await problems({}, staging), []);
        });

        it("takes what carries its names for its own once it was deployed (stacks from before the check too)", async () => {
            firstStackOn(host);
            assert.deepStrictEqual(await problems({ storageLayout: "minio:1x1" }, dev), []);
            assert.deepStrictEqual(await problems({ ...dev }, dev), []);
            assert.strictEqual(host.reads, 1, "an upgrading stack's ports are read once; an unchanged stack's never");
        });

        it("checks a port that changes on a deployed stack, and refuses a new suffix there", async () => {
            host.running.push({ name: "grafana", ports: [{ address: "127.0.0.1", port: 5055 }] });
            const moved = {
                ...dev,
                docker: { ...dev.docker!, ports: dev.docker!.ports.map((p) => ({ ...p, port: p.port === 5050 ? 5055 : p.port })) },
            };
            assert.match((await problems(dev, moved))[0], /^orbit-registry:registryPort = 5055: the container grafana publishes/);
            const renamed = { ...dev, docker: { ...dev.docker!, suffix: "b" } };
            assert.match(
                (await problems(dev, renamed))[0],
                /^orbit-registry:dockerNameSuffix = "b" \(was ""\): .* cannot change on a deployed stack/,
            );
        });
    });

    describe("the data an earlier deployment left (a destroy with protectData)", () => {
        const adopting = () => ({ ...dev, docker: { ...dev.docker!, adoptData: true } });

        it("refuses to create a bucket over the volume it left, saying how to keep or drop it", async () => {
            host.volumes.add("orbit-minio-data");
            assert.deepStrictEqual(await problems({}, dev), [
                "orbit-registry:adoptData = false: the Docker volume orbit-minio-data exists, with the images of an earlier deployment " +
                    "(protectData kept it when that stack was destroyed) or of another stack. To deploy over it and keep them: " +
                    "scripts/pulumi config set adoptData true; to start empty: docker volume rm orbit-minio-data; " +
                    'see docs/operations.md, "Tearing a stack down"',
            ]);
        });

        it("takes it over with adoptData, and refuses adoptData where there is nothing to take over", async () => {
            host.volumes.add("orbit-minio-data");
            assert.deepStrictEqual(await problems({}, adopting()), []);
            host.volumes.clear();
            assert.deepStrictEqual(await problems(dev, adopting()), [
                "orbit-registry:adoptData = true: there is no volume orbit-minio-data to take over; set adoptData false",
            ]);
        });

        it("imports the buckets with adoptData, so up takes them over instead of failing on 'bucket already exists'", async () => {
            const run = await runProgram(stackConfig("dev", { adoptData: "true", mirrorUpstream: "https://registry-1.docker.io" }), "dev");
            const buckets = run.all("minio:index/s3Bucket:S3Bucket");
            assert.deepStrictEqual(
                buckets.map((b) => [b.inputs.bucket, b.opts.import, b.opts.protect]),
                [
                    ["orbit-registry", "orbit-registry", true],
                    ["orbit-registry-mirror", "orbit-registry-mirror", true],
                ],
            );
            const usual = await runProgram(stackConfig("dev"), "dev");
            assert.strictEqual(usual.one("minio:index/s3Bucket:S3Bucket").opts.import, undefined);
        });
    });

    it("names a stack's containers after its suffix, and the day-two commands find them from its outputs", async () => {
        const run = await runProgram(stackConfig("dev", { dockerNameSuffix: "staging", pullEndpoint: "true" }), "dev");
        const containers = run.all("docker:index/container:Container").map((c) => c.inputs.name);
        assert.deepStrictEqual(containers.sort(), [
            "orbit-minio-staging",
            "orbit-registry-auth-staging",
            "orbit-registry-pull-staging",
            "orbit-registry-staging",
        ]);
        assert.strictEqual(run.one("docker:index/volume:Volume").inputs.name, "orbit-minio-data-staging");
        assert.strictEqual(run.one("docker:index/network:Network").inputs.name, "orbit-registry-internal-staging");
        const url = run.outputs.registryInternalUrl.value as string;
        assert.strictEqual(url, "orbit-registry-staging:5000");
        assert.deepStrictEqual(dockerNamesOfUrl(url), dockerNames("staging"));
        assert.deepStrictEqual(dockerNamesOfUrl("orbit-registry:5000"), dockerNames(""));
        assert.strictEqual(dockerNamesOfUrl("orbit-registry.orbit-registry.svc.cluster.local:5000"), undefined);
        const env = run.outputs.buildServiceEnv.value as Record<string, string>;
        assert.strictEqual(env.ORBIT_REGISTRY_URL, "orbit-registry-staging:5000");
    });

    it("refuses dockerNameSuffix and adoptData on Kubernetes, and a suffix that is no DNS label", async () => {
        await assert.rejects(runProgram(stackConfig("prod", { dockerNameSuffix: "b", adoptData: "true" }), "prod"), (error: Error) => {
            assert.match(error.message, /orbit-registry:dockerNameSuffix = "b" is not allowed; expected empty on the kubernetes target/);
            assert.match(error.message, /orbit-registry:adoptData = "true" is not allowed; expected false on the kubernetes target/);
            return true;
        });
        await assert.rejects(runProgram(stackConfig("dev", { dockerNameSuffix: "Staging_1" }), "dev"), /dockerNameSuffix = "Staging_1"/);
    });

    it("reaches the Docker host the way dockerHost names it", () => {
        assert.strictEqual(dockerConnection(""), undefined);
        assert.deepStrictEqual(dockerConnection("unix:///run/user/1000/docker.sock"), { socketPath: "/run/user/1000/docker.sock" });
        assert.deepStrictEqual(dockerConnection("tcp://10.1.2.3:2375"), { protocol: "http", host: "10.1.2.3", port: 2375 });
        assert.deepStrictEqual(dockerConnection("ssh://ops@build-host"), {
            protocol: "ssh",
            host: "build-host",
            port: 22,
            username: "ops",
        });
    });
});
