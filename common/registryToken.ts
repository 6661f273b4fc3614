// Required as is, not `import * as`: a serialized copy of the token server requires builtins by name.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import crypto = require("crypto");

/** One `type:name:actions` entry of a token request's scope, e.g. repository:acme/web:pull,push. */
export interface ResourceActions {
    type: string;
    name: string;
    actions: string[];
}

/** The scope parameters of a token request; a repository name may hold no colon but the last ones separate. */
export function parseScopes(scopes: string[]): ResourceActions[] {
    return scopes
        .flatMap((scope) => scope.split(" "))
        .filter(Boolean)
        .map((scope) => {
            const first = scope.indexOf(":");
            const last = scope.lastIndexOf(":");
            if (first < 0 || last === first) throw new Error(`a scope is type:name:actions, not ${JSON.stringify(scope)}`);
            return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(",") };
        });
}

export interface SigningKey {
    /** PKCS#8 or SEC1 PEM of an ECDSA P-256 key. */
    privateKeyPem: string;
    /** The self-signed certificate of that key, which the registry's auth.token.rootcertbundle holds. */
    certificatePem: string;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

/**
 * A Distribution bearer token: a JWT signed with ES256 whose header carries the certificate (x5c),
 * which both Distribution 2.8 and 3 verify against rootcertbundle.
 */
export function signRegistryToken(
    claims: { issuer: string; service: string; subject: string; access: ResourceActions[]; lifetimeSeconds: number },
    key: SigningKey,
): string {
    const now = Math.floor(Date.now() / 1000);
    const certificate = new crypto.X509Certificate(key.certificatePem);
    const header = { typ: "JWT", alg: "ES256", x5c: [certificate.raw.toString("base64")] };
    const payload = {
        iss: claims.issuer,
        sub: claims.subject,
        aud: claims.service,
        // Clocks of the token server and the registry may differ by a little.
        nbf: now - 10,
        iat: now,
        exp: now + claims.lifetimeSeconds,
        jti: crypto.randomBytes(16).toString("hex"),
        access: claims.access,
    };
    const signed = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    const signature = crypto.sign("sha256", Buffer.from(signed), { key: key.privateKeyPem, dsaEncoding: "ieee-p1363" });
    return `${signed}.${base64url(signature)}`;
}
