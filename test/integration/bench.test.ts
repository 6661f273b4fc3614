import * as assert from "assert";
import { CpuSpent } from "./bench/cpu";
import { measure, operations } from "./bench/measure";
import { BenchReport, markdownTable, ratioChart, withBenchTable } from "./bench/report";
import { findTools, installHint, requireTools } from "./harness/tools";

/** A tiny run of `npm run bench`, so the benchmark cannot rot: every client, workload and baseline, and the report. */
describe("npm run bench, tiny", function () {
    it("measures both clients on both workloads beside raw MinIO, and renders the table and the chart", async function () {
        const tools = requireTools(this, "integration tools", findTools(), installHint);
        const results = await measure({ tools, version: 2, runs: 1, scale: 1 / 64 });
        assert.deepStrictEqual(
            results.map((r) => `${r.workload} ${r.client}`),
            ["4 MiB in 4 layers skopeo", "4 MiB in 4 layers crane", "64 layers of 16 KiB skopeo", "64 layers of 16 KiB crane"],
        );
        for (const r of results) {
            for (const value of [r.push, r.pull, r.redirectedPull, r.rawPut, r.rawGet])
                assert.ok(Number.isFinite(value) && value > 0, JSON.stringify(r));
            assert.ok(Math.abs(r.pushRatio - r.push / r.rawPut) < 1e-9 && Math.abs(r.pullRatio - r.pull / r.rawGet) < 1e-9);
            assert.ok(Math.abs(r.redirectedPullRatio - r.redirectedPull / r.rawGet) < 1e-9);
            for (const cpu of Object.values(r.cpu))
                for (const value of Object.values(cpu)) assert.ok(Number.isFinite(value) && value >= 0, JSON.stringify(r.cpu));
        }
        // Tiny operations may fall between two of /proc's 10 ms ticks; all of them together do not.
        const spent = (process: keyof CpuSpent) =>
            results.reduce((sum, r) => sum + operations.reduce((s, o) => s + r.cpu[o][process], 0), 0);
        for (const process of ["client", "registry", "minio"] as const) assert.ok(spent(process) > 0, `no CPU seen for ${process}`);
        const report: BenchReport = { date: "2026-11-29", machine: "test", versions: {}, settings: {}, runs: 1, cores: 2, results };
        const table = markdownTable(report);
        assert.strictEqual(table.split("\n").filter((line) => /^\| (4 MiB|64 layers)[^|]*\| (skopeo|crane) \|/.test(line)).length, 4);
        assert.strictEqual(
            table.split("\n").filter((line) => /^\| (4 MiB|64 layers)[^|]*\| (push|raw put|pull|redirected pull|raw get) \|/.test(line))
                .length,
            10,
        );
        assert.strictEqual(
            (ratioChart(report).match(/<rect [^>]*><title>/g) ?? []).length,
            12,
            "a push, a pull and a redirected pull bar per row",
        );
        assert.match(withBenchTable("a\n<!-- bench:start -->\nold\n<!-- bench:end -->\nb", table), /bench:start -->\nMeasured/);
    });
});
