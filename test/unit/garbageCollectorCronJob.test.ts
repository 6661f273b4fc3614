import * as assert from "assert";
import { K, KubeObject, matches, named, objectsOf, workloads } from "../helpers/kubernetesObjects";
import { runProgram, StackRun } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

const schedule = "0 3 * * 0";
const cronJobOf = (run: StackRun) => named(run, K.cronJob, "orbit-registry-gc");
const podOf = (run: StackRun) => cronJobOf(run).spec.jobTemplate.spec.template.spec;
const step = (run: StackRun, name: string): KubeObject =>
    [...podOf(run).initContainers, ...podOf(run).containers].find((c: KubeObject) => c.name === name);

describe("prod: the garbage-collection CronJob (gcSchedule)", () => {
    let run: StackRun;
    before(async () => {
        run = await runProgram(stackConfig("prod", { gcSchedule: schedule }), "prod");
    });

    it("is declared only when gcSchedule is set", async () => {
        const without = await runProgram(stackConfig("prod"), "prod");
        assert.deepStrictEqual(objectsOf(without, K.cronJob), []);
        assert.deepStrictEqual(objectsOf(without, K.role), []);
    });

    it("runs on the schedule in UTC, never two at once, never retried into a second read-only window", () => {
        const cronJob = cronJobOf(run);
        assert.strictEqual(cronJob.spec.schedule, schedule);
        assert.strictEqual(cronJob.spec.timeZone, "Etc/UTC");
        assert.strictEqual(cronJob.spec.concurrencyPolicy, "Forbid");
        assert.strictEqual(cronJob.spec.jobTemplate.spec.backoffLimit, 0);
        assert.strictEqual(podOf(run).restartPolicy, "Never");
    });

    it("switches the registry Deployment read-only, waits for the rollout, collects, switches back, then reports", () => {
        const pod = podOf(run);
        assert.deepStrictEqual(
            [...pod.initContainers, ...pod.containers].map((c: KubeObject) => c.name),
            ["read-only", "drained", "collect", "read-write", "report"],
        );
        const registry = named(run, K.deployment, "orbit-registry");
        const target = `deployment/${registry.metadata.name}`;
        assert.deepStrictEqual(step(run, "read-only").args, [
            "set",
            "env",
            target,
            'REGISTRY_STORAGE_MAINTENANCE_READONLY={"enabled":true}',
            "--namespace",
            "orbit-registry",
        ]);
        assert.deepStrictEqual(step(run, "drained").args.slice(0, 3), ["rollout", "status", target]);
        assert.deepStrictEqual(step(run, "read-write").args.slice(0, 4), ["set", "env", target, "REGISTRY_STORAGE_MAINTENANCE_READONLY-"]);
        for (const name of ["read-only", "drained", "read-write"])
            assert.strictEqual(step(run, name).image, "registry.k8s.io/kubectl:v1.34.4");
    });

    it("collects in the registry's own image with its own config file and secret environment", () => {
        const registry = named(run, K.deployment, "orbit-registry").spec.template.spec;
        const collect = step(run, "collect");
        assert.strictEqual(collect.image, registry.containers[0].image);
        const configFile = registry.containers[0].args[registry.containers[0].args.length - 1];
        assert.deepStrictEqual(collect.command.slice(-2), ["collect", configFile]);
        assert.deepStrictEqual(collect.envFrom, registry.containers[0].envFrom);
        const configVolume = (pod: KubeObject, container: KubeObject) => {
            const mount = container.volumeMounts.find((m: KubeObject) => configFile.startsWith(`${m.mountPath}/`));
            return pod.volumes.find((v: KubeObject) => v.name === mount.name).configMap.name;
        };
        assert.strictEqual(configVolume(podOf(run), collect), configVolume(registry, registry.containers[0]));
        const script = objectsOf(run, K.configMap).find((c) => c.data?.["gc.sh"]);
        assert.ok(script, "a ConfigMap carries gc.sh");
        assert.ok(!collect.command.includes("--delete-untagged"), "gcDeleteUntagged is off by default");
    });

    it("empties the shared Redis cache after collecting, and may reach it and MinIO", () => {
        assert.strictEqual(
            step(run, "collect").env.find((e: KubeObject) => e.name === "REDIS_ADDRESS").value,
            "orbit-registry-redis.orbit-registry.svc.cluster.local:6379",
        );
        const gcLabels = workloads(run).find((w) => w.kind === "CronJob")!.labels;
        for (const policyName of ["orbit-registry-minio-ingress", "orbit-registry-redis-ingress"]) {
            const from = named(run, K.networkPolicy, policyName).spec.ingress[0].from;
            assert.ok(
                from.some((peer: KubeObject) => peer.podSelector && matches(peer.podSelector.matchLabels, gcLabels)),
                `${policyName} admits the collector`,
            );
        }
    });

    it("grants its ServiceAccount only get, list, watch and patch of the registry Deployment", () => {
        const role = named(run, K.role, "orbit-registry-gc");
        assert.deepStrictEqual(role.rules, [
            {
                apiGroups: ["apps"],
                resources: ["deployments"],
                resourceNames: ["orbit-registry"],
                verbs: ["get", "list", "watch", "patch"],
            },
        ]);
        const binding = named(run, K.roleBinding, "orbit-registry-gc");
        assert.strictEqual(binding.roleRef.name, role.metadata.name);
        assert.deepStrictEqual(binding.subjects, [
            { kind: "ServiceAccount", name: podOf(run).serviceAccountName, namespace: "orbit-registry" },
        ]);
    });

    it("deletes untagged manifests with gcDeleteUntagged on Distribution 3", async () => {
        const v3 = await runProgram(
            stackConfig("prod", { gcSchedule: schedule, gcDeleteUntagged: "true", registryImage: "registry:3.0.0" }),
            "prod",
        );
        assert.deepStrictEqual(step(v3, "collect").command.slice(-1), ["--delete-untagged"]);
    });
});
