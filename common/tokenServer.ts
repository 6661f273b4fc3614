// Required as is, not `import * as`: a serialized copy of the token server requires builtins by name.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import http = require("http");
import { QuotaPolicy, quotaOf, quotaRefusal, usedPercent, workspaceOf } from "./quota";
import { parseScopes, ResourceActions, SigningKey, signRegistryToken } from "./registryToken";
import { AccountsFile } from "./tokenAccounts";
import { UsageScanner } from "./usageScanner";

export interface TokenServerOptions {
    issuer: string;
    /** The registry's name in its challenges (auth.token.service). */
    service: string;
    key: SigningKey;
    accounts: AccountsFile;
    quota: QuotaPolicy;
    usage: Pick<UsageScanner, "usage" | "scannedAt" | "lastError">;
    /** How long a token lasts: a push that started under the quota finishes with it. */
    tokenLifetimeSeconds: number;
}

/**
 * What a repository token may grant; every account it admits is a push account of a credential
 * generation. An array: Pulumi's function serializer copies a Set at module level as a plain object.
 */
const grantable = ["pull", "push", "delete"];

type Reply = { status: number; body: unknown; headers?: Record<string, string> };

/**
 * The token endpoint Distribution's auth.token names as realm: Basic credentials in, a bearer token
 * for the requested scope out, unless the scope pushes into a workspace at its quota, which gets a
 * 403 with Distribution's error body, the message clients print.
 */
export function tokenReply(options: TokenServerOptions, url: URL, authorization: string | undefined, refusals: Map<string, number>): Reply {
    const user = options.accounts.authenticate(authorization);
    if (!user) {
        return {
            status: 401,
            headers: { "www-authenticate": `Basic realm="${options.issuer}"` },
            body: { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] },
        };
    }
    let requested: ResourceActions[];
    try {
        requested = parseScopes(url.searchParams.getAll("scope"));
    } catch (error) {
        return { status: 400, body: { errors: [{ code: "UNSUPPORTED", message: (error as Error).message }] } };
    }
    const access: ResourceActions[] = [];
    for (const scope of requested) {
        if (scope.type === "registry" && scope.name === "catalog") access.push({ ...scope, actions: ["*"] });
        if (scope.type !== "repository") continue;
        let actions = scope.actions.filter((action) => grantable.includes(action));
        if (actions.includes("push")) {
            const workspace = workspaceOf(scope.name);
            const quota = quotaOf(workspace, options.quota);
            const used = options.usage.usage.get(workspace) ?? 0;
            if (quota > 0 && used >= quota) {
                // A delete must lift the refusal: clients ask for push with it (crane: push,pull,delete), so
                // such a scope gets everything but push. A scope that only pushes is refused, with the message.
                if (!actions.includes("delete")) {
                    refusals.set(workspace, (refusals.get(workspace) ?? 0) + 1);
                    return { status: 403, body: { errors: [{ code: "DENIED", message: quotaRefusal(workspace, used, quota) }] } };
                }
                actions = actions.filter((action) => action !== "push");
            }
        }
        access.push({ ...scope, actions });
    }
    const token = signRegistryToken(
        { issuer: options.issuer, service: options.service, subject: user, access, lifetimeSeconds: options.tokenLifetimeSeconds },
        options.key,
    );
    return {
        status: 200,
        body: { token, access_token: token, expires_in: options.tokenLifetimeSeconds, issued_at: new Date().toISOString() },
    };
}

/** Usage and quota per workspace, with how fresh the usage is: the API orbit-www polls. */
export function usageReport(options: Pick<TokenServerOptions, "quota" | "usage">) {
    const workspaces = new Set([...options.usage.usage.keys(), ...Object.keys(options.quota.overrides)]);
    return {
        scannedAt: options.usage.scannedAt?.toISOString() ?? null,
        lastError: options.usage.lastError ?? null,
        workspaces: [...workspaces].sort().map((workspace) => {
            const bytes = options.usage.usage.get(workspace) ?? 0;
            const quotaBytes = quotaOf(workspace, options.quota);
            return { workspace, bytes, quotaBytes, percent: usedPercent(bytes, quotaBytes) };
        }),
    };
}

/** The Prometheus exposition of the usage report and the refusals. */
export function usageMetrics(options: Pick<TokenServerOptions, "quota" | "usage">, refusals: Map<string, number>): string {
    const report = usageReport(options);
    const label = (workspace: string) => `{workspace=${JSON.stringify(workspace)}}`;
    return [
        "# HELP orbit_registry_workspace_usage_bytes Bytes a workspace's images hold (blobs once per workspace).",
        "# TYPE orbit_registry_workspace_usage_bytes gauge",
        ...report.workspaces.map((w) => `orbit_registry_workspace_usage_bytes${label(w.workspace)} ${w.bytes}`),
        "# HELP orbit_registry_workspace_quota_bytes A workspace's quota; absent where it has none.",
        "# TYPE orbit_registry_workspace_quota_bytes gauge",
        ...report.workspaces
            .filter((w) => w.quotaBytes > 0)
            .map((w) => `orbit_registry_workspace_quota_bytes${label(w.workspace)} ${w.quotaBytes}`),
        "# HELP orbit_registry_quota_refusals_total Pushes refused because the workspace was at its quota.",
        "# TYPE orbit_registry_quota_refusals_total counter",
        ...[...refusals].map(([workspace, count]) => `orbit_registry_quota_refusals_total${label(workspace)} ${count}`),
        "# HELP orbit_registry_usage_scan_timestamp_seconds When the usage was last taken.",
        "# TYPE orbit_registry_usage_scan_timestamp_seconds gauge",
        `orbit_registry_usage_scan_timestamp_seconds ${options.usage.scannedAt ? options.usage.scannedAt.getTime() / 1000 : 0}`,
        "",
    ].join("\n");
}

const send = (response: http.ServerResponse, reply: Reply | { status: number; text: string; type: string }) => {
    if ("text" in reply) {
        response.writeHead(reply.status, { "content-type": reply.type });
        response.end(reply.text);
        return;
    }
    response.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
    response.end(JSON.stringify(reply.body));
};

/**
 * Two listeners: `token` for clients (GET /token), published where they reach it; `internal` for
 * GET /usage and GET /metrics, reached only inside (Prometheus, orbit-www).
 */
export function tokenServerHandlers(options: TokenServerOptions) {
    const refusals = new Map<string, number>();
    const token: http.RequestListener = (request, response) => {
        const url = new URL(request.url ?? "/", "http://token");
        if (request.method !== "GET" || url.pathname !== "/token") return send(response, { status: 404, body: { errors: [] } });
        send(response, tokenReply(options, url, request.headers.authorization, refusals));
    };
    const internal: http.RequestListener = (request, response) => {
        const url = new URL(request.url ?? "/", "http://internal");
        if (url.pathname === "/usage") return send(response, { status: 200, body: usageReport(options) });
        if (url.pathname === "/metrics")
            return send(response, { status: 200, text: usageMetrics(options, refusals), type: "text/plain; version=0.0.4" });
        if (url.pathname === "/healthz") return send(response, { status: 200, body: { ok: true } });
        send(response, { status: 404, body: {} });
    };
    return { token, internal, refusals };
}
