import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DistributionVersion } from "../../../common/distributionVersion";
import { parseConfig } from "../../../components/config";
import { htpasswdLine } from "../../../components/htpasswd";
import {
    eventsEndpoints,
    RegistryRole,
    RegistryTokenAuth,
    registrySecretEnv,
    RegistrySecrets,
    renderRegistryConfig,
    S3Tuning,
} from "../../../components/registryConfig";
import { distributionEnv } from "../../../common/upstream";
import { stackConfig } from "../../helpers/stackConfig";
import { freePort, statusOf, waitUntil } from "./net";
import { ManagedProcess } from "./processes";

/** The dev stack's own registry settings, from Pulumi.yaml's defaults and Pulumi.dev.yaml. */
const devStack = parseConfig(stackConfig("dev"));
export const devStackRegistrySettings = { logLevel: devStack.registryLogLevel, foreignLayerUrls: devStack.foreignLayerUrls };

export interface RegistryServerArgs {
    version: DistributionVersion;
    /** The dev stack's settings unless a test overrides one. */
    settings?: Partial<typeof devStackRegistrySettings>;
    binary: string;
    dir: string;
    minioEndpoint: string;
    bucket: string;
    region: string;
    user: string;
    bcryptHash: string;
    secrets: RegistrySecrets<string>;
    /** A Redis shared as the blob-descriptor cache; in memory without one. */
    redis?: { address: string; password: string };
    /** Storage health check interval; short, so a MinIO outage shows quickly. */
    healthInterval: string;
    /** Where push and delete events go, with their bearer token; none without. */
    events?: { url: string; token: string };
    /** S3 driver settings other than the program's defaults (the bench's sweeps). */
    s3Tuning?: S3Tuning;
    /** Redirect blob pulls to MinIO, which clients on loopback can reach (the bench's redirected pulls). */
    storageRedirects?: boolean;
    /** The read-only pull endpoint or the mirror, as the program configures them; the push endpoint without. */
    role?: RegistryRole;
    /** The mirror's upstream (its account comes in secrets.proxyUsername/proxyPassword). */
    proxy?: { remoteUrl: string; ttl?: string };
    /** Token authentication at a token server (workspace quotas) instead of the htpasswd file. */
    token?: RegistryTokenAuth;
}

/**
 * Docker Distribution, 2.8 from Debian's docker-registry package (the code of registry:2) or 3 built
 * from its module (the code of registry:3), configured by the program's own renderer, htpasswd line
 * and environment for that version.
 */
export class RegistryServer {
    private process?: ManagedProcess;
    port = 0;
    debugPort = 0;
    readonly configFile: string;

    constructor(private readonly args: RegistryServerArgs) {
        this.configFile = path.join(args.dir, "config.yml");
    }

    get host(): string {
        return `127.0.0.1:${this.port}`;
    }
    get url(): string {
        return `http://${this.host}`;
    }
    get healthUrl(): string {
        return `http://127.0.0.1:${this.debugPort}/debug/health`;
    }

    private async writeConfig(): Promise<void> {
        if (this.port !== 0) return;
        this.port = await freePort();
        this.debugPort = await freePort();
        fs.mkdirSync(this.args.dir, { recursive: true });
        const htpasswdPath = path.join(this.args.dir, "htpasswd");
        fs.writeFileSync(htpasswdPath, htpasswdLine(this.args.user, this.args.bcryptHash), { mode: 0o600 });
        const config = renderRegistryConfig({
            ...devStackRegistrySettings,
            ...this.args.settings,
            redisAddress: this.args.redis?.address,
            distributionVersion: this.args.version,
            storage: {
                bucket: this.args.bucket,
                region: this.args.region,
                regionEndpoint: this.args.minioEndpoint,
                ...this.args.s3Tuning,
                clientsReachEndpoint: this.args.storageRedirects,
            },
            // The mirror serves anyone the network admits: no accounts.
            htpasswdPath: this.args.role === "mirror" ? undefined : htpasswdPath,
            role: this.args.role,
            token: this.args.token,
            proxy: this.args.proxy,
            httpAddr: this.host,
            debugAddr: `127.0.0.1:${this.debugPort}`,
            healthInterval: this.args.healthInterval,
            events: this.args.events !== undefined,
        });
        fs.writeFileSync(this.configFile, config);
    }

    /** The binary this server runs. */
    get binary(): string {
        return this.args.binary;
    }

    /**
     * The registry's environment. A fresh one: with AWS_CA_BUNDLE (or other AWS_* settings) inherited,
     * the S3 driver panics or talks to the wrong place.
     */
    env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
        return {
            PATH: process.env.PATH,
            HOME: this.args.dir,
            ...registrySecretEnv({
                ...this.args.secrets,
                redisPassword: this.args.redis?.password,
                eventsEndpoints: this.args.events && eventsEndpoints(this.args.events.url, this.args.events.token),
            }),
            ...distributionEnv[this.args.version],
            ...extra,
        };
    }

    /** Starts the registry; `extraEnv` adds REGISTRY_* overrides, as a Kubernetes Job may set them. */
    async start(extraEnv: Record<string, string> = {}): Promise<void> {
        await this.writeConfig();
        this.process = new ManagedProcess(
            `registry ${this.args.version}`,
            this.args.binary,
            ["serve", this.configFile],
            this.env(extraEnv),
        ).start();
        await waitUntil(
            "the registry's /v2/",
            async () => (await statusOf(`${this.url}/v2/`)) === (this.args.role === "mirror" ? 200 : 401),
            30_000,
            () => this.process!.log(),
        );
    }

    async stop(): Promise<void> {
        await this.process?.stop();
    }

    /** Rewrites htpasswd with these accounts, as a rotation's new Secret or upload does (read at start; 3 rereads it). */
    setAccounts(accounts: Array<{ user: string; bcryptHash: string }>): void {
        const lines = accounts.map((account) => htpasswdLine(account.user, account.bcryptHash)).join("");
        fs.writeFileSync(path.join(this.args.dir, "htpasswd"), lines, { mode: 0o600 });
    }

    /** The S3 keys the registry starts with from now on, as a rotation's new environment. */
    setStorageKeys(accessKey: string, secretKey: string): void {
        this.args.secrets = { ...this.args.secrets, s3AccessKey: accessKey, s3SecretKey: secretKey };
    }

    /** The running registry's process id (to read its memory and CPU from /proc). */
    get pid(): number {
        const pid = this.process?.pid;
        if (!pid) throw new Error("the registry is not running");
        return pid;
    }

    /** The registry's peak resident memory so far (VmHWM), in bytes. */
    peakRssBytes(): number {
        const kib = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${this.pid}/status`, "utf8"))?.[1];
        return Number(kib) * 1024;
    }

    /** What `registry --version` prints. */
    version(): Promise<string> {
        return new Promise((resolve, reject) =>
            execFile(this.args.binary, ["--version"], (error, stdout) => (error ? reject(error) : resolve(stdout))),
        );
    }

    /** `registry garbage-collect` with this registry's config file and environment, as an operator runs it. */
    garbageCollect(flags: string[]): Promise<{ code: number; output: string }> {
        return new Promise((resolve) => {
            execFile(
                this.args.binary,
                ["garbage-collect", ...flags, this.configFile],
                { env: this.env(), timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
                (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
            );
        });
    }

    log(): string {
        return this.process?.log() ?? "";
    }
}
