import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";

const running = new Set<ChildProcess>();

const scratchDirs = new Set<string>();
const exitHooks: Array<() => void> = [];

// Last resort: a failing test or an interrupted run leaves no server, scratch directory or test host behind.
process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
    for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
    for (const hook of exitHooks) hook();
});

/** Runs `hook` when the process exits, however it exits (synchronous work only). */
export function onExit(hook: () => void): void {
    exitHooks.push(hook);
}
for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
] as const)
    process.once(signal, () => process.exit(code));

/** Removes `dir` when the process exits, however it exits; returns it. */
export function removedOnExit(dir: string): string {
    scratchDirs.add(dir);
    return dir;
}

/** A long-running server process whose output is kept for failure messages. */
export class ManagedProcess {
    private child?: ChildProcess;
    private output = "";

    constructor(
        readonly label: string,
        private readonly command: string,
        private readonly args: string[],
        private readonly env: NodeJS.ProcessEnv,
    ) {}

    start(): this {
        const child = spawn(this.command, this.args, { env: this.env, stdio: ["ignore", "pipe", "pipe"] });
        const keep = (chunk: Buffer) => {
            this.output = (this.output + chunk.toString()).slice(-20_000);
        };
        child.stdout?.on("data", keep);
        child.stderr?.on("data", keep);
        child.on("exit", () => running.delete(child));
        running.add(child);
        this.child = child;
        return this;
    }

    /** The process id while it runs (to read its memory from /proc). */
    get pid(): number | undefined {
        return this.alive ? this.child?.pid : undefined;
    }

    get alive(): boolean {
        return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
    }

    /** The tail of what the process printed, for assertion messages. */
    log(): string {
        return `--- ${this.label} output (tail) ---\n${this.output.slice(-4000)}`;
    }

    /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
    async stop(graceMs = 5000): Promise<void> {
        const child = this.child;
        if (!child || !this.alive) return;
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
    }
}
