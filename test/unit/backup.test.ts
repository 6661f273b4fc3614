import * as assert from "assert";
import * as fs from "fs";
import { alertRuleGroups } from "../../components/alertRules";
import { backupTargetProblem, parseBackupTarget } from "../../common/backupTarget";
import { ConfigKey, parseConfig, RawConfig } from "../../components/config";
import { longestCronInterval } from "../../components/cronInterval";
import { readPolicyName, registryPolicyName } from "../../common/bucketPolicy";
import { copyInContainer } from "../../operations/backupContainer";
import { provisionDockerMinio } from "../../operations/dockerProvision";
import { jobFromBackupCronJob } from "../../operations/backupJob";
import { K, KubeObject, named, objectsOf } from "../helpers/kubernetesObjects";
import { validateKubernetesObject } from "../helpers/kubernetesSchema";
import { credentialKeys, isSecret, plain, runProgram, StackRun } from "../helpers/mockProgram";
import { configProblems } from "../helpers/configProblems";
import { stackConfig, StackName } from "../helpers/stackConfig";

const target = "https://s3.eu-central-1.amazonaws.com/orbit-backups/registry";
const keys = { backupAccessKey: "fake-backup-access", backupSecretKey: "fake-backup-secret" };
const secretKeys = credentialKeys;

const problemsOf = (stack: StackName, overrides: RawConfig, secrets: ConfigKey[] = secretKeys) => configProblems(stack, overrides, secrets);

describe("backup configuration", () => {
    it("reads a target URL as endpoint, bucket and prefix", () => {
        assert.deepStrictEqual(parseBackupTarget(target), {
            endpoint: "https://s3.eu-central-1.amazonaws.com",
            bucket: "orbit-backups",
            prefix: "registry",
        });
        assert.deepStrictEqual(parseBackupTarget("http://10.0.0.5:9000/backups/"), {
            endpoint: "http://10.0.0.5:9000",
            bucket: "backups",
            prefix: "",
        });
    });

    for (const bad of [
        "s3://orbit-backups",
        "https://s3.example.com",
        "https://key:secret@s3.example.com/b",
        "https://h/Bad_Bucket",
        "x",
    ]) {
        it(`refuses backupTarget ${JSON.stringify(bad)}, saying what a target looks like`, () => {
            const [problem, ...more] = problemsOf("dev", { backupTarget: bad, ...keys });
            assert.deepStrictEqual(more, []);
            assert.ok(problem.startsWith(`orbit-registry:backupTarget = ${JSON.stringify(bad)} is not allowed`), problem);
            assert.match(problem, /an S3 URL of an endpoint, a bucket and an optional prefix/);
        });
    }

    for (const [stack, loopback] of [
        ["dev", "http://localhost:9100/orbit-backups"],
        ["dev", "http://127.0.0.1:9100/orbit-backups/registry"],
        ["prod", "http://[::1]:9100/orbit-backups"],
    ] as const) {
        it(`refuses the loopback target ${loopback} on ${stack}: the copy runs in a container, where it is the container`, () => {
            const schedule = stack === "prod" ? { backupSchedule: "0 2 * * *" } : {};
            const [problem, ...more] = problemsOf(stack, { backupTarget: loopback, ...keys, ...schedule });
            assert.deepStrictEqual(more, []);
            assert.ok(problem.startsWith(`orbit-registry:backupTarget = ${JSON.stringify(loopback)} is not allowed; expected a host`));
            assert.match(problem, /it runs in a container \(Docker\) or a pod \(Kubernetes\), where .* is that container itself/);
        });
    }

    it("is off by default and accepts a target with its keys as secrets on Docker, without a schedule", () => {
        assert.strictEqual(parseConfig(stackConfig("dev")).backup, undefined);
        assert.deepStrictEqual(problemsOf("dev", { backupTarget: target, ...keys }), []);
        assert.strictEqual(backupTargetProblem(""), undefined);
    });

    it("refuses credentials kept in plain text, and a target without them", () => {
        const plainText = problemsOf("dev", { backupTarget: target, ...keys }, []);
        assert.deepStrictEqual(
            plainText.map((p) => p.split(" ")[0]),
            ["orbit-registry:backupAccessKey", "orbit-registry:backupSecretKey"],
        );
        assert.match(plainText[0], /set in plain text; set it as a secret \(scripts\/pulumi config set --secret backupAccessKey …\)/);
        assert.ok(!plainText.join("\n").includes(keys.backupSecretKey), "a problem never prints the key");
        const missing = problemsOf("dev", { backupTarget: target });
        assert.strictEqual(missing.length, 2);
        assert.match(missing[0], /orbit-registry:backupAccessKey.*backupTarget needs its credentials/);
    });

    it("needs a schedule on Kubernetes, refuses one on Docker, and refuses backups of AWS S3", () => {
        assert.match(problemsOf("prod", { backupTarget: target, ...keys })[0], /orbit-registry:backupSchedule.*e\.g\. 0 2 \* \* \*/);
        assert.deepStrictEqual(problemsOf("prod", { backupTarget: target, ...keys, backupSchedule: "0 2 * * *" }), []);
        assert.match(problemsOf("dev", { backupTarget: target, ...keys, backupSchedule: "0 2 * * *" })[0], /npm run backup/);
        assert.match(problemsOf("prod", { backupTarget: target, ...keys, backupSchedule: "0 25 * * *" })[0], /backupSchedule = "0 25/);
        const s3 = problemsOf("prod", {
            backupTarget: target,
            ...keys,
            backupSchedule: "0 2 * * *",
            storage: "s3",
            awsRegion: "eu-central-1",
        });
        assert.match(s3[0], /orbit-registry:backupTarget .* empty with storage s3/);
        assert.match(problemsOf("dev", { backupSchedule: "0 2 * * *" })[0], /backupSchedule .* empty while backupTarget is empty/);
    });
});

describe("dev with backups: a read-only MinIO user and the backup output", () => {
    let run: StackRun;
    before(async () => {
        run = await runProgram(stackConfig("dev", { backupTarget: target, ...keys }), "dev");
    });

    it("gives the backups a MinIO user whose policy may list and read the bucket, nothing else", () => {
        const policy = run.one("minio:index/iamPolicy:IamPolicy", "read-policy");
        const document = JSON.parse(policy.inputs.policy as string);
        const actions = document.Statement.flatMap((s: { Action: string[] }) => s.Action).sort();
        assert.deepStrictEqual(actions, ["s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket"]);
        const user = run.one("minio:index/iamUser:IamUser", "reader-user");
        assert.ok(isSecret(user.inputs.secret), "its secret key stays secret");
        const attachment = run.one("minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment", "read-policy-attachment");
        assert.strictEqual(attachment.inputs.policyName, policy.inputs.name);
    });

    it("hands npm run backup the target and both identities as one secret output", () => {
        assert.ok(run.outputs.backup.secret, "the backup output is a secret");
        const backup = run.outputs.backup.value as Record<string, string>;
        assert.strictEqual(backup.target, target);
        assert.strictEqual(backup.targetSecretKey, keys.backupSecretKey);
        assert.strictEqual(backup.sourceEndpoint, "http://orbit-minio:9000");
        const user = run.one("minio:index/iamUser:IamUser", "reader-user");
        assert.strictEqual(backup.sourceAccessKey, plain(user.inputs.name));
    });

    it("has neither without backupTarget", async () => {
        const off = await runProgram(stackConfig("dev"));
        assert.strictEqual(off.outputs.backup, undefined);
        assert.deepStrictEqual(
            off.all("minio:index/iamUser:IamUser").filter((u) => u.name.includes("backup")),
            [],
        );
    });
});

describe("prod with backups: the backup CronJob, its identity and its policies", () => {
    const config = stackConfig("prod", { backupTarget: target, ...keys, backupSchedule: "30 1 * * *", prometheusOperator: "true" });
    let run: StackRun;
    let cronJob: KubeObject;
    let container: KubeObject;
    const env = (c: KubeObject) => Object.fromEntries(c.env.map((e: KubeObject) => [e.name, e.value ?? e.valueFrom]));

    before(async () => {
        run = await runProgram(config, "prod");
        cronJob = named(run, K.cronJob, "orbit-registry-backup");
        container = cronJob.spec.jobTemplate.spec.template.spec.containers[0];
    });

    it("copies on the schedule in UTC, one run at a time, with mc running the program's copy script", () => {
        assert.deepStrictEqual(
            [cronJob.spec.schedule, cronJob.spec.timeZone, cronJob.spec.concurrencyPolicy],
            ["30 1 * * *", "Etc/UTC", "Forbid"],
        );
        assert.strictEqual(container.image, config.mcImage);
        assert.deepStrictEqual(container.command, ["bash", "/backup/copy.sh"]);
        const values = env(container);
        assert.deepStrictEqual(
            [values.MODE, values.SOURCE_ENDPOINT, values.SOURCE_BUCKET, values.TARGET_ENDPOINT, values.TARGET_PATH, values.PRUNE],
            [
                "backup",
                "http://orbit-minio.orbit-registry.svc.cluster.local:9000",
                config.bucketName,
                "https://s3.eu-central-1.amazonaws.com",
                "orbit-backups/registry",
                "false",
            ],
        );
        const script = objectsOf(run, K.configMap).find((c) => c.data?.["copy.sh"]);
        assert.ok(script, "the script's ConfigMap");
        assert.deepStrictEqual(cronJob.spec.jobTemplate.spec.template.spec.volumes[0].configMap.name, script.metadata.name);
        assert.doesNotThrow(() => validateKubernetesObject(cronJob));
    });

    it("runs as a restricted pod without a service account token, its keys in a Secret of its own", () => {
        const pod = cronJob.spec.jobTemplate.spec.template.spec;
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.strictEqual(pod.securityContext.runAsNonRoot, true);
        assert.deepStrictEqual(container.securityContext.capabilities, { drop: ["ALL"] });
        assert.strictEqual(container.securityContext.readOnlyRootFilesystem, true);
        const secret = run.all(K.secret).find((s) => (s.inputs.metadata as KubeObject).name === "orbit-registry-backup")!;
        assert.ok(isSecret(secret.inputs.stringData), "the keys stay secret");
        assert.deepStrictEqual(Object.keys(plain(secret.inputs.stringData) as object).sort(), [
            "SOURCE_ACCESS_KEY",
            "SOURCE_SECRET_KEY",
            "TARGET_ACCESS_KEY",
            "TARGET_SECRET_KEY",
        ]);
        assert.deepStrictEqual(container.envFrom, [{ secretRef: { name: "orbit-registry-backup" } }]);
        assert.ok(!JSON.stringify(cronJob).includes(keys.backupSecretKey), "no key in the CronJob itself");
    });

    it("has the provisioner create the read-only user with the backup policy", () => {
        const job = objectsOf(run, K.job)[0];
        const values = env(job.spec.template.spec.containers[0]);
        assert.strictEqual(values.READ_POLICY_NAME, `${config.bucketName}-read`);
        assert.strictEqual(values.READ_POLICY_FILE, "/provisioner/read-policy.json");
        assert.deepStrictEqual(values.READER_ACCESS_KEY, { secretKeyRef: { name: "orbit-minio-registry-user", key: "READER_ACCESS_KEY" } });
        const files = objectsOf(run, K.configMap).find((c) => c.data?.["read-policy.json"])!;
        const actions = JSON.parse(files.data["read-policy.json"]).Statement.flatMap((s: { Action: string[] }) => s.Action);
        assert.ok(!actions.some((a: string) => /Put|Delete/.test(a)), actions.join(", "));
    });

    it("lets its pods reach MinIO, DNS and the target's port, and MinIO admit them", () => {
        const egress = named(run, K.networkPolicy, "orbit-registry-backup-egress");
        assert.deepStrictEqual(egress.spec.podSelector.matchLabels["app.kubernetes.io/name"], "registry-backup");
        assert.deepStrictEqual(egress.spec.policyTypes, ["Egress"]);
        const ports = egress.spec.egress.map((rule: KubeObject) => rule.ports.map((p: KubeObject) => `${p.protocol}/${p.port}`).join(","));
        assert.deepStrictEqual(ports, ["TCP/9000", "TCP/443", "UDP/53,TCP/53"]);
        const minio = named(run, K.networkPolicy, "orbit-registry-minio-ingress");
        const admitted = minio.spec.ingress[0].from.map((f: KubeObject) => f.podSelector?.matchLabels?.["app.kubernetes.io/name"]);
        assert.ok(admitted.includes("registry-backup"));
        assert.doesNotThrow(() => validateKubernetesObject(egress));
    });

    it("alerts when no backup succeeded for two schedules", () => {
        const rule = objectsOf(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule")[0];
        const group = rule.spec.groups.find((g: KubeObject) => g.name === "orbit-registry-backup");
        assert.match(
            group.rules[0].expr,
            /kube_cronjob_status_last_successful_time\{namespace="orbit-registry",cronjob="orbit-registry-backup"\}\) > 172800/,
        );
        assert.strictEqual(longestCronInterval("30 1 * * *"), 86_400);
        assert.strictEqual(longestCronInterval("0 2 * * 1-5"), 3 * 86_400, "Friday to Monday");
        assert.strictEqual(
            alertRuleGroups("orbit-registry").find((g) => g.name === "orbit-registry-backup"),
            undefined,
        );
    });

    it("makes npm run backup and npm run restore Jobs from it, owned by it and gone a day after they finish", () => {
        const live = { ...cronJob, metadata: { ...cronJob.metadata, uid: "b4c-cronjob-uid" } };
        const backup = jobFromBackupCronJob(live, "orbit-registry-backup-now-1", { mode: "backup", prune: true });
        assert.strictEqual(env(backup.spec.template.spec.containers[0]).PRUNE, "true");
        const from = parseBackupTarget("https://s3.eu-central-1.amazonaws.com/orbit-backups/older");
        const restore = jobFromBackupCronJob(live, "orbit-registry-backup-restore-1", { mode: "restore", from });
        const values = env(restore.spec.template.spec.containers[0]);
        assert.deepStrictEqual([values.MODE, values.TARGET_PATH], ["restore", "orbit-backups/older"]);
        // The backup identity cannot write: a restore writes with the registry's own keys.
        assert.deepStrictEqual(values.SOURCE_ACCESS_KEY, {
            secretKeyRef: { name: "orbit-registry-env", key: "REGISTRY_STORAGE_S3_ACCESSKEY" },
        });
        assert.strictEqual(restore.spec.backoffLimit, 0);
        for (const job of [backup, restore]) {
            assert.doesNotThrow(() => validateKubernetesObject(job));
            assert.strictEqual(job.spec.ttlSecondsAfterFinished, 86_400);
            assert.deepStrictEqual(
                job.metadata.ownerReferences.map((o: KubeObject) => [o.kind, o.name, o.uid, o.controller]),
                [["CronJob", "orbit-registry-backup", "b4c-cronjob-uid", true]],
            );
        }
        assert.throws(
            () => jobFromBackupCronJob(live, "x", { mode: "restore", from: parseBackupTarget("http://backup.internal:9000/b") }),
            /--from http:\/\/backup\.internal:9000: the backup pods may only reach port 443/,
        );
    });
});

describe("npm run backup on Docker: the copy in a throwaway container", () => {
    it("pipes the script to bash in mcImage on the registry's network, the keys in an env file only", async () => {
        const calls: Array<{ args: string[]; stdin?: string; envFile: string }> = [];
        const report = await copyInContainer({
            mode: "backup",
            source: {
                endpoint: "http://orbit-minio:9000",
                accessKey: "fake-source",
                secretKey: "fake-source-secret",
                bucket: "orbit-registry",
            },
            target: { ...parseBackupTarget(target), accessKey: "fake-target", secretKey: "fake-target-secret" },
            prune: false,
            mcImage: "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z",
            network: "orbit-registry-internal",
            run: async (_command, args, stdin) => {
                const envFile = fs.readFileSync(args[args.indexOf("--env-file") + 1], "utf8");
                calls.push({ args, stdin, envFile });
                return { code: 0, stdout: "backup: copied 3 object(s), 10 bytes, in 1s\n", stderr: "" };
            },
        });
        assert.strictEqual(report, "backup: copied 3 object(s), 10 bytes, in 1s\n");
        const [call] = calls;
        assert.deepStrictEqual(call.args.slice(0, 5), ["run", "--rm", "-i", "--network", "orbit-registry-internal"]);
        assert.deepStrictEqual(call.args.slice(-4), ["--entrypoint", "bash", "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z", "-s"]);
        assert.ok(!call.args.join(" ").includes("fake-target-secret"), "no key on the command line");
        assert.match(call.envFile, /^TARGET_SECRET_KEY=fake-target-secret$/m);
        assert.match(call.envFile, /^TARGET_PATH=orbit-backups\/registry$/m);
        assert.match(call.stdin ?? "", /^#!\/usr\/bin\/env bash/);
    });

    it("fails with the script's own message", async () => {
        const failing = copyInContainer({
            mode: "backup",
            source: { endpoint: "http://orbit-minio:9000", accessKey: "a", secretKey: "b", bucket: "orbit-registry" },
            target: { ...parseBackupTarget(target), accessKey: "c", secretKey: "d" },
            prune: false,
            mcImage: "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z",
            network: "orbit-registry-internal",
            run: async () => ({ code: 1, stdout: "", stderr: "backup failed: the backup target https://s3… refused backupAccessKey\n" }),
        });
        await assert.rejects(failing, /^Error: backup failed: the backup target/);
    });

    it("npm run restore re-creates the stack's bucket, users and policies first, under Pulumi's names, removing no user", async () => {
        let envFile = "";
        let script = "";
        const calls: string[][] = [];
        await provisionDockerMinio({
            minioContainer: "orbit-minio",
            registry: { endpoint: "http://orbit-minio:9000", accessKey: "fake-registry", secretKey: "fake-registry-secret" },
            bucket: "orbit-registry",
            backup: { accessKey: "fake-backup", secretKey: "fake-backup-secret" },
            mcImage: "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z",
            network: "orbit-registry-internal",
            run: async (_command, args, stdin) => {
                calls.push(args);
                if (args[0] === "inspect")
                    return {
                        code: 0,
                        stdout: JSON.stringify(["MINIO_ROOT_USER=fake-root", "MINIO_ROOT_PASSWORD=fake-root-pw"]),
                        stderr: "",
                    };
                envFile = fs.readFileSync(args[args.indexOf("--env-file") + 1], "utf8");
                script = stdin ?? "";
                return { code: 0, stdout: "", stderr: "" };
            },
        });
        assert.deepStrictEqual(calls[0], ["inspect", "--format", "{{json .Config.Env}}", "orbit-minio"]);
        assert.ok(!calls[1].join(" ").includes("fake-root-pw"), "no key on the command line");
        const variables = Object.fromEntries(
            envFile
                .trim()
                .split("\n")
                .map((line) => [line.split("=")[0], line.slice(line.indexOf("=") + 1)]),
        );
        assert.strictEqual(variables.MC_HOST_orbit, "http://fake-root:fake-root-pw@orbit-minio:9000");
        // The names the stack's MinioBucket gives them, so Pulumi's state matches again.
        assert.deepStrictEqual(
            [variables.POLICY_NAME, variables.READ_POLICY_NAME, variables.REGISTRY_ACCESS_KEY, variables.READER_ACCESS_KEY],
            [registryPolicyName("orbit-registry"), readPolicyName("orbit-registry"), "fake-registry", "fake-backup"],
        );
        assert.strictEqual(variables.KEEP_OTHER_USERS, "true");
        assert.match(script, /> \/tmp\/policy\.json\n/);
        assert.match(script, /mc_ mb --ignore-existing/);
    });
});
