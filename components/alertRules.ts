import { names } from "../common/names";

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: "warning" | "critical" };
    annotations: { summary: string; description: string };
}

/** The Prometheus job names of the scrapes: Prometheus Operator names a ServiceMonitor's job after the Service. */
export const metricsJobs = { registry: `${names.registry}-metrics`, minio: names.minio, auth: names.registryAuth };

/**
 * The alerts that matter for the registry, as a Prometheus rule group: the PrometheusRule's spec on
 * Kubernetes, a rules file for promtool and for Docker users' own Prometheus. Thresholds are in
 * docs/monitoring.md; `promtool test rules` shows each firing and staying quiet (test/alerts).
 */
export function alertRuleGroups(
    namespace: string,
    /** With backups on Kubernetes: the longest wait between two runs of the backup CronJob, in seconds. */
    backupIntervalSeconds?: number,
    /** With workspace quotas: the token server's alerts. */
    quotas = false,
): Array<{ name: string; rules: AlertRule[] }> {
    const registryJob = `job="${metricsJobs.registry}"`;
    const minioJob = `job="${metricsJobs.minio}"`;
    return [
        {
            name: "orbit-registry",
            rules: [
                {
                    alert: "OrbitRegistryServerErrors",
                    expr:
                        `sum(rate(registry_http_requests_total{${registryJob},code=~"5.."}[5m]))` +
                        ` / sum(rate(registry_http_requests_total{${registryJob}}[5m])) > 0.05`,
                    for: "10m",
                    labels: { severity: "critical" },
                    annotations: {
                        summary: "More than 5% of the registry's responses are 5xx",
                        description: "Pushes and pulls fail; the registry's log and /debug/health name the cause (usually storage).",
                    },
                },
                {
                    alert: "OrbitRegistrySlowManifests",
                    expr:
                        "histogram_quantile(0.99, sum by (le) (rate(registry_http_request_duration_seconds_bucket" +
                        `{${registryJob},handler="manifest"}[5m]))) > 2`,
                    for: "15m",
                    labels: { severity: "warning" },
                    annotations: {
                        summary: "The slowest 1% of manifest requests take over 2 s",
                        description: "Manifests are small; slow ones mean slow storage or an overloaded registry.",
                    },
                },
                {
                    // /debug/health fails while the storage driver does, and the readiness probe is that check.
                    alert: "OrbitRegistryStorageUnhealthy",
                    expr:
                        `kube_deployment_status_replicas_ready{namespace="${namespace}",deployment="${names.registry}"}` +
                        ` < kube_deployment_spec_replicas{namespace="${namespace}",deployment="${names.registry}"}`,
                    for: "5m",
                    labels: { severity: "critical" },
                    annotations: {
                        summary: "Registry pods fail their storage health check",
                        description: "The readiness probe is /debug/health, which fails while the storage driver cannot reach its bucket.",
                    },
                },
                {
                    alert: "OrbitRegistryMetricsDown",
                    expr: `up{${registryJob}} == 0 or absent(up{${registryJob}})`,
                    for: "5m",
                    labels: { severity: "critical" },
                    annotations: {
                        summary: "Prometheus cannot scrape the registry",
                        description: "No registry pod answers on its debug port: the registry is down or its metrics are not reachable.",
                    },
                },
            ],
        },
        {
            name: "orbit-minio",
            rules: [
                {
                    alert: "OrbitMinioDown",
                    expr: `up{${minioJob}} == 0 or absent(up{${minioJob}})`,
                    for: "5m",
                    labels: { severity: "critical" },
                    annotations: {
                        summary: "MinIO does not answer",
                        description: "Every push and pull fails while the registry's storage is down.",
                    },
                },
                {
                    alert: "OrbitMinioNodeOffline",
                    expr: `max(minio_cluster_nodes_offline_total{${minioJob}}) > 0`,
                    for: "5m",
                    labels: { severity: "warning" },
                    annotations: {
                        summary: "A MinIO node is offline",
                        description:
                            "Distributed MinIO works on while within quorum; bring the node back and heal " +
                            "(docs/operations.md, Scaling out).",
                    },
                },
                {
                    alert: "OrbitMinioDiskAlmostFull",
                    expr:
                        `min(minio_cluster_capacity_usable_free_bytes{${minioJob}}` +
                        ` / minio_cluster_capacity_usable_total_bytes{${minioJob}}) < 0.1`,
                    for: "15m",
                    labels: { severity: "warning" },
                    annotations: {
                        summary: "MinIO has less than 10% of its usable capacity free",
                        description: "Collect garbage (docs/cleanup-and-gc.md) or grow minioStorageSize before pushes fail.",
                    },
                },
            ],
        },
        ...(backupIntervalSeconds === undefined ? [] : [backupAlerts(namespace, backupIntervalSeconds)]),
        ...(quotas ? [quotaAlerts()] : []),
    ];
}

/**
 * A workspace at 90% of its quota (its next pushes will soon be refused), and usage the token server
 * enforces with that is older than ten scans (enforcement goes by stale numbers).
 */
function quotaAlerts(): { name: string; rules: AlertRule[] } {
    const job = `job="${metricsJobs.auth}"`;
    return {
        name: "orbit-registry-quotas",
        rules: [
            {
                alert: "OrbitRegistryWorkspaceNearQuota",
                expr:
                    `max by (workspace) (orbit_registry_workspace_usage_bytes{${job}})` +
                    ` / max by (workspace) (orbit_registry_workspace_quota_bytes{${job}}) >= 0.9`,
                for: "15m",
                labels: { severity: "warning" },
                annotations: {
                    summary: "Workspace {{ $labels.workspace }} uses 90% or more of its registry quota",
                    description:
                        "At 100% its pushes are refused: delete old images or a cleanup (docs/cleanup-and-gc.md), " +
                        "or raise its entry in workspaceQuotas (docs/quotas.md).",
                },
            },
            {
                alert: "OrbitRegistryUsageStale",
                expr: `time() - max(orbit_registry_usage_scan_timestamp_seconds{${job}}) > 600`,
                for: "5m",
                labels: { severity: "warning" },
                annotations: {
                    summary: "The token server has not taken workspace usage for over 10 minutes",
                    description: "Quotas are enforced on the last usage it took; its log says why the scans fail (GET /usage, lastError).",
                },
            },
        ],
    };
}

/**
 * No backup succeeded for two schedules: the CronJob's last success (kube-state-metrics) is older
 * than twice the longest wait between its runs, or it never succeeded and was created that long ago.
 */
function backupAlerts(namespace: string, intervalSeconds: number): { name: string; rules: AlertRule[] } {
    const cronJob = `namespace="${namespace}",cronjob="${names.backup}"`;
    const overdue = 2 * intervalSeconds;
    return {
        name: "orbit-registry-backup",
        rules: [
            {
                alert: "OrbitRegistryBackupMissing",
                expr:
                    `time() - max(kube_cronjob_status_last_successful_time{${cronJob}}) > ${overdue}` +
                    ` or (time() - max(kube_cronjob_created{${cronJob}}) > ${overdue}` +
                    ` unless max(kube_cronjob_status_last_successful_time{${cronJob}}))`,
                for: "10m",
                labels: { severity: "critical" },
                annotations: {
                    summary: "No backup of the registry succeeded for two schedules",
                    description:
                        "A lost volume now loses every image pushed since the last copy: read the backup Job's log " +
                        `(kubectl -n ${namespace} logs job/<the latest ${names.backup} job>); see docs/backups.md.`,
                },
            },
        ],
    };
}

/** The metric names the rules read, by who exposes them. */
export function metricNamesUsed(groups: ReturnType<typeof alertRuleGroups>): string[] {
    const found = new Set<string>();
    for (const rule of groups.flatMap((g) => g.rules)) {
        for (const match of rule.expr.matchAll(/\b([a-z_]+)\{/g)) found.add(match[1]);
    }
    return [...found].sort();
}
