import * as assert from "assert";
import { ClusterView, KubernetesGuardInputs, LiveClaim, ownerAnnotation, quantityBytes } from "../../components/guard/kubernetesRules";
import { stackGuardProblems, StackGuardInputs } from "../../components/guard/stackGuardProvider";
import { K, named } from "../helpers/kubernetesObjects";
import { runProgram } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

/** A cluster as the rules read it; every read is counted. */
class FakeCluster implements ClusterView {
    reads = 0;
    namespaces = new Map<string, Record<string, string>>();
    secrets = new Map<string, Record<string, string>>();
    claims = new Map<string, LiveClaim>();
    storageClasses = new Map<string, boolean>();
    statefulSets = new Set<string>();

    async namespace(name: string) {
        this.reads++;
        const annotations = this.namespaces.get(name);
        return annotations && { annotations };
    }
    async secret(namespace: string, name: string) {
        this.reads++;
        const annotations = this.secrets.get(`${namespace}/${name}`);
        return annotations && { annotations };
    }
    async claim(_namespace: string, name: string) {
        this.reads++;
        return this.claims.get(name);
    }
    async storageClass(name: string) {
        this.reads++;
        const allowVolumeExpansion = this.storageClasses.get(name);
        return allowVolumeExpansion === undefined ? undefined : { allowVolumeExpansion };
    }
    async statefulSetExists(_namespace: string, name: string) {
        this.reads++;
        return this.statefulSets.has(name);
    }
}

const me = "organization/orbit-registry/prod";
const kubernetes = (overrides: Partial<KubernetesGuardInputs> = {}, minio: Partial<NonNullable<KubernetesGuardInputs["minio"]>> = {}) => ({
    stack: me,
    namespace: "orbit-registry",
    appNamespace: "orbit",
    appSecret: "orbit-registry-credentials",
    ...overrides,
    minio: { storageSize: "50Gi", pods: 1, drivesPerPod: 1, statefulSet: "orbit-minio", claim: "orbit-minio-data", ...minio },
});
const inputs = (k: KubernetesGuardInputs, storageLayout = "minio:1x1"): StackGuardInputs => ({
    storageLayout,
    layoutChangeAllowed: false,
    kubernetes: k,
});

describe("the stack's guard on the Kubernetes target (its rules, on a fake cluster)", () => {
    let cluster: FakeCluster;
    const problems = (olds: StackGuardInputs | Record<string, never>, news: StackGuardInputs) =>
        stackGuardProblems(olds, news, () => cluster);

    beforeEach(() => {
        cluster = new FakeCluster();
        cluster.namespaces.set("orbit", {});
    });

    it("is handed the prod stack's names, owner and claim by the program", async () => {
        const run = await runProgram(stackConfig("prod", { storageClass: "fast" }), "prod");
        const guard = run.one("pulumi-nodejs:dynamic/orbit-registry:StackGuard");
        assert.deepStrictEqual(guard.inputs.kubernetes, {
            stack: me,
            namespace: "orbit-registry",
            appNamespace: "orbit",
            appSecret: "orbit-registry-credentials",
            minio: {
                storageSize: "50Gi",
                storageClass: "fast",
                pods: 1,
                drivesPerPod: 1,
                statefulSet: "orbit-minio",
                claim: "orbit-minio-data",
            },
        });
        for (const [type, name, namespace] of [
            [K.namespace, "orbit-registry", undefined],
            [K.secret, "orbit-registry-credentials", "orbit"],
        ] as const) {
            const object = named(run, type, name);
            assert.strictEqual(object.metadata.namespace, namespace);
            assert.strictEqual(object.metadata.annotations[ownerAnnotation], me, `${name} names its stack`);
        }
        assert.strictEqual(run.one("pulumi-nodejs:dynamic/orbit-registry:StackGuard").inputs.layoutChangeAllowed, false);
        const docker = await runProgram(stackConfig("dev"), "dev");
        assert.strictEqual(docker.one("pulumi-nodejs:dynamic/orbit-registry:StackGuard").inputs.kubernetes, undefined);
    });

    it("reads nothing from the cluster when neither the namespaces nor the size change", async () => {
        assert.deepStrictEqual(await problems(inputs(kubernetes()), inputs(kubernetes({ context: "other" }))), []);
        assert.strictEqual(cluster.reads, 0);
    });

    describe("a second stack on the same cluster", () => {
        it("refuses a namespace another stack holds, naming the key, the stack and the docs", async () => {
            cluster.namespaces.set("orbit-registry", { [ownerAnnotation]: "organization/orbit-registry/staging" });
            const [problem, ...rest] = await problems({}, inputs(kubernetes()));
            assert.deepStrictEqual(rest, []);
            assert.strictEqual(
                problem,
                'orbit-registry:namespace = "orbit-registry": the namespace belongs to the stack organization/orbit-registry/staging; ' +
                    'see docs/operations.md, "A second stack on the same cluster"',
            );
        });

        it("refuses the apps' Secret of another stack, and an appNamespace that does not exist", async () => {
            cluster.secrets.set("orbit/orbit-registry-credentials", { [ownerAnnotation]: "organization/orbit-registry/staging" });
            assert.match(
                (await problems({}, inputs(kubernetes())))[0],
                /^orbit-registry:appNamespace = "orbit": its Secret orbit-registry-credentials belongs to the stack .*\/staging/,
            );
            assert.match(
                (await problems({}, inputs(kubernetes({ appNamespace: "builds" }))))[0],
                /^orbit-registry:appNamespace = "builds": no such namespace in the cluster; create it, or set appNamespace/,
            );
        });

        it("takes an unannotated namespace for its own on a stack's first guarded deployment (stacks made before it)", async () => {
            cluster.namespaces.set("orbit-registry", {});
            cluster.secrets.set("orbit/orbit-registry-credentials", {});
            assert.deepStrictEqual(await problems({}, inputs(kubernetes())), []);
        });

        it("refuses moving an existing stack into a namespace it did not create", async () => {
            cluster.namespaces.set("orbit-registry-b", {});
            assert.match(
                (await problems(inputs(kubernetes()), inputs(kubernetes({ namespace: "orbit-registry-b" }))))[0],
                /^orbit-registry:namespace = "orbit-registry-b": the namespace exists already, and this stack did not create it/,
            );
        });

        describe("the pull endpoint's Secret orbit-registry-pull", () => {
            const staging = { [ownerAnnotation]: "organization/orbit-registry/staging" };
            const withPull = (pullSecretNamespaces?: string[]) =>
                kubernetes({ pullSecret: "orbit-registry-pull", ...(pullSecretNamespaces ? { pullSecretNamespaces } : {}) });
            beforeEach(() => cluster.namespaces.set("apps1", {}));

            it("is handed to the guard by the program with pullEndpoint, with the listed namespaces", async () => {
                const run = await runProgram(
                    stackConfig("prod", { pullEndpoint: "true", pullHost: "pull.orbit.example.com", pullSecretNamespaces: "apps1,apps2" }),
                    "prod",
                );
                const guarded = run.one("pulumi-nodejs:dynamic/orbit-registry:StackGuard").inputs.kubernetes as KubernetesGuardInputs;
                assert.strictEqual(guarded.pullSecret, "orbit-registry-pull");
                assert.deepStrictEqual(guarded.pullSecretNamespaces, ["apps1", "apps2"]);
            });

            it("refuses a listed namespace whose Secret another stack wrote, naming the key, the namespace and the stack", async () => {
                cluster.secrets.set("apps1/orbit-registry-pull", staging);
                assert.deepStrictEqual(await problems({}, inputs(withPull(["apps1"]))), [
                    'orbit-registry:pullSecretNamespaces = "apps1": the Secret orbit-registry-pull in apps1 belongs to the stack ' +
                        'organization/orbit-registry/staging; see docs/operations.md, "A second stack on the same cluster"',
                ]);
            });

            it("refuses it in appNamespace too, and when a running stack turns the pull endpoint on", async () => {
                cluster.secrets.set("orbit/orbit-registry-pull", staging);
                assert.match(
                    (await problems({}, inputs(withPull())))[0],
                    /^orbit-registry:appNamespace = "orbit": the Secret orbit-registry-pull in orbit belongs/,
                );
                assert.match(
                    (await problems(inputs(kubernetes()), inputs(withPull())))[0],
                    /^orbit-registry:appNamespace = "orbit": the Secret orbit-registry-pull in orbit belongs/,
                );
            });

            it("refuses a namespace added to a running stack's list whose Secret is someone else's", async () => {
                cluster.namespaces.set("apps2", {});
                cluster.secrets.set("apps2/orbit-registry-pull", {});
                assert.match(
                    (await problems(inputs(withPull(["apps1"])), inputs(withPull(["apps1", "apps2"]))))[0],
                    /the Secret orbit-registry-pull in apps2 exists already, and this stack did not create it/,
                );
            });

            it("goes ahead on its own Secrets, and reads nothing when the namespaces stay", async () => {
                cluster.secrets.set("apps1/orbit-registry-pull", { [ownerAnnotation]: me });
                assert.deepStrictEqual(await problems({}, inputs(withPull(["apps1"]))), []);
                cluster.reads = 0;
                cluster.secrets.set("apps1/orbit-registry-pull", staging);
                assert.deepStrictEqual(await problems(inputs(withPull(["apps1"])), inputs(withPull(["apps1"]))), []);
                assert.strictEqual(cluster.reads, 0);
            });
        });

        it("goes ahead on its own namespace, or a free one", async () => {
            cluster.namespaces.set("orbit-registry", { [ownerAnnotation]: me });
            assert.deepStrictEqual(await problems({}, inputs(kubernetes())), []);
            assert.deepStrictEqual(await problems({}, inputs(kubernetes({ namespace: "orbit-registry-new" }))), []);
        });
    });

    describe("resizing MinIO's volume", () => {
        const grow = (minio: Partial<NonNullable<KubernetesGuardInputs["minio"]>> = {}) =>
            problems(inputs(kubernetes({}, minio)), inputs(kubernetes({}, { ...minio, storageSize: "80Gi" })));

        it("refuses a claim whose StorageClass does not allow expansion, or does not exist", async () => {
            cluster.claims.set("orbit-minio-data", { storageClassName: "standard", storage: "50Gi" });
            cluster.storageClasses.set("standard", false);
            assert.deepStrictEqual(await grow(), [
                'orbit-registry:minioStorageSize = "80Gi" (was "50Gi"): the claim orbit-minio-data\'s StorageClass standard ' +
                    "does not allow volume expansion (allowVolumeExpansion); move MinIO to new, larger volumes: " +
                    'see docs/operations.md, "Moving MinIO to new volumes"',
            ]);
            cluster.storageClasses.delete("standard");
            assert.match((await grow())[0], /StorageClass standard does not exist/);
        });

        it("refuses a claim on a volume without a StorageClass (a static volume)", async () => {
            cluster.claims.set("orbit-minio-data", { storage: "50Gi" });
            assert.match((await grow())[0], /the claim orbit-minio-data is bound to a volume without a StorageClass, which cannot grow/);
        });

        it("goes ahead when the StorageClass allows expansion", async () => {
            cluster.claims.set("orbit-minio-data", { storageClassName: "expandable", storage: "50Gi" });
            cluster.storageClasses.set("expandable", true);
            assert.deepStrictEqual(await grow(), []);
        });

        it("refuses to shrink, before reading the cluster", async () => {
            const shrink = await problems(inputs(kubernetes()), inputs(kubernetes({}, { storageSize: "40Gi" })));
            assert.deepStrictEqual(shrink, [
                'orbit-registry:minioStorageSize = "40Gi" (was "50Gi"): a claim never shrinks; keep 50Gi or more',
            ]);
            assert.strictEqual(cluster.reads, 0);
        });

        it("refuses a distributed pool's resize until each claim grew and the StatefulSet went without its pods", async () => {
            const pool = { pods: 4, drivesPerPod: 1, statefulSet: "orbit-minio-pool", claim: undefined };
            const claims = [0, 1, 2, 3].map((pod) => `data1-orbit-minio-pool-${pod}`);
            for (const claim of claims) cluster.claims.set(claim, { storageClassName: "expandable", storage: "50Gi" });
            cluster.storageClasses.set("expandable", true);
            cluster.statefulSets.add("orbit-minio-pool");
            const [refused] = await grow(pool);
            assert.match(
                refused,
                /volumeClaimTemplates, which cannot change \(the protected StatefulSet orbit-minio-pool would be replaced\)/,
            );
            assert.match(refused, /Grow each claim first \(4 below 80Gi: data1-orbit-minio-pool-0, /);
            assert.match(refused, /delete the StatefulSet without its pods \(kubectl delete --cascade=orphan\)/);
            for (const claim of claims) cluster.claims.set(claim, { storageClassName: "expandable", storage: "80Gi" });
            assert.doesNotMatch((await grow(pool))[0], /Grow each claim/);
            cluster.statefulSets.delete("orbit-minio-pool");
            assert.deepStrictEqual(await grow(pool), []);
        });

        it("says a pool's claims on a class without expansion cannot grow, not to grow each (the server refuses)", async () => {
            const pool = { pods: 4, drivesPerPod: 1, statefulSet: "orbit-minio-pool", claim: undefined };
            for (const pod of [0, 1, 2, 3])
                cluster.claims.set(`data1-orbit-minio-pool-${pod}`, { storageClassName: "fixed", storage: "50Gi" });
            cluster.storageClasses.set("fixed", false);
            cluster.statefulSets.add("orbit-minio-pool");
            const [refused, ...rest] = await grow(pool);
            assert.deepStrictEqual(rest, []);
            assert.match(refused, /the StorageClass fixed, which does not allow volume expansion, so they cannot grow/);
            assert.match(refused, /Move MinIO to new, larger volumes: see docs\/operations\.md, "Moving MinIO to new volumes"$/);
            assert.doesNotMatch(refused, /Grow each claim/);
        });

        it("lets the move to new volumes through with minioLayoutChange: the new MinIO's claims are new", async () => {
            const pool = { pods: 4, drivesPerPod: 1, statefulSet: "orbit-minio-pool", claim: undefined };
            const news = inputs(kubernetes({}, { ...pool, storageSize: "80Gi", storageClass: "bigger" }), "minio:4x1");
            news.layoutChangeAllowed = true;
            assert.deepStrictEqual(await problems(inputs(kubernetes({}, pool), "minio:4x1"), news), []);
        });

        it("leaves a new layout's size alone (a new MinIO's claims are new)", async () => {
            const news = inputs(
                kubernetes({}, { storageSize: "80Gi", pods: 4, statefulSet: "orbit-minio-pool", claim: undefined }),
                "minio:4x1",
            );
            news.layoutChangeAllowed = true;
            assert.deepStrictEqual(await problems(inputs(kubernetes()), news), []);
        });
    });

    describe("changing storageClass", () => {
        it("refuses a new class for MinIO's claims at preview, without reading the cluster, naming the way out", async () => {
            const refused = await problems(inputs(kubernetes()), inputs(kubernetes({}, { storageClass: "fast" })));
            assert.deepStrictEqual(refused, [
                'orbit-registry:storageClass = "fast" (was "" (the cluster\'s default)): a claim\'s StorageClass cannot change, ' +
                    "so MinIO would get new, empty claims, and up would stop half-way on the claim the old one leaves behind. " +
                    'Move the data as docs/operations.md "Moving MinIO to new volumes" shows (it sets minioLayoutChange true for the move)',
            ]);
            assert.strictEqual(cluster.reads, 0);
            const pool = { pods: 4, statefulSet: "orbit-minio-pool", claim: undefined, storageClass: "fast" };
            assert.match(
                (
                    await problems(
                        inputs(kubernetes({}, pool), "minio:4x1"),
                        inputs(kubernetes({}, { ...pool, storageClass: "" }), "minio:4x1"),
                    )
                )[0],
                /^orbit-registry:storageClass = "" \(the cluster's default\) \(was "fast"\)/,
            );
        });

        it("goes ahead with minioLayoutChange, and when the class stays", async () => {
            const news = inputs(kubernetes({}, { storageClass: "fast" }));
            news.layoutChangeAllowed = true;
            assert.deepStrictEqual(await problems(inputs(kubernetes()), news), []);
            assert.deepStrictEqual(
                await problems(inputs(kubernetes({}, { storageClass: "fast" })), inputs(kubernetes({}, { storageClass: "fast" }))),
                [],
            );
        });
    });

    it("reads quantities as Kubernetes does", () => {
        assert.strictEqual(quantityBytes("50Gi"), 50 * 2 ** 30);
        assert.strictEqual(quantityBytes("1.5Ti"), 1.5 * 2 ** 40);
        assert.strictEqual(quantityBytes("100G"), 100e9);
        assert.strictEqual(quantityBytes("500Mi") < quantityBytes("1G"), true);
        assert.ok(Number.isNaN(quantityBytes("10GB")));
    });
});
