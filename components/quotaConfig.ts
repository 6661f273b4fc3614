import { QuotaPolicy, quantityBytes } from "../common/quota";
import type { ProblemWording } from "./pullSideConfig";

/** Workspace quotas, enforced by the token server (docs/quotas.md); absent when every quota is 0. */
export interface QuotaConfig {
    policy: QuotaPolicy;
    /** The token server runs on Node.js: nodeImage. */
    nodeImage: string;
    /** Docker: the host port of the token server, the registry's realm. */
    authPort: number;
    /** Docker: the realm's host name; localhost (or bindAddress) unless containers on dockerNetwork push. */
    authRealmHost?: string;
}

type Raw = Record<string, string | undefined>;

const quantityAllowed = "a Kubernetes quantity such as 10Gi, 500Mi or 1T, or 0 for no quota";
// A repository path component as Distribution accepts it: the workspace slug.
const workspacePattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

export function workspaceQuotaRule(value: string): string | undefined {
    return quantityBytes(value) === undefined ? quantityAllowed : undefined;
}

/** workspaceQuotas: `acme=50Gi,beta=0`, each workspace once; empty is none. */
export function workspaceQuotasRule(value: string): string | undefined {
    const allowed =
        `empty, or comma-separated workspace=size pairs such as acme=50Gi,sandbox=1Gi (a workspace is the first path component ` +
        `of its repositories, lowercase; the size is ${quantityAllowed})`;
    const entries = parseOverrides(value);
    if (!entries) return allowed;
    const seen: string[] = [];
    for (const [workspace] of entries) {
        if (seen.includes(workspace)) return `each workspace once; ${workspace} is listed twice`;
        seen.push(workspace);
    }
    return undefined;
}

function parseOverrides(value: string): Array<[string, number]> | undefined {
    if (value.trim() === "") return [];
    const entries: Array<[string, number]> = [];
    for (const pair of value.split(",")) {
        const [workspace, size, ...rest] = pair.trim().split("=");
        const bytes = size === undefined ? undefined : quantityBytes(size);
        if (rest.length > 0 || !workspacePattern.test(workspace ?? "") || bytes === undefined) return undefined;
        entries.push([workspace, bytes]);
    }
    return entries;
}

/** The quota policy of valid keys; undefined when no workspace has a quota (no token server is deployed). */
export function quotaConfig(raw: Raw): { quota?: QuotaConfig } {
    const policy: QuotaPolicy = {
        defaultBytes: quantityBytes(raw.workspaceQuota ?? "0") ?? 0,
        overrides: Object.fromEntries(parseOverrides(raw.workspaceQuotas ?? "") ?? []),
    };
    if (!quotasOn(policy)) return {};
    const realmHost = raw.authRealmHost || undefined;
    return {
        quota: {
            policy,
            nodeImage: raw.nodeImage ?? "",
            authPort: Number(raw.authPort),
            ...(realmHost ? { authRealmHost: realmHost } : {}),
        },
    };
}

const quotasOn = (policy: QuotaPolicy) => policy.defaultBytes > 0 || Object.values(policy.overrides).some((bytes) => bytes > 0);

/** What quotas need of the other keys on the docker target: a realm every pushing client reaches. */
export function quotaProblems(raw: Raw, say: ProblemWording): string[] {
    const policy = quotaConfig(raw).quota?.policy;
    if (!policy || raw.target !== "docker") return [];
    const problems: string[] = [];
    const host = raw.authRealmHost ?? "";
    if (host === "localhost") {
        problems.push(say.describe("authRealmHost", host, "empty for localhost, or a name other than localhost"));
    } else if (raw.dockerNetwork && host === "") {
        problems.push(
            say.missing(
                "authRealmHost",
                `the apps on dockerNetwork (${raw.dockerNetwork}) push to the registry there and cannot reach a token realm on ` +
                    "localhost: set a name they and this host both resolve (the token server joins dockerNetwork under it; " +
                    "add it to /etc/hosts as bindAddress), e.g. orbit-auth.orbit.test, or set workspaceQuota to 0",
            ),
        );
    }
    return problems;
}
