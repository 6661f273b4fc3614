/**
 * Distribution's token authentication from the client's side: a 401 names a token server (realm),
 * the registry (service) and the access it wants (scope); the client asks the realm for a token with
 * its own credentials and sends it as a Bearer. Tokens are kept per scope until shortly before they
 * expire, so a walk over many manifests asks once per repository.
 */
export interface BearerChallenge {
    realm: string;
    service?: string;
    scope?: string;
}

/** The parameters of a `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` header; undefined for Basic. */
export function parseBearerChallenge(header: string | null): BearerChallenge | undefined {
    if (!header || !/^bearer\s/i.test(header)) return undefined;
    const parameters = new Map<string, string>();
    for (const match of header.slice("bearer ".length).matchAll(/(\w+)="([^"]*)"/g)) parameters.set(match[1].toLowerCase(), match[2]);
    const realm = parameters.get("realm");
    return realm ? { realm, service: parameters.get("service"), scope: parameters.get("scope") } : undefined;
}

/** The scope Distribution asks for a request, as its access records define it (so a kept token is reused). */
export function scopeOfRequest(method: string, pathname: string): string | undefined {
    if (pathname.startsWith("/v2/_catalog")) return "registry:catalog:*";
    const repository = /^\/v2\/(.+)\/(manifests|blobs|tags)\//.exec(pathname)?.[1];
    if (!repository) return undefined;
    const verb = method.toUpperCase();
    const actions = verb === "GET" || verb === "HEAD" ? "pull" : verb === "DELETE" ? "delete" : "pull,push";
    return `repository:${repository}:${actions}`;
}

export type TokenSource = (challenge: BearerChallenge) => Promise<{ token: string; expiresInSeconds: number }>;

export class BearerTokens {
    // Assigned in the constructor: Pulumi's function serializer (the CronJob's cleanup step) drops field initializers.
    private readonly tokens: Map<string, { token: string; until: number }>;

    constructor(
        private readonly basicAuthorization: string,
        /**
         * Where tokens come from instead of the challenge's realm: a function (the token server's own
         * usage scan mints them), or another realm URL (a pod in the cluster asks the token server's Service).
         */
        private readonly source?: TokenSource | string,
    ) {
        this.tokens = new Map();
    }

    /** A kept, unexpired token for `scope`. */
    kept(scope: string | undefined): string | undefined {
        const kept = scope === undefined ? undefined : this.tokens.get(scope);
        return kept && kept.until > Date.now() ? kept.token : undefined;
    }

    /** Asks the challenge's realm for a token with the account's credentials and keeps it. */
    async fetch(challenge: BearerChallenge): Promise<string> {
        const { token, expiresInSeconds } =
            typeof this.source === "function"
                ? await this.source(challenge)
                : await this.fromRealm(this.source ? { ...challenge, realm: this.source } : challenge);
        // The spec's default lifetime is 60 s; keep a margin for the clock and the request in flight.
        if (challenge.scope) this.tokens.set(challenge.scope, { token, until: Date.now() + Math.max(expiresInSeconds - 10, 0) * 1000 });
        return token;
    }

    private async fromRealm(challenge: BearerChallenge): Promise<{ token: string; expiresInSeconds: number }> {
        const url = new URL(challenge.realm);
        if (challenge.service) url.searchParams.set("service", challenge.service);
        if (challenge.scope) url.searchParams.set("scope", challenge.scope);
        const response = await fetch(url, { headers: { authorization: this.basicAuthorization } });
        if (!response.ok) throw new Error(`the token server ${url.origin} answered ${response.status}: ${(await response.text()).trim()}`);
        const body = (await response.json()) as { token?: string; access_token?: string; expires_in?: number };
        const token = body.token ?? body.access_token;
        if (!token) throw new Error(`the token server ${url.origin} answered without a token`);
        return { token, expiresInSeconds: body.expires_in ?? 60 };
    }
}
