import * as assert from "assert";
import { ConfigError, parseConfig } from "../../components/config";
import { MinioLayout, minioLayout } from "../../components/minioLayout";
import { stackGuardProvider } from "../../components/guard/stackGuardProvider";
import { K, KubeObject, matches, named, objectsOf } from "../helpers/kubernetesObjects";
import { dependsOnNames, runProgram, StackRun } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

const layoutOf = (pods: number, drives: number) => {
    const layout = minioLayout(pods, drives);
    assert.ok(!("problem" in layout), JSON.stringify(layout));
    return layout as MinioLayout;
};
const problemOf = (pods: number, drives: number) => {
    const layout = minioLayout(pods, drives);
    assert.ok("problem" in layout, `${pods}x${drives} was accepted`);
    return layout.problem;
};

describe("MinIO layouts (MinIO's erasure-set rules)", () => {
    it("keeps today's single pod on one drive", () => assert.strictEqual(layoutOf(1, 1).distributed, false));

    it("erasure-codes 4 pods of 1 drive in one set of 4 (EC:2): one pod may go for writes, two for reads", () => {
        assert.deepStrictEqual(layoutOf(4, 1), {
            pods: 4,
            drivesPerPod: 1,
            distributed: true,
            setSize: 4,
            parity: 2,
            writeQuorum: 3,
            readQuorum: 2,
            podsLostForWrites: 1,
            podsLostForReads: 2,
        });
    });

    it("puts 4 pods of 2 drives in one set of 8 (EC:4), two drives of it per pod", () => {
        const layout = layoutOf(4, 2);
        assert.deepStrictEqual(
            [layout.setSize, layout.parity, layout.writeQuorum, layout.podsLostForWrites, layout.podsLostForReads],
            [8, 4, 5, 1, 2],
        );
    });

    it("lets 16 pods lose 4 for writes (set of 16, EC:4)", () => assert.strictEqual(layoutOf(16, 1).podsLostForWrites, 4));

    it("refuses 2 or 3 pods, several drives on one pod, and what MinIO cannot split into sets", () => {
        assert.match(problemOf(2, 1), /needs 4 pods or more/);
        assert.match(problemOf(3, 4), /needs 4 pods or more/);
        assert.match(problemOf(1, 4), /one MinIO pod runs on one drive/);
        assert.match(problemOf(17, 1), /17 drives are not divisible by any erasure set size from 2 to 16/);
        assert.match(problemOf(17, 2), /34 drives cannot be spread symmetrically over 17 pods/);
    });

    it("names both keys and MinIO's reason when the stack asks for such a layout", () => {
        assert.throws(
            () => parseConfig(stackConfig("prod", { minioReplicas: "3" })),
            (error: ConfigError) =>
                error.problems.length === 1 &&
                /orbit-registry:minioReplicas = "3" with orbit-registry:minioDrivesPerPod = "1" is a layout MinIO refuses: .*4 pods/.test(
                    error.problems[0],
                ),
        );
    });

    it("keeps the docker target on one MinIO container", () => {
        assert.throws(
            () => parseConfig(stackConfig("dev", { minioReplicas: "4" })),
            /minioReplicas = "4" is not allowed; expected 1 on the docker target/,
        );
    });
});

describe("prod with distributed MinIO (minioReplicas 4, minioDrivesPerPod 2)", () => {
    let run: StackRun;
    let pool: KubeObject;
    before(async () => {
        run = await runProgram(stackConfig("prod", { minioReplicas: "4", minioDrivesPerPod: "2", minioStorageSize: "100Gi" }), "prod");
        pool = named(run, K.statefulSet, "orbit-minio-pool");
    });

    it("runs 4 pods together, one per node, each with a claim of minioStorageSize per drive", () => {
        assert.strictEqual(pool.spec.replicas, 4);
        assert.strictEqual(pool.spec.podManagementPolicy, "Parallel");
        assert.deepStrictEqual(
            pool.spec.volumeClaimTemplates.map((t: KubeObject) => [t.metadata.name, t.spec.resources.requests.storage]),
            [
                ["data1", "100Gi"],
                ["data2", "100Gi"],
            ],
        );
        const mounts = pool.spec.template.spec.containers[0].volumeMounts.map((m: KubeObject) => [m.name, m.mountPath]);
        assert.deepStrictEqual(mounts.slice(0, 2), [
            ["data1", "/data1"],
            ["data2", "/data2"],
        ]);
        const [term] = pool.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
        assert.strictEqual(term.topologyKey, "kubernetes.io/hostname");
        assert.ok(matches(term.labelSelector.matchLabels, pool.spec.template.metadata.labels));
        assert.deepStrictEqual(pool.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        assert.strictEqual(run.one(K.statefulSet).opts.protect, true);
        assert.strictEqual(objectsOf(run, K.pvc).length, 0, "the claims come from the templates");
    });

    it("serves every pod's drives as one erasure-coded pool, peers found through a headless Service", () => {
        const args = pool.spec.template.spec.containers[0].args;
        assert.strictEqual(
            args[1],
            "http://orbit-minio-pool-{0...3}.orbit-minio-pool-headless.orbit-registry.svc.cluster.local:9000/data{1...2}",
        );
        const headless = named(run, K.service, "orbit-minio-pool-headless");
        assert.strictEqual(headless.spec.publishNotReadyAddresses, true);
        assert.strictEqual(pool.spec.serviceName, "orbit-minio-pool-headless");
    });

    it("keeps the registry's endpoint: the orbit-minio Service selects the pool", () => {
        assert.ok(matches(named(run, K.service, "orbit-minio").spec.selector, pool.spec.template.metadata.labels));
        const registryConfig = objectsOf(run, K.configMap).find((c) => c.data?.["config.yml"])!;
        assert.match(registryConfig.data["config.yml"], /regionendpoint: http:\/\/orbit-minio\.orbit-registry\.svc\.cluster\.local:9000/);
    });

    it("lets voluntary disruptions take only as many pods as keep the write quorum", () => {
        const pdb = named(run, K.pdb, "orbit-minio-pool");
        assert.strictEqual(pdb.spec.maxUnavailable, 1);
        assert.ok(matches(pdb.spec.selector.matchLabels, pool.spec.template.metadata.labels));
    });

    it("admits MinIO's peers to each other, besides the registry and the provisioner", () => {
        const policy = named(run, K.networkPolicy, "orbit-registry-minio-ingress");
        const sources = policy.spec.ingress[0].from.map((f: KubeObject) => f.podSelector.matchLabels["app.kubernetes.io/name"]);
        assert.deepStrictEqual(sources.sort(), ["minio", "minio-provisioner", "registry"]);
    });

    it("reports the layout as the storageLayout output", () => assert.strictEqual(run.outputs.storageLayout.value, "minio:4x2"));
});

describe("changing the MinIO layout of an existing stack", () => {
    const guardOf = (run: StackRun) => run.one("pulumi-nodejs:dynamic/orbit-registry:StackGuard");
    const check = async (olds: Record<string, unknown>, news: Record<string, unknown>) =>
        (await stackGuardProvider.check!(olds, news)).failures ?? [];

    it("hands the stack's guard the layout and whether a change is allowed, and makes every resource wait for it", async () => {
        const run = await runProgram(stackConfig("prod", { minioReplicas: "4" }), "prod");
        const guard = guardOf(run);
        assert.strictEqual(guard.inputs.storageLayout, "minio:4x1");
        assert.strictEqual(guard.inputs.layoutChangeAllowed, false);
        assert.strictEqual(guard.parentName, "orbit-registry");
        const custom = run.resources.filter((r) => r !== guard && !r.type.startsWith("orbit:"));
        const notWaiting = custom.filter((r) => !dependsOnNames(r).includes(guard.name)).map((r) => r.name);
        assert.deepStrictEqual(notWaiting, []);
        const allowed = guardOf(await runProgram(stackConfig("prod", { minioReplicas: "4", minioLayoutChange: "true" }), "prod"));
        assert.strictEqual(allowed.inputs.layoutChangeAllowed, true);
    });

    it("is refused by the guard's check (at preview, before anything changes), naming the keys and the way out", async () => {
        const failures = await check(
            { storageLayout: "minio:1x1", layoutChangeAllowed: false },
            { storageLayout: "minio:4x1", layoutChangeAllowed: false },
        );
        assert.strictEqual(failures.length, 1);
        assert.match(failures[0].reason, /orbit-registry:minioReplicas and orbit-registry:minioDrivesPerPod change this stack's MinIO/);
        assert.match(failures[0].reason, /from minio:1x1 to minio:4x1: that deploys a new, empty MinIO/);
        // In the order docs/operations.md "Scaling out" gives: the new layout is deployed, then the data moves.
        assert.match(
            failures[0].reason,
            /unprotect the old MinIO, scripts\/pulumi config set minioLayoutChange true and up, copy the data across, then set it back/,
        );
    });

    it("goes ahead with minioLayoutChange, on a new stack, when the layout is unchanged, and between MinIO and S3", async () => {
        const layout = (storageLayout: string, layoutChangeAllowed = false) => ({ storageLayout, layoutChangeAllowed });
        assert.deepStrictEqual(await check(layout("minio:1x1"), layout("minio:4x1", true)), []);
        assert.deepStrictEqual(await check({}, layout("minio:4x1")), []);
        assert.deepStrictEqual(await check(layout("minio:4x2"), layout("minio:4x2")), []);
        assert.deepStrictEqual(await check(layout("s3"), layout("minio:1x1")), []);
    });
});
