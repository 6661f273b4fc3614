import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "../../..");

export interface Tools {
    /** Distribution 2.8 (Debian's docker-registry). */
    registry: string;
    /** Distribution 3, built from its module by scripts/setup-integration.sh. */
    registry3: string;
    /** The OCI distribution-spec conformance suite, built from its module. */
    conformance: string;
    /** Debian's redis-server, the registry replicas' shared cache. */
    redis: string;
    skopeo: string;
    /** Debian's busybox: the shell and nc of the Alpine-based registry images. */
    busybox: string;
    minio: string;
    mc: string;
    /** Prometheus' rule checker and tester, built from its module. */
    promtool: string;
    /** go-containerregistry's crane, a client that moves layers concurrently (the bench). */
    crane: string;
}

function onPath(binary: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(dir, binary);
        if (fs.existsSync(candidate)) return candidate;
    }
    return undefined;
}

/** The real binaries the suite runs: Debian's docker-registry and skopeo; Distribution 3, MinIO and mc built from source. */
export function findTools(): { tools?: Tools; missing: string[] } {
    const local = (binary: string) => {
        const candidate = path.join(root, ".tools/bin", binary);
        return fs.existsSync(candidate) ? candidate : onPath(binary);
    };
    const found = {
        registry: onPath("docker-registry"),
        registry3: local("registry3"),
        conformance: local("conformance"),
        redis: onPath("redis-server"),
        skopeo: onPath("skopeo"),
        busybox: onPath("busybox"),
        minio: local("minio"),
        mc: local("mc"),
        promtool: local("promtool"),
        crane: local("crane"),
    };
    const binaryNames: Record<keyof Tools, string> = {
        registry: "docker-registry",
        registry3: "registry3",
        conformance: "conformance",
        redis: "redis-server",
        skopeo: "skopeo",
        busybox: "busybox",
        minio: "minio",
        mc: "mc",
        promtool: "promtool",
        crane: "crane",
    };
    const missing = (Object.keys(found) as Array<keyof Tools>).filter((tool) => !found[tool]).map((tool) => binaryNames[tool]);
    return { tools: missing.length === 0 ? (found as Tools) : undefined, missing };
}

export const installHint = "install them with: bash scripts/setup-integration.sh";

/**
 * The tools a suite needs, or: under CI=true a failure naming what is missing (CI must never skip);
 * elsewhere the suite skips with the command that installs them.
 */
export function requireTools<T>(suite: Mocha.Context, what: string, found: { tools?: T; missing: string[] }, hint: string): T {
    if (found.tools) return found.tools;
    const message = `${what} missing (${found.missing.join(", ")}); ${hint}`;
    if (process.env.CI === "true") throw new Error(message);
    console.warn(`    skipped: ${message}`);
    return suite.skip();
}
