import type Dockerode from "dockerode";
import type { DockerView } from "./dockerRules";

/** dockerode's connection options for a dockerHost value; none (DOCKER_HOST or the local socket) when empty. */
export function dockerConnection(host?: string): Dockerode.DockerOptions | undefined {
    if (!host) return undefined;
    const url = new URL(host);
    if (url.protocol === "unix:") return { socketPath: url.pathname };
    if (url.protocol === "ssh:") {
        return { protocol: "ssh", host: url.hostname, port: Number(url.port) || 22, username: url.username || undefined };
    }
    const tls = url.protocol === "https:";
    return { protocol: tls ? "https" : "http", host: url.hostname, port: Number(url.port) || (tls ? 2376 : 2375) };
}

/**
 * The Docker host as the Docker provider reaches it (dockerHost, else DOCKER_HOST or the local
 * socket), through dockerode. Required where it runs: in the guard's dynamic provider, Pulumi
 * serializes this function and the process that runs it resolves dockerode from the project.
 */
export function dockerView(host?: string): DockerView {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Docker = require("dockerode") as typeof Dockerode;
    const options = dockerConnection(host);
    const docker = options ? new Docker(options) : new Docker();
    const where = host || process.env.DOCKER_HOST || "the local Docker socket";
    const reading = async <T>(what: string, read: () => Promise<T>): Promise<T> => {
        try {
            return await read();
        } catch (error) {
            throw new Error(`reading the Docker host (${where}) for ${what}: ${(error as Error).message}`);
        }
    };
    const exists = async (inspect: () => Promise<unknown>) => {
        try {
            await inspect();
            return true;
        } catch (error) {
            if ((error as { statusCode?: number }).statusCode === 404) return false;
            throw error;
        }
    };
    return {
        containers: () =>
            reading("its containers", async () =>
                (await docker.listContainers({ all: true })).map((c) => ({
                    name: (c.Names[0] ?? "").replace(/^\//, ""),
                    ports: c.Ports.filter((p) => p.PublicPort).map((p) => ({ address: p.IP ?? "", port: p.PublicPort })),
                })),
            ),
        networkExists: (name) => reading(`the network ${name}`, () => exists(() => docker.getNetwork(name).inspect())),
        volumeExists: (name) => reading(`the volume ${name}`, () => exists(() => docker.getVolume(name).inspect())),
    };
}
