/**
 * Registry throughput beside the storage's own, in the same run: skopeo and crane push and pull
 * fresh random images (256 MiB in 4 layers; 64 layers of 1 MiB) through the program's registry
 * config on real MinIO (pulls also through a registry that redirects them to MinIO), and mc puts and
 * gets the same blobs straight into MinIO, with the CPU each process spent. Medians of --runs.
 *
 *   npm run bench                              # prints the table
 *   npm run bench -- --write                   # also bench/results.json, docs/throughput.md's table, docs/bench-ratios.svg
 *   npm run bench -- --runs 3 --version 3 --chunksize 32 --copy-threshold 64 --rss
 *   npm run bench -- --auth                    # htpasswd beside token authentication (quotas), same storage
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { registryMemory } from "../../components/kubernetes/registry";
import { registryS3Defaults } from "../../components/registryConfig";
import { findTools, installHint } from "./harness/tools";
import { measure, MiB, peakRssUnderConcurrentPushes } from "./bench/measure";
import { authComparisonTable, compareTokenAuth } from "./bench/tokenAuth";
import { BenchReport, markdownTable, ratioChart, withBenchTable } from "./bench/report";

const root = path.resolve(__dirname, "../..");
const argument = (flag: string) => {
    const i = process.argv.indexOf(flag);
    return i >= 0 ? process.argv[i + 1] : undefined;
};
const mibArgument = (flag: string) => (argument(flag) ? Number(argument(flag)) * MiB : undefined);
const firstLine = (binary: string, args: string[]) => execFileSync(binary, args, { encoding: "utf8" }).split("\n")[0].trim();

async function main() {
    const { tools, missing } = findTools();
    if (!tools) throw new Error(`missing ${missing.join(", ")}; ${installHint}`);
    const version = argument("--version") === "3" ? 3 : 2;
    const runs = Number(argument("--runs") ?? 3);
    const s3Tuning = {
        chunkSize: mibArgument("--chunksize") ?? registryS3Defaults.chunkSize,
        multipartCopyChunkSize: mibArgument("--copy-chunksize") ?? registryS3Defaults.multipartCopyChunkSize,
        multipartCopyThresholdSize: mibArgument("--copy-threshold") ?? registryS3Defaults.multipartCopyThresholdSize,
        multipartCopyMaxConcurrency: Number(argument("--copy-concurrency") ?? registryS3Defaults.multipartCopyMaxConcurrency),
    };
    // --scale shrinks every layer, for a quick look; published numbers use 1.
    const scale = Number(argument("--scale") ?? 1);
    const options = { tools, version, runs, scale, s3Tuning, log: (line: string) => console.error(line) } as const;
    if (process.argv.includes("--auth")) {
        console.log(authComparisonTable(await compareTokenAuth(options)));
        return;
    }

    const results = await measure(options);
    const report: BenchReport = {
        date: new Date().toISOString().slice(0, 10),
        machine: `${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, loopback`,
        versions: {
            Distribution: firstLine(version === 2 ? tools.registry : tools.registry3, ["--version"])
                .split(" ")
                .pop()!,
            // A build from the Go module proxy reports no release; the module version says which commit.
            MinIO: /MINIO_MODULE="[^@]+@([^"]+)"/.exec(fs.readFileSync(path.join(root, "scripts/setup-integration.sh"), "utf8"))![1],
            skopeo: firstLine(tools.skopeo, ["--version"]).replace(/^skopeo version /, ""),
            crane: firstLine(tools.crane, ["version"]),
        },
        settings: {
            chunksize: `${s3Tuning.chunkSize / MiB} MiB`,
            multipartcopychunksize: `${s3Tuning.multipartCopyChunkSize / MiB} MiB`,
            multipartcopythresholdsize: `${s3Tuning.multipartCopyThresholdSize / MiB} MiB`,
            multipartcopymaxconcurrency: s3Tuning.multipartCopyMaxConcurrency,
        },
        runs,
        cores: os.cpus().length,
        results,
    };
    if (process.argv.includes("--rss")) {
        const uploads = 8;
        const layerMiB = 128;
        const limitMiB = (2 * s3Tuning.chunkSize * uploads) / MiB + 64;
        // Go's default GC, what the Kubernetes registry runs with, and a soft limit at the buffers' need.
        const settings: Array<[string, string | undefined]> = [
            ["none (Go's default)", undefined],
            [`${registryMemory.goMemLimit} (the Kubernetes registry's)`, registryMemory.goMemLimit],
            [`${limitMiB}MiB`, `${limitMiB}MiB`],
        ];
        const runs = [];
        for (const [label, goMemLimit] of settings) {
            const { peakRssBytes, seconds } = await peakRssUnderConcurrentPushes(options, uploads, layerMiB, goMemLimit);
            runs.push({ goMemLimit: label, peakRssMiB: peakRssBytes / MiB, seconds });
        }
        report.memory = { uploads, layerMiB, limitMiB, runs };
    }
    const table = markdownTable(report);
    console.log(table);
    if (process.argv.includes("--write")) {
        fs.mkdirSync(path.join(root, "bench"), { recursive: true });
        fs.writeFileSync(path.join(root, "bench/results.json"), JSON.stringify(report, null, 2) + "\n");
        fs.writeFileSync(path.join(root, "docs/bench-ratios.svg"), ratioChart(report));
        const page = path.join(root, "docs/throughput.md");
        fs.writeFileSync(page, withBenchTable(fs.readFileSync(page, "utf8"), table));
        console.error("wrote bench/results.json, docs/bench-ratios.svg and the table of docs/throughput.md");
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
