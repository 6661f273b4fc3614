import * as fs from "fs";
import * as https from "https";
import { ClusterPki } from "./pki";

/* eslint-disable @typescript-eslint/no-explicit-any */
export type KubeObject = Record<string, any>;

export interface ApiResponse {
    status: number;
    body: KubeObject;
    /** Every `Warning` header the server sent, unquoted (PodSecurity, deprecations, unknown fields). */
    warnings: string[];
}

/** A request the server refused, with its own message. */
export class ApiError extends Error {
    constructor(
        readonly status: number,
        readonly body: KubeObject,
        what: string,
    ) {
        super(`${what}: HTTP ${status}: ${body?.message ?? JSON.stringify(body)}`);
        this.name = "ApiError";
    }
}

interface ResourceInfo {
    plural: string;
    namespaced: boolean;
}

/** The field manager the suite applies as, like Pulumi's server-side apply. */
const fieldManager = "orbit-registry-cluster-test";

/**
 * The Kubernetes API over HTTPS as the admin, with nothing in between: the suite must see the
 * server's status codes, messages and Warning headers exactly as `pulumi up` would.
 */
export class KubeApi {
    private readonly agent: https.Agent;
    private readonly discovery = new Map<string, Map<string, ResourceInfo>>();

    /** The identity requests are made as (Impersonate-User), or the admin's own. */
    private impersonating?: string;

    constructor(
        readonly server: string,
        pki: ClusterPki,
    ) {
        this.agent = new https.Agent({
            ca: fs.readFileSync(pki.caCert),
            cert: fs.readFileSync(pki.adminCert),
            key: fs.readFileSync(pki.adminKey),
            keepAlive: true,
        });
    }

    /** The same API, as `user` (the admin may impersonate anyone): what RBAC lets that identity do. */
    as(user: string): KubeApi {
        const other = Object.create(this) as KubeApi;
        other.impersonating = user;
        return other;
    }

    request(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<ApiResponse> {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        return new Promise((resolve, reject) => {
            const request = https.request(
                `${this.server}${path}`,
                {
                    method,
                    agent: this.agent,
                    headers: {
                        accept: "application/json",
                        ...(this.impersonating ? { "impersonate-user": this.impersonating } : {}),
                        ...(payload ? { "content-type": contentType, "content-length": Buffer.byteLength(payload) } : {}),
                    },
                    timeout: 30_000,
                },
                (response) => {
                    const chunks: Buffer[] = [];
                    response.on("data", (chunk: Buffer) => chunks.push(chunk));
                    response.on("end", () => {
                        const text = Buffer.concat(chunks).toString();
                        let parsed: KubeObject;
                        try {
                            parsed = text ? JSON.parse(text) : {};
                        } catch {
                            parsed = { message: text };
                        }
                        const warnings: string[] = [];
                        for (let i = 0; i < response.rawHeaders.length; i += 2) {
                            if (response.rawHeaders[i].toLowerCase() === "warning")
                                warnings.push(unquoteWarning(response.rawHeaders[i + 1]));
                        }
                        resolve({ status: response.statusCode ?? 0, body: parsed, warnings });
                    });
                },
            );
            request.on("timeout", () => request.destroy(new Error(`${method} ${path} timed out`)));
            request.on("error", reject);
            if (payload) request.write(payload);
            request.end();
        });
    }

    /** The request, or an ApiError carrying the server's message when it is not 2xx. */
    async ok(method: string, path: string, body?: unknown, contentType?: string): Promise<ApiResponse> {
        const response = await this.request(method, path, body, contentType);
        if (response.status < 200 || response.status > 299) throw new ApiError(response.status, response.body, `${method} ${path}`);
        return response;
    }

    /** The REST path of a kind's collection (discovered from the server), in `namespace` if it is namespaced. */
    async collectionPath(apiVersion: string, kind: string, namespace?: string): Promise<string> {
        const info = (await this.resources(apiVersion)).get(kind);
        if (!info) throw new Error(`the server does not serve ${kind} in ${apiVersion}`);
        const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
        return info.namespaced ? `${base}/namespaces/${namespace ?? "default"}/${info.plural}` : `${base}/${info.plural}`;
    }

    async objectPath(object: KubeObject): Promise<string> {
        const collection = await this.collectionPath(object.apiVersion, object.kind, object.metadata.namespace);
        return `${collection}/${encodeURIComponent(object.metadata.name)}`;
    }

    /** Server-side apply with strict field validation, as the object's only manager. */
    async apply(object: KubeObject): Promise<ApiResponse> {
        const query = `fieldManager=${fieldManager}&force=true&fieldValidation=Strict`;
        return this.ok("PATCH", `${await this.objectPath(object)}?${query}`, object, "application/apply-patch+yaml");
    }

    async get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined> {
        const response = await this.request("GET", `${await this.collectionPath(apiVersion, kind, namespace)}/${encodeURIComponent(name)}`);
        if (response.status === 404) return undefined;
        if (response.status !== 200) throw new ApiError(response.status, response.body, `GET ${kind} ${name}`);
        return response.body;
    }

    async list(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<KubeObject[]> {
        const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : "";
        const response = await this.ok("GET", `${await this.collectionPath(apiVersion, kind, namespace)}${query}`);
        return response.body.items ?? [];
    }

    async create(object: KubeObject): Promise<ApiResponse> {
        return this.ok("POST", await this.collectionPath(object.apiVersion, object.kind, object.metadata.namespace), object);
    }

    private async resources(apiVersion: string): Promise<Map<string, ResourceInfo>> {
        let known = this.discovery.get(apiVersion);
        if (!known) {
            const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
            const { body } = await this.ok("GET", path);
            known = new Map();
            for (const resource of body.resources as KubeObject[]) {
                if (!resource.name.includes("/")) known.set(resource.kind, { plural: resource.name, namespaced: resource.namespaced });
            }
            this.discovery.set(apiVersion, known);
        }
        return known;
    }
}

/** `299 - "text"` → `text`. */
function unquoteWarning(header: string): string {
    const match = /^\d{3} \S+ "(.*)"$/s.exec(header);
    return match ? match[1].replace(/\\"/g, '"').replace(/\\\\/g, "\\") : header;
}
