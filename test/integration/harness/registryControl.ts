import * as fs from "fs";
import { blobPath, RegistryControl } from "../../../operations/garbageCollect";
import { Mc } from "./mc";
import { withReadOnly } from "../../../operations/readOnly";
import { RegistryServer } from "./registry";

/** The registry of a LocalRegistryStack under the collector's control, as the Docker target's container is. */
export class LocalRegistryControl implements RegistryControl {
    /** Called once the registry serves read-only, before anything is collected. */
    onReadOnly: () => Promise<void> = async () => {};

    constructor(
        private readonly registry: RegistryServer,
        private readonly mc: Mc,
        private readonly bucket: string,
    ) {}

    registryVersion(): Promise<string> {
        return this.registry.version();
    }

    /** mc stat as the root alias: the sizes MinIO holds. */
    async blobSizes(digests: string[]): Promise<Map<string, number>> {
        const sizes = new Map<string, number>();
        for (const digest of digests) {
            const stat = await this.mc.run("stat", "--json", `root/${this.bucket}/${blobPath(digest)}`);
            if (stat.code === 0) sizes.set(digest, (JSON.parse(stat.output) as { size: number }).size);
        }
        return sizes;
    }

    async setReadOnly(readOnly: boolean): Promise<void> {
        fs.writeFileSync(this.registry.configFile, withReadOnly(fs.readFileSync(this.registry.configFile, "utf8"), readOnly));
        await this.registry.stop();
        await this.registry.start();
        if (readOnly) await this.onReadOnly();
    }

    garbageCollect(flags: string[]): Promise<{ code: number; output: string }> {
        return this.registry.garbageCollect(flags);
    }
}
