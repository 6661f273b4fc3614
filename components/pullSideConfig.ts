import type { DistributionVersion } from "../common/distributionVersion";
import { bucketName } from "../common/validators";

/** The read-only pull endpoint: its account, and where it is served. */
export interface PullConfig {
    user: string;
    /** Docker: the host port. */
    port: number;
    /** Kubernetes: replicas, the Ingress host, and the namespaces that get its dockerconfigjson Secret besides appNamespace. */
    replicas: number;
    host: string;
    secretNamespaces: string[];
}

/** The Docker Hub mirror (a pull-through cache) on a bucket of its own. */
export interface MirrorConfig {
    upstream: string;
    username?: string;
    password?: string;
    /** How long a cached image is kept; Distribution 2 keeps everything 7 days, whatever this says. */
    ttl: string;
    bucketName: string;
    /** Docker: the host port. */
    port: number;
}

/** Distribution 2's pull-through cache keeps what it fetched this long; only 3 reads proxy.ttl. */
const distribution2MirrorTtl = "168h";

type Raw = Record<string, string | undefined>;

/** How config.ts words a problem, so these read like every other key's. */
export interface ProblemWording {
    describe(key: string, value: string, allowed: string): string;
    missing(key: string, why: string): string;
    plainText(key: string): string;
}

/** The mirror's bucket, next to the registry's. */
export const mirrorBucketName = (bucket: string) => `${bucket}-mirror`;

/** What the pull endpoint and the mirror need of the other keys; each problem names its key. */
export function pullSideProblems(raw: Raw, secretKeys: ReadonlySet<string>, say: ProblemWording, version?: DistributionVersion): string[] {
    const problems: string[] = [];
    const pullOn = raw.pullEndpoint === "true";
    if (pullOn) {
        if (raw.pullUser && raw.pullUser === raw.registryUser) {
            problems.push(
                say.describe("pullUser", raw.pullUser, "a user other than registryUser: the push account must not be the pull account"),
            );
        }
        if (raw.target === "kubernetes" && !raw.pullHost) {
            problems.push(
                say.missing("pullHost", "the kubernetes target serves the pull endpoint on this host, e.g. pull.registry.example.com"),
            );
        }
        if (raw.pullHost && raw.pullHost === raw.ingressHost) {
            problems.push(say.describe("pullHost", raw.pullHost, "a host other than ingressHost"));
        }
    } else {
        for (const key of ["pullHost", "pullSecretNamespaces"]) {
            if (raw[key]) problems.push(say.describe(key, raw[key] ?? "", "empty while pullEndpoint is false"));
        }
    }
    if (raw.target === "docker" && raw.pullSecretNamespaces) {
        problems.push(
            say.describe("pullSecretNamespaces", raw.pullSecretNamespaces, "empty on the docker target, which has no namespaces"),
        );
    }

    if (!raw.mirrorUpstream) {
        for (const key of ["mirrorUsername", "mirrorPassword"]) {
            if (raw[key]) problems.push(say.describe(key, "…", "empty while mirrorUpstream is empty"));
        }
        return problems;
    }
    if (raw.storage === "s3") {
        problems.push(
            say.describe("mirrorUpstream", raw.mirrorUpstream, "empty with storage s3: the mirror caches in a MinIO bucket of its own"),
        );
    }
    if (!!raw.mirrorUsername !== !!raw.mirrorPassword) {
        problems.push(
            say.missing(
                raw.mirrorUsername ? "mirrorPassword" : "mirrorUsername",
                "the upstream account needs both, or neither for anonymous pulls",
            ),
        );
    }
    if (raw.mirrorPassword && !secretKeys.has("mirrorPassword")) problems.push(say.plainText("mirrorPassword"));
    if (raw.bucketName && !bucketName(raw.bucketName) && bucketName(mirrorBucketName(raw.bucketName))) {
        problems.push(
            say.describe(
                "bucketName",
                raw.bucketName,
                `a name short enough for the mirror's bucket ${mirrorBucketName(raw.bucketName)} too (at most 56 characters)`,
            ),
        );
    }
    if (version === 2 && raw.mirrorTtl && raw.mirrorTtl !== distribution2MirrorTtl) {
        problems.push(
            say.describe(
                "mirrorTtl",
                raw.mirrorTtl,
                `${distribution2MirrorTtl} with Distribution 2, whose cache keeps everything 7 days (Distribution 3 reads proxy.ttl)`,
            ),
        );
    }
    return problems;
}

/** The validated keys as the pull endpoint's and the mirror's parts; none when off. */
export function pullSideConfig(raw: Record<string, string>): { pull?: PullConfig; mirror?: MirrorConfig } {
    return {
        pull:
            raw.pullEndpoint === "true"
                ? {
                      user: raw.pullUser,
                      port: Number(raw.pullPort),
                      replicas: Number(raw.pullReplicas),
                      host: raw.pullHost,
                      secretNamespaces: raw.pullSecretNamespaces ? raw.pullSecretNamespaces.split(",").map((name) => name.trim()) : [],
                  }
                : undefined,
        mirror: raw.mirrorUpstream
            ? {
                  upstream: new URL(raw.mirrorUpstream).origin,
                  username: raw.mirrorUsername || undefined,
                  password: raw.mirrorPassword || undefined,
                  ttl: raw.mirrorTtl,
                  bucketName: mirrorBucketName(raw.bucketName),
                  port: Number(raw.mirrorPort),
              }
            : undefined,
    };
}
