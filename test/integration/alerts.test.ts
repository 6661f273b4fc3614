import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { alertRuleGroups, metricNamesUsed } from "../../components/alertRules";
import { minioContainer } from "../../common/upstream";
import { writeOciImage } from "./harness/ociImage";
import { removedOnExit } from "./harness/processes";
import { LocalRegistryStack } from "./harness/stack";
import { findTools, installHint, requireTools, Tools } from "./harness/tools";

/** As a stack with a nightly backupSchedule and quotas has them: every rule, the backup's and the quotas' too. */
const groups = alertRuleGroups("orbit-registry", 24 * 60 * 60, true);
/** kube-state-metrics' names come from the cluster, not from the registry or MinIO. */
const fromKubeStateMetrics = (name: string) => name.startsWith("kube_") || name === "up";
/** The token server's own series; test/integration/quota.test.ts reads them from the real one. */
const fromTokenServer = (name: string) => name.startsWith("orbit_registry_");

function run(binary: string, args: string[]): Promise<{ code: number; output: string }> {
    return new Promise((resolve) =>
        execFile(binary, args, { timeout: 60_000 }, (error, stdout, stderr) =>
            resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
        ),
    );
}

/** The metric names in a Prometheus text exposition. */
const exposedNames = (text: string) =>
    new Set(
        text
            .split("\n")
            .filter((l) => l && !l.startsWith("#"))
            .map((l) => l.split(/[{ ]/)[0]),
    );

describe("the alert rules", function () {
    let tools: Tools;
    let dir: string;

    before(function () {
        tools = requireTools(this, "integration tools", findTools(), installHint);
        dir = removedOnExit(fs.mkdtempSync(path.join(os.tmpdir(), "orbit-registry-alerts-")));
        fs.writeFileSync(path.join(dir, "rules.yml"), stringify({ groups }));
        fs.copyFileSync(path.join(__dirname, "..", "alerts", "alerts.test.yml"), path.join(dir, "alerts.test.yml"));
    });

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("pass promtool check rules", async () => {
        const checked = await run(tools.promtool, ["check", "rules", path.join(dir, "rules.yml")]);
        assert.strictEqual(checked.code, 0, checked.output);
        assert.match(checked.output, /SUCCESS: 10 rules found/);
    });

    it("fire on the series that should raise them and stay quiet otherwise (promtool test rules)", async () => {
        const tested = await run(tools.promtool, ["test", "rules", path.join(dir, "alerts.test.yml")]);
        assert.strictEqual(tested.code, 0, tested.output);
        const alertsTested = new Set(
            [...fs.readFileSync(path.join(dir, "alerts.test.yml"), "utf8").matchAll(/alertname: (\w+)/g)].map((m) => m[1]),
        );
        assert.deepStrictEqual(
            [...alertsTested].sort(),
            groups.flatMap((g) => g.rules.map((r) => r.alert)).sort(),
            "every alert is tested",
        );
    });

    for (const version of [2, 3] as const) {
        it(`read only metrics a real Distribution ${version} registry and MinIO expose`, async () => {
            const stack = new LocalRegistryStack(tools, { version, minioEnv: { MINIO_PROMETHEUS_AUTH_TYPE: "public" } });
            try {
                await stack.start();
                const auth = stack.skopeo.authFile("service", stack.registry.host, stack.serviceAccount);
                const image = writeOciImage(path.join(stack.dir, "image"), "v1", [4096]);
                assert.strictEqual(
                    (await stack.skopeo.copy(`oci:${image.layoutDir}:v1`, `docker://${stack.registry.host}/a/b:v1`, auth)).code,
                    0,
                );
                const registryMetrics = await (await fetch(`http://127.0.0.1:${stack.registry.debugPort}/metrics`)).text();
                const minioMetrics = await (await fetch(`${stack.minio.endpoint}${minioContainer.metricsPath}`)).text();
                const exposed = new Set([...exposedNames(registryMetrics), ...exposedNames(minioMetrics)]);
                const used = metricNamesUsed(groups).filter((name) => !fromKubeStateMetrics(name) && !fromTokenServer(name));
                assert.deepStrictEqual(
                    used.filter((name) => !exposed.has(name)),
                    [],
                    `the registry and MinIO expose ${used.length} metric names the rules use`,
                );
                assert.match(registryMetrics, /registry_http_request_duration_seconds_bucket\{[^}]*handler="manifest"/);
                console.log(`      ${used.join(", ")}: all exposed`);
            } finally {
                await stack.stop();
            }
        });
    }
});
