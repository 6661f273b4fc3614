import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { names } from "../../../common/names";
import { RegistryTokenAuth } from "../../../components/registryConfig";
import { registryTokenAuth, tokenServerEnvironment } from "../../../components/tokenAuth";
import { tokenAccount } from "../../../common/tokenAccounts";
import { runTokenServer, tokenServerEnv } from "../../../common/tokenServerMain";
import { freePort, waitUntil } from "./net";
import { ManagedProcess } from "./processes";

/**
 * The token server as one JavaScript file for plain `node`, serialized by Pulumi with what it uses, as
 * the cleanup step ships in its ConfigMap: it runs outside the project, so it can require only builtins.
 */
async function serializedTokenServer(dir: string): Promise<string> {
    const file = path.join(dir, "token-server.js");
    const serialized = await pulumi.runtime.serializeFunction(runTokenServer);
    fs.writeFileSync(file, `${serialized.text}\nexports.handler();\n`);
    return file;
}

/**
 * The program's token server (common/tokenServerMain.ts) as a process on loopback, with a signing
 * key and self-signed certificate made by openssl, an accounts file and a workspace quota policy.
 */
export class TokenServerProcess {
    private process?: ManagedProcess;
    port = 0;
    internalPort = 0;
    readonly keyFile: string;
    readonly certificateFile: string;
    readonly accountsFile: string;

    constructor(
        private readonly dir: string,
        private readonly quota: { defaultBytes: number; overrides: Record<string, number> },
        private readonly scanSeconds = 2,
    ) {
        fs.mkdirSync(dir, { recursive: true });
        this.keyFile = path.join(dir, "token.key");
        this.certificateFile = path.join(dir, "token.crt");
        this.accountsFile = path.join(dir, "accounts.json");
        execFileSync("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", this.keyFile], { stdio: "pipe" });
        execFileSync(
            "openssl",
            [
                "req",
                "-new",
                "-x509",
                "-key",
                this.keyFile,
                "-out",
                this.certificateFile,
                "-days",
                "2",
                "-subj",
                `/CN=${names.registryAuth}`,
            ],
            { stdio: "pipe" },
        );
    }

    /** The registry's auth.token for this server; call before the registry starts. */
    async registryAuth(): Promise<RegistryTokenAuth> {
        this.port ||= await freePort();
        this.internalPort ||= await freePort();
        // By name: crane (go-containerregistry 0.22) refuses a realm on a private or loopback IP
        // literal unless it is the registry's own host:port.
        return registryTokenAuth(`http://localhost:${this.port}/token`, this.certificateFile);
    }

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }
    get internalUrl(): string {
        return `http://127.0.0.1:${this.internalPort}`;
    }

    /** Writes the accounts file as the program does, from each account's password and a fresh salt. */
    setAccounts(accounts: Array<{ user: string; password: string }>): void {
        const entries = accounts.map((a) => tokenAccount(a.user, a.password, crypto.randomBytes(16).toString("hex")));
        fs.writeFileSync(this.accountsFile, JSON.stringify(entries), { mode: 0o600 });
    }

    async start(registryUrl: string): Promise<void> {
        await this.registryAuth();
        const names = tokenServerEnv;
        // The program's environment for the token server (components/tokenAuth.ts), on loopback and this directory's files.
        this.process = new ManagedProcess("token server", process.execPath, [await serializedTokenServer(this.dir)], {
            PATH: process.env.PATH,
            HOME: this.dir,
            ...tokenServerEnvironment(this.quota, registryUrl),
            [names.tokenListen]: `127.0.0.1:${this.port}`,
            [names.internalListen]: `127.0.0.1:${this.internalPort}`,
            [names.keyFile]: this.keyFile,
            [names.certificateFile]: this.certificateFile,
            [names.accountsFile]: this.accountsFile,
            [names.scanSeconds]: String(this.scanSeconds),
        }).start();
        await waitUntil(
            "the token server's first usage scan",
            async () => (await this.usage().catch(() => undefined))?.scannedAt != null,
            60_000,
            () => this.process!.log(),
        );
    }

    /** GET /usage: the report orbit-www polls. */
    async usage(): Promise<{
        scannedAt: string | null;
        workspaces: Array<{ workspace: string; bytes: number; quotaBytes: number; percent: number | null }>;
    }> {
        const response = await fetch(`${this.internalUrl}/usage`);
        return (await response.json()) as Awaited<ReturnType<TokenServerProcess["usage"]>>;
    }

    async metrics(): Promise<string> {
        return (await fetch(`${this.internalUrl}/metrics`)).text();
    }

    log(): string {
        return this.process?.log() ?? "";
    }

    async stop(): Promise<void> {
        await this.process?.stop();
    }
}
