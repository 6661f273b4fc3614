import { BearerTokens, parseBearerChallenge, scopeOfRequest, TokenSource } from "./bearerToken";

/** The manifest media types the registry may hold, all of which the inventory asks for. */
export const manifestMediaTypes = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

export interface Descriptor {
    mediaType: string;
    digest: string;
    size: number;
    platform?: { os: string; architecture: string; variant?: string };
}

/** An image manifest or an index (manifest list), as much of either as the inventory reads. */
export interface Manifest {
    mediaType?: string;
    config?: Descriptor;
    layers?: Descriptor[];
    /** An index's children. */
    manifests?: Descriptor[];
    /** OCI 1.1: the manifest this one is about (a signature's, an SBOM's or an attestation's image). */
    subject?: Descriptor;
}

export interface FetchedManifest {
    digest: string;
    mediaType: string;
    manifest: Manifest;
    /** Bytes of the manifest itself, which the registry stores as a blob too. */
    size: number;
}

/** A multi-platform image: an index (or manifest list) of platform manifests. */
export const isIndex = (fetched: FetchedManifest) => Array.isArray(fetched.manifest.manifests);

/**
 * Blob digest → size of what a manifest stores: its config and layers (an index: its platform
 * manifests'). What the inventory, quota usage and cleanup to quota count.
 */
export function storedBlobsOf(fetched: FetchedManifest, children: FetchedManifest[]): Map<string, number> {
    const blobs = new Map<string, number>();
    for (const manifest of isIndex(fetched) ? children : [fetched]) {
        for (const blob of [...(manifest.manifest.config ? [manifest.manifest.config] : []), ...(manifest.manifest.layers ?? [])]) {
            blobs.set(blob.digest, blob.size);
        }
    }
    return blobs;
}

export interface RegistryCredentials {
    user: string;
    password: string;
}

/** The manifest media types a registry may hold. */
export const manifestTypes = {
    ociIndex: manifestMediaTypes[0],
    ociManifest: manifestMediaTypes[1],
};

/** The parts of the Distribution API the operations use, with the service account's Basic auth. */
export class RegistryApi {
    private readonly authorization: string;
    /** Tokens from the registry's token server, when it uses token authentication (workspace quotas). */
    private readonly bearer: BearerTokens;

    constructor(
        /** e.g. http://localhost:5050 or https://registry.orbit.example.com */
        readonly baseUrl: string,
        credentials: RegistryCredentials,
        /** Tokens from elsewhere than the challenge's realm (see BearerTokens). */
        tokenSource?: TokenSource | string,
    ) {
        this.authorization = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString("base64")}`;
        this.bearer = new BearerTokens(this.authorization, tokenSource);
    }

    private async request(path: string, init: RequestInit = {}): Promise<Response> {
        const url = new URL(path, this.baseUrl);
        const send = (authorization: string) =>
            fetch(url, { ...init, headers: { authorization, ...(init.headers as Record<string, string>) } });
        const kept = this.bearer.kept(scopeOfRequest(init.method ?? "GET", url.pathname));
        let response = await send(kept ? `Bearer ${kept}` : this.authorization);
        const challenge = response.status === 401 ? parseBearerChallenge(response.headers.get("www-authenticate")) : undefined;
        if (challenge) response = await send(`Bearer ${await this.bearer.fetch(challenge)}`);
        if (response.status === 401) throw new Error(`${this.baseUrl} refused the service account's credentials (401)`);
        return response;
    }

    private async json<T>(path: string): Promise<{ body: T; next?: string }> {
        const response = await this.request(path);
        if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
        // Paginated lists name the next page in a Link header: <url>; rel="next"
        const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
        return { body: (await response.json()) as T, next };
    }

    /** Every repository, following the catalog's pages. */
    async repositories(pageSize = 100): Promise<string[]> {
        const repositories: string[] = [];
        let path: string | undefined = `/v2/_catalog?n=${pageSize}`;
        while (path) {
            const page: { body: { repositories?: string[] }; next?: string } = await this.json(path);
            repositories.push(...(page.body.repositories ?? []));
            path = page.next;
        }
        return repositories;
    }

    /** Every tag of `repository`, following the pages; none for a repository whose tags were all deleted. */
    async tags(repository: string, pageSize = 100): Promise<string[]> {
        const tags: string[] = [];
        let path: string | undefined = `/v2/${repository}/tags/list?n=${pageSize}`;
        while (path) {
            const response = await this.request(path);
            // Distribution 2 answers 404 NAME_UNKNOWN for a repository without tags, 3 an empty list.
            if (response.status === 404) return tags;
            if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
            const body = (await response.json()) as { tags?: string[] | null };
            tags.push(...(body.tags ?? []));
            path = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
        }
        return tags;
    }

    async manifest(repository: string, reference: string): Promise<FetchedManifest> {
        const path = `/v2/${repository}/manifests/${reference}`;
        const response = await this.request(path, { headers: { accept: manifestMediaTypes.join(", ") } });
        if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
        const digest = response.headers.get("docker-content-digest");
        if (!digest) throw new Error(`GET ${path}: no Docker-Content-Digest header`);
        const body = Buffer.from(await response.arrayBuffer());
        const manifest = JSON.parse(body.toString("utf8")) as Manifest;
        return { digest, mediaType: response.headers.get("content-type") ?? manifest.mediaType ?? "", manifest, size: body.length };
    }

    /** What `reference` (a tag) points at now, from a HEAD; undefined when it does not exist. */
    async manifestDigest(repository: string, reference: string): Promise<string | undefined> {
        const path = `/v2/${repository}/manifests/${reference}`;
        const response = await this.request(path, { method: "HEAD", headers: { accept: manifestMediaTypes.join(", ") } });
        if (response.status === 404) return undefined;
        if (!response.ok) throw new Error(`HEAD ${path}: HTTP ${response.status}`);
        return response.headers.get("docker-content-digest") ?? undefined;
    }

    /**
     * Deletes one tag, leaving its manifest and other tags (Distribution 3). Returns false where the
     * registry cannot (Distribution 2.8 answers 400 UNSUPPORTED to a DELETE by tag).
     */
    async deleteTag(repository: string, tag: string): Promise<boolean> {
        const path = `/v2/${repository}/manifests/${tag}`;
        const response = await this.request(path, { method: "DELETE" });
        if (response.status === 202) return true;
        const body = await response.text();
        if (response.status === 400 || response.status === 405) return false;
        throw new Error(`DELETE ${path}: HTTP ${response.status} ${body}`);
    }

    /** Uploads a blob in one request (monolithic upload) and returns its digest. */
    async pushBlob(repository: string, content: Buffer, digest: string): Promise<void> {
        const started = await this.request(`/v2/${repository}/blobs/uploads/`, { method: "POST" });
        if (started.status !== 202)
            throw new Error(`POST /v2/${repository}/blobs/uploads/: HTTP ${started.status} ${await started.text()}`);
        const location = new URL(started.headers.get("location") ?? "", this.baseUrl);
        location.searchParams.set("digest", digest);
        const put = await this.request(location.toString(), {
            method: "PUT",
            body: new Uint8Array(content),
            headers: { "content-type": "application/octet-stream" },
        });
        if (put.status !== 201) throw new Error(`PUT blob ${digest}: HTTP ${put.status} ${await put.text()}`);
    }

    /** Pushes a manifest under `reference` and returns the digest the registry gave it. */
    async putManifest(repository: string, reference: string, body: string, mediaType: string): Promise<string> {
        const path = `/v2/${repository}/manifests/${reference}`;
        const response = await this.request(path, { method: "PUT", body, headers: { "content-type": mediaType } });
        if (response.status !== 201) throw new Error(`PUT ${path}: HTTP ${response.status} ${await response.text()}`);
        const digest = response.headers.get("docker-content-digest");
        if (!digest) throw new Error(`PUT ${path}: no Docker-Content-Digest header`);
        return digest;
    }

    /** The blob's size if `repository` links it, from a HEAD; undefined when it does not. */
    async blobSize(repository: string, digest: string): Promise<number | undefined> {
        const response = await this.request(`/v2/${repository}/blobs/${digest}`, { method: "HEAD" });
        if (response.status === 404) return undefined;
        if (!response.ok) throw new Error(`HEAD /v2/${repository}/blobs/${digest}: HTTP ${response.status}`);
        return Number(response.headers.get("content-length"));
    }

    /** Deletes a manifest by digest (storage.delete.enabled); its tags go with it. False when it was gone already. */
    async deleteManifest(repository: string, digest: string): Promise<boolean> {
        const path = `/v2/${repository}/manifests/${digest}`;
        const response = await this.request(path, { method: "DELETE" });
        if (response.status === 404) return false;
        if (response.status !== 202) throw new Error(`DELETE ${path}: HTTP ${response.status} ${await response.text()}`);
        return true;
    }
}
