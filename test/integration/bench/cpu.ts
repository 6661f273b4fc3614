import * as fs from "fs";

/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const ticksPerSecond = 100;

/** Fields of /proc/<pid>/stat after the command name, which may itself hold spaces. */
const statFields = (pid: number | "self") => {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat
        .slice(stat.lastIndexOf(")") + 2)
        .split(" ")
        .map(Number);
};

/** CPU seconds a running process has used so far (utime + stime). */
export function processCpuSeconds(pid: number): number {
    const fields = statFields(pid);
    return (fields[11] + fields[12]) / ticksPerSecond;
}

/** CPU seconds of this process' children that have exited and been waited for (cutime + cstime): the clients and mc runs. */
export function exitedChildrenCpuSeconds(): number {
    const fields = statFields("self");
    return (fields[13] + fields[14]) / ticksPerSecond;
}

/** Where one operation's CPU went, in seconds. */
export interface CpuSpent {
    client: number;
    registry: number;
    minio: number;
}

/**
 * Runs `operation` and says how many CPU seconds the client(s) it ran, the registry and MinIO spent meanwhile. */
export async function cpuSpentBy<T>(
    servers: { registry: number; minio: number },
    operation: () => Promise<T>,
): Promise<{ result: T; cpu: CpuSpent }> {
    const before = {
        client: exitedChildrenCpuSeconds(),
        registry: processCpuSeconds(servers.registry),
        minio: processCpuSeconds(servers.minio),
    };
    const result = await operation();
    return {
        result,
        cpu: {
            client: exitedChildrenCpuSeconds() - before.client,
            registry: processCpuSeconds(servers.registry) - before.registry,
            minio: processCpuSeconds(servers.minio) - before.minio,
        },
    };
}
