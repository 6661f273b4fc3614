import * as fs from "fs";
import { blobListingPrefix, blobSizesFromListing } from "../../../operations/blobListing";
import { pushTimeListingPaths, tagPushTimes } from "../../../common/tagListing";
import { RegistryControl } from "../../../operations/garbageCollect";
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

    /** One mc listing as the root alias, parsed as the Docker target's collector parses it. */
    async blobSizes(digests: string[]): Promise<Map<string, number>> {
        if (digests.length === 0) return new Map();
        const listing = await this.mc.run("ls", "--json", "--recursive", `root/${this.bucket}/${blobListingPrefix}`);
        return blobSizesFromListing(listing.output, digests);
    }

    /** When each tag was last pushed, from one mc listing, parsed as the Docker target's cleanup parses it. */
    async tagPushTimes(): Promise<Map<string, Map<string, string>>> {
        return tagPushTimes(await this.mc.mustRun("ls", "--json", "--recursive", ...pushTimeListingPaths(`root/${this.bucket}`)));
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
