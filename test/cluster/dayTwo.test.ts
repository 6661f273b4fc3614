import * as assert from "assert";
import { RawConfig } from "../../components/config";
import { stackGuardProblems, StackGuardInputs } from "../../components/guard/stackGuardProvider";
import { minioInstanceAnnotation } from "../../components/kubernetes/provisioner";
import { randomSecrets, runProgram, SecretSource, StackRun } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";
import { waitUntil } from "../integration/harness/net";
import { requireTools } from "../integration/harness/tools";
import { ControlPlane } from "./harness/controlPlane";
import { AlreadyExistsError, Deployer, ProtectedError, StackObject } from "./harness/deployer";
import { ApiError, KubeObject } from "./harness/kubeApi";
import { clusterInstallHint, findClusterTools } from "./harness/tools";
import { staticVolume } from "./harness/volumes";

const guardType = "pulumi-nodejs:dynamic/orbit-registry:StackGuard";

/** The inputs the stack's guard gets in this run, as its check receives them. */
function guardInputs(run: StackRun): StackGuardInputs {
    const { __provider, ...inputs } = run.one(guardType).inputs;
    void __provider;
    return inputs as unknown as StackGuardInputs;
}

const storageClass = (name: string, allowVolumeExpansion: boolean): KubeObject => ({
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name },
    provisioner: "kubernetes.io/no-provisioner",
    volumeBindingMode: "Immediate",
    allowVolumeExpansion,
});

/**
 * What a platform team meets in its first month, on a real kube-apiserver with controllers and kwok
 * nodes, deployed the way the real provider deploys (see the Deployer), with the stack's guard
 * reading this cluster as it would at preview.
 */
describe("Kubernetes day two on a real control plane: scaling out, resizing, a second stack", function () {
    let plane: ControlPlane;
    let kubeconfigBefore: string | undefined;

    /** One stack: its config, its own state (the deployer) and its secrets across runs. */
    class Stack {
        readonly deployer = new Deployer(plane.api, 120_000, () => plane.logs());
        readonly secrets: SecretSource = randomSecrets();
        run!: StackRun;
        objects!: StackObject[];

        constructor(
            private raw: RawConfig,
            private readonly name = "prod",
        ) {}

        /** The program with `overrides` on top of the stack's config: its run and objects, not deployed. */
        async plan(overrides: RawConfig = {}): Promise<{ run: StackRun; objects: StackObject[] }> {
            const run = await runProgram({ ...this.raw, ...overrides }, this.name, this.secrets);
            return { run, objects: this.deployer.objectsOf(run) };
        }

        /** `pulumi up` with `overrides`: the guard's check against the previous run first, as the engine does. */
        async up(overrides: RawConfig = {}) {
            const next = await this.plan(overrides);
            const problems = await stackGuardProblems(this.run ? guardInputs(this.run) : {}, guardInputs(next.run));
            if (problems.length > 0) return { problems, steps: [] };
            const steps = await this.deployer.deploy(next.objects);
            this.raw = { ...this.raw, ...overrides };
            [this.run, this.objects] = [next.run, next.objects];
            return { problems, steps };
        }

        live(kind: string, nameOrPrefix: string): KubeObject {
            const found = this.objects.find((o) => o.object.kind === kind && this.deployer.live(o).metadata.name.startsWith(nameOrPrefix));
            assert.ok(found, `no ${kind} ${nameOrPrefix}`);
            return this.deployer.live(found);
        }

        resource(kind: string, name: string): string {
            return this.objects.find((o) => o.object.kind === kind && o.object.metadata?.name === name)!.resource;
        }
    }

    const namespaceOf = (raw: RawConfig) => raw.namespace!;
    const pods = async (namespace: string, selector: string) => plane.api.list("v1", "Pod", namespace, selector);

    before(async function () {
        plane = new ControlPlane(requireTools(this, "cluster tools", findClusterTools(), clusterInstallHint));
        await plane.start();
        await plane.addNodes(["day2-node-1", "day2-node-2", "day2-node-3"]);
        for (const object of [storageClass("fixed", false), storageClass("expandable", true)]) await plane.api.create(object);
        // The guard reads the cluster through the kubeconfig, as the provider does.
        kubeconfigBefore = process.env.KUBECONFIG;
        process.env.KUBECONFIG = plane.kubeconfig;
    });

    after(async () => {
        if (kubeconfigBefore === undefined) delete process.env.KUBECONFIG;
        else process.env.KUBECONFIG = kubeconfigBefore;
        await plane?.stop();
    });

    const newStack = async (overrides: RawConfig, volumes: KubeObject[], stackName = "prod") => {
        const raw = stackConfig("prod", { registryReplicas: "1", ...overrides });
        for (const namespace of [raw.appNamespace!]) {
            if (!(await plane.api.get("v1", "Namespace", namespace))) {
                await plane.api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
            }
        }
        for (const volume of volumes) await plane.api.create(volume);
        return new Stack(raw, stackName);
    };

    describe("scaling out to distributed MinIO as docs/operations.md says", () => {
        let stack: Stack;

        before(async () => {
            stack = await newStack({ namespace: "day2-scale", appNamespace: "day2-scale-apps" }, [
                staticVolume("day2-scale-single", "50Gi"),
                ...[0, 1, 2, 3].map((i) => staticVolume(`day2-scale-pool-${i}`, "50Gi")),
            ]);
            const { problems } = await stack.up();
            assert.deepStrictEqual(problems, []);
        });

        it("replaces the provisioning Job, so it runs against the new pool, and keeps the old MinIO for the copy", async () => {
            const namespace = namespaceOf({ namespace: "day2-scale" });
            const firstJob = stack.live("Job", "orbit-registry-kubernetes-minio-provisioner-job");
            // The docs' first steps: unprotect the single MinIO's StatefulSet and claim (they stay, retainOnDelete).
            stack.deployer.unprotect(stack.resource("StatefulSet", "orbit-minio"));
            stack.deployer.unprotect(stack.resource("PersistentVolumeClaim", "orbit-minio-data"));
            const { problems, steps } = await stack.up({ minioReplicas: "4", minioLayoutChange: "true" });
            assert.deepStrictEqual(problems, []);

            const jobStep = steps.find((s) => s.object.kind === "Job")!;
            assert.strictEqual(jobStep.step, "replace", "the Job's template names the new MinIO");
            const job = await plane.api.get("batch/v1", "Job", jobStep.object.metadata.name, namespace);
            assert.ok(job && job.metadata.name !== firstJob.metadata.name, "a new Job");
            assert.ok(
                job.status.conditions.some((c: KubeObject) => c.type === "Complete" && c.status === "True"),
                "it ran to completion",
            );
            assert.notStrictEqual(
                job.spec.template.metadata.annotations[minioInstanceAnnotation],
                firstJob.spec.template.metadata.annotations[minioInstanceAnnotation],
            );
            assert.strictEqual(await plane.api.get("batch/v1", "Job", firstJob.metadata.name, namespace), undefined, "the old Job is gone");

            assert.ok(await plane.api.get("apps/v1", "StatefulSet", "orbit-minio", namespace), "the old MinIO stays for mc mirror");
            assert.ok(await plane.api.get("v1", "PersistentVolumeClaim", "orbit-minio-data", namespace), "and its claim");
            const pool = await pods(namespace, "app.kubernetes.io/instance=pool");
            assert.strictEqual(pool.length, 4);
            const endpoints = await stack.deployer.readyEndpoints({ metadata: { name: "orbit-minio", namespace } });
            assert.deepStrictEqual(
                endpoints.sort(),
                pool.map((p) => p.metadata.name).sort(),
                "the registry's Service reaches the pool only",
            );
            console.log(`      Job ${firstJob.metadata.name} replaced by ${job.metadata.name}, complete; the old MinIO kept`);
        });
    });

    describe("resizing MinIO's volume", () => {
        it("refuses, before anything changes, a claim whose StorageClass does not allow expansion, as the server would at up", async () => {
            const stack = await newStack({ namespace: "day2-fixed", appNamespace: "day2-fixed-apps", storageClass: "fixed" }, [
                staticVolume("day2-fixed", "100Gi", "fixed"),
            ]);
            await stack.up();
            const { problems } = await stack.up({ minioStorageSize: "80Gi" });
            assert.deepStrictEqual(problems, [
                'orbit-registry:minioStorageSize = "80Gi" (was "50Gi"): the claim orbit-minio-data\'s StorageClass fixed ' +
                    "does not allow volume expansion (allowVolumeExpansion); move MinIO to new, larger volumes: " +
                    'see docs/operations.md, "Moving MinIO to new volumes"',
            ]);
            // What the guard spares: the real server refusing the update half-way through `pulumi up`.
            const { objects } = await stack.plan({ minioStorageSize: "80Gi" });
            await assert.rejects(stack.deployer.deploy(objects), (error: ApiError) => {
                assert.match(error.message, /only dynamically provisioned pvc can be resized and the storageclass .* must support resize/);
                console.log(`      the server's answer the guard spares: ${error.message.slice(0, 150)}…`);
                return true;
            });
        });

        it("refuses a claim on a static volume without a StorageClass, which the server would refuse too", async () => {
            const stack = await newStack({ namespace: "day2-static", appNamespace: "day2-static-apps" }, [
                staticVolume("day2-static", "100Gi"),
            ]);
            await stack.up();
            const { problems } = await stack.up({ minioStorageSize: "80Gi" });
            assert.match(problems[0], /the claim orbit-minio-data is bound to a volume without a StorageClass, which cannot grow/);
            const { objects } = await stack.plan({ minioStorageSize: "80Gi" });
            await assert.rejects(stack.deployer.deploy(objects), /only dynamically provisioned pvc can be resized/);
        });

        it("grows a claim whose StorageClass allows expansion, in place", async () => {
            const stack = await newStack({ namespace: "day2-expand", appNamespace: "day2-expand-apps", storageClass: "expandable" }, [
                staticVolume("day2-expand", "100Gi", "expandable"),
            ]);
            await stack.up();
            const claimBefore = await plane.api.get("v1", "PersistentVolumeClaim", "orbit-minio-data", "day2-expand");
            const { problems, steps } = await stack.up({ minioStorageSize: "80Gi" });
            assert.deepStrictEqual(problems, []);
            assert.strictEqual(steps.find((s) => s.object.kind === "PersistentVolumeClaim")!.step, "update");
            const claim = await plane.api.get("v1", "PersistentVolumeClaim", "orbit-minio-data", "day2-expand");
            assert.strictEqual(claim!.spec.resources.requests.storage, "80Gi");
            assert.strictEqual(claim!.metadata.uid, claimBefore!.metadata.uid, "the same claim");
        });

        it("says a pool on a class without expansion cannot grow, where growing each claim is what the server refuses", async () => {
            const namespace = "day2-fixed-pool";
            const stack = await newStack(
                { namespace, appNamespace: "day2-fixed-pool-apps", storageClass: "fixed", minioReplicas: "4" },
                [0, 1, 2, 3].map((i) => staticVolume(`day2-fixed-pool-${i}`, "100Gi", "fixed")),
            );
            await stack.up();
            const { problems } = await stack.up({ minioStorageSize: "80Gi" });
            assert.match(problems[0], /claims are on the StorageClass fixed, which does not allow volume expansion, so they cannot grow/);
            assert.match(problems[0], /Move MinIO to new, larger volumes: see docs\/operations\.md, "Moving MinIO to new volumes"$/);
            // The step the old message asked for: the server refuses it.
            const claim = (await plane.api.get("v1", "PersistentVolumeClaim", "data1-orbit-minio-pool-0", namespace))!;
            await assert.rejects(
                plane.api.apply({
                    apiVersion: "v1",
                    kind: "PersistentVolumeClaim",
                    metadata: { name: claim.metadata.name, namespace },
                    spec: { ...claim.spec, resources: { requests: { storage: "80Gi" } } },
                }),
                /only dynamically provisioned pvc can be resized/,
            );
        });

        it("moves MinIO to another StorageClass by the documented steps, after refusing what the provider gets stuck on", async () => {
            const namespace = "day2-class";
            const stack = await newStack({ namespace, appNamespace: "day2-class-apps", storageClass: "fixed" }, [
                staticVolume("day2-class-fixed", "100Gi", "fixed"),
                staticVolume("day2-class-expandable", "100Gi", "expandable"),
            ]);
            await stack.up();
            const claimOf = () => plane.api.get("v1", "PersistentVolumeClaim", "orbit-minio-data", namespace);
            const jobBefore = stack.live("Job", "orbit-registry-kubernetes-minio-provisioner-job");
            // What a user tries first: unprotect as the engine's hint says, then a new class.
            stack.deployer.unprotect(stack.resource("StatefulSet", "orbit-minio"));
            stack.deployer.unprotect(stack.resource("PersistentVolumeClaim", "orbit-minio-data"));
            const { problems } = await stack.up({ storageClass: "expandable" });
            assert.match(problems[0], /^orbit-registry:storageClass = "expandable" \(was "fixed"\): a claim's StorageClass cannot change/);
            // What the guard spares: the claim replaced, the old one kept by retainOnDelete, the new one refused.
            const { objects } = await stack.plan({ storageClass: "expandable" });
            await assert.rejects(stack.deployer.deploy(objects), /persistentvolumeclaims "orbit-minio-data" already exists/);
            assert.strictEqual((await claimOf())!.spec.storageClassName, "fixed");

            // docs/operations.md "Moving MinIO to new volumes" (the backup and restore are the backup suite's).
            for (const [kind, apiVersion, name] of [
                ["StatefulSet", "apps/v1", "orbit-minio"],
                ["PersistentVolumeClaim", "v1", "orbit-minio-data"],
            ]) {
                await stack.deployer.deleteAndWait({ apiVersion, kind, metadata: { name, namespace } });
            }
            const gone = await stack.deployer.refresh();
            assert.ok(gone.length >= 1, "the refresh sees the deleted objects gone");
            const moved = await stack.up({ storageClass: "expandable", minioLayoutChange: "true" });
            assert.deepStrictEqual(moved.problems, []);
            const claim = (await claimOf())!;
            assert.strictEqual(claim.spec.storageClassName, "expandable");
            assert.strictEqual(claim.status.phase, "Bound");
            const job = stack.live("Job", "orbit-registry-kubernetes-minio-provisioner-job");
            assert.notStrictEqual(job.metadata.name, jobBefore.metadata.name, "the provisioning Job ran again for the new MinIO");
            const done = await stack.up({ minioLayoutChange: "false" });
            assert.deepStrictEqual(done.problems, []);
            const after = await stack.plan();
            const changed = await stack.deployer.deploy(after.objects);
            assert.deepStrictEqual(
                changed.filter((step) => step.step !== "same").map((step) => step.resource),
                [],
                "then nothing changes",
            );
        });

        it("grows a distributed pool through the documented steps: each claim, then the StatefulSet without its pods", async () => {
            const namespace = "day2-pool";
            const stack = await newStack(
                { namespace, appNamespace: "day2-pool-apps", storageClass: "expandable", minioReplicas: "4" },
                [0, 1, 2, 3].map((i) => staticVolume(`day2-pool-${i}`, "100Gi", "expandable")),
            );
            await stack.up();
            const poolPods = async () => (await pods(namespace, "app.kubernetes.io/instance=pool")).map((p) => p.metadata.uid).sort();
            const podsBefore = await poolPods();

            const [refused] = (await stack.up({ minioStorageSize: "80Gi" })).problems;
            assert.match(refused, /Grow each claim first .*delete the StatefulSet without its pods/);
            // What the engine would do without the guard: refuse to replace the protected StatefulSet.
            const { objects } = await stack.plan({ minioStorageSize: "80Gi" });
            await assert.rejects(stack.deployer.deploy(objects), (error: Error) => {
                assert.ok(error instanceof ProtectedError);
                assert.match(error.message, /unable to replace resource ".*minio-pool" as it is currently marked for protection/);
                return true;
            });

            // The documented steps, as kubectl does them.
            const claims = [0, 1, 2, 3].map((pod) => `data1-orbit-minio-pool-${pod}`);
            for (const claim of claims) {
                const patched = await plane.api.request(
                    "PATCH",
                    `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${claim}`,
                    { spec: { resources: { requests: { storage: "80Gi" } } } },
                    "application/strategic-merge-patch+json",
                );
                assert.strictEqual(patched.status, 200, JSON.stringify(patched.body));
            }
            const orphaned = await plane.api.request("DELETE", `/apis/apps/v1/namespaces/${namespace}/statefulsets/orbit-minio-pool`, {
                propagationPolicy: "Orphan",
            });
            assert.strictEqual(orphaned.status, 200);
            await waitUntil(
                "the StatefulSet to go",
                async () => !(await plane.api.get("apps/v1", "StatefulSet", "orbit-minio-pool", namespace)),
                30_000,
            );
            stack.deployer.unprotect(stack.resource("StatefulSet", "orbit-minio-pool"));

            const { problems, steps } = await stack.up({ minioStorageSize: "80Gi" });
            assert.deepStrictEqual(problems, []);
            assert.strictEqual(steps.find((s) => s.object.kind === "StatefulSet")!.step, "replace");
            const pool = await plane.api.get("apps/v1", "StatefulSet", "orbit-minio-pool", namespace);
            assert.strictEqual(pool!.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "80Gi");
            assert.deepStrictEqual(await poolPods(), podsBefore, "MinIO's pods ran on, adopted by the new StatefulSet");
        });
    });

    describe("a second stack on the same cluster", () => {
        let first: Stack;

        before(async () => {
            first = await newStack(
                { namespace: "day2-shared", appNamespace: "day2-shared-apps", storage: "s3", awsRegion: "eu-west-1" },
                [],
            );
            assert.deepStrictEqual((await first.up()).problems, []);
        });

        it("is refused at preview where the first stack's namespace would be created again, which up would fail on", async () => {
            const second = await newStack(
                { namespace: "day2-shared", appNamespace: "day2-shared-apps", storage: "s3", awsRegion: "eu-west-1" },
                [],
                "staging",
            );
            const { problems } = await second.up();
            assert.deepStrictEqual(problems, [
                'orbit-registry:namespace = "day2-shared": the namespace belongs to the stack organization/orbit-registry/prod; ' +
                    'see docs/operations.md, "A second stack on the same cluster"',
                'orbit-registry:appNamespace = "day2-shared-apps": its Secret orbit-registry-credentials belongs to the stack ' +
                    'organization/orbit-registry/prod; see docs/operations.md, "A second stack on the same cluster"',
            ]);
            const { objects } = await second.plan();
            await assert.rejects(second.deployer.deploy(objects), (error: Error) => {
                assert.ok(error instanceof AlreadyExistsError);
                assert.match(error.message, /^namespaces "day2-shared" already exists/);
                return true;
            });
        });

        it("is refused at preview where a namespace both list in pullSecretNamespaces would get a second pull Secret", async () => {
            const pull = (namespace: string, host: string) => ({
                namespace,
                appNamespace: `${namespace}-apps`,
                storage: "s3",
                awsRegion: "eu-west-1",
                ingressHost: `${host}.orbit.example.com`,
                pullEndpoint: "true",
                pullHost: `${host}-pull.orbit.example.com`,
                pullSecretNamespaces: "day2-runtime",
            });
            await plane.api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "day2-runtime" } });
            const prod = await newStack(pull("day2-pull-a", "a"), [], "pull-prod");
            assert.deepStrictEqual((await prod.up()).problems, []);
            const staging = await newStack(pull("day2-pull-b", "b"), [], "pull-staging");
            assert.deepStrictEqual((await staging.up()).problems, [
                'orbit-registry:pullSecretNamespaces = "day2-runtime": the Secret orbit-registry-pull in day2-runtime belongs to ' +
                    'the stack organization/orbit-registry/pull-prod; see docs/operations.md, "A second stack on the same cluster"',
            ]);
            // What up would have met without the guard: half the stack created, then the Secret refused.
            const { objects } = await staging.plan();
            await assert.rejects(staging.deployer.deploy(objects), /secrets "orbit-registry-pull" already exists/);
        });

        it("deploys beside the first with its own namespace and apps' namespace", async () => {
            const second = await newStack(
                { namespace: "day2-shared-b", appNamespace: "day2-shared-b-apps", storage: "s3", awsRegion: "eu-west-1" },
                [],
                "staging",
            );
            const { problems } = await second.up();
            assert.deepStrictEqual(problems, []);
            for (const namespace of ["day2-shared", "day2-shared-b"]) {
                const deployment = await plane.api.get("apps/v1", "Deployment", "orbit-registry", namespace);
                assert.strictEqual(deployment!.status.readyReplicas, 1, namespace);
            }
        });
    });
});
