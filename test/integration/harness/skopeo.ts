import * as fs from "fs";
import * as path from "path";
import { ClientResult, timedRun } from "./timedRun";

export type SkopeoResult = ClientResult;

/** skopeo, the real OCI client, with credentials in an auth file (never on the command line). */
export class Skopeo {
    constructor(
        private readonly binary: string,
        private readonly dir: string,
    ) {
        fs.mkdirSync(dir, { recursive: true });
    }

    /** Writes an auth file for `host`; `undefined` credentials mean anonymous. */
    authFile(name: string, host: string, credentials?: { user: string; password: string }): string {
        const file = path.join(this.dir, `${name}.auth.json`);
        const auths = credentials
            ? { [host]: { auth: Buffer.from(`${credentials.user}:${credentials.password}`).toString("base64") } }
            : {};
        fs.writeFileSync(file, JSON.stringify({ auths }), { mode: 0o600 });
        return file;
    }

    /** Copies an image; with `all`, every image of an index (a multi-arch image) with it. */
    copy(source: string, destination: string, authFile: string, { timeoutMs = 300_000, all = false } = {}): Promise<SkopeoResult> {
        const args = ["--insecure-policy", "copy", "--quiet", "--retry-times", "0", ...(all ? ["--all"] : [])];
        args.push("--src-tls-verify=false", "--dest-tls-verify=false", "--authfile", authFile, source, destination);
        return timedRun(this.binary, args, { PATH: process.env.PATH, HOME: this.dir, TMPDIR: this.dir }, timeoutMs);
    }
}
