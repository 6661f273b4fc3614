import { QuotaPolicy, quotaOf, readableBytes, usedPercent, workspaceOf } from "./quota";
import { FetchedManifest, isIndex, RegistryApi, storedBlobsOf } from "./registryApi";
import { alignedTable } from "./table";

/** One tag as orbit-www records it: repository `<workspace>/<app>`, tag, digest, size. */
export interface InventoryImage {
    repository: string;
    tag: string;
    /** The manifest's (or index's) digest, what the tag points at. */
    digest: string;
    mediaType: string;
    /** Child manifests of an index (multi-arch image); 0 for a plain image. */
    platforms: number;
    /** Distinct blobs (configs and layers) the image references, over every platform. */
    blobs: number;
    /** Their bytes: what the image occupies in storage, shared layers counted once per image. */
    bytes: number;
}

/** What one workspace's images take: repositories `<workspace>/<app>`; orbit-www compares `bytes` with registryQuotaBytes. */
export interface WorkspaceUsage {
    workspace: string;
    repositories: number;
    tags: number;
    /** Bytes of the distinct blobs (configs and layers) its tags reference: a layer two of its apps share counted once. */
    bytes: number;
}

export interface Inventory {
    images: InventoryImage[];
    repositories: number;
    /** Bytes of every distinct blob the tags reference, across the registry: each layer counted once. */
    uniqueBytes: number;
    workspaces: WorkspaceUsage[];
}

export type InventoryProgress = (repositoriesDone: number, repositoriesTotal: number) => void;

/** Lists every repository, tag, manifest digest and the bytes of its blobs, through the registry API. */
export async function takeInventory(api: RegistryApi, progress: InventoryProgress = () => {}): Promise<Inventory> {
    const repositories = await api.repositories();
    const images: InventoryImage[] = [];
    const everyBlob = new Map<string, number>();
    const workspaces = new Map<string, { repositories: Set<string>; tags: number; blobs: Map<string, number> }>();
    progress(0, repositories.length);
    for (const [done, repository] of repositories.entries()) {
        const byDigest = new Map<string, Promise<FetchedManifest>>();
        const fetch = (reference: string) => {
            if (!byDigest.has(reference)) byDigest.set(reference, api.manifest(repository, reference));
            return byDigest.get(reference)!;
        };
        for (const tag of (await api.tags(repository)).sort()) {
            const top = await api.manifest(repository, tag);
            byDigest.set(top.digest, Promise.resolve(top));
            const children = isIndex(top) ? await Promise.all(top.manifest.manifests!.map((child) => fetch(child.digest))) : [];
            const blobs = storedBlobsOf(top, children);
            for (const [digest, size] of blobs) everyBlob.set(digest, size);
            const workspace = workspaces.get(workspaceOf(repository)) ?? { repositories: new Set(), tags: 0, blobs: new Map() };
            workspace.repositories.add(repository);
            workspace.tags++;
            for (const [digest, size] of blobs) workspace.blobs.set(digest, size);
            workspaces.set(workspaceOf(repository), workspace);
            images.push({
                repository,
                tag,
                digest: top.digest,
                mediaType: top.mediaType,
                platforms: children.length,
                blobs: blobs.size,
                bytes: sum(blobs.values()),
            });
        }
        progress(done + 1, repositories.length);
    }
    return {
        images,
        repositories: repositories.length,
        uniqueBytes: sum(everyBlob.values()),
        workspaces: [...workspaces]
            .map(([workspace, usage]) => ({
                workspace,
                repositories: usage.repositories.size,
                tags: usage.tags,
                bytes: sum(usage.blobs.values()),
            }))
            .sort((a, b) => a.workspace.localeCompare(b.workspace)),
    };
}

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

/** The inventory as an aligned table, one image per line. */
export function inventoryTable(inventory: Inventory): string {
    return alignedTable([
        ["REPOSITORY", "TAG", "DIGEST", "PLATFORMS", "BLOBS", "BYTES"],
        ...inventory.images.map((i) => [i.repository, i.tag, i.digest, String(i.platforms || "-"), String(i.blobs), String(i.bytes)]),
    ]).concat(
        `${inventory.images.length} tags in ${inventory.repositories} repositories; ${inventory.uniqueBytes} bytes of distinct blobs\n`,
    );
}

/** A workspace's usage beside its quota: bytes of the quota (0: none) and the share used, a percentage or null. */
export interface WorkspaceQuotaUsage extends WorkspaceUsage {
    quotaBytes: number;
    percent: number | null;
}

/** Each workspace's usage with its quota under `policy`, as the token server enforces it. */
export function withQuotas(workspaces: WorkspaceUsage[], policy: QuotaPolicy): WorkspaceQuotaUsage[] {
    return workspaces.map((w) => {
        const quotaBytes = quotaOf(w.workspace, policy);
        return { ...w, quotaBytes, percent: usedPercent(w.bytes, quotaBytes) };
    });
}

/**
 * Usage per workspace as an aligned table, with the registry's total (a blob two workspaces share
 * counts in each); with the stack's quotas, each workspace's quota and the share of it used.
 */
export function workspaceTable(inventory: Inventory, policy?: QuotaPolicy): string {
    const rows = policy
        ? [
              ["WORKSPACE", "REPOSITORIES", "TAGS", "BYTES", "QUOTA", "USED"],
              ...withQuotas(inventory.workspaces, policy).map((w) => [
                  w.workspace,
                  String(w.repositories),
                  String(w.tags),
                  String(w.bytes),
                  w.quotaBytes > 0 ? readableBytes(w.quotaBytes) : "none",
                  w.percent === null ? "-" : `${w.percent.toFixed(1)}%`,
              ]),
          ]
        : [
              ["WORKSPACE", "REPOSITORIES", "TAGS", "BYTES"],
              ...inventory.workspaces.map((w) => [w.workspace, String(w.repositories), String(w.tags), String(w.bytes)]),
          ];
    return alignedTable(rows).concat(
        `${inventory.workspaces.length} workspaces; the registry holds ${inventory.uniqueBytes} bytes of distinct blobs\n`,
    );
}
