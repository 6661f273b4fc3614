import * as assert from "assert";
import * as fs from "fs";
import { parse } from "yaml";
import { registryDrainTimeout, renderRegistryConfig } from "../../components/registryConfig";
import { CommandRunner, DockerRegistryControl } from "../../operations/dockerRegistryControl";
import { majorVersionOf } from "../../operations/garbageCollect";
import { isReadOnly, withReadOnly } from "../../operations/readOnly";

const config = renderRegistryConfig({
    distributionVersion: 2,
    storage: { bucket: "orbit-registry", region: "us-east-1", regionEndpoint: "http://orbit-minio:9000" },
    htpasswdPath: "/etc/docker/registry/htpasswd",
    httpAddr: ":5000",
    debugAddr: "127.0.0.1:5001",
    foreignLayerUrls: "",
});

describe("garbage collection: the read-only switch", () => {
    it("turns storage.maintenance.readonly on and off, leaving the rest of config.yml as it was", () => {
        const readOnly = withReadOnly(config, true);
        assert.ok(isReadOnly(readOnly));
        assert.ok(!isReadOnly(config));
        const back = parse(withReadOnly(readOnly, false));
        assert.deepStrictEqual(back, parse(config));
        assert.deepStrictEqual(parse(readOnly).storage.maintenance.uploadpurging, parse(config).storage.maintenance.uploadpurging);
    });

    it("refuses a file that is no registry config", () => {
        assert.throws(() => withReadOnly("version: 0.1\n", true), /no storage section/);
    });

    it("drains requests in flight for less time than the restarts that switch modes allow", () => {
        assert.strictEqual(parse(config).http.draintimeout, registryDrainTimeout);
        assert.ok(parseInt(registryDrainTimeout, 10) < 30, "Kubernetes' default grace and the collector's docker restart --time 30");
    });

    it("tells the versions apart by what `registry --version` prints", () => {
        assert.strictEqual(majorVersionOf("registry github.com/docker/distribution 2.8.2+ds1\n"), 2);
        assert.strictEqual(majorVersionOf("registry github.com/distribution/distribution/v3 v3.1.2+unknown\n"), 3);
    });
});

describe("garbage collection on the Docker target (docker CLI)", () => {
    const configPath = "/etc/docker/registry/config.yml";
    const calls: Array<{ args: string[]; stdin?: string }> = [];
    let health = ["starting", "healthy"];
    let envFileSeen = "";
    const run: CommandRunner = async (command, args, stdin) => {
        assert.strictEqual(command, "docker");
        calls.push({ args, stdin });
        const ok = (stdout: string) => ({ code: 0, stdout, stderr: "" });
        if (args[0] === "inspect" && args[2] === "{{json .Args}}") return ok(JSON.stringify(["serve", configPath]));
        if (args[0] === "inspect" && args[2] === "{{.State.Health.Status}}") return ok(`${health.shift() ?? "healthy"}\n`);
        if (args[0] === "inspect" && args[2] === "{{json .Config.Env}}")
            return ok(JSON.stringify(["REGISTRY_STORAGE_S3_ACCESSKEY=fake-access", "REGISTRY_STORAGE_S3_SECRETKEY=fake-secret"]));
        if (args[0] === "exec" && args.includes("cat")) return ok(config);
        if (args[0] === "run") {
            envFileSeen = fs.readFileSync(args[args.indexOf("--env-file") + 1], "utf8");
            return ok('{"status":"success","type":"file","key":"sha256/ab/' + "ab".repeat(32) + '/data","size":42}\n');
        }
        return ok("");
    };
    const control = new DockerRegistryControl({
        container: "orbit-registry",
        network: "orbit-registry-internal",
        bucket: "orbit-registry",
        mcImage: "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z",
        run,
    });

    beforeEach(() => {
        calls.length = 0;
        health = ["starting", "healthy"];
    });

    it("writes the read-only config to the file the container serves, restarts it and waits until it is healthy", async () => {
        await control.setReadOnly(true);
        const write = calls.find((c) => c.args[0] === "exec" && c.args.includes("-i"))!;
        assert.strictEqual(write.args[write.args.length - 1], configPath);
        assert.ok(isReadOnly(write.stdin!));
        const restart = calls.find((c) => c.args[0] === "restart")!;
        assert.deepStrictEqual(restart.args, ["restart", "--time", "30", "orbit-registry"]);
        const healthChecks = calls.filter((c) => c.args.includes("{{.State.Health.Status}}"));
        assert.strictEqual(healthChecks.length, 2, "waited through 'starting' until 'healthy'");
        assert.ok(calls.indexOf(write) < calls.indexOf(restart));
    });

    it("runs garbage-collect inside the container with its own config", async () => {
        await control.garbageCollect(["--dry-run"]);
        assert.deepStrictEqual(calls[calls.length - 1].args, [
            "exec",
            "orbit-registry",
            "registry",
            "garbage-collect",
            "--dry-run",
            configPath,
        ]);
    });

    it("lists blob sizes as the registry's S3 identity, passed in an env file, never on a command line", async () => {
        const sizes = await control.blobSizes([`sha256:${"ab".repeat(32)}`]);
        assert.strictEqual(sizes.get(`sha256:${"ab".repeat(32)}`), 42);
        assert.match(envFileSeen, /^MC_HOST_registry=http:\/\/fake-access:fake-secret@orbit-minio:9000\n$/);
        const runCall = calls.find((c) => c.args[0] === "run")!;
        assert.ok(!runCall.args.join(" ").includes("fake-secret"));
        assert.ok(runCall.args.includes("orbit-registry-internal"), "on the network where orbit-minio resolves");
    });
});
