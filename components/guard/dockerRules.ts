/*
 * What the Docker target cannot deploy over what a Docker host already runs, checked by the stack's
 * guard at preview. Pure: the host comes in as a DockerView. Runs inside the guard's dynamic provider,
 * so it imports nothing.
 */

/** The Docker part of the guard's inputs: what the stack creates with fixed names, and the host ports it publishes. */
export interface DockerGuardInputs {
    /** dockerHost; empty for DOCKER_HOST or the local socket. */
    host?: string;
    /** dockerNameSuffix. */
    suffix: string;
    /** The containers the stack creates: MinIO (unless storage is s3), the registry, the pull endpoint, the mirror. */
    containers: string[];
    network: string;
    /** MinIO's data volume; absent with storage s3. */
    volume?: string;
    /** Each published host port, with the config key that sets it. */
    ports: Array<{ key: string; address: string; port: number }>;
    /** adoptData: the operator asks to take over the volume an earlier deployment left. */
    adoptData: boolean;
}

export interface DockerContainer {
    name: string;
    /** Host addresses and ports the container publishes. */
    ports: Array<{ address: string; port: number }>;
}

/** The few reads the rules need. */
export interface DockerView {
    /** Every container on the host, running or not. */
    containers(): Promise<DockerContainer[]>;
    networkExists(name: string): Promise<boolean>;
    volumeExists(name: string): Promise<boolean>;
}

const twoStacks = 'see docs/operations.md, "Two stacks on one Docker host"';
const anyAddress = (address: string) => ["", "0.0.0.0", "::"].includes(address);

/** Whether two published addresses on one port collide: the same, or either on every address. */
const sameSocket = (a: { address: string; port: number }, b: { address: string; port: number }) =>
    a.port === b.port && (a.address === b.address || anyAddress(a.address) || anyAddress(b.address));

/** Why this deployment cannot go ahead on the Docker host as it is; reads the host only when needed. */
export async function dockerProblems(
    olds: { storageLayout?: string; docker?: DockerGuardInputs },
    news: DockerGuardInputs,
    connect: () => DockerView,
): Promise<string[]> {
    // A stack whose guard was never deployed is new: what carries its names on the host is someone else's.
    const isNew = olds.storageLayout === undefined;
    const before = olds.docker;
    if (before && before.suffix !== news.suffix) {
        return [
            `orbit-registry:dockerNameSuffix = ${JSON.stringify(news.suffix)} (was ${JSON.stringify(before.suffix)}): ` +
                "it names the deployed containers and MinIO's data volume, so it cannot change on a deployed stack; set it back",
        ];
    }
    const published = (p: DockerGuardInputs["ports"][number]) =>
        before?.ports.some((q) => q.key === p.key && q.address === p.address && q.port === p.port) === true;
    const newPorts = news.ports.filter((p) => isNew || !published(p));
    if (!isNew && newPorts.length === 0 && !news.adoptData) return [];

    const docker = connect();
    const problems: string[] = [];
    const containers = await docker.containers();
    let namesTaken = false;
    const suffixKey = `orbit-registry:dockerNameSuffix = ${JSON.stringify(news.suffix)}`;
    if (isNew) {
        const taken = [
            ...news.containers.filter((name) => containers.some((c) => c.name === name)).map((name) => `the container ${name}`),
            ...((await docker.networkExists(news.network)) ? [`the network ${news.network}`] : []),
        ];
        namesTaken = taken.length > 0;
        for (const what of taken) {
            problems.push(
                `${suffixKey}: the Docker host already has ${what}, which this stack did not create (another stack, or ` +
                    "another clone of this project); give this stack names and ports of its own (scripts/pulumi config set " +
                    `dockerNameSuffix staging, and registryPort, minioApiPort, minioConsolePort), or remove it; ${twoStacks}`,
            );
        }
    }
    const ours = new Set(news.containers);
    for (const wanted of newPorts) {
        const holder = containers.find((c) => !ours.has(c.name) && c.ports.some((p) => sameSocket(p, wanted)));
        if (holder) {
            problems.push(
                `orbit-registry:${wanted.key} = ${wanted.port}: the container ${holder.name} publishes that port on ` +
                    `${wanted.address} already; choose a free port (scripts/pulumi config set ${wanted.key} …); ${twoStacks}`,
            );
        }
    }
    if (news.volume && (isNew || news.adoptData)) {
        const volumeLeft = await docker.volumeExists(news.volume);
        // Beside a running stack of the same names the volume is that stack's: its names are the problem to fix.
        if (volumeLeft && isNew && !news.adoptData && !namesTaken) {
            problems.push(
                `orbit-registry:adoptData = false: the Docker volume ${news.volume} exists, with the images of an earlier ` +
                    "deployment (protectData kept it when that stack was destroyed) or of another stack. To deploy over it and " +
                    `keep them: scripts/pulumi config set adoptData true; to start empty: docker volume rm ${news.volume}; ` +
                    'see docs/operations.md, "Tearing a stack down"',
            );
        }
        if (!volumeLeft && news.adoptData) {
            problems.push(`orbit-registry:adoptData = true: there is no volume ${news.volume} to take over; set adoptData false`);
        }
    }
    return problems;
}
