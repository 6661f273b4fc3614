/**
 * Push and pull throughput of a multi-layer image through the program's registry configuration,
 * on real MinIO, Docker Distribution and skopeo over 127.0.0.1. Prints each run and the medians.
 *
 *   npm run bench -- [--runs 3] [--mib 34]
 */
import * as fs from "fs";
import * as path from "path";
import { writeOciImage } from "./harness/ociImage";
import { LocalRegistryStack } from "./harness/stack";
import { findTools, installHint } from "./harness/tools";

const MiB = 1024 * 1024;
const argument = (flag: string, fallback: number) => {
    const i = process.argv.indexOf(flag);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function main() {
    const runs = argument("--runs", 3);
    const totalMiB = argument("--mib", 34);
    const { tools, missing } = findTools();
    if (!tools) throw new Error(`missing ${missing.join(", ")}; ${installHint}`);

    // Same shape as the integration test's image: one layer over the S3 chunk size, then smaller ones.
    const layerSizes = [Math.round(totalMiB * 0.7), Math.round(totalMiB * 0.24), Math.max(1, Math.round(totalMiB * 0.06))].map(
        (m) => m * MiB,
    );
    const stack = new LocalRegistryStack(tools);
    const push: number[] = [];
    const pull: number[] = [];
    try {
        await stack.start();
        const auth = stack.skopeo.authFile("bench", stack.registry.host, stack.serviceAccount);
        for (let run = 1; run <= runs; run++) {
            // Fresh random layers each run, so no blob is already in the registry.
            const image = writeOciImage(path.join(stack.dir, `image-${run}`), "bench", layerSizes);
            const reference = `docker://${stack.registry.host}/bench/app:run-${run}`;
            const pushed = await stack.skopeo.copy(`oci:${image.layoutDir}:bench`, reference, auth);
            if (pushed.code !== 0) throw new Error(`push failed: ${pushed.output}`);
            const pulled = await stack.skopeo.copy(reference, `oci:${path.join(stack.dir, `pull-${run}`)}:bench`, auth);
            if (pulled.code !== 0) throw new Error(`pull failed: ${pulled.output}`);
            const mib = image.totalBytes / MiB;
            push.push(mib / (pushed.millis / 1000));
            pull.push(mib / (pulled.millis / 1000));
            console.log(
                `run ${run}: ${mib.toFixed(1)} MiB  push ${pushed.millis} ms (${push.at(-1)!.toFixed(1)} MiB/s)  ` +
                    `pull ${pulled.millis} ms (${pull.at(-1)!.toFixed(1)} MiB/s)`,
            );
            fs.rmSync(path.join(stack.dir, `pull-${run}`), { recursive: true, force: true });
        }
        console.log(`median of ${runs}: push ${median(push).toFixed(1)} MiB/s, pull ${median(pull).toFixed(1)} MiB/s`);
    } finally {
        await stack.stop();
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
