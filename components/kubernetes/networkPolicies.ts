import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { distributionContainer, minioContainer, redisContainer } from "../../common/upstream";
import { backupLabels } from "./backupCronJob";
import { garbageCollectorLabels } from "./garbageCollector";
import { minioLabels } from "./minio";
import { provisionerLabels } from "./provisioner";
import { redisLabels } from "./redis";
import { mirrorLabels, pullLabels, registryLabels } from "./registry";
import { tokenServerLabels } from "./tokenServer";
import { tokenServerPorts } from "../tokenAuth";

export interface NetworkPoliciesArgs {
    namespace: string;
    appNamespace: string;
    ingressControllerNamespace: string;
    withMinio: boolean;
    /** Distributed MinIO: its pods talk to each other. */
    minioPeers: boolean;
    /** minioPublicEndpoint: the ingress controller serves MinIO to clients (and to the registry). */
    minioThroughIngress: boolean;
    withRedis: boolean;
    /** The pull endpoint: served through the ingress controller, reads MinIO and Redis like the registry. */
    withPull: boolean;
    /**
     * With workspace quotas: the token server gets tokens' requests through the ingress controller and
     * from the cleanup, orbit-www's /usage polls, and reads the registry for its usage scan.
     */
    withTokenServer: boolean;
    /** The Docker Hub mirror: reachable from appNamespace (where the builds run) only. */
    withMirror: boolean;
    /** The garbage-collection CronJob's pods reach MinIO and Redis as the registry does. */
    withGarbageCollector: boolean;
    /** Its retention cleanup reaches the registry's API too. */
    withCleanup: boolean;
    /** With backups on: the target's port, the only one outside the namespace the backup pods may reach (besides DNS). */
    backupTargetPort?: number;
    /** Prometheus' namespace, admitted to the registry's debug port and MinIO's API (metrics); none without monitoring. */
    prometheusNamespace?: string;
    after: pulumi.Resource[];
}

const namespaceSelector = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });

/** Ingress rules: nothing reaches a pod in the namespace unless a policy below lets it. */
export class NetworkPolicies extends pulumi.ComponentResource {
    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:NetworkPolicies", name, {}, opts);
        const childOpts = { parent: this, dependsOn: args.after };
        const policyNames: pulumi.Output<string>[] = [];
        const policy = (suffix: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) => {
            const created = new k8s.networking.v1.NetworkPolicy(
                `${name}-${suffix}`,
                { metadata: { name: `orbit-registry-${suffix}`, namespace: args.namespace }, spec },
                childOpts,
            );
            policyNames.push(created.metadata.name);
        };

        // Pods that reach MinIO and Redis: the registry, and the collector working on its storage.
        const registrySide = [
            { podSelector: { matchLabels: registryLabels } },
            ...(args.withPull ? [{ podSelector: { matchLabels: pullLabels } }] : []),
            ...(args.withGarbageCollector ? [{ podSelector: { matchLabels: garbageCollectorLabels } }] : []),
        ];
        policy("default-deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] });
        policy("registry-ingress", {
            podSelector: { matchLabels: registryLabels },
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [
                        namespaceSelector(args.ingressControllerNamespace),
                        namespaceSelector(args.appNamespace),
                        ...(args.withCleanup ? [{ podSelector: { matchLabels: garbageCollectorLabels } }] : []),
                        ...(args.withTokenServer ? [{ podSelector: { matchLabels: tokenServerLabels } }] : []),
                    ],
                    ports: [{ protocol: "TCP", port: distributionContainer.httpPort }],
                },
                ...(args.prometheusNamespace
                    ? [
                          {
                              from: [namespaceSelector(args.prometheusNamespace)],
                              ports: [{ protocol: "TCP", port: distributionContainer.debugPort }],
                          },
                      ]
                    : []),
            ],
        });
        if (args.withTokenServer) {
            policy("auth-ingress", {
                podSelector: { matchLabels: tokenServerLabels },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [
                            namespaceSelector(args.ingressControllerNamespace),
                            ...(args.withCleanup ? [{ podSelector: { matchLabels: garbageCollectorLabels } }] : []),
                        ],
                        ports: [{ protocol: "TCP", port: tokenServerPorts.token }],
                    },
                    {
                        from: [
                            namespaceSelector(args.appNamespace),
                            ...(args.prometheusNamespace ? [namespaceSelector(args.prometheusNamespace)] : []),
                        ],
                        ports: [{ protocol: "TCP", port: tokenServerPorts.internal }],
                    },
                ],
            });
        }
        if (args.withPull) {
            policy("registry-pull-ingress", {
                podSelector: { matchLabels: pullLabels },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [namespaceSelector(args.ingressControllerNamespace), namespaceSelector(args.appNamespace)],
                        ports: [{ protocol: "TCP", port: distributionContainer.httpPort }],
                    },
                ],
            });
        }
        if (args.withMirror) {
            policy("registry-mirror-ingress", {
                podSelector: { matchLabels: mirrorLabels },
                policyTypes: ["Ingress"],
                ingress: [
                    { from: [namespaceSelector(args.appNamespace)], ports: [{ protocol: "TCP", port: distributionContainer.httpPort }] },
                ],
            });
        }
        if (args.withMinio) {
            policy("minio-ingress", {
                podSelector: { matchLabels: minioLabels },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [
                            ...registrySide,
                            { podSelector: { matchLabels: provisionerLabels } },
                            ...(args.withMirror ? [{ podSelector: { matchLabels: mirrorLabels } }] : []),
                            ...(args.backupTargetPort ? [{ podSelector: { matchLabels: backupLabels } }] : []),
                            ...(args.minioPeers ? [{ podSelector: { matchLabels: minioLabels } }] : []),
                            ...(args.minioThroughIngress ? [namespaceSelector(args.ingressControllerNamespace)] : []),
                        ],
                        ports: [{ protocol: "TCP", port: minioContainer.apiPort }],
                    },
                    ...(args.prometheusNamespace
                        ? [
                              {
                                  from: [namespaceSelector(args.prometheusNamespace)],
                                  ports: [{ protocol: "TCP", port: minioContainer.apiPort }],
                              },
                          ]
                        : []),
                ],
            });
        }
        if (args.withRedis) {
            policy("redis-ingress", {
                podSelector: { matchLabels: redisLabels },
                policyTypes: ["Ingress"],
                ingress: [{ from: registrySide, ports: [{ protocol: "TCP", port: redisContainer.port }] }],
            });
        }
        if (args.backupTargetPort) {
            // A NetworkPolicy cannot name a host: the target's port on any address, MinIO's API, and DNS.
            policy("backup-egress", {
                podSelector: { matchLabels: backupLabels },
                policyTypes: ["Egress"],
                egress: [
                    { to: [{ podSelector: { matchLabels: minioLabels } }], ports: [{ protocol: "TCP", port: minioContainer.apiPort }] },
                    {
                        to: [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }],
                        ports: [{ protocol: "TCP", port: args.backupTargetPort }],
                    },
                    {
                        ports: [
                            { protocol: "UDP", port: 53 },
                            { protocol: "TCP", port: 53 },
                        ],
                    },
                ],
            });
        }
        this.registerOutputs({ policyNames });
    }
}
