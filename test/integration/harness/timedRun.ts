import { execFile } from "child_process";

/** What a client command did: its exit code, output and wall time. */
export interface ClientResult {
    code: number;
    output: string;
    /** Wall time of the command in milliseconds. */
    millis: number;
    timedOut: boolean;
}

/** Runs a client (skopeo, crane) to completion, timing it; never throws for a failure. */
export function timedRun(binary: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ClientResult> {
    const started = Date.now();
    return new Promise((resolve) =>
        execFile(binary, args, { timeout: timeoutMs, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
            resolve({
                code: error ? Number(typeof error.code === "number" ? error.code : 1) : 0,
                output: `${stdout}${stderr}`,
                millis: Date.now() - started,
                timedOut: Boolean(error?.killed),
            }),
        ),
    );
}
