import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { freePort, waitUntil } from "./net";
import { ManagedProcess } from "./processes";

/** A real Redis (Debian's redis-server) on 127.0.0.1 with a password, configured as the program runs it: a cache, no persistence. */
export class RedisServer {
    private process?: ManagedProcess;
    port = 0;
    readonly password = crypto.randomBytes(20).toString("hex");

    constructor(
        private readonly binary: string,
        private readonly dir: string,
    ) {}

    get address(): string {
        return `127.0.0.1:${this.port}`;
    }

    async start(): Promise<void> {
        this.port = await freePort();
        fs.mkdirSync(this.dir, { recursive: true });
        const config = path.join(this.dir, "redis.conf");
        // A config file, so the password is not on a command line.
        const settings = [
            `bind 127.0.0.1`,
            `port ${this.port}`,
            `dir ${this.dir}`,
            `requirepass ${this.password}`,
            `save ""`,
            "appendonly no",
        ];
        fs.writeFileSync(config, `${[...settings, "maxmemory 64mb", "maxmemory-policy allkeys-lru"].join("\n")}\n`, { mode: 0o600 });
        this.process = new ManagedProcess("redis", this.binary, [config], { PATH: process.env.PATH, HOME: this.dir }).start();
        const answers = async () => (await this.command("PING")).includes("+PONG");
        await waitUntil("redis to answer PING", answers, 15_000, () => this.process!.log());
    }

    async stop(): Promise<void> {
        await this.process?.stop();
    }

    /** How many keys Redis holds (DBSIZE). */
    async keyCount(): Promise<number> {
        return Number(/:(\d+)/.exec(await this.command("DBSIZE"))?.[1] ?? NaN);
    }

    /** AUTH, then one inline command over the Redis protocol; resolves to the raw replies ("" when nothing answers). */
    private command(command: string): Promise<string> {
        return new Promise((resolve) => {
            const socket = net.connect(this.port, "127.0.0.1");
            let reply = "";
            socket.setTimeout(2000, () => socket.destroy());
            socket.on("error", () => resolve(""));
            socket.on("close", () => resolve(reply));
            socket.on("data", (chunk) => {
                reply += chunk.toString();
                // Two replies: +OK for AUTH, then the command's.
                if (reply.split("\r\n").filter(Boolean).length >= 2) socket.end();
            });
            socket.write(`AUTH ${this.password}\r\n${command}\r\n`);
        });
    }
}
