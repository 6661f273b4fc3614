import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { names } from "../../common/names";
import { tokenServerEnvironment, tokenServerPaths, tokenServerPorts, TokenServerSpec } from "../tokenAuth";
import { appLabels, restrictedContainer, restrictedPod, scratchMount, scratchVolume } from "./podSecurity";
import { secretChecksum, secretChecksumAnnotation } from "./secretChecksum";

export const tokenServerLabels = appLabels("registry-auth");

export interface KubernetesTokenServerArgs extends TokenServerSpec {
    namespace: string;
    replicas: number;
    after: pulumi.Resource[];
}

/**
 * The token server (workspace quotas) as a Deployment of nodeImage behind a Service: tokens on "token"
 * (the registry's Ingress serves them at /token), usage and metrics on "internal".
 */
export class KubernetesTokenServer extends pulumi.ComponentResource {
    readonly deployment: k8s.apps.v1.Deployment;
    readonly service: k8s.core.v1.Service;
    /** GET /usage for orbit-www in the cluster. */
    readonly usageUrl: string;
    /** The realm on the Service, for pods in the namespace (the cleanup) that need not leave through the Ingress. */
    readonly internalRealm: string;

    constructor(name: string, args: KubernetesTokenServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:KubernetesTokenServer", name, {}, opts);
        const labels = tokenServerLabels;
        const metadata = { name: names.registryAuth, namespace: args.namespace, labels };
        const childOpts = { parent: this, dependsOn: args.after };
        const files = new k8s.core.v1.ConfigMap(
            `${name}-files`,
            { metadata, data: { "auth-server.js": args.script, "signing.crt": args.certificatePem } },
            childOpts,
        );
        // Updated in place: the accounts file changes under the running server, which reads it again (no restart on a rotation).
        const secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            { metadata, type: "Opaque", stringData: { "signing.key": args.privateKeyPem, "accounts.json": args.accountsJson } },
            childOpts,
        );
        const env = tokenServerEnvironment(args.policy, args.registryUrl);
        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata,
                spec: {
                    replicas: args.replicas,
                    selector: { matchLabels: labels },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        metadata: {
                            labels,
                            // A new key or script rolls the pods; new accounts do not need to.
                            annotations: {
                                [secretChecksumAnnotation]: secretChecksum({
                                    key: args.privateKeyPem,
                                    script: args.script,
                                    certificate: args.certificatePem,
                                }),
                            },
                        },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPod(1000),
                            containers: [
                                {
                                    name: "token-server",
                                    image: args.nodeImage,
                                    command: ["node", tokenServerPaths.script],
                                    env: Object.entries(env).map(([envName, value]) => ({ name: envName, value })),
                                    ports: [
                                        { name: "token", containerPort: tokenServerPorts.token },
                                        { name: "internal", containerPort: tokenServerPorts.internal },
                                    ],
                                    readinessProbe: { httpGet: { path: "/usage", port: "internal" }, periodSeconds: 5, timeoutSeconds: 3 },
                                    livenessProbe: { httpGet: { path: "/usage", port: "internal" }, periodSeconds: 20, timeoutSeconds: 5 },
                                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                                    securityContext: restrictedContainer,
                                    volumeMounts: [
                                        { name: "files", mountPath: tokenServerPaths.appDir, readOnly: true },
                                        { name: "secret", mountPath: tokenServerPaths.secretDir, readOnly: true },
                                        scratchMount,
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "files", configMap: { name: files.metadata.name } },
                                { name: "secret", secret: { secretName: secret.metadata.name, defaultMode: 0o440 } },
                                scratchVolume,
                            ],
                        },
                    },
                },
            },
            childOpts,
        );
        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pdb`,
            { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: labels } } },
            childOpts,
        );
        this.service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata,
                spec: {
                    type: "ClusterIP",
                    selector: labels,
                    ports: [
                        { name: "token", port: tokenServerPorts.token, targetPort: "token" },
                        { name: "internal", port: tokenServerPorts.internal, targetPort: "internal" },
                    ],
                },
            },
            childOpts,
        );
        const host = `${names.registryAuth}.${args.namespace}.svc.cluster.local`;
        this.usageUrl = `http://${host}:${tokenServerPorts.internal}/usage`;
        this.internalRealm = `http://${host}:${tokenServerPorts.token}/token`;
        this.registerOutputs({ usageUrl: this.usageUrl });
    }
}
