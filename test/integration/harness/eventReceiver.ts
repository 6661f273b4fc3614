import * as http from "http";
import { AddressInfo } from "net";

/** One event of Distribution's envelope, as much of it as orbit-www reads. */
export interface RegistryEvent {
    id: string;
    timestamp: string;
    action: string;
    target: {
        mediaType: string;
        size: number;
        digest: string;
        repository: string;
        tag?: string;
        references?: Array<{ mediaType: string; size: number; digest: string }>;
    };
}

export interface ReceivedRequest {
    authorization?: string;
    contentType?: string;
    events: RegistryEvent[];
}

/**
 * orbit-www's events endpoint on loopback: records every POST and answers 200. It can be stopped and
 * started again on the same port, as orbit-www going down and coming back.
 */
export class EventReceiver {
    readonly requests: ReceivedRequest[] = [];
    private server?: http.Server;
    port = 0;

    get url(): string {
        return `http://127.0.0.1:${this.port}/api/registry/events`;
    }

    get events(): RegistryEvent[] {
        return this.requests.flatMap((r) => r.events);
    }

    async start(): Promise<void> {
        const server = http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (chunk: Buffer) => chunks.push(chunk));
            req.on("end", () => {
                const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { events: RegistryEvent[] };
                this.requests.push({
                    authorization: req.headers.authorization,
                    contentType: req.headers["content-type"],
                    events: body.events,
                });
                res.writeHead(200).end();
            });
        });
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(this.port, "127.0.0.1", () => resolve());
        });
        this.port = (server.address() as AddressInfo).port;
        this.server = server;
    }

    async stop(): Promise<void> {
        const server = this.server;
        this.server = undefined;
        if (!server) return;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
    }
}
