import * as fs from "fs";
import { freePort, statusOf, waitUntil } from "./net";
import { ManagedProcess } from "./processes";

export interface MinioRoot {
    user: string;
    password: string;
}

/** A real MinIO server on 127.0.0.1, its data in `dataDir`; restartable on the same port and data. */
export class MinioServer {
    private process?: ManagedProcess;
    port = 0;
    private consolePort = 0;

    constructor(
        private readonly binary: string,
        private readonly dataDir: string,
        readonly root: MinioRoot,
        /** Settings the program gives MinIO in some configurations, e.g. MINIO_PROMETHEUS_AUTH_TYPE. */
        private readonly extraEnv: Record<string, string> = {},
    ) {}

    get endpoint(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    /** The running server's process id (to read its CPU from /proc). */
    get pid(): number {
        const pid = this.process?.pid;
        if (!pid) throw new Error("MinIO is not running");
        return pid;
    }

    async start(): Promise<void> {
        if (this.port === 0) {
            this.port = await freePort();
            this.consolePort = await freePort();
        }
        fs.mkdirSync(this.dataDir, { recursive: true });
        this.process = new ManagedProcess(
            "minio",
            this.binary,
            [
                "server",
                this.dataDir,
                "--address",
                `127.0.0.1:${this.port}`,
                "--console-address",
                `127.0.0.1:${this.consolePort}`,
                "--quiet",
            ],
            {
                PATH: process.env.PATH,
                HOME: this.dataDir,
                MINIO_ROOT_USER: this.root.user,
                MINIO_ROOT_PASSWORD: this.root.password,
                MINIO_UPDATE: "off",
                MINIO_BROWSER: "off",
                ...this.extraEnv,
            },
        ).start();
        await waitUntil(
            "MinIO /minio/health/ready",
            async () => (await statusOf(`${this.endpoint}/minio/health/ready`)) === 200,
            60_000,
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
