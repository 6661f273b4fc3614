import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CommonConfig, KubernetesConfig } from "../config";
import type { Credentials } from "../credentials";
import { ownerAnnotations } from "../guard/stackGuard";
import { registryFiles, RegistrySettings } from "../registryFiles";
import type { RegistryStorage, StoragePlan } from "../storage";
import { names } from "../../common/names";
import { KubernetesMinio } from "./minio";
import { KubernetesRegistry, registryInstances } from "./registry";

export interface KubernetesPullSideArgs {
    common: CommonConfig;
    cluster: KubernetesConfig;
    credentials: Credentials;
    storage: StoragePlan;
    /** The push endpoint's storage, which the pull endpoint reads. */
    registryStorage: RegistryStorage;
    /** The push endpoint's settings, its Redis included. */
    settings: Omit<RegistrySettings, "role" | "eventsUrl" | "proxy">;
    /** The pull account's current generation, for the dockerconfigjson Secrets. */
    pullAccess?: pulumi.Output<{ user: string; password: string }>;
    after: pulumi.Resource[];
}

/**
 * The pull side: the read-only pull endpoint (its own Deployment and Service behind the push
 * endpoint's Ingress at pullHost, reading with the identity that may only read, sharing Redis) with a
 * dockerconfigjson Secret in appNamespace and each of pullSecretNamespaces; and the Docker Hub
 * mirror, one replica on its own bucket, reachable only from appNamespace (networkPolicies.ts).
 */
export class KubernetesPullSide extends pulumi.ComponentResource {
    readonly mirror?: KubernetesRegistry;

    constructor(name: string, args: KubernetesPullSideArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:KubernetesPullSide", name, {}, opts);
        const { common, cluster, credentials } = args;
        const childOpts = { parent: this };

        if (common.pull && credentials.pullAccounts) {
            const reader = args.storage.kind === "minio" ? args.storage.credentials.readerIdentity : undefined;
            const storage = {
                s3: args.registryStorage.s3,
                accessKey: reader?.accessKey ?? args.registryStorage.accessKey,
                secretKey: reader?.secretKey ?? args.registryStorage.secretKey,
            };
            new KubernetesRegistry(
                `${name}-pull`,
                {
                    instance: registryInstances.pull,
                    namespace: cluster.namespace,
                    image: common.registryImage,
                    replicas: common.pull.replicas,
                    files: registryFiles({ accounts: credentials.pullAccounts, httpSecret: credentials.httpSecret }, storage, {
                        ...args.settings,
                        role: "pull",
                    }),
                    after: args.after,
                },
                childOpts,
            );
            if (args.pullAccess) {
                for (const namespace of [cluster.appNamespace, ...common.pull.secretNamespaces]) {
                    pullSecret(`${name}-pull-secret-${namespace}`, namespace, common.pull.host, args.pullAccess, this);
                }
            }
        }

        const mirrorStorage = args.registryStorage instanceof KubernetesMinio ? args.registryStorage.mirror : undefined;
        if (common.mirror && mirrorStorage) {
            const { upstream, ttl, username, password } = common.mirror;
            this.mirror = new KubernetesRegistry(
                `${name}-mirror`,
                {
                    instance: registryInstances.mirror,
                    namespace: cluster.namespace,
                    image: common.registryImage,
                    // Its expiry schedule lives in one file of its bucket: one writer.
                    replicas: 1,
                    files: registryFiles({ accounts: [], httpSecret: credentials.httpSecret }, mirrorStorage, {
                        ...args.settings,
                        redis: undefined,
                        role: "mirror",
                        proxy: { remoteUrl: upstream, ttl, username, password },
                    }),
                    after: args.after,
                },
                childOpts,
            );
        }
        this.registerOutputs({});
    }
}

/** The pull endpoint's account as kubelet reads it: a kubernetes.io/dockerconfigjson Secret pods name in imagePullSecrets. */
function pullSecret(
    resourceName: string,
    namespace: string,
    host: string,
    access: pulumi.Output<{ user: string; password: string }>,
    parent: pulumi.Resource,
): k8s.core.v1.Secret {
    const dockerConfig = access.apply(({ user, password }) =>
        JSON.stringify({ auths: { [host]: { username: user, password, auth: Buffer.from(`${user}:${password}`).toString("base64") } } }),
    );
    return new k8s.core.v1.Secret(
        resourceName,
        {
            metadata: {
                name: names.registryPull,
                namespace,
                labels: { "app.kubernetes.io/part-of": "orbit-registry" },
                annotations: ownerAnnotations(),
            },
            type: "kubernetes.io/dockerconfigjson",
            stringData: pulumi.secret(dockerConfig.apply((json) => ({ ".dockerconfigjson": json }))),
        },
        { parent },
    );
}
