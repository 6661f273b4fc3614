import * as assert from "assert";
import { parse } from "yaml";
import { parseBackupTarget } from "../../common/backupTarget";
import { RawConfig } from "../../components/config";
import { jobFromBackupCronJob } from "../../operations/backupJob";
import { randomSecrets, runProgram, SecretSource } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";
import { waitUntil } from "../integration/harness/net";
import { requireTools } from "../integration/harness/tools";
import { ControlPlane } from "./harness/controlPlane";
import { AppliedObject, Deployer, StackObject } from "./harness/deployer";
import { KubeObject } from "./harness/kubeApi";
import { clusterInstallHint, findClusterTools } from "./harness/tools";
import { staticVolume } from "./harness/volumes";

interface Variant {
    name: string;
    raw: RawConfig;
    withMinio: boolean;
    /** Static PersistentVolumes an administrator provides for MinIO's claims. */
    volumes: number;
    /** kwok nodes besides the first (distributed MinIO puts one pod on a node). */
    extraNodes: string[];
}

const variants: Variant[] = [
    {
        name:
            "prod (kubernetes + minio, scheduled garbage collection with tag retention, nightly backups, " +
            "Prometheus Operator, pulls straight from MinIO)",
        raw: stackConfig("prod", {
            gcSchedule: "0 3 * * 0",
            retentionKeepLast: "10",
            backupTarget: "https://s3.eu-central-1.amazonaws.com/orbit-backups/registry",
            backupAccessKey: "fake-backup-access-key",
            backupSecretKey: "fake-backup-secret-key",
            backupSchedule: "0 2 * * *",
            prometheusOperator: "true",
            minioPublicEndpoint: "https://minio.orbit.example.com",
        }),
        withMinio: true,
        volumes: 1,
        extraNodes: [],
    },
    {
        name: "kubernetes + s3",
        raw: stackConfig("prod", { storage: "s3", awsRegion: "eu-west-1", namespace: "orbit-registry-s3", appNamespace: "orbit-s3" }),
        withMinio: false,
        volumes: 0,
        extraNodes: [],
    },
    {
        name: "prod with distributed MinIO (4 pods x 2 drives), the pull endpoint and the Docker Hub mirror",
        raw: stackConfig("prod", {
            minioReplicas: "4",
            minioDrivesPerPod: "2",
            namespace: "orbit-registry-pool",
            appNamespace: "orbit-pool",
            pullEndpoint: "true",
            pullHost: "pull.orbit.example.com",
            pullSecretNamespaces: "orbit-pool-jobs",
            mirrorUpstream: "https://registry-1.docker.io",
        }),
        withMinio: true,
        volumes: 8,
        extraNodes: ["kwok-node-1", "kwok-node-2", "kwok-node-3"],
    },
];

const labelSelector = (labels: Record<string, string>) =>
    Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
const isReadyPod = (pod: KubeObject) =>
    !pod.metadata.deletionTimestamp && (pod.status?.conditions ?? []).some((c: KubeObject) => c.type === "Ready" && c.status === "True");

/**
 * The prod stack's Kubernetes objects, as the mocked program declares them, applied to a real
 * kube-apiserver with real controllers (kwok stands in for the kubelet: no container runs).
 */
describe("the prod stack on a real Kubernetes control plane", function () {
    let plane: ControlPlane;

    before(async function () {
        plane = new ControlPlane(requireTools(this, "cluster tools", findClusterTools(), clusterInstallHint));
        await plane.start();
    });

    after(async () => {
        await plane?.stop();
    });

    for (const variant of variants) {
        describe(variant.name, () => {
            const config = variant.raw as Required<RawConfig>;
            const namespace = config.namespace;
            const replicas = Number(config.registryReplicas);
            let secrets: SecretSource;
            let deployer: Deployer;
            let objects: StackObject[];
            let applied: AppliedObject[];

            const object = (kind: string, name: string) => {
                const found = objects.find((o) => o.object.kind === kind && deployer.live(o).metadata.name === name);
                assert.ok(found, `the program declares no ${kind} ${name}`);
                return deployer.live(found);
            };
            const live = async (kind: string, name: string) => {
                const { apiVersion, metadata } = object(kind, name);
                const found = await plane.api.get(apiVersion, kind, name, metadata.namespace);
                assert.ok(found, `${kind} ${name} is not on the server`);
                return found;
            };
            const registryPods = async () =>
                plane.api.list("v1", "Pod", namespace, labelSelector(object("Deployment", "orbit-registry").spec.selector.matchLabels));

            before(async () => {
                // What a platform team has before its first `pulumi up`: the apps' namespace and,
                // without a provisioner, a volume for MinIO's claim.
                for (const name of [config.appNamespace, ...(config.pullSecretNamespaces ? config.pullSecretNamespaces.split(",") : [])]) {
                    await plane.api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
                }
                for (let i = 0; i < variant.volumes; i++)
                    await plane.api.create(staticVolume(`${namespace}-volume-${i}`, config.minioStorageSize));
                await plane.addNodes(variant.extraNodes);
                if (config.prometheusOperator === "true") await plane.installPrometheusOperatorCrds();

                secrets = randomSecrets();
                deployer = new Deployer(plane.api, 120_000, () => plane.logs());
                objects = deployer.objectsOf(await runProgram(variant.raw, "prod", secrets));
                applied = await deployer.deploy(objects);
            });

            it("admits every object with server-side apply and strict field validation, with no warning at all", async () => {
                const warnings = applied.flatMap((a) => a.warnings.map((w) => `${a.object.kind} ${a.object.metadata.name}: ${w}`));
                console.log(`      ${applied.length} objects applied, ${warnings.length} warnings read`);
                assert.deepStrictEqual(warnings, []);
                for (const entry of objects) await live(entry.object.kind, deployer.live(entry).metadata.name);
                assert.deepStrictEqual(
                    applied.map((a) => a.resource),
                    objects.map((o) => o.resource),
                    "every declared object was applied",
                );
            });

            it("enforces the restricted Pod Security Standard in the namespace, and admits every pod", async () => {
                const ns = await live("Namespace", namespace);
                assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
                const events = await plane.api.list("v1", "Event", namespace);
                const failed = events
                    .filter((e) => e.reason === "FailedCreate")
                    .map((e) => `${e.involvedObject.kind} ${e.involvedObject.name}: ${e.message}`);
                assert.deepStrictEqual(failed, []);
                const pods = await plane.api.list("v1", "Pod", namespace);
                // Every replica of every Deployment and StatefulSet, and one pod per Job.
                const workloads = objects.map((o) => o.object).filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind));
                const expected = workloads.reduce((sum, workload) => sum + (workload.kind === "Job" ? 1 : workload.spec.replicas), 0);
                assert.strictEqual(pods.length, expected, pods.map((p) => p.metadata.name).join(", "));
            });

            if (variant.withMinio) {
                it("binds every MinIO claim and makes its StatefulSet ready, one pod per node", async () => {
                    const claims = await plane.api.list("v1", "PersistentVolumeClaim", namespace);
                    assert.strictEqual(claims.length, variant.volumes);
                    assert.ok(
                        claims.every((claim) => claim.status.phase === "Bound"),
                        claims.map((c) => `${c.metadata.name}: ${c.status.phase}`).join(", "),
                    );
                    const declared = objects.find((o) => o.object.kind === "StatefulSet")!.object;
                    const statefulSet = await live("StatefulSet", declared.metadata.name);
                    assert.strictEqual(statefulSet.status.readyReplicas, declared.spec.replicas);
                    const pods = await plane.api.list("v1", "Pod", namespace, labelSelector(declared.spec.selector.matchLabels));
                    assert.strictEqual(new Set(pods.map((pod) => pod.spec.nodeName)).size, pods.length, "no two MinIO pods share a node");
                });

                it("completes the provisioning Job before the registry Deployment exists", async () => {
                    const jobEntry = objects.find((o) => o.object.kind === "Job")!;
                    const job = await live("Job", deployer.live(jobEntry).metadata.name);
                    assert.ok(job.status.conditions.some((c: KubeObject) => c.type === "Complete" && c.status === "True"));
                    const deployment = await live("Deployment", "orbit-registry");
                    assert.ok(
                        Date.parse(job.status.completionTime) <= Date.parse(deployment.metadata.creationTimestamp),
                        `Job completed ${job.status.completionTime}, Deployment created ${deployment.metadata.creationTimestamp}`,
                    );
                });
            }

            it("makes the registry Deployment Available with registryReplicas ready pods, and its PDB allows one disruption", async () => {
                const deployment = await live("Deployment", "orbit-registry");
                assert.ok(deployment.status.conditions.some((c: KubeObject) => c.type === "Available" && c.status === "True"));
                assert.strictEqual(deployment.status.readyReplicas, replicas);
                await waitUntil(
                    "the PDB's status",
                    async () => (await live("PodDisruptionBudget", "orbit-registry")).status?.currentHealthy === replicas,
                    30_000,
                );
                assert.strictEqual((await live("PodDisruptionBudget", "orbit-registry")).status.disruptionsAllowed, 1);
            });

            it("has every Service select exactly the ready pods of its own workload (EndpointSlices)", async () => {
                const services = objects.filter((o) => o.object.kind === "Service").map((o) => o.object);
                assert.ok(services.length >= 1);
                for (const service of services) {
                    // The workload whose pods the Service's selector picks (the metrics Service picks the registry's).
                    const selects = (labels: Record<string, string>) =>
                        Object.entries(service.spec.selector).every(([key, value]) => labels[key] === value);
                    const workload = objects.find(
                        (o) => ["Deployment", "StatefulSet"].includes(o.object.kind) && selects(o.object.spec.template.metadata.labels),
                    )!.object;
                    const pods = await plane.api.list("v1", "Pod", namespace, labelSelector(workload.spec.selector.matchLabels));
                    const own = pods.filter(
                        (p) =>
                            isReadyPod(p) &&
                            p.metadata.ownerReferences.some((r: KubeObject) => r.kind === workload.kind || r.kind === "ReplicaSet"),
                    );
                    const endpoints = await deployer.readyEndpoints(await live("Service", service.metadata.name));
                    assert.deepStrictEqual(endpoints.sort(), own.map((p) => p.metadata.name).sort(), `Service ${service.metadata.name}`);
                }
            });

            if (config.gcSchedule) {
                it("lets the collector's account switch the registry read-only and back as kubectl does, and nothing else", async () => {
                    const account = object("ServiceAccount", "orbit-registry-gc").metadata.name;
                    const collector = plane.api.as(`system:serviceaccount:${namespace}:${account}`);
                    const deployments = `/apis/apps/v1/namespaces/${namespace}/deployments`;
                    const registry = object("Deployment", "orbit-registry");
                    const envPatch = (env: KubeObject) => ({
                        spec: { template: { spec: { containers: [{ name: "registry", env: [env] }] } } },
                    });
                    const strategic = "application/strategic-merge-patch+json";
                    const generation = (await live("Deployment", "orbit-registry")).metadata.generation;

                    // kubectl set env: GET, then a strategic merge patch; kubectl rollout status: a watch by name.
                    const readOnly = { name: "REGISTRY_STORAGE_MAINTENANCE_READONLY", value: '{"enabled":true}' };
                    assert.strictEqual((await collector.request("GET", `${deployments}/orbit-registry`)).status, 200);
                    const patched = await collector.request("PATCH", `${deployments}/orbit-registry`, envPatch(readOnly), strategic);
                    assert.strictEqual(patched.status, 200, JSON.stringify(patched.body));
                    const watch = `${deployments}?fieldSelector=metadata.name%3Dorbit-registry&watch=true&timeoutSeconds=1`;
                    assert.strictEqual((await collector.request("GET", watch)).status, 200);
                    await deployer.waitReady({ ...registry, metadata: { ...registry.metadata } });
                    const rolled = await live("Deployment", "orbit-registry");
                    assert.ok(rolled.metadata.generation > generation, "the switch rolled the registry");
                    assert.deepStrictEqual(
                        rolled.spec.template.spec.containers[0].env.find((e: KubeObject) => e.name === readOnly.name),
                        readOnly,
                    );

                    const back = await collector.request(
                        "PATCH",
                        `${deployments}/orbit-registry`,
                        envPatch({ name: readOnly.name, $patch: "delete" }),
                        strategic,
                    );
                    assert.strictEqual(back.status, 200, JSON.stringify(back.body));
                    await deployer.waitReady(registry);
                    const restored = await live("Deployment", "orbit-registry");
                    assert.ok(!(restored.spec.template.spec.containers[0].env ?? []).some((e: KubeObject) => e.name === readOnly.name));

                    const refused = [
                        ["DELETE", `${deployments}/orbit-registry`],
                        ["PATCH", `${deployments}/orbit-registry-redis`],
                        ["GET", `/api/v1/namespaces/${namespace}/secrets/orbit-registry-env`],
                        ["GET", `/api/v1/namespaces/${namespace}/secrets`],
                        ["PATCH", `/apis/apps/v1/namespaces/${namespace}/statefulsets/orbit-minio`],
                        ["GET", `/apis/apps/v1/namespaces/${config.appNamespace}/deployments`],
                    ];
                    for (const [method, path] of refused) {
                        const answer = await collector.request(
                            method,
                            path,
                            method === "PATCH" ? envPatch(readOnly) : undefined,
                            strategic,
                        );
                        assert.strictEqual(answer.status, 403, `${method} ${path}: ${answer.status}`);
                    }
                    console.log(
                        `      as ${account}: set and removed the read-only variable (2 rollouts); ` +
                            `${refused.length} other requests refused (403)`,
                    );
                });
            }

            if (config.pullEndpoint === "true") {
                it("admits a pod that names the pull Secret in imagePullSecrets, in each namespace that has it", async () => {
                    for (const podNamespace of [config.appNamespace, ...config.pullSecretNamespaces.split(",")]) {
                        const secret = await plane.api.get("v1", "Secret", "orbit-registry-pull", podNamespace);
                        assert.strictEqual(secret?.type, "kubernetes.io/dockerconfigjson", podNamespace);
                        const pod = {
                            apiVersion: "v1",
                            kind: "Pod",
                            metadata: { name: "uses-an-orbit-image", namespace: podNamespace },
                            spec: {
                                imagePullSecrets: [{ name: "orbit-registry-pull" }],
                                containers: [{ name: "app", image: `${config.pullHost}/acme/web:v1` }],
                            },
                        };
                        const created = await plane.api.create(pod);
                        assert.deepStrictEqual(created.warnings, []);
                        await deployer.waitReady(pod).catch(() => undefined);
                        const live = await plane.api.get("v1", "Pod", pod.metadata.name, podNamespace);
                        assert.deepStrictEqual(live?.spec.imagePullSecrets, [{ name: "orbit-registry-pull" }]);
                    }
                });

                it("runs the pull endpoint's and the mirror's pods ready, each selected by its own Service", async () => {
                    for (const name of ["orbit-registry-pull", "orbit-registry-mirror"]) {
                        const service = await live("Service", name);
                        const endpoints = await deployer.readyEndpoints(service);
                        const deployment = await live("Deployment", name);
                        assert.strictEqual(endpoints.length, deployment.spec.replicas, name);
                    }
                });
            }

            if (config.backupTarget) {
                it("runs the Jobs npm run backup and npm run restore make from the backup CronJob to completion", async () => {
                    const cronJob = await live("CronJob", "orbit-registry-backup");
                    const keys = await live("Secret", "orbit-registry-backup");
                    assert.deepStrictEqual(Object.keys(keys.data).sort(), [
                        "SOURCE_ACCESS_KEY",
                        "SOURCE_SECRET_KEY",
                        "TARGET_ACCESS_KEY",
                        "TARGET_SECRET_KEY",
                    ]);
                    const jobs = [
                        jobFromBackupCronJob(cronJob, "orbit-registry-backup-now-1", { mode: "backup", prune: false }),
                        jobFromBackupCronJob(cronJob, "orbit-registry-backup-restore-1", {
                            mode: "restore",
                            from: parseBackupTarget(config.backupTarget),
                        }),
                    ];
                    for (const job of jobs) {
                        const created = await plane.api.create(job);
                        assert.deepStrictEqual(created.warnings, [], `${job.metadata.name} is admitted without a warning`);
                        // Complete: its pod passed the restricted Pod Security Standard and ran.
                        await deployer.waitReady(job);
                        // Owned by the live CronJob, which its controller sees as one of its own runs; gone a day after.
                        const admitted = (await plane.api.get("batch/v1", "Job", job.metadata.name, namespace))!;
                        assert.strictEqual(admitted.metadata.ownerReferences[0].uid, cronJob.metadata.uid);
                        assert.strictEqual(admitted.spec.ttlSecondsAfterFinished, 86_400);
                    }
                    // The pods the backup egress policy selects, and MinIO's ingress admits.
                    const egress = await live("NetworkPolicy", "orbit-registry-backup-egress");
                    const pods = await plane.api.list("v1", "Pod", namespace, labelSelector(egress.spec.podSelector.matchLabels));
                    assert.strictEqual(pods.length, 2, "one pod of each Job");
                    console.log(`      ${jobs.map((j) => j.metadata.name).join(" and ")} completed`);
                });
            }

            it("gives the Ingress an address", async () => {
                assert.ok((await live("Ingress", "orbit-registry")).status.loadBalancer.ingress.length > 0);
            });

            if (config.minioPublicEndpoint) {
                it("routes minioPublicEndpoint's host to the Service whose endpoint is MinIO's ready pod", async () => {
                    const host = new URL(config.minioPublicEndpoint).hostname;
                    const ingress = await live("Ingress", "orbit-registry");
                    assert.ok(ingress.spec.tls[0].hosts.includes(host), "the host is on the Ingress' certificate");
                    const backend = ingress.spec.rules.find((rule: KubeObject) => rule.host === host).http.paths[0].backend.service;
                    const service = await plane.api.get("v1", "Service", backend.name, namespace);
                    assert.ok(service, `no Service ${backend.name}`);
                    assert.ok(
                        service.spec.ports.some((port: KubeObject) => port.port === backend.port.number),
                        "the backend port exists",
                    );
                    const minioPods = await plane.api.list("v1", "Pod", namespace, labelSelector(service.spec.selector));
                    const endpoints = await deployer.readyEndpoints(service);
                    assert.deepStrictEqual(
                        endpoints,
                        minioPods.filter(isReadyPod).map((p) => p.metadata.name),
                    );
                    assert.match(minioPods[0].metadata.name, /^orbit-minio-/);
                });
            }

            it("routes /token on ingressHost to the token server's Service, whose endpoints are its ready pods (quotas)", async () => {
                const ingress = await live("Ingress", "orbit-registry");
                const rule = ingress.spec.rules.find((r: KubeObject) => r.host === config.ingressHost);
                const tokenPath = rule.http.paths.find((p: KubeObject) => p.path === "/token");
                assert.strictEqual(tokenPath.pathType, "Exact");
                const service = (await plane.api.get("v1", "Service", tokenPath.backend.service.name, namespace))!;
                assert.ok(service.spec.ports.some((port: KubeObject) => port.name === tokenPath.backend.service.port.name));
                const pods = await plane.api.list("v1", "Pod", namespace, labelSelector(service.spec.selector));
                assert.strictEqual(pods.filter(isReadyPod).length, replicas, "registryReplicas token server pods, ready");
                assert.deepStrictEqual(
                    (await deployer.readyEndpoints(service)).sort(),
                    pods
                        .filter(isReadyPod)
                        .map((p) => p.metadata.name)
                        .sort(),
                );
                const policy = await live("NetworkPolicy", "orbit-registry-auth-ingress");
                assert.deepStrictEqual(policy.spec.podSelector.matchLabels, service.spec.selector);
            });

            it("hands the apps exactly their ORBIT_REGISTRY_* keys in orbit-registry-credentials", async () => {
                const secret = await plane.api.get("v1", "Secret", "orbit-registry-credentials", config.appNamespace);
                assert.ok(secret);
                assert.deepStrictEqual(Object.keys(secret.data).sort(), [
                    ...(config.mirrorUpstream ? ["ORBIT_REGISTRY_MIRROR"] : []),
                    "ORBIT_REGISTRY_PASS",
                    ...(config.pullEndpoint === "true" ? ["ORBIT_REGISTRY_PULL_URL"] : []),
                    "ORBIT_REGISTRY_TOKEN",
                    "ORBIT_REGISTRY_URL",
                    "ORBIT_REGISTRY_USER",
                ]);
                assert.strictEqual(Buffer.from(secret.data.ORBIT_REGISTRY_URL, "base64").toString(), config.ingressHost);
            });

            it("changes nothing when the same program runs again, nor when the server is handed every object again", async () => {
                const again = await deployer.deploy(objects);
                assert.deepStrictEqual(
                    again.filter((a) => a.step !== "same").map((a) => `${a.step} ${a.resource}`),
                    [],
                    "pulumi up of an unchanged program",
                );
                const before = new Map<string, string>();
                for (const entry of objects) {
                    // By namespace too: the pull Secret has one name in several namespaces.
                    const { apiVersion, kind, metadata } = deployer.live(entry);
                    before.set(
                        entry.resource,
                        (await plane.api.get(apiVersion, kind, metadata.name, metadata.namespace))!.metadata.resourceVersion,
                    );
                }
                const reapplied = await deployer.reapply(objects);
                const changed = reapplied
                    .filter((a) => a.applied!.metadata.resourceVersion !== before.get(a.resource))
                    .map((a) => `${a.object.kind} ${a.object.metadata.name}`);
                assert.deepStrictEqual(changed, [], "server-side apply of the same objects");
                assert.deepStrictEqual(
                    reapplied.flatMap((a) => a.warnings),
                    [],
                );
            });

            it("rolls a changed registry config to a new ReplicaSet without dropping below registryReplicas ready pods", async () => {
                const changed = deployer.objectsOf(await runProgram({ ...variant.raw, registryLogLevel: "debug" }, "prod", secrets));
                const configMap = changed.find((o) => o.object.kind === "ConfigMap" && o.object.data?.["config.yml"])!.object;
                assert.strictEqual(parse(configMap.data["config.yml"]).log.level, "debug");

                // The registry's own: the pull endpoint shares its settings and rolls with it.
                const registryReplicaSets = () =>
                    plane.api.list(
                        "apps/v1",
                        "ReplicaSet",
                        namespace,
                        labelSelector(object("Deployment", "orbit-registry").spec.selector.matchLabels),
                    );
                const replicaSetsBefore = await registryReplicaSets();
                let fewestReady = Infinity;
                let rolling = true;
                const sampler = (async () => {
                    while (rolling) {
                        fewestReady = Math.min(fewestReady, (await registryPods()).filter(isReadyPod).length);
                        await new Promise((r) => setTimeout(r, 50));
                    }
                })();
                try {
                    await deployer.deploy(changed);
                } finally {
                    rolling = false;
                    await sampler;
                }
                objects = changed;

                const replicaSetsAfter = await registryReplicaSets();
                assert.strictEqual(replicaSetsAfter.length, replicaSetsBefore.length + 1, "one new ReplicaSet");
                const pods = (await registryPods()).filter(isReadyPod);
                assert.strictEqual(pods.length, replicas);
                const mounted = (pod: KubeObject) => pod.spec.volumes.find((v: KubeObject) => v.configMap).configMap.name;
                assert.ok(
                    pods.every((pod) => mounted(pod) === configMap.metadata.name),
                    "every ready pod mounts the new config",
                );
                assert.ok(fewestReady >= replicas, `only ${fewestReady} ready registry pods during the rollout`);
                assert.strictEqual(
                    await plane.api.get(
                        "v1",
                        "ConfigMap",
                        applied.find((a) => a.object.kind === "ConfigMap" && a.object.data?.["config.yml"])!.object.metadata.name,
                        namespace,
                    ),
                    undefined,
                    "the old ConfigMap is deleted",
                );
            });

            it("rotates credentials in two steps: Secrets change in place, the registry rolls, no workload is replaced", async () => {
                const uids = async () => {
                    const found = new Map<string, string>();
                    for (const kind of ["Secret", "Deployment", "StatefulSet"]) {
                        const apiVersion = kind === "Secret" ? "v1" : "apps/v1";
                        for (const item of await plane.api.list(apiVersion, kind, namespace))
                            found.set(`${kind} ${item.metadata.name}`, item.metadata.uid);
                    }
                    return found;
                };
                const before = await uids();
                const statefulSetGenerations = async () =>
                    (await plane.api.list("apps/v1", "StatefulSet", namespace)).map((s) => `${s.metadata.name}@${s.metadata.generation}`);
                const minioBefore = await statefulSetGenerations();
                const replicaSets = async () =>
                    (
                        await plane.api.list(
                            "apps/v1",
                            "ReplicaSet",
                            namespace,
                            labelSelector(object("Deployment", "orbit-registry").spec.selector.matchLabels),
                        )
                    ).length;
                const replicaSetsBefore = await replicaSets();
                const steps: Array<[string, RawConfig]> = [
                    ["overlap", { credentialsGeneration: "2" }],
                    ["retired", { credentialsGeneration: "2", retiredCredentialsGeneration: "1" }],
                ];
                for (const [step, overrides] of steps) {
                    objects = deployer.objectsOf(
                        await runProgram({ ...variant.raw, registryLogLevel: "debug", ...overrides }, "prod", secrets),
                    );
                    const rotated = await deployer.deploy(objects);
                    assert.deepStrictEqual(
                        rotated.flatMap((a) => a.warnings),
                        [],
                        step,
                    );
                    const after = await uids();
                    const replaced = [...before].filter(([key, uid]) => after.has(key) && after.get(key) !== uid).map(([key]) => key);
                    assert.deepStrictEqual(replaced, [], `${step}: nothing deleted and created again`);
                    assert.deepStrictEqual([...after.keys()].sort(), [...before.keys()].sort(), `${step}: the same objects`);
                }
                assert.deepStrictEqual(await statefulSetGenerations(), minioBefore, "MinIO was not touched");
                assert.strictEqual(await replicaSets(), replicaSetsBefore + 2, "the registry rolled at each step");
                assert.strictEqual((await registryPods()).filter(isReadyPod).length, replicas);
                const credentials = await plane.api.get("v1", "Secret", "orbit-registry-credentials", config.appNamespace);
                assert.strictEqual(Buffer.from(credentials!.data.ORBIT_REGISTRY_USER, "base64").toString(), `${config.registryUser}-g2`);
                if (variant.withMinio) {
                    // A new identity changes the Job's template, which is immutable: Pulumi replaces the Job.
                    const provisioner = labelSelector(objects.find((o) => o.object.kind === "Job")!.object.metadata.labels);
                    const jobs = (await plane.api.list("batch/v1", "Job", namespace, provisioner)).filter(
                        (j) => !j.metadata.deletionTimestamp,
                    );
                    assert.strictEqual(jobs.length, 1, "the provisioning Job of the last step, the earlier ones pruned");
                    assert.ok((jobs[0].status?.conditions ?? []).some((c: KubeObject) => c.type === "Complete" && c.status === "True"));
                }
            });
        });
    }

    describe("what the real server catches that the schema check cannot", () => {
        const namespace = "orbit-registry";
        let deployer: Deployer;
        let registry: KubeObject;

        before(async () => {
            deployer = new Deployer(plane.api, 60_000, () => plane.logs());
            registry = deployer
                .objectsOf(await runProgram(variants[0].raw, "prod", randomSecrets()))
                .find((o) => o.object.kind === "Deployment" && o.object.metadata.name === "orbit-registry")!.object;
        });

        it("refuses the pods of a registry template without runAsNonRoot (PodSecurity), with a warning at apply", async () => {
            const broken = structuredClone(registry);
            broken.metadata.name = "orbit-registry-without-nonroot";
            broken.spec.selector.matchLabels = { ...broken.spec.selector.matchLabels, variant: "without-nonroot" };
            broken.spec.template.metadata.labels = { ...broken.spec.template.metadata.labels, variant: "without-nonroot" };
            delete broken.spec.template.spec.securityContext.runAsNonRoot;
            delete broken.spec.template.spec.containers[0].securityContext.runAsNonRoot;

            const { warnings, error } = await deployer.tryApply(broken);
            assert.strictEqual(error, undefined);
            console.log(`      server warning: ${warnings.join(" | ")}`);
            assert.ok(
                warnings.some((w) => /would violate PodSecurity "restricted:latest": runAsNonRoot != true/.test(w)),
                warnings.join("\n"),
            );
            await waitUntil(
                "a FailedCreate event",
                async () =>
                    (await plane.api.list("v1", "Event", namespace)).some(
                        (e) => e.reason === "FailedCreate" && /violates PodSecurity/.test(e.message),
                    ),
                30_000,
            );
            const event = (await plane.api.list("v1", "Event", namespace)).find((e) => e.reason === "FailedCreate")!;
            console.log(`      server event: ${event.message}`);
            assert.match(event.message, /runAsNonRoot != true/);
            assert.strictEqual((await plane.api.list("v1", "Pod", namespace, "variant=without-nonroot")).length, 0);
            await plane.api.ok("DELETE", await plane.api.objectPath(broken));
        });

        it("refuses an object with an unknown field (strict field validation)", async () => {
            const broken = structuredClone(registry);
            broken.metadata.name = "orbit-registry-with-typo";
            broken.spec.template.spec.containers[0].bogusField = true;
            const { error } = await deployer.tryApply(broken);
            assert.ok(error, "the server accepted an unknown field");
            console.log(`      server error: ${error.message}`);
            assert.match(error.message, /bogusField/);
            assert.match(error.message, /field not declared in schema|unknown field/);
        });

        it("gives a Service whose selector matches no pod no endpoints", async () => {
            const service = {
                apiVersion: "v1",
                kind: "Service",
                metadata: { name: "orbit-registry-mistyped", namespace },
                spec: {
                    selector: { ...registry.spec.selector.matchLabels, "app.kubernetes.io/name": "registy" },
                    ports: [{ name: "http", port: 5000, targetPort: "http" }],
                },
            };
            await deployer.tryApply(service);
            await waitUntil(
                "the EndpointSlice controller",
                async () =>
                    (
                        await plane.api.list(
                            "discovery.k8s.io/v1",
                            "EndpointSlice",
                            namespace,
                            "kubernetes.io/service-name=orbit-registry-mistyped",
                        )
                    ).length > 0,
                30_000,
            );
            assert.deepStrictEqual(await deployer.readyEndpoints(service), []);
            assert.strictEqual(await deployer.isReady(service), false, "Pulumi would wait for endpoints that never come");
            assert.ok(
                (await deployer.readyEndpoints({ metadata: { name: "orbit-registry", namespace } })).length > 0,
                "the real Service has endpoints",
            );
        });
    });
});
