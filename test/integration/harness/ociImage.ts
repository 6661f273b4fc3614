import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";

const sha256 = (data: Buffer) => `sha256:${crypto.createHash("sha256").update(data).digest("hex")}`;

/** A one-file POSIX ustar archive: the smallest valid image layer. */
function tarWithOneFile(name: string, content: Buffer): Buffer {
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string) =>
        header.write(value.padEnd(length, "\0").slice(0, length), offset, "ascii");
    const octal = (offset: number, length: number, value: number) => field(offset, length, value.toString(8).padStart(length - 1, "0"));
    field(0, 100, name);
    octal(100, 8, 0o644);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, content.length);
    octal(136, 12, 1_700_000_000);
    field(148, 8, " ".repeat(8));
    field(156, 1, "0");
    field(257, 6, "ustar");
    field(263, 2, "00");
    const checksum = header.reduce((sum, byte) => sum + byte, 0);
    field(148, 8, `${checksum.toString(8).padStart(6, "0")}\0 `);
    const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
    return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

export interface OciImage {
    /** An oci: layout directory skopeo can read, with the image under `tag`. */
    layoutDir: string;
    tag: string;
    manifestDigest: string;
    configDigest: string;
    layerDigests: string[];
    totalBytes: number;
}

/** An uncompressed layer of `size` random (incompressible) bytes; hand the same one to two images to share it. */
export const randomLayer = (size: number, name = "layer.bin"): Buffer => tarWithOneFile(name, crypto.randomBytes(size));

interface Descriptor {
    mediaType: string;
    digest: string;
    size: number;
}

const manifestType = "application/vnd.oci.image.manifest.v1+json";

function blobWriter(layoutDir: string) {
    const blobs = path.join(layoutDir, "blobs", "sha256");
    fs.mkdirSync(blobs, { recursive: true });
    return (data: Buffer) => {
        const digest = sha256(data);
        fs.writeFileSync(path.join(blobs, digest.slice("sha256:".length)), data);
        return { digest, size: data.length };
    };
}

/** One image's layers, config and manifest as blobs of the layout. */
function writeImage(writeBlob: ReturnType<typeof blobWriter>, layers: Array<number | Buffer>, architecture = "amd64") {
    const tars = layers.map((layer, i) => (typeof layer === "number" ? randomLayer(layer, `layer-${i}.bin`) : layer));
    // Compressed as registries store them, so clients push and pull these very bytes (gzip of the
    // same tar at the same level is the same blob, which is how two images share a layer).
    const written = tars.map((tar) => writeBlob(zlib.gzipSync(tar, { level: 1 })));
    const config = writeBlob(
        Buffer.from(JSON.stringify({ architecture, os: "linux", config: {}, rootfs: { type: "layers", diff_ids: tars.map(sha256) } })),
    );
    const manifest = writeBlob(
        Buffer.from(
            JSON.stringify({
                schemaVersion: 2,
                mediaType: manifestType,
                config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
                layers: written.map((l) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...l })),
            }),
        ),
    );
    return { manifest, config, layers: written };
}

function writeLayout(layoutDir: string, tag: string, top: Descriptor) {
    fs.writeFileSync(path.join(layoutDir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    fs.writeFileSync(
        path.join(layoutDir, "index.json"),
        JSON.stringify({ schemaVersion: 2, manifests: [{ ...top, annotations: { "org.opencontainers.image.ref.name": tag } }] }),
    );
}

/**
 * Writes an OCI image layout with one gzip layer per entry of `layers`: a size in bytes of random
 * content, or a layer from randomLayer() to share with another image.
 */
export function writeOciImage(layoutDir: string, tag: string, layers: Array<number | Buffer>): OciImage {
    const image = writeImage(blobWriter(layoutDir), layers);
    writeLayout(layoutDir, tag, { mediaType: manifestType, ...image.manifest });
    return {
        layoutDir,
        tag,
        manifestDigest: image.manifest.digest,
        configDigest: image.config.digest,
        layerDigests: image.layers.map((l) => l.digest),
        totalBytes: image.layers.reduce((sum, l) => sum + l.size, image.config.size),
    };
}

export interface OciIndex {
    layoutDir: string;
    tag: string;
    indexDigest: string;
    /** Each platform's manifest digest. */
    childDigests: string[];
    /** Every config and layer of every platform. */
    blobDigests: string[];
}

/** A multi-arch image: an OCI index over one image per architecture, each with its own layers. */
export function writeOciIndex(layoutDir: string, tag: string, architectures: string[], layerSize: number): OciIndex {
    const writeBlob = blobWriter(layoutDir);
    const images = architectures.map((architecture) => ({ architecture, ...writeImage(writeBlob, [layerSize], architecture) }));
    const indexType = "application/vnd.oci.image.index.v1+json";
    const index = writeBlob(
        Buffer.from(
            JSON.stringify({
                schemaVersion: 2,
                mediaType: indexType,
                manifests: images.map((i) => ({
                    mediaType: manifestType,
                    ...i.manifest,
                    platform: { os: "linux", architecture: i.architecture },
                })),
            }),
        ),
    );
    writeLayout(layoutDir, tag, { mediaType: indexType, ...index });
    return {
        layoutDir,
        tag,
        indexDigest: index.digest,
        childDigests: images.map((i) => i.manifest.digest),
        blobDigests: images.flatMap((i) => [i.config.digest, ...i.layers.map((l) => l.digest)]),
    };
}

/** The bytes of a blob in an OCI layout. */
export function readBlob(layoutDir: string, digest: string): Buffer {
    return fs.readFileSync(path.join(layoutDir, "blobs", "sha256", digest.slice("sha256:".length)));
}

/** The manifest the layout's index names for `tag`. */
export function readManifest(
    layoutDir: string,
    tag: string,
): { digest: string; layers: Array<{ digest: string }>; config: { digest: string } } {
    const index = JSON.parse(fs.readFileSync(path.join(layoutDir, "index.json"), "utf8"));
    const entry = index.manifests.find(
        (m: { annotations?: Record<string, string> }) => m.annotations?.["org.opencontainers.image.ref.name"] === tag,
    );
    if (!entry) throw new Error(`no manifest tagged ${tag} in ${layoutDir}`);
    return { digest: entry.digest, ...JSON.parse(readBlob(layoutDir, entry.digest).toString()) };
}
