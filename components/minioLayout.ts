/*
 * MinIO's erasure-set rules (cmd/endpoint-ellipses.go and internal/config/storageclass of the MinIO
 * release the program pins), so that the program refuses the layouts MinIO would refuse at start.
 */

/** Drive counts an erasure set may have. */
const setSizes = Array.from({ length: 15 }, (_, i) => i + 2);

/** MinIO's default parity (EC:n) for a set of `drives` drives. */
function defaultParity(drives: number): number {
    if (drives === 1) return 0;
    if (drives <= 3) return 1;
    if (drives <= 5) return 2;
    if (drives <= 7) return 3;
    return 4;
}

export interface MinioLayout {
    pods: number;
    drivesPerPod: number;
    /** Erasure-coded across pods; false for today's single pod on one drive. */
    distributed: boolean;
    setSize: number;
    parity: number;
    /** Drives of a set that must answer for a write, and for a read. */
    writeQuorum: number;
    readQuorum: number;
    /** Pods that may be down while every set still has its write (and read) quorum. */
    podsLostForWrites: number;
    podsLostForReads: number;
}

/** `pods x drives`, as the storageLayout output names a layout. */
export const layoutName = (layout: Pick<MinioLayout, "pods" | "drivesPerPod">) => `${layout.pods}x${layout.drivesPerPod}`;

/** The erasure layout MinIO would choose for `pods` pods of `drivesPerPod` drives, or why it cannot run. */
export function minioLayout(pods: number, drivesPerPod: number): MinioLayout | { problem: string } {
    if (pods === 1) {
        if (drivesPerPod !== 1) return { problem: "one MinIO pod runs on one drive; erasure coding needs minioReplicas of 4 or more" };
        const single = { setSize: 1, parity: 0, writeQuorum: 1, readQuorum: 1, podsLostForWrites: 0, podsLostForReads: 0 };
        return { pods, drivesPerPod, distributed: false, ...single };
    }
    if (pods < 4)
        return { problem: `distributed MinIO needs 4 pods or more; with ${pods} a lost pod takes the write quorum of a set with it` };
    const total = pods * drivesPerPod;
    const divisors = setSizes.filter((size) => total % size === 0);
    if (divisors.length === 0) return { problem: `${total} drives are not divisible by any erasure set size from 2 to 16` };
    // MinIO spreads every set evenly over the pods (the host part of its endpoint pattern).
    const symmetric = divisors.filter((size) => (pods > size ? pods % size === 0 : size % pods === 0));
    if (symmetric.length === 0) return { problem: `${total} drives cannot be spread symmetrically over ${pods} pods in sets of 2 to 16` };
    const setSize = commonSetDriveCount(total, symmetric);
    const parity = defaultParity(setSize);
    const data = setSize - parity;
    const writeQuorum = data === parity ? data + 1 : data;
    const readQuorum = data;
    // Each pod holds setSize/pods drives of every set (1 when a set spans fewer pods than there are).
    const drivesOfASetPerPod = Math.max(1, setSize / pods);
    const layout: MinioLayout = {
        pods,
        drivesPerPod,
        distributed: true,
        setSize,
        parity,
        writeQuorum,
        readQuorum,
        podsLostForWrites: Math.floor((setSize - writeQuorum) / drivesOfASetPerPod),
        podsLostForReads: Math.floor((setSize - readQuorum) / drivesOfASetPerPod),
    };
    if (layout.podsLostForWrites < 1) return { problem: `with sets of ${setSize} drives, losing one pod loses the write quorum` };
    return layout;
}

/** MinIO's choice among the possible set sizes: the largest one (fewest sets), as in commonSetDriveCount. */
function commonSetDriveCount(total: number, sizes: number[]): number {
    if (total < sizes[sizes.length - 1]) return total;
    let fewestSets = total / sizes[0];
    let chosen = sizes[0];
    for (const size of sizes) {
        if (total / size <= fewestSets) {
            fewestSets = total / size;
            chosen = size;
        }
    }
    return chosen;
}
