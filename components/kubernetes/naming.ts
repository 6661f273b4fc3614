import * as crypto from "crypto";

/**
 * `prefix-<hash of data>`: a ConfigMap named by its content. A change creates a new ConfigMap, so
 * the pods (or Job) that mount it change too and roll out (or run again).
 */
export function contentName(prefix: string, data: Record<string, string>): string {
    const hash = crypto
        .createHash("sha256")
        .update(JSON.stringify(Object.entries(data).sort()))
        .digest("hex");
    return `${prefix}-${hash.slice(0, 10)}`;
}
