import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describeReport } from "../../scripts/gc";

const root = path.resolve(__dirname, "../..");

/** A PATH with bash and node on it, and nothing else: no Pulumi CLI, no kubectl, no docker. */
const bareBin = fs.mkdtempSync(path.join(os.tmpdir(), "orbit-registry-bare-bin-"));
fs.symlinkSync(process.execPath, path.join(bareBin, "node"));
fs.symlinkSync("/bin/bash", path.join(bareBin, "bash"));

/** A script as `npm run` starts it, on that bare PATH. */
function runScript(script: string, args: string[]) {
    const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(root, "scripts", script), ...args], {
        cwd: root,
        encoding: "utf8",
        env: { PATH: bareBin, HOME: os.tmpdir() },
        timeout: 60_000,
    });
    return { code: result.status, stderr: result.stderr };
}

describe("npm run inventory, gc, cleanup, backup and restore: what a user sees when something is missing", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orbit-registry-cli-"));
    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.rmSync(bareBin, { recursive: true, force: true });
    });

    it("says the Pulumi CLI is missing and how to do without it", () => {
        const result = runScript("inventory.ts", ["--stack", "dev"]);
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /^inventory: the Pulumi CLI is not on PATH; install it, or pass --outputs FILE/m);
    });

    it("warns that a saved outputs file others can read holds the stack's secrets", () => {
        const outputs = path.join(dir, "readable.json");
        fs.writeFileSync(outputs, JSON.stringify({ registryInternalUrl: "orbit-registry:5000" }), { mode: 0o644 });
        fs.chmodSync(outputs, 0o644);
        assert.match(
            runScript("cleanup.ts", ["--outputs", outputs]).stderr,
            /^warning: .*readable\.json holds the stack's secrets and other users can read it \(mode 644\): chmod 600 /m,
        );
        fs.chmodSync(outputs, 0o600);
        assert.doesNotMatch(runScript("cleanup.ts", ["--outputs", outputs]).stderr, /warning/);
    });

    it("names an outputs file that is missing or not stack outputs", () => {
        assert.match(runScript("gc.ts", ["--outputs", path.join(dir, "missing.json")]).stderr, /^gc: .*missing\.json does not exist$/m);
        fs.writeFileSync(path.join(dir, "empty.json"), "");
        assert.match(runScript("gc.ts", ["--outputs", path.join(dir, "empty.json")]).stderr, /is not the JSON of `pulumi stack output/);
    });

    it("gc on a Kubernetes stack: runs a Job from the gcSchedule CronJob with kubectl instead of driving Docker", () => {
        const outputs = path.join(dir, "prod.json");
        fs.writeFileSync(outputs, JSON.stringify({ registryInternalUrl: "orbit-registry.orbit-registry.svc.cluster.local:5000" }));
        const result = runScript("gc.ts", ["--outputs", outputs]);
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /^gc: kubectl is not on PATH: on Kubernetes the collection runs in the cluster, through kubectl$/m);
    });

    it("gc on a Kubernetes stack says gcSchedule is missing only when its CronJob is", () => {
        const outputs = path.join(dir, "prod.json");
        fs.writeFileSync(outputs, JSON.stringify({ registryInternalUrl: "orbit-registry.orbit-registry.svc.cluster.local:5000" }));
        const kubectl = path.join(bareBin, "kubectl");
        const calls = path.join(dir, "kubectl-calls");
        const run = (cronJobJson: string) => {
            // A kubectl that has the CronJob (or not) and records every call.
            fs.writeFileSync(
                kubectl,
                `#!/bin/bash\necho "$*" >> ${calls}\n` +
                    `case "$*" in *"get cronjob"*) printf '%s' '${cronJobJson}' ;; *"create"*) exit 3 ;; esac\n`,
                { mode: 0o755 },
            );
            return runScript("gc.ts", ["--outputs", outputs]);
        };
        try {
            assert.match(run("").stderr, /^gc: orbit-registry has no CronJob orbit-registry-gc: set gcSchedule/m);
            const cronJob = {
                metadata: { name: "orbit-registry-gc", namespace: "orbit-registry", uid: "u-1" },
                spec: {
                    jobTemplate: {
                        spec: {
                            template: {
                                spec: {
                                    initContainers: [{ name: "collect", command: ["/bin/sh", "/gc/gc.sh", "collect", "/etc/config.yml"] }],
                                    containers: [{ name: "report" }],
                                },
                            },
                        },
                    },
                },
            };
            const withCronJob = run(JSON.stringify(cronJob));
            assert.doesNotMatch(withCronJob.stderr, /set gcSchedule/);
            assert.match(fs.readFileSync(calls, "utf8"), /--namespace orbit-registry create --filename -/);
        } finally {
            fs.rmSync(kubectl, { force: true });
        }
    });

    it("cleanup: says retention is off and how to turn it on, and refuses a bad rule on the command line", () => {
        const outputs = path.join(dir, "dev.json");
        fs.writeFileSync(
            outputs,
            JSON.stringify({ registryInternalUrl: "orbit-registry:5000", retention: { keepLast: 0, keepDays: 0, keepTags: "" } }),
        );
        const off = runScript("cleanup.ts", ["--outputs", outputs]);
        assert.strictEqual(off.code, 0);
        assert.match(
            off.stderr,
            /retention is off: set retentionKeepLast, retentionKeepDays or retentionToQuota \(scripts\/pulumi config set retentionKeepLast/,
        );
        const bad = runScript("cleanup.ts", ["--outputs", outputs, "--keep-last", "ten"]);
        assert.strictEqual(bad.code, 1);
        assert.match(bad.stderr, /^cleanup: --keep-last ten: expected an integer of at least 0$/m);
    });

    it("cleanup on a Kubernetes stack: runs in the cluster with kubectl, and says so when it cannot", () => {
        const outputs = path.join(dir, "prod.json");
        fs.writeFileSync(outputs, JSON.stringify({ registryInternalUrl: "orbit-registry.orbit-registry.svc.cluster.local:5000" }));
        const result = runScript("cleanup.ts", ["--outputs", outputs, "--dry-run"]);
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /^cleanup: kubectl is not on PATH: on Kubernetes the cleanup runs in the cluster, through kubectl$/m);
    });

    it("backup and restore: say how to turn backups on, and what --from must be", () => {
        const outputs = path.join(dir, "dev.json");
        fs.writeFileSync(outputs, JSON.stringify({ registryInternalUrl: "orbit-registry:5000", bucketName: "orbit-registry" }));
        const off = runScript("backup.ts", ["--outputs", outputs]);
        assert.strictEqual(off.code, 1);
        assert.match(off.stderr, /^backup: the stack has no backup output: set backupTarget and its keys \(scripts\/pulumi config set/m);
        assert.match(runScript("restore.ts", ["--outputs", outputs]).stderr, /^restore: --from is required: the backup's URL/m);
        const badFrom = runScript("restore.ts", ["--outputs", outputs, "--from", "s3://orbit-backups"]);
        assert.match(badFrom.stderr, /^restore: --from s3:\/\/orbit-backups: expected empty, or an S3 URL/m);
        const masked = path.join(dir, "masked.json");
        fs.writeFileSync(masked, JSON.stringify({ registryInternalUrl: "orbit-registry:5000", backup: "[secret]" }));
        assert.match(runScript("backup.ts", ["--outputs", masked]).stderr, /^backup: the backup output is still masked/m);
    });

    it("backup with backups on: needs docker on Docker, kubectl on Kubernetes", () => {
        const backup = {
            target: "https://s3.example.com/orbit-backups",
            targetAccessKey: "fake-a",
            targetSecretKey: "fake-b",
            sourceEndpoint: "http://orbit-minio:9000",
            sourceAccessKey: "fake-c",
            sourceSecretKey: "fake-d",
        };
        const dev = path.join(dir, "dev-backup.json");
        fs.writeFileSync(dev, JSON.stringify({ registryInternalUrl: "orbit-registry:5000", bucketName: "orbit-registry", backup }));
        assert.match(
            runScript("backup.ts", ["--outputs", dev]).stderr,
            /^backup: docker is not on PATH: the Docker target's backups run in a container$/m,
        );
        const prod = path.join(dir, "prod-backup.json");
        fs.writeFileSync(prod, JSON.stringify({ registryInternalUrl: "orbit-registry.orbit-registry.svc.cluster.local:5000", backup }));
        assert.match(
            runScript("restore.ts", ["--outputs", prod, "--from", backup.target]).stderr,
            /^restore: kubectl is not on PATH: on Kubernetes the restore runs in the cluster, through kubectl$/m,
        );
    });

    it("reports what a collection removed in MiB and bytes, and untagged manifests when there were some", () => {
        const report = { dryRun: false, blobs: ["sha256:a", "sha256:b"], manifests: [], bytes: 3 * 1024 * 1024 };
        assert.strictEqual(describeReport(report), "removed 2 blob(s), 3.0 MiB (3145728 bytes)");
        assert.strictEqual(
            describeReport({ ...report, dryRun: true, manifests: ["sha256:c"] }),
            "would remove 2 blob(s), 3.0 MiB (3145728 bytes) and 1 untagged manifest(s)",
        );
    });
});
