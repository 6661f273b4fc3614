import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { names } from "../../common/names";
import { redisContainer } from "../../common/upstream";
import { appLabels, restrictedContainer, restrictedPod, scratchMount, scratchVolume, tcpProbe } from "./podSecurity";

export const redisLabels = appLabels("redis");

export interface KubernetesRedisArgs {
    namespace: string;
    image: string;
    /** The namespace, which must exist first. */
    after: pulumi.Resource[];
}

/**
 * Redis as the cache the registry's replicas share for blob descriptors, so that what one replica
 * deletes is gone for all. A cache only: no persistence, least-recently-used eviction, a password
 * from @pulumi/random.
 */
export class KubernetesRedis extends pulumi.ComponentResource {
    /** host:port inside the cluster. */
    readonly address: string;
    readonly password: pulumi.Output<string>;
    readonly deployment: k8s.apps.v1.Deployment;

    constructor(name: string, args: KubernetesRedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:KubernetesRedis", name, {}, opts);
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: redisLabels });
        const childOpts = { parent: this, dependsOn: args.after };

        const password = new random.RandomPassword(`${name}-password`, { length: 40, special: false }, { parent: this });
        this.password = pulumi.secret(password.result);
        const secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            { metadata: metadata(names.redisSecret), type: "Opaque", stringData: { REDIS_PASSWORD: this.password } },
            childOpts,
        );

        const port = redisContainer.port;
        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: metadata(names.redis),
                spec: {
                    replicas: 1,
                    selector: { matchLabels: redisLabels },
                    template: {
                        metadata: { labels: redisLabels },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPod(redisContainer.uid),
                            containers: [
                                {
                                    name: "redis",
                                    image: args.image,
                                    // Kubernetes expands $(REDIS_PASSWORD) from the Secret: no credential is written here.
                                    args: [
                                        "--requirepass",
                                        "$(REDIS_PASSWORD)",
                                        "--save",
                                        "",
                                        "--appendonly",
                                        "no",
                                        "--maxmemory",
                                        "192mb",
                                        "--maxmemory-policy",
                                        "allkeys-lru",
                                    ],
                                    env: [
                                        {
                                            name: "REDIS_PASSWORD",
                                            valueFrom: { secretKeyRef: { name: secret.metadata.name, key: "REDIS_PASSWORD" } },
                                        },
                                    ],
                                    ports: [{ name: "redis", containerPort: port }],
                                    readinessProbe: tcpProbe("redis", 5),
                                    livenessProbe: tcpProbe("redis", 10),
                                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                                    securityContext: restrictedContainer,
                                    volumeMounts: [{ name: "data", mountPath: "/data" }, scratchMount],
                                },
                            ],
                            volumes: [{ name: "data", emptyDir: { sizeLimit: "64Mi" } }, scratchVolume],
                        },
                    },
                },
            },
            childOpts,
        );

        new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: metadata(names.redis),
                spec: { type: "ClusterIP", selector: redisLabels, ports: [{ name: "redis", port, targetPort: "redis" }] },
            },
            childOpts,
        );
        this.address = `${names.redis}.${args.namespace}.svc.cluster.local:${port}`;
        this.registerOutputs({ address: this.address, password: this.password });
    }
}
