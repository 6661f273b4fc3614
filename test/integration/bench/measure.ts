import * as fs from "fs";
import * as path from "path";
import { DistributionVersion } from "../../../components/distributionVersion";
import { S3Tuning } from "../../../components/registryConfig";
import { Crane } from "../harness/crane";
import { readBlob, writeOciImage } from "../harness/ociImage";
import { SkopeoResult } from "../harness/skopeo";
import { LocalRegistryStack } from "../harness/stack";
import { Tools } from "../harness/tools";

export const MiB = 1024 * 1024;

export interface Workload {
    name: string;
    layers: number[];
}

/** The two shapes: a few big layers, and many small ones (a Node.js app image). */
export const workloads = (scale = 1): Workload[] => [
    { name: `${4 * 64 * scale} MiB in 4 layers`, layers: Array(4).fill(64 * MiB * scale) },
    { name: `64 layers of ${1024 * scale} KiB`, layers: Array(64).fill(MiB * scale) },
];

export const clients = ["skopeo", "crane"] as const;
export type Client = (typeof clients)[number];

/** One client on one workload: medians of the runs, MiB/s, and as ratios to raw MinIO in the same runs. */
export interface Measurement {
    workload: string;
    client: Client;
    push: number;
    pull: number;
    rawPut: number;
    rawGet: number;
    pushRatio: number;
    pullRatio: number;
}

export const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export interface BenchOptions {
    tools: Tools;
    version: DistributionVersion;
    runs: number;
    /** 1 for the sizes; a fraction for the integration suite's tiny run. */
    scale: number;
    s3Tuning?: S3Tuning;
    /** Pulls redirected to presigned MinIO URLs instead of streamed by the registry. */
    storageRedirects?: boolean;
    log?: (line: string) => void;
}

const mibPerSecond = (bytes: number, millis: number) => bytes / MiB / (millis / 1000);

function mustSucceed(what: string, result: SkopeoResult): SkopeoResult {
    if (result.code !== 0) throw new Error(`${what} failed: ${result.output}`);
    return result;
}

/**
 * Pushes and pulls fresh random images with each client through the program's registry config, and
 * puts and gets the same blob files straight into MinIO with mc, in the same run: the ratios say how
 * close the registry comes to its storage's own speed on this machine.
 */
export async function measure(options: BenchOptions): Promise<Measurement[]> {
    const log = options.log ?? (() => {});
    const stack = new LocalRegistryStack(options.tools, {
        version: options.version,
        s3Tuning: options.s3Tuning,
        storageRedirects: options.storageRedirects,
    });
    const samples = new Map<string, { push: number[]; pull: number[]; rawPut: number[]; rawGet: number[] }>();
    try {
        await stack.start();
        const auth = stack.skopeo.authFile("bench", stack.registry.host, stack.serviceAccount);
        const crane = new Crane(options.tools.crane, path.join(stack.dir, "crane"), stack.registry.host, stack.serviceAccount);
        for (let run = 1; run <= options.runs; run++) {
            for (const workload of workloads(options.scale)) {
                for (const client of clients) {
                    // Fresh random layers for every push, so no blob is already in the registry.
                    const tag = `run-${run}-${client}-${workload.layers.length}`;
                    const image = writeOciImage(path.join(stack.dir, tag), tag, workload.layers);
                    const bytes = image.totalBytes;
                    const reference = `${stack.registry.host}/bench/app:${tag}`;
                    const pulledDir = path.join(stack.dir, `${tag}-pulled`);
                    const pushed =
                        client === "skopeo"
                            ? await stack.skopeo.copy(`oci:${image.layoutDir}:${tag}`, `docker://${reference}`, auth)
                            : await crane.push(image.layoutDir, reference);
                    mustSucceed(`${client} push`, pushed);
                    const pulled =
                        client === "skopeo"
                            ? await stack.skopeo.copy(`docker://${reference}`, `oci:${pulledDir}:${tag}`, auth)
                            : await crane.pull(reference, pulledDir);
                    mustSucceed(`${client} pull`, pulled);

                    // The same bytes straight to and from MinIO, as the registry's own identity.
                    const rawDir = path.join(stack.dir, `${tag}-raw`);
                    fs.mkdirSync(rawDir);
                    for (const digest of [image.configDigest, ...image.layerDigests])
                        fs.writeFileSync(path.join(rawDir, digest.slice(7)), readBlob(image.layoutDir, digest));
                    const target = `registry/${stack.bucket}/bench-raw/${tag}/`;
                    let started = Date.now();
                    await stack.mc.mustRun("cp", "--quiet", "--recursive", `${rawDir}/`, target);
                    const rawPut = Date.now() - started;
                    started = Date.now();
                    await stack.mc.mustRun("cp", "--quiet", "--recursive", target, path.join(stack.dir, `${tag}-raw-get`) + "/");
                    const rawGet = Date.now() - started;

                    const key = `${workload.name}|${client}`;
                    const sample = samples.get(key) ?? { push: [], pull: [], rawPut: [], rawGet: [] };
                    sample.push.push(mibPerSecond(bytes, pushed.millis));
                    sample.pull.push(mibPerSecond(bytes, pulled.millis));
                    sample.rawPut.push(mibPerSecond(bytes, rawPut));
                    sample.rawGet.push(mibPerSecond(bytes, rawGet));
                    samples.set(key, sample);
                    log(
                        `run ${run} ${workload.name} ${client}: push ${sample.push.at(-1)!.toFixed(1)} MiB/s ` +
                            `(raw put ${sample.rawPut.at(-1)!.toFixed(1)}), pull ${sample.pull.at(-1)!.toFixed(1)} MiB/s ` +
                            `(raw get ${sample.rawGet.at(-1)!.toFixed(1)})`,
                    );
                    for (const dir of [image.layoutDir, pulledDir, rawDir, path.join(stack.dir, `${tag}-raw-get`)])
                        fs.rmSync(dir, { recursive: true, force: true });
                }
            }
        }
    } finally {
        await stack.stop();
    }
    return [...samples].map(([key, s]) => {
        const [workload, client] = key.split("|") as [string, Client];
        const ratio = (a: number[], b: number[]) => median(a.map((value, i) => value / b[i]));
        return {
            workload,
            client,
            push: median(s.push),
            pull: median(s.pull),
            rawPut: median(s.rawPut),
            rawGet: median(s.rawGet),
            pushRatio: ratio(s.push, s.rawPut),
            pullRatio: ratio(s.pull, s.rawGet),
        };
    });
}

/** Peak resident memory of the registry while `uploads` pushes of one `layerMiB` layer run at once. */
export async function peakRssUnderConcurrentPushes(options: BenchOptions, uploads: number, layerMiB: number): Promise<number> {
    const stack = new LocalRegistryStack(options.tools, { version: options.version, s3Tuning: options.s3Tuning });
    try {
        await stack.start();
        const crane = new Crane(options.tools.crane, path.join(stack.dir, "crane"), stack.registry.host, stack.serviceAccount);
        const images = Array.from({ length: uploads }, (_, i) =>
            writeOciImage(path.join(stack.dir, `rss-${i}`), `rss-${i}`, [layerMiB * MiB]),
        );
        const results = await Promise.all(images.map((image, i) => crane.push(image.layoutDir, `${stack.registry.host}/bench/rss:${i}`)));
        results.forEach((result) => mustSucceed("concurrent push", result));
        return stack.registry.peakRssBytes();
    } finally {
        await stack.stop();
    }
}
