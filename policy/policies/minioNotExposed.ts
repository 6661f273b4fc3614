import { ResourceValidationPolicy } from "@pulumi/policy";

const mentionsMinio = (...values: unknown[]) => values.some((v) => typeof v === "string" && /minio/i.test(v));
const everyAddress = (ip: unknown) => ip === undefined || ip === "" || ip === "0.0.0.0" || ip === "::";

/** MinIO's API and console stay on the host (loopback) or inside the cluster. */
export const minioNotExposed: ResourceValidationPolicy = {
    name: "minio-not-exposed",
    description:
        "MinIO is never exposed beyond the host or cluster: no Docker port of MinIO published on every address " +
        "(0.0.0.0, ::, or no address), no LoadBalancer or NodePort Service and no Ingress for MinIO.",
    enforcementLevel: "mandatory",
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
            const backends = [
                props.spec?.defaultBackend,
                ...(props.spec?.rules ?? []).flatMap((r: { http?: { paths?: Array<{ backend: unknown }> } }) =>
                    (r.http?.paths ?? []).map((p) => p.backend),
                ),
            ];
            for (const backend of backends as Array<{ service?: { name?: string } } | undefined>) {
                if (mentionsMinio(backend?.service?.name))
                    reportViolation(`Ingress ${props.metadata?.name} routes to MinIO Service ${backend?.service?.name}.`);
            }
        }
    },
};
