/**
 * Lists every repository, tag, manifest digest and the bytes of its blobs, through the registry API
 * with the service account: the source of truth that orbit-www's events can drift from.
 *
 *   npm run --silent inventory -- --stack dev [--json] [--registry-url http://localhost:5050]
 *   npm run --silent inventory -- --stack dev --by workspace [--json]   # bytes per workspace beside its quota
 *   npm run --silent inventory -- --outputs outputs.json   # a saved `pulumi stack output --json --show-secrets`
 */
import { SingleBar } from "cli-progress";
import { inventoryTable, takeInventory, withQuotas, workspaceTable } from "../common/inventory";
import type { QuotaPolicy } from "../common/quota";
import { RegistryApi } from "../common/registryApi";
import { option, readStackOutputs, registryAccess } from "./stackOutputs";

async function main(args: string[]) {
    const outputs = readStackOutputs(args);
    const { url, credentials } = registryAccess(outputs, option(args, "--registry-url"));
    // With quotas on, the stack's quotas output: each workspace's quota beside its usage.
    const policy = outputs.quotas as QuotaPolicy | undefined;
    // On a terminal only: a bar on stderr for big registries, never mixed into the listing on stdout.
    const bar = process.stderr.isTTY
        ? new SingleBar({ format: "repositories [{bar}] {value}/{total}", stream: process.stderr })
        : undefined;
    const inventory = await takeInventory(new RegistryApi(url, credentials), (done, total) => {
        if (done === 0) bar?.start(total, 0);
        else bar?.update(done);
    });
    bar?.stop();
    const by = option(args, "--by");
    if (by !== undefined && by !== "workspace") throw new Error(`--by ${by}: expected --by workspace`);
    const json = args.includes("--json");
    if (by === "workspace") {
        const workspaces = policy ? withQuotas(inventory.workspaces, policy) : inventory.workspaces;
        const usage = { workspaces, totalBytes: inventory.uniqueBytes };
        process.stdout.write(json ? JSON.stringify(usage, null, 2) + "\n" : workspaceTable(inventory, policy));
    } else {
        process.stdout.write(json ? JSON.stringify(inventory, null, 2) + "\n" : inventoryTable(inventory));
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((error: Error) => {
        console.error(`inventory: ${error.message}`);
        process.exit(1);
    });
}
