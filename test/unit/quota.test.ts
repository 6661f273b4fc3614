import * as assert from "assert";
import * as crypto from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseBearerChallenge, scopeOfRequest } from "../../common/bearerToken";
import { quantityBytes, quotaRefusal, readableBytes } from "../../common/quota";
import { parseScopes, signRegistryToken } from "../../common/registryToken";
import { AccountsFile, tokenAccount } from "../../common/tokenAccounts";
import { tokenReply, TokenServerOptions, usageMetrics, usageReport } from "../../common/tokenServer";

const KiB = 1024;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orbit-quota-unit-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A signing key and its self-signed certificate, as the registry's rootcertbundle holds it. */
function signingKey() {
    const keyFile = path.join(dir, "token.key");
    execFileSync("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", keyFile], { stdio: "pipe" });
    const certificate = execFileSync("openssl", ["req", "-new", "-x509", "-key", keyFile, "-days", "1", "-subj", "/CN=test"], {
        stdio: "pipe",
    });
    return { privateKeyPem: fs.readFileSync(keyFile, "utf8"), certificatePem: certificate.toString() };
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());

describe("workspace quotas: the token server's decisions", () => {
    const key = signingKey();
    const password = "fake-password-for-tests";
    const accountsFile = path.join(dir, "accounts.json");
    fs.writeFileSync(accountsFile, JSON.stringify([tokenAccount("orbit-service", password, "fake-salt")]));
    const usage = {
        usage: new Map([
            ["acme", 300 * KiB],
            ["beta", 10 * KiB],
            ["ci", 900 * KiB],
        ]),
        scannedAt: new Date(),
        lastError: undefined,
    };
    const options: TokenServerOptions = {
        issuer: "orbit-registry-auth",
        service: "orbit-registry",
        key,
        accounts: new AccountsFile(accountsFile),
        quota: { defaultBytes: 300 * KiB, overrides: { ci: 0, big: 2048 * KiB } },
        usage,
        tokenLifetimeSeconds: 300,
    };
    const ask = (scopes: string[], authorization: string | null = basic("orbit-service", password)) => {
        const url = new URL("http://token/token?service=orbit-registry");
        for (const scope of scopes) url.searchParams.append("scope", scope);
        return tokenReply(options, url, authorization ?? undefined, new Map());
    };
    const tokenOf = (reply: ReturnType<typeof ask>) => (reply.body as { token: string }).token;

    it("refuses a push into a workspace at its quota with Distribution's DENIED error, naming workspace, usage and quota", () => {
        const reply = ask(["repository:acme/web:pull,push"]);
        assert.strictEqual(reply.status, 403);
        assert.deepStrictEqual(reply.body, {
            errors: [{ code: "DENIED", message: quotaRefusal("acme", 300 * KiB, 300 * KiB) }],
        });
        assert.match(
            quotaRefusal("acme", 300 * KiB, 300 * KiB),
            /^workspace acme is at its registry quota: 300\.0 KiB stored of 300\.0 KiB \(307200 of 307200 bytes\)/,
        );
    });

    it("grants pulls and deletes in that workspace, and pushes elsewhere: under the default, with no quota, under an override", () => {
        for (const scope of [
            "repository:acme/web:pull",
            "repository:acme/web:delete",
            "repository:beta/web:pull,push",
            "repository:ci/cache:pull,push",
        ]) {
            const reply = ask([scope]);
            assert.strictEqual(reply.status, 200, scope);
            const [access] = claimsOf(tokenOf(reply)).access;
            assert.deepStrictEqual(access.actions, parseScopes([scope])[0].actions, scope);
        }
    });

    it("grants a delete that asks for push too (crane: push,pull,delete) at the quota, without push: deleting lifts the refusal", () => {
        // Found with the real engine on the dev stack: refusing the whole scope made a full workspace impossible to empty.
        const reply = ask(["repository:acme/web:push,pull,delete"]);
        assert.strictEqual(reply.status, 200);
        assert.deepStrictEqual(claimsOf(tokenOf(reply)).access, [{ type: "repository", name: "acme/web", actions: ["pull", "delete"] }]);
        assert.deepStrictEqual(claimsOf(tokenOf(ask(["repository:beta/web:push,pull,delete"]))).access[0].actions, [
            "push",
            "pull",
            "delete",
        ]);
    });

    it("never grants more than pull, push and delete on a repository, and the catalog only as registry:catalog:*", () => {
        const claims = claimsOf(tokenOf(ask(["repository:beta/web:pull,push,*", "registry:catalog:*"])));
        assert.deepStrictEqual(claims.access, [
            { type: "repository", name: "beta/web", actions: ["pull", "push"] },
            { type: "registry", name: "catalog", actions: ["*"] },
        ]);
        assert.strictEqual(claims.sub, "orbit-service");
        assert.strictEqual(claims.aud, "orbit-registry");
        assert.strictEqual(claims.iss, "orbit-registry-auth");
    });

    it("answers 401 without credentials, with a wrong password, and to an account it does not know (the pull account)", () => {
        for (const authorization of [null, basic("orbit-service", "wrong"), basic("orbit-pull", password)]) {
            const reply = ask(["repository:beta/web:pull"], authorization);
            assert.strictEqual(reply.status, 401, String(authorization));
            assert.match(String(reply.headers?.["www-authenticate"]), /^Basic realm=/);
        }
    });

    it("admits an account added to the accounts file, and refuses one removed, without a restart (rotation)", () => {
        const next = "fake-password-g2";
        fs.writeFileSync(
            accountsFile,
            JSON.stringify([tokenAccount("orbit-service", password, "s1"), tokenAccount("orbit-service-g2", next, "s2")]),
        );
        fs.utimesSync(accountsFile, new Date(), new Date(Date.now() + 5000));
        assert.strictEqual(ask(["repository:beta/web:pull"], basic("orbit-service-g2", next)).status, 200);
        fs.writeFileSync(accountsFile, JSON.stringify([tokenAccount("orbit-service-g2", next, "s2")]));
        fs.utimesSync(accountsFile, new Date(), new Date(Date.now() + 10000));
        assert.strictEqual(ask(["repository:beta/web:pull"]).status, 401, "the retired generation");
        fs.writeFileSync(accountsFile, JSON.stringify([tokenAccount("orbit-service", password, "fake-salt")]));
        fs.utimesSync(accountsFile, new Date(), new Date(Date.now() + 15000));
    });

    it("signs tokens the registry can verify: ES256 over header and claims, with the certificate in x5c", () => {
        const token = signRegistryToken({ issuer: "i", service: "s", subject: "u", access: [], lifetimeSeconds: 60 }, key);
        const [header, claims, signature] = token.split(".");
        const certificate = new crypto.X509Certificate(key.certificatePem);
        const parsedHeader = JSON.parse(Buffer.from(header, "base64url").toString());
        assert.strictEqual(parsedHeader.alg, "ES256");
        assert.deepStrictEqual(parsedHeader.x5c, [certificate.raw.toString("base64")]);
        const verified = crypto.verify(
            "sha256",
            Buffer.from(`${header}.${claims}`),
            { key: certificate.publicKey, dsaEncoding: "ieee-p1363" },
            Buffer.from(signature, "base64url"),
        );
        assert.ok(verified);
        const { exp, nbf } = JSON.parse(Buffer.from(claims, "base64url").toString());
        assert.ok(exp - nbf === 70, "valid from 10 s back, for the registry's clock, to the lifetime ahead");
    });

    it("reports usage, quota and percentage per workspace, and the same as Prometheus series", () => {
        const report = usageReport(options);
        assert.deepStrictEqual(
            report.workspaces.map((w) => [w.workspace, w.bytes, w.quotaBytes, w.percent]),
            [
                ["acme", 300 * KiB, 300 * KiB, 100],
                ["beta", 10 * KiB, 300 * KiB, 3.3],
                ["big", 0, 2048 * KiB, 0],
                ["ci", 900 * KiB, 0, null],
            ],
        );
        const metrics = usageMetrics(options, new Map([["acme", 2]]));
        assert.match(metrics, /^orbit_registry_workspace_usage_bytes\{workspace="acme"\} 307200$/m);
        assert.match(metrics, /^orbit_registry_workspace_quota_bytes\{workspace="beta"\} 307200$/m);
        assert.doesNotMatch(metrics, /quota_bytes\{workspace="ci"\}/, "no quota, no quota series");
        assert.match(metrics, /^orbit_registry_quota_refusals_total\{workspace="acme"\} 2$/m);
    });
});

describe("workspace quotas: sizes and the client side of token authentication", () => {
    it("reads sizes as Kubernetes quantities, and prints them as people read them", () => {
        assert.strictEqual(quantityBytes("10Gi"), 10737418240, "Orbit's default registryQuotaBytes");
        assert.strictEqual(quantityBytes("500M"), 500_000_000);
        assert.strictEqual(quantityBytes("0"), 0);
        assert.strictEqual(quantityBytes("1.5Ki"), 1536);
        for (const bad of ["10GB", "-1Gi", "ten", "", "10 Gi"]) assert.strictEqual(quantityBytes(bad), undefined, bad);
        assert.strictEqual(readableBytes(10737418240), "10.0 GiB");
        assert.strictEqual(readableBytes(812), "812 B");
    });

    it("reads a Bearer challenge, and knows the scope Distribution will ask for each request", () => {
        assert.deepStrictEqual(
            parseBearerChallenge(
                'Bearer realm="https://registry.example.com/token",service="orbit-registry",scope="repository:acme/web:pull"',
            ),
            { realm: "https://registry.example.com/token", service: "orbit-registry", scope: "repository:acme/web:pull" },
        );
        assert.strictEqual(parseBearerChallenge('Basic realm="orbit-registry"'), undefined);
        assert.strictEqual(scopeOfRequest("GET", "/v2/acme/web/manifests/v1"), "repository:acme/web:pull");
        assert.strictEqual(scopeOfRequest("DELETE", "/v2/acme/web/manifests/sha256:ab"), "repository:acme/web:delete");
        assert.strictEqual(scopeOfRequest("POST", "/v2/acme/team/web/blobs/uploads/"), "repository:acme/team/web:pull,push");
        assert.strictEqual(scopeOfRequest("GET", "/v2/_catalog?n=100"), "registry:catalog:*");
        assert.throws(() => parseScopes(["repository-acme"]), /type:name:actions/);
    });
});
