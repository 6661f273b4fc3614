import { execFileSync } from "child_process";
import * as crypto from "crypto";
import { onExit } from "./processes";

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"] });

/**
 * Test hosts of the suite's own: network namespaces on a private bridge, each with an address of
 * its own. Some servers refuse loopback addresses (distributed MinIO in a container waits forever
 * for 127.0.0.1 to "resolve to a valid IP"); these stand in for separate machines. Needs root.
 */
export class TestHosts {
    private readonly id = crypto.randomBytes(3).toString("hex");
    /** A /24 of 10.213.0.0/16 chosen per run, so parallel runs do not collide. */
    private readonly subnet = `10.213.${crypto.randomInt(1, 255)}`;
    private readonly bridge = `orbr${this.id}`;
    private created = false;

    constructor(readonly count: number) {}

    /** The network namespace of host `host` (from 0). */
    namespace(host: number): string {
        return `orbit${this.id}h${host}`;
    }

    address(host: number): string {
        return `${this.subnet}.${host + 2}`;
    }

    /** The command prefix that runs a program on host `host`. */
    run(host: number): string[] {
        return ["netns", "exec", this.namespace(host)];
    }

    create(): void {
        this.created = true;
        onExit(() => this.remove());
        ip("link", "add", this.bridge, "type", "bridge");
        ip("addr", "add", `${this.subnet}.1/24`, "dev", this.bridge);
        ip("link", "set", this.bridge, "up");
        for (let host = 0; host < this.count; host++) {
            const namespace = this.namespace(host);
            const veth = `orv${this.id}${host}`;
            ip("netns", "add", namespace);
            ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace);
            ip("link", "set", veth, "master", this.bridge, "up");
            ip("netns", "exec", namespace, "ip", "addr", "add", `${this.address(host)}/24`, "dev", "eth0");
            ip("netns", "exec", namespace, "ip", "link", "set", "eth0", "up");
            ip("netns", "exec", namespace, "ip", "link", "set", "lo", "up");
        }
    }

    /** Deletes the namespaces (their veths go with them) and the bridge; safe to call twice. */
    remove(): void {
        if (!this.created) return;
        this.created = false;
        for (let host = 0; host < this.count; host++) {
            try {
                ip("netns", "del", this.namespace(host));
            } catch {
                // already gone
            }
        }
        try {
            ip("link", "del", this.bridge);
        } catch {
            // already gone
        }
    }
}
