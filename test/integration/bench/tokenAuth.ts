import * as fs from "fs";
import * as path from "path";
import { Crane } from "../harness/crane";
import { writeOciImage } from "../harness/ociImage";
import { RegistryServer } from "../harness/registry";
import { LocalRegistryStack } from "../harness/stack";
import { TokenServerProcess } from "../harness/tokenServer";
import { BenchOptions, Client, clients, median, MiB, workloads } from "./measure";

export interface AuthComparison {
    workload: string;
    client: Client;
    /** MiB/s with htpasswd (today's) and with token authentication at the token server (quotas). */
    htpasswdPush: number;
    tokenPush: number;
    htpasswdPull: number;
    tokenPull: number;
    /** Medians over the runs of token ÷ htpasswd speed within each run: 1 is no cost. */
    pushRatio: number;
    pullRatio: number;
}

/**
 * The cost of quota enforcement: the same storage behind two registries, one with htpasswd and one
 * with token authentication at the token server (with a quota no push reaches), each image pushed and
 * pulled through both in turn, so a slow moment of the machine hits both.
 */
export async function compareTokenAuth(options: BenchOptions): Promise<AuthComparison[]> {
    const log = options.log ?? (() => {});
    const stack = new LocalRegistryStack(options.tools, { version: options.version, s3Tuning: options.s3Tuning });
    const token = new TokenServerProcess(path.join(stack.dir, "token"), { defaultBytes: 1024 ** 5, overrides: {} }, 60);
    const samples = new Map<string, Array<Record<"htpasswdPush" | "tokenPush" | "htpasswdPull" | "tokenPull", number>>>();
    try {
        await stack.start();
        token.setAccounts([stack.serviceAccount]);
        const tokenRegistry = await stack.addReplica("registry-token", { token: await token.registryAuth() });
        await token.start(tokenRegistry.url);
        const via = (registry: RegistryServer) => ({
            registry,
            auth: stack.skopeo.authFile(`auth-bench-${registry.port}`, registry.host, stack.serviceAccount),
            crane: new Crane(options.tools.crane, path.join(stack.dir, `auth-crane-${registry.port}`), registry.host, stack.serviceAccount),
        });
        const routes = { htpasswd: via(stack.registry), token: via(tokenRegistry) };
        const timed = async (what: string, run: () => Promise<{ code: number; output: string; millis: number }>) => {
            const result = await run();
            if (result.code !== 0) throw new Error(`${what} failed: ${result.output}`);
            return result.millis;
        };
        for (let run = 1; run <= options.runs; run++) {
            for (const workload of workloads(options.scale)) {
                for (const client of clients) {
                    const sample = { htpasswdPush: 0, tokenPush: 0, htpasswdPull: 0, tokenPull: 0 };
                    let bytes = 0;
                    // Alternate which goes first, so neither always meets a warmer machine.
                    const order = run % 2 ? (["htpasswd", "token"] as const) : (["token", "htpasswd"] as const);
                    for (const auth of order) {
                        const route = routes[auth];
                        const tag = `run-${run}-${client}-${workload.layers.length}-${auth}`;
                        const image = writeOciImage(path.join(stack.dir, tag), tag, workload.layers);
                        bytes = image.totalBytes;
                        const reference = `${route.registry.host}/bench/auth:${tag}`;
                        const pulled = path.join(stack.dir, `${tag}-pulled`);
                        sample[`${auth}Push`] = await timed(`${auth} push`, () =>
                            client === "skopeo"
                                ? stack.skopeo.copy(`oci:${image.layoutDir}:${tag}`, `docker://${reference}`, route.auth)
                                : route.crane.push(image.layoutDir, reference),
                        );
                        sample[`${auth}Pull`] = await timed(`${auth} pull`, () =>
                            client === "skopeo"
                                ? stack.skopeo.copy(`docker://${reference}`, `oci:${pulled}:${tag}`, route.auth)
                                : route.crane.pull(reference, pulled),
                        );
                        for (const dir of [image.layoutDir, pulled]) fs.rmSync(dir, { recursive: true, force: true });
                    }
                    const speeds = Object.fromEntries(
                        Object.entries(sample).map(([key, millis]) => [key, bytes / MiB / (millis / 1000)]),
                    ) as typeof sample;
                    const key = `${workload.name}|${client}`;
                    samples.set(key, [...(samples.get(key) ?? []), speeds]);
                    const pair = (from: number, to: number) => `${from.toFixed(1)} → ${to.toFixed(1)} MiB/s`;
                    log(
                        `run ${run} ${workload.name} ${client}: push ${pair(speeds.htpasswdPush, speeds.tokenPush)}, ` +
                            `pull ${pair(speeds.htpasswdPull, speeds.tokenPull)} (htpasswd → token)`,
                    );
                }
            }
        }
    } finally {
        await token.stop();
        await stack.stop();
    }
    return [...samples].map(([key, runs]) => {
        const [workload, client] = key.split("|") as [string, Client];
        const of = (pick: (s: (typeof runs)[number]) => number) => median(runs.map(pick));
        return {
            workload,
            client,
            htpasswdPush: of((s) => s.htpasswdPush),
            tokenPush: of((s) => s.tokenPush),
            htpasswdPull: of((s) => s.htpasswdPull),
            tokenPull: of((s) => s.tokenPull),
            pushRatio: of((s) => s.tokenPush / s.htpasswdPush),
            pullRatio: of((s) => s.tokenPull / s.htpasswdPull),
        };
    });
}

/** The comparison as a markdown table. */
export function authComparisonTable(rows: AuthComparison[]): string {
    const f = (n: number) => n.toFixed(1);
    return [
        "| workload | client | push htpasswd → token (MiB/s) | token ÷ htpasswd | pull htpasswd → token (MiB/s) | token ÷ htpasswd |",
        "|---|---|---|---|---|---|",
        ...rows.map(
            (r) =>
                `| ${r.workload} | ${r.client} | ${f(r.htpasswdPush)} → ${f(r.tokenPush)} | ${r.pushRatio.toFixed(2)} | ` +
                `${f(r.htpasswdPull)} → ${f(r.tokenPull)} | ${r.pullRatio.toFixed(2)} |`,
        ),
    ].join("\n");
}
