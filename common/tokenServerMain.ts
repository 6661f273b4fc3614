// Required as is, not `import * as`: a serialized copy of the token server requires builtins by name.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import fs = require("fs");
// eslint-disable-next-line @typescript-eslint/no-require-imports
import http = require("http");
import { TokenSource } from "./bearerToken";
import { RegistryApi } from "./registryApi";
import { parseScopes, signRegistryToken } from "./registryToken";
import { AccountsFile } from "./tokenAccounts";
import { tokenServerHandlers } from "./tokenServer";
import { UsageScanner } from "./usageScanner";

/** The environment the token server reads; the Deployment, the container and the tests set it. */
export const tokenServerEnv = {
    tokenListen: "AUTH_LISTEN",
    internalListen: "INTERNAL_LISTEN",
    issuer: "AUTH_ISSUER",
    service: "AUTH_SERVICE",
    keyFile: "SIGNING_KEY_FILE",
    certificateFile: "SIGNING_CERTIFICATE_FILE",
    accountsFile: "ACCOUNTS_FILE",
    quotaDefaultBytes: "QUOTA_DEFAULT_BYTES",
    quotaOverrides: "QUOTA_OVERRIDES",
    registryUrl: "REGISTRY_URL",
    scanSeconds: "USAGE_SCAN_SECONDS",
    tokenLifetimeSeconds: "AUTH_LIFETIME_SECONDS",
} as const;

const listen = (server: http.Server, address: string) => {
    const colon = address.lastIndexOf(":");
    return new Promise<void>((resolve) => server.listen(Number(address.slice(colon + 1)), address.slice(0, colon) || undefined, resolve));
};

/**
 * The token server's process, run by `node` in nodeImage from a serialized copy (or by the tests from
 * the source): reads its settings from the environment, scans usage and serves both listeners until
 * SIGTERM.
 */
export async function runTokenServer(): Promise<void> {
    const env = process.env;
    const required = (name: string) => {
        const value = env[name];
        if (!value) throw new Error(`the token server needs ${name}`);
        return value;
    };
    const names = tokenServerEnv;
    const issuer = required(names.issuer);
    const service = required(names.service);
    const key = {
        privateKeyPem: fs.readFileSync(required(names.keyFile), "utf8"),
        certificatePem: fs.readFileSync(required(names.certificateFile), "utf8"),
    };
    const tokenLifetimeSeconds = Number(env[names.tokenLifetimeSeconds] ?? 300);
    // The scan reads the registry with tokens it mints itself: it needs no account, and no way to the public realm.
    const scanTokens: TokenSource = async (challenge) => ({
        token: signRegistryToken(
            { issuer, service, subject: "orbit-registry-usage-scan", access: parseScopes([challenge.scope ?? ""]), lifetimeSeconds: 300 },
            key,
        ),
        expiresInSeconds: 300,
    });
    const api = new RegistryApi(required(names.registryUrl), { user: "", password: "" }, scanTokens);
    const usage = new UsageScanner(api, Number(env[names.scanSeconds] ?? 60) * 1000, (line) => console.error(line));
    const handlers = tokenServerHandlers({
        issuer,
        service,
        key,
        accounts: new AccountsFile(required(names.accountsFile)),
        quota: { defaultBytes: Number(env[names.quotaDefaultBytes] ?? 0), overrides: JSON.parse(env[names.quotaOverrides] ?? "{}") },
        usage,
        tokenLifetimeSeconds,
    });
    const token = http.createServer(handlers.token);
    const internal = http.createServer(handlers.internal);
    await listen(token, required(names.tokenListen));
    await listen(internal, required(names.internalListen));
    usage.start();
    console.log(`token server on ${env[names.tokenListen]}, usage and metrics on ${env[names.internalListen]}`);
    process.once("SIGTERM", () => {
        token.close();
        internal.close();
        void usage.stop().then(() => process.exit(0));
    });
}
