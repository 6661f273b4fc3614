import { ResourceValidationPolicy } from "@pulumi/policy";

const bodySizeAnnotation = "nginx.ingress.kubernetes.io/proxy-body-size";

/** The registry's Ingress lets layers of any size through. */
export const registryIngressUnlimitedBody: ResourceValidationPolicy = {
    name: "registry-ingress-unlimited-body",
    description:
        `The registry's Ingress sets ${bodySizeAnnotation}: "0", ` +
        "so image layers larger than ingress-nginx's 1m default can be pushed.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:networking.k8s.io/v1:Ingress") return;
        const backends: string[] = (args.props.spec?.rules ?? []).flatMap(
            (rule: { http?: { paths?: Array<{ backend?: { service?: { name?: string } } }> } }) =>
                (rule.http?.paths ?? []).map((path) => path.backend?.service?.name ?? ""),
        );
        if (!backends.some((name) => /registry/.test(name))) return;
        const value = args.props.metadata?.annotations?.[bodySizeAnnotation];
        if (value !== "0")
            reportViolation(
                `The registry's Ingress has ${bodySizeAnnotation}: ${JSON.stringify(value ?? "unset")}; ` +
                    'set "0" or pushes of large layers fail with 413.',
            );
    },
};
