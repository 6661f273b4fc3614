import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface SkopeoResult {
    code: number;
    output: string;
    /** Wall time of the command in milliseconds. */
    millis: number;
    timedOut: boolean;
}

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
        const started = Date.now();
        return new Promise((resolve) => {
            execFile(
                this.binary,
                [
                    "--insecure-policy",
                    "copy",
                    "--quiet",
                    "--retry-times",
                    "0",
                    ...(all ? ["--all"] : []),
                    "--src-tls-verify=false",
                    "--dest-tls-verify=false",
                    "--authfile",
                    authFile,
                    source,
                    destination,
                ],
                { timeout: timeoutMs, env: { PATH: process.env.PATH, HOME: this.dir, TMPDIR: this.dir }, maxBuffer: 10 * 1024 * 1024 },
                (error, stdout, stderr) =>
                    resolve({
                        code: error ? Number(typeof error.code === "number" ? error.code : 1) : 0,
                        output: `${stdout}${stderr}`,
                        millis: Date.now() - started,
                        timedOut: Boolean(error?.killed),
                    }),
            );
        });
    }
}
