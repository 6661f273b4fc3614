import { ResourceValidationPolicy } from "@pulumi/policy";
import { registryConfigsOf } from "../lib/registryConfigs";

const mentionsMirror = (...values: unknown[]) => values.some((v) => typeof v === "string" && /registry-mirror/.test(v));
const loopback = (ip: unknown) => typeof ip === "string" && (/^127\./.test(ip) || ip === "::1");

/**
 * The pull side stays what it claims: the pull endpoint's config (service orbit-registry-pull) is
 * read-only and purges nothing; the Docker Hub mirror, which serves anyone it is reachable by and
 * has no TLS of its own, stays inside: on the Docker host's loopback, and on Kubernetes behind no
 * Ingress, NodePort or LoadBalancer, unless the platform team allows it (exposedMirror).
 */
export const pullSideContained: ResourceValidationPolicy = {
    name: "pull-side-contained",
    description:
        "The pull endpoint's registry config is read-only (storage.maintenance.readonly) and purges no uploads; the " +
        "Docker Hub mirror is published on loopback only (Docker) and has no Ingress, NodePort or LoadBalancer " +
        "(Kubernetes), unless exposedMirror allows it.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { exposedMirror: { type: "boolean", default: false } } },
    validateResource: (args, reportViolation) => {
        const props = args.props;
        const configs = registryConfigsOf(args.type, props);
        for (const config of configs) {
            if (config.log?.fields?.service !== "orbit-registry-pull") continue;
            if (config.storage?.maintenance?.readonly?.enabled !== true) {
                reportViolation("The pull endpoint's registry config is not read-only: set storage.maintenance.readonly.enabled: true.");
            }
            if (config.storage?.maintenance?.uploadpurging?.enabled !== false) {
                reportViolation(
                    "The pull endpoint's registry config purges uploads, a write: set storage.maintenance.uploadpurging.enabled: false.",
                );
            }
        }
        const { exposedMirror } = args.getConfig<{ exposedMirror: boolean }>();
        if (exposedMirror) return;
        const isMirror = configs.some((config) => config.proxy?.remoteurl !== undefined);
        if (args.type === "docker:index/container:Container" && isMirror) {
            for (const port of props.ports ?? []) {
                if (!loopback(port.ip)) {
                    reportViolation(
                        `The Docker Hub mirror's port ${port.internal} is published on ${port.ip || "every address"}, without TLS or ` +
                            "accounts: keep bindAddress on loopback, or allow it with exposedMirror.",
                    );
                }
            }
        }
        if (
            args.type === "kubernetes:core/v1:Service" &&
            mentionsMirror(props.metadata?.name, ...Object.values(props.spec?.selector ?? {}))
        ) {
            if (["LoadBalancer", "NodePort"].includes(props.spec?.type) || (props.spec?.externalIPs ?? []).length > 0) {
                reportViolation(`Service ${props.metadata?.name} exposes the Docker Hub mirror outside the cluster; use ClusterIP.`);
            }
        }
        if (args.type === "kubernetes:networking.k8s.io/v1:Ingress") {
            for (const rule of props.spec?.rules ?? []) {
                for (const path of rule.http?.paths ?? []) {
                    if (mentionsMirror(path.backend?.service?.name)) {
                        reportViolation(
                            `Ingress ${props.metadata?.name} routes ${rule.host ?? "every host"} to the Docker Hub mirror, ` +
                                "which has no accounts; " +
                                "builds reach it inside the cluster.",
                        );
                    }
                }
            }
        }
    },
};
