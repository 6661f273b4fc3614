import * as pulumi from "@pulumi/pulumi";
import type { PullSideAddresses } from "./appEnv";
import type { OrbitRegistryConfig } from "./config";
import type { Credentials } from "./credentials";
import { hostAddress } from "./docker/hostAddress";
import { dockerNames, names } from "../common/names";
import { distributionContainer } from "../common/upstream";

/**
 * Where the pull endpoint and the mirror are reached. Docker: the pull endpoint on its published
 * port, the mirror by its name on the compose network (as build-service reaches the registry).
 * Kubernetes: the pull endpoint's Ingress host, the mirror's Service inside the cluster.
 */
export function pullSideAddresses(config: OrbitRegistryConfig): PullSideAddresses {
    const mirrorPort = distributionContainer.httpPort;
    if (config.target === "docker") {
        return {
            pullUrl: config.pull && hostAddress(config.docker.bindAddress, config.pull.port),
            mirrorUrl: config.mirror && `${dockerNames(config.docker.nameSuffix).registryMirror}:${mirrorPort}`,
        };
    }
    return {
        pullUrl: config.pull?.host,
        mirrorUrl: config.mirror && `${names.registryMirror}.${config.kubernetes.namespace}.svc.cluster.local:${mirrorPort}`,
    };
}

/** The pullUrl, pullEnv (a secret: the pull account's current generation) and mirrorUrl outputs, where on. */
export function pullSideOutputs(
    config: OrbitRegistryConfig,
    credentials: Credentials,
): { pullUrl?: pulumi.Output<string>; pullEnv?: pulumi.Output<Record<string, string>>; mirrorUrl?: pulumi.Output<string> } {
    const { pullUrl, mirrorUrl } = pullSideAddresses(config);
    const pullAccount = credentials.pullAccounts?.[credentials.pullAccounts.length - 1];
    return {
        ...(pullUrl && pullAccount
            ? {
                  pullUrl: pulumi.output(pullUrl),
                  pullEnv: pulumi.secret(
                      pullAccount.password.apply((password): Record<string, string> => ({
                          ORBIT_REGISTRY_PULL_URL: pullUrl,
                          ORBIT_REGISTRY_PULL_USER: pullAccount.user,
                          ORBIT_REGISTRY_PULL_PASS: password,
                      })),
                  ),
              }
            : {}),
        ...(mirrorUrl ? { mirrorUrl: pulumi.output(mirrorUrl) } : {}),
    };
}
