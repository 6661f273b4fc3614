import { execFile } from "child_process";
import * as fs from "fs";
import { promisify } from "util";
import * as path from "path";
import { DistributionVersion } from "../../../common/distributionVersion";
import { S3Tuning } from "../../../components/registryConfig";
import { Crane } from "../harness/crane";
import { OciImage, readBlob, writeOciImage } from "../harness/ociImage";
import { MinioServer } from "../harness/minio";
import { SkopeoResult } from "../harness/skopeo";
import { ClientResult } from "../harness/timedRun";
import { RegistryServer } from "../harness/registry";
import { LocalRegistryStack } from "../harness/stack";
import { Tools } from "../harness/tools";
import { CpuSpent, cpuSpentBy } from "./cpu";

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

/** What the bench times: through the registry, straight into MinIO, and pulls redirected to MinIO. */
export const operations = ["push", "rawPut", "pull", "redirectedPull", "rawGet"] as const;
export type Operation = (typeof operations)[number];

/** Where an operation's CPU went, per GiB moved, and how many cores were busy on average. */
export interface CpuPerGiB extends CpuSpent {
    busyCores: number;
}

/** One client on one workload: medians of the runs, MiB/s, and as ratios to raw MinIO in the same runs. */
export interface Measurement {
    workload: string;
    client: Client;
    push: number;
    pull: number;
    /** Pulls through a registry whose blob GETs redirect to presigned MinIO URLs (minioPublicEndpoint). */
    redirectedPull: number;
    rawPut: number;
    rawGet: number;
    pushRatio: number;
    pullRatio: number;
    redirectedPullRatio: number;
    /** CPU seconds per GiB of the client (or mc), the registry and MinIO, medians of the runs. */
    cpu: Record<Operation, CpuPerGiB>;
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
    log?: (line: string) => void;
}

/**
 * Writes every dirty page to disk before an operation is timed: otherwise the previous operation's
 * files are still being written back while the next one runs, and slow it by chance.
 */
const settle = () => promisify(execFile)("sync");

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
    const stack = new LocalRegistryStack(options.tools, { version: options.version, s3Tuning: options.s3Tuning });
    const samples = new Map<string, Sample[]>();
    try {
        await stack.start();
        // The same storage behind a second registry that redirects blob GETs to MinIO (reachable here).
        const redirecting = await stack.addReplica("registry-redirecting", { storageRedirects: true });
        if (!(stack.minio instanceof MinioServer)) throw new Error("the bench measures one MinIO process");
        const minioPid = stack.minio.pid;
        const through = (registry: RegistryServer) => ({
            auth: stack.skopeo.authFile(`bench-${registry.port}`, registry.host, stack.serviceAccount),
            crane: new Crane(options.tools.crane, path.join(stack.dir, `crane-${registry.port}`), registry.host, stack.serviceAccount),
            servers: { registry: registry.pid, minio: minioPid },
        });
        const direct = through(stack.registry);
        const redirected = through(redirecting);
        type Via = ReturnType<typeof through>;
        const timed = async (via: Via, what: string, run: () => Promise<ClientResult>) => {
            await settle();
            return cpuSpentBy(via.servers, async () => mustSucceed(what, await run()).millis);
        };
        const push = (client: Client, via: Via, image: OciImage, reference: string) =>
            timed(via, `${client} push`, () =>
                client === "skopeo"
                    ? stack.skopeo.copy(`oci:${image.layoutDir}:${image.tag}`, `docker://${reference}`, via.auth)
                    : via.crane.push(image.layoutDir, reference),
            );
        const pull = (client: Client, via: Via, reference: string, layoutDir: string, tag: string) =>
            timed(via, `${client} pull`, () =>
                client === "skopeo"
                    ? stack.skopeo.copy(`docker://${reference}`, `oci:${layoutDir}:${tag}`, via.auth)
                    : via.crane.pull(reference, layoutDir),
            );
        const mcRun = async (...args: string[]) => {
            await settle();
            return cpuSpentBy(direct.servers, async () => {
                const started = Date.now();
                await stack.mc.mustRun(...args);
                return Date.now() - started;
            });
        };

        for (let run = 1; run <= options.runs; run++) {
            for (const workload of workloads(options.scale)) {
                for (const client of clients) {
                    // Fresh random layers for every push, so no blob is already in the registry.
                    const tag = `run-${run}-${client}-${workload.layers.length}`;
                    const image = writeOciImage(path.join(stack.dir, tag), tag, workload.layers);
                    const pulledDir = path.join(stack.dir, `${tag}-pulled`);
                    const redirectedDir = path.join(stack.dir, `${tag}-redirected`);
                    const reference = (registry: RegistryServer) => `${registry.host}/bench/app:${tag}`;
                    const sample: Partial<Record<Operation, { millis: number; cpu: CpuSpent }>> = {};
                    const record = (operation: Operation, spent: { result: number; cpu: CpuSpent }) => {
                        sample[operation] = { millis: spent.result, cpu: spent.cpu };
                    };
                    // The same bytes straight to and from MinIO with mc, as the registry's own identity.
                    const rawDir = path.join(stack.dir, `${tag}-raw`);
                    const rawGetDir = path.join(stack.dir, `${tag}-raw-get`);
                    fs.mkdirSync(rawDir);
                    for (const digest of [image.configDigest, ...image.layerDigests])
                        fs.writeFileSync(path.join(rawDir, digest.slice(7)), readBlob(image.layoutDir, digest));
                    const target = `registry/${stack.bucket}/bench-raw/${tag}/`;

                    // Each operation beside its baseline, so a slow moment of the machine hits both.
                    record("push", await push(client, direct, image, reference(stack.registry)));
                    record("rawPut", await mcRun("cp", "--quiet", "--recursive", `${rawDir}/`, target));
                    record("pull", await pull(client, direct, reference(stack.registry), pulledDir, tag));
                    record("rawGet", await mcRun("cp", "--quiet", "--recursive", target, `${rawGetDir}/`));
                    record("redirectedPull", await pull(client, redirected, reference(redirecting), redirectedDir, tag));

                    const complete = { bytes: image.totalBytes, ...sample } as Sample;
                    const key = `${workload.name}|${client}`;
                    samples.set(key, [...(samples.get(key) ?? []), complete]);
                    const speed = (operation: Operation) => mibPerSecond(complete.bytes, complete[operation].millis).toFixed(1);
                    log(
                        `run ${run} ${workload.name} ${client}: push ${speed("push")} MiB/s (raw put ${speed("rawPut")}), ` +
                            `pull ${speed("pull")} MiB/s, redirected ${speed("redirectedPull")} (raw get ${speed("rawGet")})`,
                    );
                    for (const dir of [image.layoutDir, pulledDir, redirectedDir, rawDir, rawGetDir])
                        fs.rmSync(dir, { recursive: true, force: true });
                }
            }
        }
    } finally {
        await stack.stop();
    }
    return [...samples].map(([key, runs]) => summary(key, runs));
}

type Sample = { bytes: number } & Record<Operation, { millis: number; cpu: CpuSpent }>;

/** Medians over the runs of one workload and client: speeds, ratios within each run, CPU per GiB. */
function summary(key: string, runs: Sample[]): Measurement {
    const [workload, client] = key.split("|") as [string, Client];
    const speed = (operation: Operation) => runs.map((s) => mibPerSecond(s.bytes, s[operation].millis));
    const ratio = (operation: Operation, raw: Operation) => median(runs.map((s) => s[raw].millis / s[operation].millis));
    const perGiB = (operation: Operation): CpuPerGiB => {
        const gib = (s: Sample) => s.bytes / 1024 ** 3;
        const of = (pick: (s: Sample) => number) => median(runs.map(pick));
        return {
            client: of((s) => s[operation].cpu.client / gib(s)),
            registry: of((s) => s[operation].cpu.registry / gib(s)),
            minio: of((s) => s[operation].cpu.minio / gib(s)),
            busyCores: of((s) => {
                const { client, registry, minio } = s[operation].cpu;
                return (client + registry + minio) / (s[operation].millis / 1000);
            }),
        };
    };
    return {
        workload,
        client,
        push: median(speed("push")),
        pull: median(speed("pull")),
        redirectedPull: median(speed("redirectedPull")),
        rawPut: median(speed("rawPut")),
        rawGet: median(speed("rawGet")),
        pushRatio: ratio("push", "rawPut"),
        pullRatio: ratio("pull", "rawGet"),
        redirectedPullRatio: ratio("redirectedPull", "rawGet"),
        cpu: Object.fromEntries(operations.map((operation) => [operation, perGiB(operation)])) as Record<Operation, CpuPerGiB>,
    };
}

/**
 * Peak resident memory of the registry while `uploads` pushes of one `layerMiB` layer run at once,
 * under Go's soft memory limit `goMemLimit` (none: Go's default GC), and how long the pushes took.
 */
export async function peakRssUnderConcurrentPushes(
    options: BenchOptions,
    uploads: number,
    layerMiB: number,
    goMemLimit?: string,
): Promise<{ peakRssBytes: number; seconds: number }> {
    const stack = new LocalRegistryStack(options.tools, { version: options.version, s3Tuning: options.s3Tuning, goMemLimit });
    try {
        await stack.start();
        const crane = new Crane(options.tools.crane, path.join(stack.dir, "crane"), stack.registry.host, stack.serviceAccount);
        const images = Array.from({ length: uploads }, (_, i) =>
            writeOciImage(path.join(stack.dir, `rss-${i}`), `rss-${i}`, [layerMiB * MiB]),
        );
        await settle();
        const started = Date.now();
        const results = await Promise.all(images.map((image, i) => crane.push(image.layoutDir, `${stack.registry.host}/bench/rss:${i}`)));
        const seconds = (Date.now() - started) / 1000;
        results.forEach((result) => mustSucceed("concurrent push", result));
        return { peakRssBytes: stack.registry.peakRssBytes(), seconds };
    } finally {
        await stack.stop();
    }
}
