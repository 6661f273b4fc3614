import * as crypto from "crypto";
import { manifestMediaTypes, manifestTypes, RegistryApi, RegistryCredentials } from "../../../common/registryApi";

export const sha256 = (content: Buffer) => `sha256:${crypto.createHash("sha256").update(content).digest("hex")}`;

/** The tag cosign (and notation, oras without the referrers API) gives an accessory of `digest`. */
export const signatureTag = (digest: string, suffix = "sig") => `sha256-${digest.slice("sha256:".length)}.${suffix}`;

const simpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json";
const signatureAnnotation = "dev.cosignproject.cosign/signature";

export interface PushedArtifact {
    digest: string;
    /** The manifest exactly as the registry was given it. */
    body: string;
}

/** Pushes an artifact manifest with one layer, as cosign and oras do: blobs first, then the manifest by tag. */
export async function pushArtifact(
    api: RegistryApi,
    repository: string,
    tag: string,
    layer: { mediaType: string; content: Buffer; annotations?: Record<string, string> },
    extra: Record<string, unknown> = {},
): Promise<PushedArtifact> {
    const config = Buffer.from("{}");
    await api.pushBlob(repository, config, sha256(config));
    await api.pushBlob(repository, layer.content, sha256(layer.content));
    const body = JSON.stringify({
        schemaVersion: 2,
        mediaType: manifestTypes.ociManifest,
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
        layers: [
            {
                mediaType: layer.mediaType,
                digest: sha256(layer.content),
                size: layer.content.length,
                ...(layer.annotations ? { annotations: layer.annotations } : {}),
            },
        ],
        ...extra,
    });
    const digest = await api.putManifest(repository, tag, body, manifestTypes.ociManifest);
    return { digest, body };
}

/** A key pair like `cosign generate-key-pair`'s: ECDSA on P-256. */
export const generateSigningKey = () => crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });

/**
 * `cosign sign --key`: the simple-signing payload naming `digest`, signed with ECDSA-SHA256, pushed as
 * the tag sha256-<hex>.sig with the signature in the layer's annotation, as cosign writes it.
 */
export async function signImage(
    api: RegistryApi,
    host: string,
    repository: string,
    digest: string,
    key: crypto.KeyObject,
): Promise<PushedArtifact & { tag: string }> {
    const payload = Buffer.from(
        JSON.stringify({
            critical: {
                identity: { "docker-reference": `${host}/${repository}` },
                image: { "docker-manifest-digest": digest },
                type: "cosign container image signature",
            },
            optional: null,
        }),
    );
    const tag = signatureTag(digest);
    const annotations = { [signatureAnnotation]: crypto.sign("sha256", payload, key).toString("base64") };
    return { tag, ...(await pushArtifact(api, repository, tag, { mediaType: simpleSigning, content: payload, annotations })) };
}

/**
 * What `cosign verify --key` checks, fetched as it fetches it from `baseUrl` (anonymously without
 * credentials): the image's digest, its .sig tag, each signature's payload blob, that the payload names
 * this digest and that the signature over it verifies with `publicKey`. The problems it finds.
 */
export async function verifySignature(
    baseUrl: string,
    credentials: RegistryCredentials | undefined,
    repository: string,
    reference: string,
    publicKey: crypto.KeyObject,
): Promise<string[]> {
    const headers: Record<string, string> = { accept: manifestMediaTypes.join(", ") };
    if (credentials) headers.authorization = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString("base64")}`;
    const get = async (path: string) => {
        const response = await fetch(new URL(path, baseUrl), { headers });
        if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
        return { response, body: Buffer.from(await response.arrayBuffer()) };
    };
    const image = await get(`/v2/${repository}/manifests/${reference}`);
    const digest = image.response.headers.get("docker-content-digest") ?? sha256(image.body);
    const signatures = JSON.parse((await get(`/v2/${repository}/manifests/${signatureTag(digest)}`)).body.toString("utf8"));
    const problems: string[] = [];
    for (const layer of signatures.layers as Array<{ digest: string; annotations?: Record<string, string> }>) {
        const payload = (await get(`/v2/${repository}/blobs/${layer.digest}`)).body;
        if (sha256(payload) !== layer.digest) problems.push(`payload ${layer.digest} does not match its digest`);
        const named = JSON.parse(payload.toString("utf8")).critical?.image?.["docker-manifest-digest"];
        if (named !== digest) problems.push(`the payload names ${named}, not ${digest}`);
        const signature = Buffer.from(layer.annotations?.[signatureAnnotation] ?? "", "base64");
        if (!crypto.verify("sha256", payload, publicKey, signature)) problems.push(`the signature over ${layer.digest} does not verify`);
    }
    if (problems.length === 0 && signatures.layers.length === 0) problems.push("no signature");
    return problems;
}
