import * as fs from "fs";
import * as path from "path";
import { htpasswdLine } from "../../../components/htpasswd";
import { registrySecretEnv, RegistrySecrets, renderRegistryConfig } from "../../../components/registryConfig";
import { freePort, statusOf, waitUntil } from "./net";
import { ManagedProcess } from "./processes";

export interface RegistryServerArgs {
    binary: string;
    dir: string;
    minioEndpoint: string;
    bucket: string;
    region: string;
    user: string;
    bcryptHash: string;
    secrets: RegistrySecrets<string>;
    /** Storage health check interval; short, so a MinIO outage shows quickly. */
    healthInterval: string;
}

/**
 * Docker Distribution from Debian's docker-registry package (the code of registry:2), configured by
 * the program's own renderer, htpasswd line and REGISTRY_* environment.
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
            storage: { bucket: this.args.bucket, region: this.args.region, regionEndpoint: this.args.minioEndpoint },
            htpasswdPath,
            httpAddr: this.host,
            debugAddr: `127.0.0.1:${this.debugPort}`,
            healthInterval: this.args.healthInterval,
        });
        fs.writeFileSync(this.configFile, config);
    }

    async start(): Promise<void> {
        await this.writeConfig();
        // A fresh environment: with AWS_CA_BUNDLE (or other AWS_* settings) inherited, the S3 driver
        // panics or talks to the wrong place.
        this.process = new ManagedProcess("docker-registry", this.args.binary, ["serve", this.configFile], {
            PATH: process.env.PATH,
            HOME: this.args.dir,
            ...registrySecretEnv(this.args.secrets),
        }).start();
        await waitUntil(
            "the registry's /v2/",
            async () => (await statusOf(`${this.url}/v2/`)) === 401,
            30_000,
            () => this.process!.log(),
        );
    }

    async stop(): Promise<void> {
        await this.process?.stop();
    }

    log(): string {
        return this.process?.log() ?? "";
    }
}
