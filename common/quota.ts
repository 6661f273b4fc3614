/**
 * Workspace quotas: how many bytes a workspace's images may hold (blobs counted once per workspace,
 * accessories included, as the inventory counts them), and what a refused push says.
 */
export interface QuotaPolicy {
    /** Every workspace's quota in bytes unless overridden; 0 turns quotas off. */
    defaultBytes: number;
    /** Workspace slug → its quota in bytes (0: no quota for it). */
    overrides: Record<string, number>;
}

const units: Record<string, number> = {
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/** Bytes of a Kubernetes quantity (10Gi, 500M, 0); undefined when it is none. */
export function quantityBytes(value: string): number | undefined {
    const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(value.trim());
    return match ? Math.round(Number(match[1]) * units[match[2] ?? ""]) : undefined;
}

/** The workspace a repository belongs to: its first path segment (Orbit pushes to `<workspace>/<app>`). */
export const workspaceOf = (repository: string) => repository.split("/")[0];

/** The workspace's quota in bytes; 0 when it has none. */
export const quotaOf = (workspace: string, policy: QuotaPolicy) => policy.overrides[workspace] ?? policy.defaultBytes;

/** The share of its quota a workspace uses, in percent to one decimal; null when it has no quota. */
export const usedPercent = (bytes: number, quotaBytes: number): number | null =>
    quotaBytes > 0 ? Math.round((bytes / quotaBytes) * 1000) / 10 : null;

/** 10.5 GiB, 812.0 MiB, 64 B: what a person reads in a refusal or a table. */
export function readableBytes(bytes: number): string {
    const steps = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let value = bytes;
    let step = 0;
    while (value >= 1024 && step < steps.length - 1) {
        value /= 1024;
        step++;
    }
    return step === 0 ? `${bytes} B` : `${value.toFixed(1)} ${steps[step]}`;
}

/** What a client prints when a push into a workspace at its quota is refused. */
export const quotaRefusal = (workspace: string, usedBytes: number, quotaBytes: number) =>
    `workspace ${workspace} is at its registry quota: ${readableBytes(usedBytes)} stored of ${readableBytes(quotaBytes)} ` +
    `(${usedBytes} of ${quotaBytes} bytes); delete images or clean up before pushing again`;
