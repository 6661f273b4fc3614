import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { names } from "../../common/names";
import { storageHealthCheck } from "../registryConfig";
import { RegistryFiles } from "../registryFiles";
import { distributionContainer } from "../../common/upstream";
import { contentName } from "./naming";
import { secretChecksum, secretChecksumAnnotation } from "./secretChecksum";
import { appLabels, restrictedContainer, restrictedPod, scratchMount, scratchVolume, tcpProbe } from "./podSecurity";

/** Where the htpasswd Secret is mounted: a directory of its own, since a Secret volume replaces the whole directory. */
export const registryAuthDir = "/auth";
export const registryLabels = appLabels("registry");
export const pullLabels = appLabels("registry-pull");
export const mirrorLabels = appLabels("registry-mirror");

/** Which Distribution this is: its objects' name and its pods' labels. */
export interface RegistryInstance {
    name: string;
    labels: Record<string, string>;
}

export const registryInstances = {
    push: { name: names.registry, labels: registryLabels },
    pull: { name: names.registryPull, labels: pullLabels },
    mirror: { name: names.registryMirror, labels: mirrorLabels },
} satisfies Record<string, RegistryInstance>;

/**
 * Sized from `npm run bench -- --rss` (Distribution 2.8.2, chunksize 10 MiB): 8 concurrent pushes of
 * a 128 MiB layer peaked at 433 and 462 MiB of RSS with Go's defaults, close to the former 512Mi
 * limit, and at 228 MiB with GOMEMLIMIT=192MiB (about 20% slower). The limit leaves room for more
 * uploads; GOMEMLIMIT at three quarters of it makes the GC hold memory back before the OOM killer would.
 */
export const registryMemory = { request: "256Mi", limit: "768Mi", goMemLimit: "576MiB" };
const { httpPort, debugPort, healthPath } = distributionContainer;

export interface KubernetesRegistryArgs {
    /** The push endpoint by default; the pull endpoint and the mirror are instances of their own. */
    instance?: RegistryInstance;
    namespace: string;
    image: string;
    replicas: number;
    files: RegistryFiles;
    /** The push endpoint's TLS Ingress; none for the pull endpoint and the mirror, whose hosts it may serve too. */
    ingress?: {
        host: string;
        className: string;
        tlsSecretName: string;
        clusterIssuer?: string;
        /** With workspace quotas: the token server's Service, served at /token on `host` (the registry's realm). */
        tokenService?: pulumi.Input<string>;
        /** More hosts on the same Ingress and certificate: minioPublicEndpoint's, the pull endpoint's. */
        otherHosts: Array<{ host: string; serviceName: pulumi.Input<string>; port: k8s.types.input.networking.v1.ServiceBackendPort }>;
    };
    /** The namespace, and the storage the registry needs (bucket, identity, provisioning Job). */
    after: pulumi.Resource[];
}

/** Docker Distribution as a Deployment behind a Service and a TLS Ingress. */
export class KubernetesRegistry extends pulumi.ComponentResource {
    readonly configMap: k8s.core.v1.ConfigMap;
    readonly envSecret: k8s.core.v1.Secret;
    readonly deployment: k8s.apps.v1.Deployment;
    readonly service: k8s.core.v1.Service;
    readonly internalUrl: string;

    constructor(name: string, args: KubernetesRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:KubernetesRegistry", name, {}, opts);
        const instance = args.instance ?? registryInstances.push;
        const labels = instance.labels;
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels });
        const childOpts = { parent: this, dependsOn: args.after };

        const configData = { "config.yml": args.files.configYaml };
        const config = (this.configMap = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: metadata(contentName(instance.name, configData)), data: configData },
            childOpts,
        ));
        this.envSecret = new k8s.core.v1.Secret(
            `${name}-env`,
            { metadata: metadata(`${instance.name}-env`), type: "Opaque", stringData: args.files.secretEnv },
            childOpts,
        );
        // The mirror has no accounts: its config names no htpasswd file.
        const htpasswd = args.files.authenticated
            ? new k8s.core.v1.Secret(
                  `${name}-htpasswd`,
                  { metadata: metadata(`${instance.name}-htpasswd`), type: "Opaque", stringData: { htpasswd: args.files.htpasswd } },
                  childOpts,
              )
            : undefined;
        // Token authentication: the token server's certificate, where config.yml names it.
        const tokenCertificate = args.files.tokenCertificate;
        const certificate =
            tokenCertificate &&
            new k8s.core.v1.ConfigMap(
                `${name}-token-certificate`,
                { metadata: metadata(`${instance.name}-token-certificate`), data: { "signing.crt": tokenCertificate.pem } },
                childOpts,
            );

        const plainEnv = [
            ...Object.entries(args.files.env).map(([name, value]) => ({ name, value })),
            // Go's soft memory limit: the GC works harder before the container's limit, not after it.
            { name: "GOMEMLIMIT", value: registryMemory.goMemLimit },
        ];
        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: metadata(instance.name),
                spec: {
                    replicas: args.replicas,
                    selector: { matchLabels: labels },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        // New credentials (a rotation) roll the pods; Secrets are updated in place.
                        metadata: {
                            labels,
                            annotations: {
                                [secretChecksumAnnotation]: secretChecksum({
                                    ...args.files.secretEnv,
                                    htpasswd: args.files.htpasswd,
                                    ...(tokenCertificate ? { tokenCertificate: tokenCertificate.pem } : {}),
                                }),
                            },
                        },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPod(1000),
                            affinity: {
                                podAntiAffinity: {
                                    preferredDuringSchedulingIgnoredDuringExecution: [
                                        {
                                            weight: 100,
                                            podAffinityTerm: {
                                                topologyKey: "kubernetes.io/hostname",
                                                labelSelector: { matchLabels: labels },
                                            },
                                        },
                                    ],
                                },
                            },
                            containers: [
                                {
                                    name: "registry",
                                    image: args.image,
                                    args: args.files.args,
                                    env: plainEnv.length > 0 ? plainEnv : undefined,
                                    envFrom: [{ secretRef: { name: this.envSecret.metadata.name } }],
                                    ports: [
                                        { name: "http", containerPort: httpPort },
                                        { name: "debug", containerPort: debugPort },
                                    ],
                                    // /debug/health fails while the storage driver does: such a pod leaves the Service.
                                    readinessProbe: {
                                        httpGet: { path: healthPath, port: "debug" },
                                        // Ready only once the registry has checked its storage (storageHealthCheck).
                                        initialDelaySeconds: storageHealthCheck.firstVerdictSeconds,
                                        periodSeconds: 5,
                                        timeoutSeconds: 3,
                                        failureThreshold: 3,
                                    },
                                    livenessProbe: tcpProbe("http", 10),
                                    resources: {
                                        requests: { cpu: "100m", memory: registryMemory.request },
                                        limits: { cpu: "1", memory: registryMemory.limit },
                                    },
                                    securityContext: restrictedContainer,
                                    volumeMounts: [
                                        { name: "config", mountPath: args.files.configDir, readOnly: true },
                                        ...(htpasswd ? [{ name: "htpasswd", mountPath: registryAuthDir, readOnly: true }] : []),
                                        ...(tokenCertificate
                                            ? [
                                                  {
                                                      name: "token-certificate",
                                                      mountPath: path.posix.dirname(tokenCertificate.path),
                                                      readOnly: true,
                                                  },
                                              ]
                                            : []),
                                        scratchMount,
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "config", configMap: { name: config.metadata.name } },
                                ...(htpasswd
                                    ? [{ name: "htpasswd", secret: { secretName: htpasswd.metadata.name, defaultMode: 0o440 } }]
                                    : []),
                                ...(certificate ? [{ name: "token-certificate", configMap: { name: certificate.metadata.name } }] : []),
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
            { metadata: metadata(instance.name), spec: { maxUnavailable: 1, selector: { matchLabels: labels } } },
            childOpts,
        );

        this.service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: metadata(instance.name),
                spec: { type: "ClusterIP", selector: labels, ports: [{ name: "http", port: httpPort, targetPort: "http" }] },
            },
            childOpts,
        );

        const { ingress } = args;
        if (ingress) {
            new k8s.networking.v1.Ingress(
                `${name}-ingress`,
                {
                    metadata: {
                        ...metadata(instance.name),
                        annotations: {
                            // Layers are hundreds of MB; nginx's 1m default would refuse them.
                            "nginx.ingress.kubernetes.io/proxy-body-size": "0",
                            "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
                            "nginx.ingress.kubernetes.io/proxy-read-timeout": "900",
                            "nginx.ingress.kubernetes.io/proxy-send-timeout": "900",
                            ...(ingress.clusterIssuer ? { "cert-manager.io/cluster-issuer": ingress.clusterIssuer } : {}),
                        },
                    },
                    spec: {
                        ingressClassName: ingress.className,
                        tls: [
                            { hosts: [ingress.host, ...ingress.otherHosts.map((other) => other.host)], secretName: ingress.tlsSecretName },
                        ],
                        rules: [
                            ingressRule(ingress.host, this.service.metadata.name, { name: "http" }, ingress.tokenService),
                            ...ingress.otherHosts.map((other) => ingressRule(other.host, other.serviceName, other.port)),
                        ],
                    },
                },
                childOpts,
            );
        }

        this.internalUrl = `${instance.name}.${args.namespace}.svc.cluster.local:${httpPort}`;
        this.registerOutputs({ deploymentName: this.deployment.metadata.name, internalUrl: this.internalUrl });
    }
}

const ingressRule = (
    host: string,
    serviceName: pulumi.Input<string>,
    port: k8s.types.input.networking.v1.ServiceBackendPort,
    tokenService?: pulumi.Input<string>,
): k8s.types.input.networking.v1.IngressRule => ({
    host,
    http: {
        paths: [
            ...(tokenService
                ? [{ path: "/token", pathType: "Exact", backend: { service: { name: tokenService, port: { name: "token" } } } }]
                : []),
            { path: "/", pathType: "Prefix", backend: { service: { name: serviceName, port } } },
        ],
    },
});
