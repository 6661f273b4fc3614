import * as assert from "assert";
import * as crypto from "crypto";
import { RawConfig } from "../../components/config";
import { K, KubeObject, named, objectsOf } from "../helpers/kubernetesObjects";
import { DeclaredResource, plain, runProgram, StackRun } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

/** The documented rotation (docs/operations.md): as deployed, then generation 2 (overlap), then generation 1 retired. */
const steps = {
    before: {},
    overlap: { credentialsGeneration: "2" },
    retired: { credentialsGeneration: "2", retiredCredentialsGeneration: "1" },
};
type Step = keyof typeof steps;

async function runSteps(stack: "dev" | "prod", extra: RawConfig = {}): Promise<Record<Step, StackRun>> {
    const runs = {} as Record<Step, StackRun>;
    for (const [step, overrides] of Object.entries(steps))
        runs[step as Step] = await runProgram(stackConfig(stack, { ...extra, ...overrides }), stack);
    return runs;
}

const names = (run: StackRun) => new Set(run.resources.map((r) => `${r.type}::${r.name}`));
const added = (from: StackRun, to: StackRun) => [...names(to)].filter((n) => !names(from).has(n)).sort();
const removed = (from: StackRun, to: StackRun) => [...names(from)].filter((n) => !names(to).has(n)).sort();
const short = (entries: string[]) => entries.map((e) => e.replace(/^[^:]+:[^:]*:([^:]+)::/, "$1 ").replace(/orbit-registry-/g, ""));
/** The users of the token server's accounts file whose scrypt is of the generation's own (fake) password. */
const tokenAccountUsers = (accountsJson: string) =>
    (JSON.parse(accountsJson) as Array<{ user: string; salt: string; scrypt: string }>).map((account) => {
        const generation = /-g(\d+)$/.exec(account.user)?.[1];
        const password = `fake-orbit-registry-credentials-registry-password${generation ? `-g${generation}` : ""}`;
        assert.strictEqual(crypto.scryptSync(password, account.salt, 32).toString("hex"), account.scrypt, account.user);
        return account.user;
    });
const env = (run: StackRun, output: string) => run.outputs[output].value as Record<string, string>;

const stateful = ["docker:index/volume:Volume", "minio:index/s3Bucket:S3Bucket", "aws:s3/bucket:Bucket", K.pvc, K.statefulSet, K.namespace];
const statefulInputs = (run: StackRun) =>
    run.resources.filter((r) => stateful.includes(r.type)).map((r: DeclaredResource) => [r.name, JSON.stringify(plain(r.inputs))]);

describe("rotating credentials on the dev stack (docker + minio)", () => {
    let runs: Record<Step, StackRun>;
    before(async () => {
        runs = await runSteps("dev");
    });

    const registry = (run: StackRun) => run.one("docker:index/container:Container", "registry-container");
    const accountsOf = (run: StackRun) =>
        plain<Array<{ file: string; content: string }>>(
            run.one("docker:index/container:Container", "token-server-container").inputs.uploads,
        ).find((u) => u.file.endsWith("accounts.json"))!.content;
    const registryEnv = (run: StackRun) =>
        Object.fromEntries(plain<string[]>(registry(run).inputs.envs).map((l) => l.split(/=(.*)/s).slice(0, 2)));
    const minioUsers = (run: StackRun) => run.all("minio:index/iamUser:IamUser").map((u) => plain<string>(u.inputs.name));

    it("overlap: the token server admits both generations; the apps get generation 2's user and password", () => {
        assert.deepStrictEqual(tokenAccountUsers(accountsOf(runs.before)), ["orbit-service"]);
        assert.deepStrictEqual(tokenAccountUsers(accountsOf(runs.overlap)), ["orbit-service", "orbit-service-g2"]);
        const buildService = env(runs.overlap, "buildServiceEnv");
        assert.strictEqual(buildService.ORBIT_REGISTRY_USER, "orbit-service-g2");
        assert.strictEqual(buildService.ORBIT_REGISTRY_PASS, "fake-orbit-registry-credentials-registry-password-g2");
        assert.strictEqual(env(runs.overlap, "orbitWwwEnv").ORBIT_REGISTRY_TOKEN, buildService.ORBIT_REGISTRY_PASS);
        assert.strictEqual(runs.overlap.outputs.registryUser.value, "orbit-service-g2");
    });

    it("overlap: both MinIO users exist, and the registry uses generation 2's keys", () => {
        assert.strictEqual(minioUsers(runs.overlap).length, 2);
        const keys = registryEnv(runs.overlap);
        assert.strictEqual(keys.REGISTRY_STORAGE_S3_ACCESSKEY, "fake-orbit-registry-minio-credentials-registry-access-key-g2");
        assert.ok(minioUsers(runs.overlap).includes(keys.REGISTRY_STORAGE_S3_ACCESSKEY));
    });

    it("retired: only generation 2 is left, in the token server's accounts and in MinIO", () => {
        assert.deepStrictEqual(tokenAccountUsers(accountsOf(runs.retired)), ["orbit-service-g2"]);
        assert.deepStrictEqual(minioUsers(runs.retired), ["fake-orbit-registry-minio-credentials-registry-access-key-g2"]);
        assert.strictEqual(env(runs.retired, "buildServiceEnv").ORBIT_REGISTRY_USER, "orbit-service-g2");
    });

    it("adds, then removes, exactly the generation's credentials and MinIO user; nothing stateful changes", () => {
        const generation2 = [
            "RandomPassword credentials-registry-password-g2",
            "RandomString credentials-registry-password-salt-g2",
            "RandomPassword minio-credentials-registry-access-key-g2",
            "RandomPassword minio-credentials-registry-secret-key-g2",
            "IamUser docker-minio-bucket-registry-user-g2",
            "IamUserPolicyAttachment docker-minio-bucket-registry-policy-attachment-g2",
        ].sort();
        assert.deepStrictEqual(short(added(runs.before, runs.overlap)).sort(), generation2);
        assert.deepStrictEqual(removed(runs.before, runs.overlap), []);
        assert.deepStrictEqual(short(removed(runs.overlap, runs.retired)).sort(), generation2.map((n) => n.replace("-g2", "")).sort());
        assert.deepStrictEqual(added(runs.overlap, runs.retired), []);
        assert.deepStrictEqual(statefulInputs(runs.overlap), statefulInputs(runs.before));
        assert.deepStrictEqual(statefulInputs(runs.retired), statefulInputs(runs.before));
    });
});

describe("rotating credentials on the prod stack (kubernetes + minio)", () => {
    let runs: Record<Step, StackRun>;
    before(async () => {
        runs = await runSteps("prod");
    });

    const checksum = (object: KubeObject): string | undefined =>
        object.spec.template.metadata.annotations?.["orbit-registry/secret-checksum"];
    const provisionJob = (run: StackRun) => objectsOf(run, K.job)[0];

    it("updates Secrets in place under their fixed names, never replacing them (enableSecretMutable)", () => {
        const provider = runs.overlap.one("pulumi:providers:kubernetes");
        assert.strictEqual(provider.inputs.enableSecretMutable, "true");
        const secretNames = (run: StackRun) =>
            objectsOf(run, K.secret)
                .map((s) => s.metadata.name)
                .sort();
        assert.deepStrictEqual(secretNames(runs.overlap), secretNames(runs.before));
        assert.deepStrictEqual(secretNames(runs.retired), secretNames(runs.before));
    });

    it("rolls the registry at each step (a new checksum), under the same Deployment", () => {
        const deployments = (Object.keys(steps) as Step[]).map((step) => named(runs[step], K.deployment, "orbit-registry"));
        const checksums = deployments.map(checksum);
        assert.strictEqual(new Set(checksums).size, 3, "each step changes what the registry reads");
        for (const value of checksums) assert.match(value ?? "", /^[0-9a-f]{64}$/);
        const accounts = (run: StackRun) => named(run, K.secret, "orbit-registry-auth").stringData["accounts.json"];
        assert.deepStrictEqual(tokenAccountUsers(accounts(runs.overlap)), ["orbit-service", "orbit-service-g2"]);
        assert.deepStrictEqual(tokenAccountUsers(accounts(runs.retired)), ["orbit-service-g2"]);
        // The token server reads its accounts file again when the Secret's file changes: no restart, no outage.
        const authChecksums = (Object.keys(steps) as Step[]).map((step) =>
            checksum(named(runs[step], K.deployment, "orbit-registry-auth")),
        );
        assert.strictEqual(new Set(authChecksums).size, 1);
        assert.deepStrictEqual(Object.keys(named(runs.overlap, K.secret, "orbit-registry-credentials").stringData).sort(), [
            "ORBIT_REGISTRY_PASS",
            "ORBIT_REGISTRY_TOKEN",
            "ORBIT_REGISTRY_URL",
            "ORBIT_REGISTRY_USER",
        ]);
    });

    it("runs a new provisioning Job that keeps both MinIO users, then one that removes generation 1's", () => {
        const keys = (run: StackRun) => Object.keys(named(run, K.secret, "orbit-minio-registry-user").stringData).sort();
        assert.deepStrictEqual(keys(runs.before), ["REGISTRY_ACCESS_KEY", "REGISTRY_SECRET_KEY"]);
        assert.deepStrictEqual(keys(runs.overlap), [
            "PREVIOUS_ACCESS_KEY",
            "PREVIOUS_SECRET_KEY",
            "REGISTRY_ACCESS_KEY",
            "REGISTRY_SECRET_KEY",
        ]);
        assert.deepStrictEqual(keys(runs.retired), ["REGISTRY_ACCESS_KEY", "REGISTRY_SECRET_KEY"]);
        const jobChecksums = (Object.keys(steps) as Step[]).map((step) => checksum(provisionJob(runs[step])));
        assert.strictEqual(new Set(jobChecksums).size, 3);
    });

    it("keeps MinIO's StatefulSet, claim and namespace exactly as they were", () => {
        assert.deepStrictEqual(statefulInputs(runs.overlap), statefulInputs(runs.before));
        assert.deepStrictEqual(statefulInputs(runs.retired), statefulInputs(runs.before));
    });

    it("restarts MinIO when its root password is replaced (a new checksum on the same StatefulSet)", async () => {
        const other = await runProgram(stackConfig("prod"), "prod", (name) =>
            name.endsWith("root-password") ? "a-new-root-password" : `fake-${name}`,
        );
        const statefulSet = (run: StackRun) => named(run, K.statefulSet, "orbit-minio");
        assert.notStrictEqual(checksum(statefulSet(other)), checksum(statefulSet(runs.before)));
        const { metadata: m1, ...spec1 } = statefulSet(other);
        const { metadata: m0, ...spec0 } = statefulSet(runs.before);
        assert.deepStrictEqual(m1, m0);
        spec1.spec.template.metadata.annotations = spec0.spec.template.metadata.annotations;
        assert.deepStrictEqual(spec1, spec0, "nothing but the checksum differs");
    });
});

describe("rotating credentials with AWS S3", () => {
    it("issues a second IAM access key during the overlap and deletes the first on retirement", async () => {
        const runs = await runSteps("prod", { storage: "s3", awsRegion: "eu-west-1" });
        const keys = (run: StackRun) => run.all("aws:iam/accessKey:AccessKey").map((k) => k.name);
        assert.deepStrictEqual(keys(runs.before), ["orbit-registry-s3-registry-access-key"]);
        assert.deepStrictEqual(keys(runs.overlap), ["orbit-registry-s3-registry-access-key", "orbit-registry-s3-registry-access-key-g2"]);
        assert.deepStrictEqual(keys(runs.retired), ["orbit-registry-s3-registry-access-key-g2"]);
        assert.strictEqual(
            named(runs.overlap, K.secret, "orbit-registry-env").stringData.REGISTRY_STORAGE_S3_ACCESSKEY,
            "orbit-registry-s3-registry-access-key-g2-id",
        );
    });
});
