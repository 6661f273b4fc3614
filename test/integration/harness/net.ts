import * as net from "net";

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** Polls `check` until it returns true, or throws after `timeoutMs` with `what` and `detail()`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, detail = () => ""): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (await check().catch(() => false)) return;
        await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
}

/** The HTTP status of GET url, or 0 when nothing answers. */
export async function statusOf(url: string, init: RequestInit = {}): Promise<number> {
    try {
        const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(5000), ...init });
        await response.arrayBuffer();
        return response.status;
    } catch {
        return 0;
    }
}
