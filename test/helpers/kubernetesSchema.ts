import { isRpcSecret, unwrapRpcSecret } from "@pulumi/pulumi/runtime/rpc";

/** A value with every secret marker the mock engine keeps removed, at any depth. */
export function deepPlain(value: unknown): unknown {
    if (isRpcSecret(value)) return deepPlain(unwrapRpcSecret(value));
    if (Array.isArray(value)) return value.map(deepPlain);
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepPlain(v)]));
    }
    return value;
}

interface Model {
    validate(): void;
}

/**
 * Validates a Kubernetes object against the Kubernetes OpenAPI schema, with the model class
 * kubernetes-models generates for its apiVersion and kind. Throws on any schema violation.
 */
export function validateKubernetesObject(object: Record<string, unknown>): void {
    const apiVersion = object.apiVersion as string;
    const kind = object.kind as string;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, new (data: unknown) => Model>;
    new module[kind](object).validate();
}
