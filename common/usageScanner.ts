import { takeInventory } from "./inventory";
import { RegistryApi } from "./registryApi";

/**
 * Every workspace's stored bytes, as the inventory counts them (blobs once per workspace, accessories
 * included), taken again every interval through the registry's API. What quota enforcement reads: a
 * push shows up at most one interval plus one scan after it finished.
 */
export class UsageScanner {
    usage: Map<string, number>;
    scannedAt?: Date;
    /** The last scan's failure; the usage of the scan before it stays in force. */
    lastError?: string;
    private timer?: NodeJS.Timeout;
    private running?: Promise<void>;

    constructor(
        private readonly api: RegistryApi,
        private readonly intervalMs: number,
        private readonly log: (line: string) => void = () => {},
    ) {
        // Assigned here: Pulumi's function serializer (the token server's script) drops field initializers.
        this.usage = new Map();
    }

    /** One scan; a scan already running is waited for instead of started twice. */
    scan(): Promise<void> {
        this.running ??= takeInventory(this.api)
            .then((inventory) => {
                this.usage = new Map(inventory.workspaces.map((w) => [w.workspace, w.bytes]));
                this.scannedAt = new Date();
                this.lastError = undefined;
            })
            .catch((error: Error) => {
                this.lastError = error.message;
                this.log(`usage scan failed: ${error.message}`);
            })
            .finally(() => (this.running = undefined));
        return this.running;
    }

    start(): void {
        void this.scan();
        this.timer = setInterval(() => void this.scan(), this.intervalMs);
    }

    async stop(): Promise<void> {
        clearInterval(this.timer);
        await this.running;
    }
}
