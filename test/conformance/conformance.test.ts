import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { distributionVersions } from "../../common/distributionVersion";
import { LocalRegistryStack } from "../integration/harness/stack";
import { findTools, installHint, requireTools } from "../integration/harness/tools";
import { ConformanceRun, countsByCategory, outcomesByName, runConformance } from "./harness/conformance";

interface KnownFailures {
    reason: string;
    tests: string[];
}

/** Each version's known failures, with the reason each fails (test/conformance/expected-failures.yaml). */
const expectations = parse(fs.readFileSync(path.join(__dirname, "expected-failures.yaml"), "utf8")) as Record<string, KnownFailures[]>;

/**
 * The OCI distribution-spec conformance suite against the program's generated config on real
 * MinIO, for each Distribution version. The suite's failures must be exactly the ones
 * expected-failures.yaml lists: a new failure fails this test, and so does a listed one that passes.
 */
for (const version of distributionVersions) {
    describe(`Distribution ${version} on MinIO against the OCI conformance suite`, function () {
        let stack: LocalRegistryStack;
        let run: ConformanceRun;

        before(async function () {
            const tools = requireTools(this, "integration tools", findTools(), installHint);
            stack = new LocalRegistryStack(tools, { version });
            await stack.start();
            run = await runConformance(tools.conformance, stack);
        });

        after(async () => {
            await stack?.stop();
        });

        it("fails exactly the tests expected-failures.yaml lists for it", () => {
            const outcomes = outcomesByName(run.cases);
            const known = new Map((expectations[version] ?? []).flatMap((group) => group.tests.map((test) => [test, group.reason])));
            const failing = [...outcomes.values()].filter((c) => c.outcome === "failure");
            const unexpected = failing.filter((c) => !known.has(c.name)).map((c) => `${c.name}: ${c.message}`);
            const nowPassing = [...known.keys()].filter((name) => outcomes.get(name)?.outcome !== "failure");

            const table = [...countsByCategory(run.cases)].map(
                ([category, n]) => `${category}: ${n.passed} passed, ${n.failure} failed, ${n.skipped} skipped`,
            );
            const { tests, failures, skipped } = run.totals;
            console.log(`      suite totals: ${tests} tests, ${failures} failures, ${skipped} skipped`);
            console.log(`      ${run.cases.length} test cases, ${failing.length} failing names\n        ${table.join("\n        ")}`);
            const problems = [
                ...(unexpected.length
                    ? [`${unexpected.length} new failures (fix the program, or list them with a reason):`, ...unexpected]
                    : []),
                ...(nowPassing.length ? [`${nowPassing.length} listed failures that no longer fail (remove them):`, ...nowPassing] : []),
            ];
            assert.ok(problems.length === 0, problems.join("\n  - "));
        });

        it("passes the non-distributable layer tests because foreignLayerUrls admits them, and fails them without it", async function () {
            const branch = "OCI Conformance Test/non-distributable-layers";
            const failingIn = (result: ConformanceRun) => result.cases.filter((c) => c.outcome === "failure").map((c) => c.name);
            assert.deepStrictEqual(
                failingIn(run).filter((name) => name.startsWith(branch)),
                [],
            );

            const tools = requireTools(this, "integration tools", findTools(), installHint);
            const refusing = new LocalRegistryStack(tools, { version, settings: { foreignLayerUrls: "" } });
            try {
                await refusing.start();
                const failed = failingIn(await runConformance(tools.conformance, refusing, branch));
                console.log(`      with foreignLayerUrls "": ${failed.length} of the branch's tests fail`);
                assert.ok(
                    failed.some((name) => name.endsWith("push/manifest-by-digest")),
                    failed.join("\n"),
                );
            } finally {
                await refusing.stop();
            }
        });
    });
}
