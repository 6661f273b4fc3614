import { ResourceValidationPolicy } from "@pulumi/policy";

const mentionsMinio = (...values: unknown[]) => values.some((v) => typeof v === "string" && /minio/i.test(v));
const everyAddress = (ip: unknown) => ip === undefined || ip === "" || ip === "0.0.0.0" || ip === "::";

/** MinIO's API and console stay on the host (loopback) or inside the cluster. */
export const minioNotExposed: ResourceValidationPolicy = {
    name: "minio-not-exposed",
    description:
        "MinIO is never exposed beyond the host or cluster: no Docker port of MinIO published on every address " +
        "(0.0.0.0, ::, or no address), no LoadBalancer or NodePort Service and no Ingress for MinIO, except for " +
        "the API hosts the platform team allows in publicApiHosts (minioPublicEndpoint).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { publicApiHosts: { type: "array", items: { type: "string" }, default: [] } } },
    validateResource: (args, reportViolation) => {
        const props = args.props;
        if (args.type === "docker:index/container:Container" && mentionsMinio(props.name, props.image, args.name)) {
            for (const port of props.ports ?? []) {
                if (everyAddress(port.ip))
                    reportViolation(
                        `MinIO's port ${port.internal} is published on every address of the host ` +
                            `(${port.ip || "default 0.0.0.0"}); bind it to 127.0.0.1.`,
                    );
            }
        }
        if (args.type === "kubernetes:core/v1:Service") {
            const selectsMinio = mentionsMinio(props.metadata?.name, ...Object.values(props.spec?.selector ?? {}));
            if (selectsMinio && ["LoadBalancer", "NodePort"].includes(props.spec?.type)) {
                reportViolation(`Service ${props.metadata?.name} exposes MinIO as ${props.spec.type}; use ClusterIP.`);
            }
            if (selectsMinio && (props.spec?.externalIPs ?? []).length > 0)
                reportViolation(`Service ${props.metadata?.name} gives MinIO external IPs.`);
        }
        if (args.type === "kubernetes:networking.k8s.io/v1:Ingress") {
            const { publicApiHosts } = args.getConfig<{ publicApiHosts: string[] }>();
            const routes: Array<{ host?: string; backend?: { service?: { name?: string } } }> = [
                { backend: props.spec?.defaultBackend },
                ...(props.spec?.rules ?? []).flatMap((rule: { host?: string; http?: { paths?: Array<{ backend: unknown }> } }) =>
                    (rule.http?.paths ?? []).map((path) => ({ host: rule.host, backend: path.backend })),
                ),
            ];
            for (const { host, backend } of routes) {
                if (!mentionsMinio(backend?.service?.name) || (host !== undefined && publicApiHosts.includes(host))) continue;
                reportViolation(
                    `Ingress ${props.metadata?.name} routes ${host ?? "every host"} to MinIO Service ${backend?.service?.name}; ` +
                        "allow a minioPublicEndpoint host with this policy's publicApiHosts.",
                );
            }
        }
    },
};
