import { execFile } from "child_process";
import * as path from "path";
import { LocalRegistryStack } from "../../integration/harness/stack";

export type Outcome = "passed" | "failure" | "skipped";

export interface ConformanceCase {
    /** e.g. "OCI Conformance Test/sha256 blobs/empty/blob-head" */
    name: string;
    outcome: Outcome;
    /** The suite's first error line, for failures. */
    message: string;
}

export interface ConformanceRun {
    /** The leaves of the suite's result tree. */
    cases: ConformanceCase[];
    /** The suite's own totals, as it prints them; they count every step of the tree, not only leaves. */
    totals: { tests: number; failures: number; skipped: number };
}

/**
 * Runs the OCI distribution-spec conformance suite against `stack`'s registry as the service
 * account, over plain HTTP, and reads every test from the result tree it prints (with a filter the
 * suite writes no junit.xml and exits 0 even when tests fail, so its output is the one record).
 * It runs asynchronously: the registry's log pipe must keep draining while it works.
 */
export function runConformance(binary: string, stack: LocalRegistryStack, filter = "", timeoutMs = 600_000): Promise<ConformanceRun> {
    const env = {
        PATH: process.env.PATH,
        HOME: stack.dir,
        OCI_REGISTRY: stack.registry.host,
        OCI_TLS: "disabled",
        OCI_REPO1: "conformance/repo1",
        OCI_REPO2: "conformance/repo2",
        OCI_USERNAME: stack.serviceAccount.user,
        OCI_PASSWORD: stack.serviceAccount.password,
        OCI_RESULTS_DIR: path.join(stack.dir, "conformance-results"),
        OCI_VERSION: "1.1",
        OCI_LOG: "error",
        // Only the tests whose names start with this, when set.
        OCI_FILTER_TEST: filter,
    };
    return new Promise((resolve, reject) => {
        execFile(binary, [], { cwd: stack.dir, env, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (error, stdout) => {
            const run = readResultTree(stdout);
            // The suite exits non-zero whenever a test fails; only a run that printed no result is an error.
            if (run.cases.length === 0)
                return reject(new Error(`the conformance suite printed no result (${error?.message})\n${stdout.slice(-4000)}`));
            resolve(run);
        });
    });
}

const outcomes: Record<string, Outcome> = { Pass: "passed", FAIL: "failure", Error: "failure", Skip: "skipped", Disabled: "skipped" };

/** The leaves of the printed tree (`  OCI Conformance Test/a/b: Pass`, errors as `   - …` below), and the totals. */
export function readResultTree(stdout: string): ConformanceRun {
    const nodes: ConformanceCase[] = [];
    for (const line of stdout.split("\n")) {
        const node = /^\s*(OCI Conformance Test\/.+): (Pass|FAIL|Error|Skip|Disabled)$/.exec(line);
        const error = /^\s+- (.+)$/.exec(line);
        if (node) nodes.push({ name: node[1], outcome: outcomes[node[2]], message: "" });
        else if (error && nodes.length > 0 && !nodes.at(-1)!.message) nodes.at(-1)!.message = error[1];
    }
    const cases = nodes.filter((node, i) => !nodes[i + 1]?.name.startsWith(`${node.name}/`));
    const count = (status: string) => Number(new RegExp(`^\\s*${status}\\.+:\\s+(\\d+)$`, "m").exec(stdout)?.[1] ?? 0);
    const statuses = ["Pass", "FAIL", "Error", "Skip", "Disabled"];
    return {
        cases,
        totals: { tests: statuses.reduce((sum, status) => sum + count(status), 0), failures: count("FAIL"), skipped: count("Skip") },
    };
}

/** One outcome per test name: a name the suite runs several times fails if any run failed. */
export function outcomesByName(cases: ConformanceCase[]): Map<string, ConformanceCase> {
    const byName = new Map<string, ConformanceCase>();
    for (const testCase of cases) {
        const known = byName.get(testCase.name);
        if (!known || testCase.outcome === "failure" || (known.outcome === "skipped" && testCase.outcome === "passed"))
            byName.set(testCase.name, testCase);
    }
    return byName;
}

/** Pass/fail/skip counts per top-level branch of the suite (`sha256 blobs`, `image`, `referrers`…). */
export function countsByCategory(cases: ConformanceCase[]): Map<string, Record<Outcome, number>> {
    const counts = new Map<string, Record<Outcome, number>>();
    for (const { name, outcome } of cases) {
        const category = name.split("/")[1] ?? name;
        const entry = counts.get(category) ?? { passed: 0, failure: 0, skipped: 0 };
        entry[outcome] += 1;
        counts.set(category, entry);
    }
    return counts;
}
