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

/**
 * Writes an OCI image layout with one gzip layer per entry of `layerSizes`, each holding that many
 * random (incompressible) bytes, so the bytes pushed are about the bytes asked for.
 */
export function writeOciImage(layoutDir: string, tag: string, layerSizes: number[]): OciImage {
    const blobs = path.join(layoutDir, "blobs", "sha256");
    fs.mkdirSync(blobs, { recursive: true });
    const writeBlob = (data: Buffer) => {
        const digest = sha256(data);
        fs.writeFileSync(path.join(blobs, digest.slice("sha256:".length)), data);
        return { digest, size: data.length };
    };

    // Compressed as registries store them, so clients push and pull these very bytes.
    const tars = layerSizes.map((size, i) => tarWithOneFile(`layer-${i}.bin`, crypto.randomBytes(size)));
    const layers = tars.map((tar) => writeBlob(zlib.gzipSync(tar, { level: 1 })));
    const config = writeBlob(
        Buffer.from(
            JSON.stringify({
                architecture: "amd64",
                os: "linux",
                config: {},
                rootfs: { type: "layers", diff_ids: tars.map(sha256) },
            }),
        ),
    );
    const manifest = writeBlob(
        Buffer.from(
            JSON.stringify({
                schemaVersion: 2,
                mediaType: "application/vnd.oci.image.manifest.v1+json",
                config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
                layers: layers.map((l) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...l })),
            }),
        ),
    );
    fs.writeFileSync(path.join(layoutDir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    fs.writeFileSync(
        path.join(layoutDir, "index.json"),
        JSON.stringify({
            schemaVersion: 2,
            manifests: [
                {
                    mediaType: "application/vnd.oci.image.manifest.v1+json",
                    ...manifest,
                    annotations: { "org.opencontainers.image.ref.name": tag },
                },
            ],
        }),
    );
    return {
        layoutDir,
        tag,
        manifestDigest: manifest.digest,
        configDigest: config.digest,
        layerDigests: layers.map((l) => l.digest),
        totalBytes: layers.reduce((sum, l) => sum + l.size, config.size),
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
