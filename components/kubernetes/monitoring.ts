import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { alertRuleGroups, metricsJobs } from "../alertRules";
import { names } from "../../common/names";
import { distributionContainer, minioContainer } from "../../common/upstream";
import { minioMetricsLabel } from "./minio";
import { appLabels } from "./podSecurity";
import { registryLabels } from "./registry";
import { tokenServerLabels } from "./tokenServer";

export const monitoringLabels = appLabels("registry-monitoring");

export interface MonitoringArgs {
    namespace: string;
    withMinio: boolean;
    /** With backups on: the longest wait between two runs of the backup CronJob, for its alert. */
    backupIntervalSeconds?: number;
    /** With workspace quotas: the token server's usage metrics and alerts. */
    withTokenServer: boolean;
    after: pulumi.Resource[];
}

/**
 * For the Prometheus Operator (prometheusOperator: true; its CRDs must exist): ServiceMonitors for
 * the registry's debug /metrics (through a Service of its own, as no other exposes the debug port)
 * and MinIO's cluster metrics, and a PrometheusRule with the alerts of alertRules.ts.
 */
export class Monitoring extends pulumi.ComponentResource {
    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:Monitoring", name, {}, opts);
        const childOpts = { parent: this, dependsOn: args.after };
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: monitoringLabels });

        const metricsService = new k8s.core.v1.Service(
            `${name}-registry-metrics`,
            {
                metadata: metadata(metricsJobs.registry),
                spec: {
                    type: "ClusterIP",
                    selector: registryLabels,
                    ports: [{ name: "metrics", port: distributionContainer.debugPort, targetPort: "debug" }],
                },
            },
            childOpts,
        );
        const serviceMonitor = (suffix: string, selector: Record<string, string>, endpoint: Record<string, string>) =>
            new k8s.apiextensions.CustomResource(
                `${name}-${suffix}-servicemonitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: metadata(`${names.registry}-${suffix}`),
                    spec: { selector: { matchLabels: selector }, endpoints: [{ ...endpoint, interval: "30s" }] },
                },
                { ...childOpts, dependsOn: [...args.after, metricsService] },
            );
        serviceMonitor("registry", monitoringLabels, { port: "metrics", path: distributionContainer.metricsPath });
        if (args.withTokenServer) serviceMonitor("auth", tokenServerLabels, { port: "internal", path: "/metrics" });
        if (args.withMinio) serviceMonitor("minio", { [minioMetricsLabel]: "cluster" }, { port: "api", path: minioContainer.metricsPath });

        new k8s.apiextensions.CustomResource(
            `${name}-alerts`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: metadata(`${names.registry}-alerts`),
                spec: {
                    groups: alertRuleGroups(args.namespace, args.backupIntervalSeconds, args.withTokenServer).filter(
                        (group) => args.withMinio || group.name !== "orbit-minio",
                    ),
                },
            },
            childOpts,
        );
        this.registerOutputs({});
    }
}
