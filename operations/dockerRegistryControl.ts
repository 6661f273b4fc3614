import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { RegistryControl } from "./garbageCollect";
import { blobListingPrefix, blobSizesFromListing } from "./blobListing";
import { pushTimeListingPaths, tagPushTimes } from "../common/tagListing";
import { withReadOnly } from "./readOnly";

export interface CommandResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs a command with optional stdin; never throws for a non-zero exit. */
export type CommandRunner = (command: string, args: string[], stdin?: string) => Promise<CommandResult>;

export const runCommand: CommandRunner = (command, args, stdin) =>
    new Promise((resolve) => {
        const child = execFile(command, args, { maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
            // A command that is not installed exits as a shell says so: 127.
            if ((error as NodeJS.ErrnoException | null)?.code === "ENOENT")
                resolve({ code: 127, stdout, stderr: `${command}: command not found` });
            else resolve({ code: error ? Number(typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
        });
        // A command that exits without reading its input must not take this process down with EPIPE.
        child.stdin?.on("error", () => undefined);
        child.stdin?.end(stdin ?? "");
    });

export interface DockerRegistryControlArgs {
    /** The registry's container (names.registry). */
    container: string;
    /** The Docker network on which the registry reaches MinIO (names.internalNetwork). */
    network: string;
    bucket: string;
    /** A MinIO client image, for the blob sizes; the stack's mcImage. */
    mcImage: string;
    /** The read-only pull endpoint's container (names.registryPull), restarted with the registry where it exists. */
    pullContainer?: string;
    /** How long a restart may take to drain and come back healthy. */
    timeoutMs?: number;
    run?: CommandRunner;
}

/** The Docker target's registry container, driven through the docker CLI. */
export class DockerRegistryControl implements RegistryControl {
    private readonly run: CommandRunner;

    constructor(private readonly args: DockerRegistryControlArgs) {
        this.run = args.run ?? runCommand;
    }

    private async docker(...args: string[]): Promise<string> {
        const result = await this.run("docker", args);
        if (result.code !== 0)
            throw new Error(`docker ${args.slice(0, 2).join(" ")} failed (exit ${result.code}): ${result.stderr.trim()}`);
        return result.stdout;
    }

    /** The config file the container serves, the last of its `serve <file>` arguments. */
    async configPath(): Promise<string> {
        const args = JSON.parse(await this.docker("inspect", "--format", "{{json .Args}}", this.args.container)) as string[];
        const file = args[args.length - 1];
        if (!file?.endsWith(".yml"))
            throw new Error(`${this.args.container} does not serve a config file (arguments ${JSON.stringify(args)})`);
        return file;
    }

    async readConfig(): Promise<string> {
        return this.docker("exec", this.args.container, "cat", await this.configPath());
    }

    async setReadOnly(readOnly: boolean): Promise<void> {
        const file = await this.configPath();
        const config = withReadOnly(await this.readConfig(), readOnly);
        const written = await this.run("docker", ["exec", "-i", this.args.container, "sh", "-c", 'cat > "$0"', file], config);
        if (written.code !== 0) throw new Error(`could not write ${file} in ${this.args.container}: ${written.stderr.trim()}`);
        await this.restart();
    }

    /**
     * Restarts the registry and the pull endpoint on the same storage, if there is one (their in-memory
     * caches start empty), and waits until each is healthy again.
     */
    async restart(): Promise<void> {
        const pull = this.args.pullContainer;
        const found = pull ? await this.docker("ps", "--all", "--quiet", "--filter", `name=^/${pull}$`) : "";
        for (const container of [this.args.container, ...(pull && found.trim() ? [pull] : [])]) {
            // Docker waits this long for the registry to drain (http.draintimeout) before it kills it.
            await this.docker("restart", "--time", "30", container);
            await this.waitHealthy(container);
        }
    }

    private async waitHealthy(container: string): Promise<void> {
        const deadline = Date.now() + (this.args.timeoutMs ?? 120_000);
        for (;;) {
            const status = (await this.docker("inspect", "--format", "{{.State.Health.Status}}", container)).trim();
            if (status === "healthy") return;
            if (Date.now() > deadline) throw new Error(`${container} is ${status} after its restart`);
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
    }

    async garbageCollect(flags: string[]): Promise<{ code: number; output: string }> {
        const result = await this.run("docker", [
            "exec",
            this.args.container,
            "registry",
            "garbage-collect",
            ...flags,
            await this.configPath(),
        ]);
        return { code: result.code, output: `${result.stdout}${result.stderr}` };
    }

    registryVersion(): Promise<string> {
        return this.docker("exec", this.args.container, "registry", "--version");
    }

    /**
     * One mc listing under `prefix` of the bucket, in a throwaway container on the registry's network,
     * as the registry's own S3 identity (read from its container; passed in an env file, never on a
     * command line): the JSON lines of `mc ls --json --recursive`.
     */
    private async listStorage(...paths: string[]): Promise<string> {
        const storage = await this.storageAccess();
        const endpoint = new URL(storage.endpoint);
        endpoint.username = encodeURIComponent(storage.accessKey);
        endpoint.password = encodeURIComponent(storage.secretKey);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orbit-gc-"));
        const envFile = path.join(dir, "mc.env");
        try {
            fs.writeFileSync(envFile, `MC_HOST_registry=${endpoint.toString().replace(/\/$/, "")}\n`, { mode: 0o600 });
            const listing = ["ls", "--json", "--recursive", ...paths];
            const network = storage.onInternalNetwork ? ["--network", this.args.network] : [];
            const result = await this.run("docker", ["run", "--rm", ...network, "--env-file", envFile, this.args.mcImage, ...listing]);
            if (result.code !== 0) throw new Error(`mc ls of ${paths.join(" ")} failed (exit ${result.code}): ${result.stderr.trim()}`);
            return result.stdout;
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }

    /** The registry's S3 endpoint and its own (read-write) identity, as its container has them. */
    async storageAccess(): Promise<{ endpoint: string; accessKey: string; secretKey: string; onInternalNetwork: boolean }> {
        const env = JSON.parse(await this.docker("inspect", "--format", "{{json .Config.Env}}", this.args.container)) as string[];
        const value = (name: string) => env.find((line) => line.startsWith(`${name}=`))?.slice(name.length + 1) ?? "";
        const s3 = (parse(await this.readConfig()) as { storage: { s3: { regionendpoint?: string; region: string } } }).storage.s3;
        return {
            endpoint: s3.regionendpoint ?? `https://s3.${s3.region}.amazonaws.com`,
            accessKey: value("REGISTRY_STORAGE_S3_ACCESSKEY"),
            secretKey: value("REGISTRY_STORAGE_S3_SECRETKEY"),
            // MinIO is reached on the registry's network; AWS from anywhere.
            onInternalNetwork: s3.regionendpoint !== undefined,
        };
    }

    async blobSizes(digests: string[]): Promise<Map<string, number>> {
        if (digests.length === 0) return new Map();
        return blobSizesFromListing(await this.listStorage(`registry/${this.args.bucket}/${blobListingPrefix}`), digests);
    }

    /** When each tag was last pushed: repository → tag → ISO time (tagListing.ts). */
    async tagPushTimes(): Promise<Map<string, Map<string, string>>> {
        return tagPushTimes(await this.listStorage(...pushTimeListingPaths(`registry/${this.args.bucket}`)));
    }
}
