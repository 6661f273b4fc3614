import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { names } from "../../common/names";
import { RegistryFiles } from "../registryFiles";
import type { RetentionRules } from "../../common/retention";
import { cleanupFiles } from "../../common/cleanupStep";
import { cleanupScript, listingScript } from "./cleanupScript";
import { gcReportDir, gcScript } from "./gcScript";
import { contentName } from "./naming";
import { appLabels, restrictedContainer, restrictedPod, scratchMount, scratchVolume } from "./podSecurity";

export const garbageCollectorLabels = appLabels("registry-gc");

/** What the registry is switched to during a collection (Distribution reads REGISTRY_* over config.yml). */
export const readOnlyEnv = { name: "REGISTRY_STORAGE_MAINTENANCE_READONLY", value: '{"enabled":true}' };

export interface GarbageCollectorArgs {
    namespace: string;
    schedule: string;
    deleteUntagged: boolean;
    kubectlImage: string;
    registryImage: string;
    /** The registry's config and secret environment, as its Deployment has them. */
    files: RegistryFiles;
    configMapName: pulumi.Input<string>;
    envSecretName: pulumi.Input<string>;
    /** The Redis the replicas share (emptied after a collection), if any. */
    redisAddress?: string;
    /** Tag retention: a cleanup before the collection, through the registry's API; none when retention is off. */
    cleanup?: CleanupStepArgs;
    after: pulumi.Resource[];
}

export interface CleanupStepArgs {
    rules: RetentionRules;
    nodeImage: string;
    mcImage: string;
    bucket: string;
    /** The S3 endpoint as the registry uses it (MinIO's Service, or AWS). */
    s3Endpoint: string;
    /** The registry's Service, plain HTTP inside the cluster. */
    registryUrl: string;
    /** With workspace quotas: the token server's realm on its Service. */
    tokenRealm?: string;
    /** The service account the cleanup deletes with. */
    user: pulumi.Input<string>;
    password: pulumi.Input<string>;
}

/**
 * A CronJob that collects garbage without corrupting a push: kubectl switches the registry
 * Deployment read-only and waits for the rollout (requests in flight drain), the registry's image
 * collects with its own config and empties Redis, kubectl switches it back (a rollout: caches start
 * empty), and the last step reports and fails the Job if collecting failed. The collecting step never
 * fails, so the switch back always runs once the switch to read-only has. Its ServiceAccount may
 * read, watch and patch the registry Deployment and nothing else.
 */
export class GarbageCollector extends pulumi.ComponentResource {
    readonly cronJob: k8s.batch.v1.CronJob;

    constructor(name: string, args: GarbageCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("orbit:registry:GarbageCollector", name, {}, opts);
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: garbageCollectorLabels });
        const childOpts = { parent: this, dependsOn: args.after };

        const account = new k8s.core.v1.ServiceAccount(`${name}-account`, { metadata: metadata(names.registryGc) }, childOpts);
        const role = new k8s.rbac.v1.Role(
            `${name}-role`,
            {
                metadata: metadata(names.registryGc),
                rules: [
                    // kubectl set env reads and patches; kubectl rollout status lists and watches by name.
                    {
                        apiGroups: ["apps"],
                        resources: ["deployments"],
                        resourceNames: [names.registry],
                        verbs: ["get", "list", "watch", "patch"],
                    },
                ],
            },
            childOpts,
        );
        new k8s.rbac.v1.RoleBinding(
            `${name}-binding`,
            {
                metadata: metadata(names.registryGc),
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
            },
            childOpts,
        );
        const scriptData = { "gc.sh": gcScript() };
        const script = new k8s.core.v1.ConfigMap(
            `${name}-script`,
            { metadata: metadata(contentName(names.registryGc, scriptData)), data: scriptData },
            childOpts,
        );

        const deployment = `deployment/${names.registry}`;
        const kubectlStep = (stepName: string, kubectlArgs: string[]) => ({
            name: stepName,
            image: args.kubectlImage,
            args: [...kubectlArgs, "--namespace", args.namespace],
            // kubectl keeps a discovery cache under $HOME; the root filesystem is read-only.
            env: [{ name: "HOME", value: "/tmp" }],
            resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
            securityContext: restrictedContainer,
            volumeMounts: [scratchMount],
        });
        const registryStep = (stepName: string, scriptArgs: string[]) => ({
            name: stepName,
            image: args.registryImage,
            command: ["/bin/sh", "/gc/gc.sh", ...scriptArgs],
            env: [
                ...Object.entries(args.files.env).map(([envName, value]) => ({ name: envName, value })),
                ...(args.redisAddress ? [{ name: "REDIS_ADDRESS", value: args.redisAddress }] : []),
            ],
            envFrom: [{ secretRef: { name: args.envSecretName } }],
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
            securityContext: restrictedContainer,
            volumeMounts: [
                { name: "config", mountPath: args.files.configDir, readOnly: true },
                { name: "script", mountPath: "/gc", readOnly: true },
                { name: "report", mountPath: gcReportDir },
                scratchMount,
            ],
        });
        const configFile = `${args.files.configDir}/config.yml`;
        const cleanup = args.cleanup ? this.cleanupSteps(name, args, args.cleanup, metadata, childOpts) : undefined;

        this.cronJob = new k8s.batch.v1.CronJob(
            `${name}-cronjob`,
            {
                metadata: metadata(names.registryGc),
                spec: {
                    schedule: args.schedule,
                    timeZone: "Etc/UTC",
                    concurrencyPolicy: "Forbid",
                    successfulJobsHistoryLimit: 3,
                    failedJobsHistoryLimit: 3,
                    jobTemplate: {
                        metadata: { labels: garbageCollectorLabels },
                        spec: {
                            // Run again only on the next schedule: a retry would start a second read-only window.
                            backoffLimit: 0,
                            template: {
                                metadata: { labels: garbageCollectorLabels },
                                spec: {
                                    serviceAccountName: account.metadata.name,
                                    // kubectl needs the token; the Role below is all it grants.
                                    automountServiceAccountToken: true,
                                    restartPolicy: "Never",
                                    securityContext: restrictedPod(65532),
                                    initContainers: [
                                        ...(cleanup?.steps ?? []),
                                        kubectlStep("read-only", ["set", "env", deployment, `${readOnlyEnv.name}=${readOnlyEnv.value}`]),
                                        kubectlStep("drained", ["rollout", "status", deployment, "--timeout=15m"]),
                                        registryStep("collect", [
                                            "collect",
                                            configFile,
                                            ...(args.deleteUntagged ? ["--delete-untagged"] : []),
                                        ]),
                                        kubectlStep("read-write", ["set", "env", deployment, `${readOnlyEnv.name}-`]),
                                    ],
                                    containers: [registryStep("report", ["report"])],
                                    volumes: [
                                        { name: "config", configMap: { name: args.configMapName } },
                                        { name: "script", configMap: { name: script.metadata.name } },
                                        // The cleanup step's storage listing names every link of every repository.
                                        { name: "report", emptyDir: { sizeLimit: cleanup ? "512Mi" : "64Mi" } },
                                        ...(cleanup ? [cleanup.volume] : []),
                                        scratchVolume,
                                    ],
                                },
                            },
                        },
                    },
                },
            },
            childOpts,
        );
        this.registerOutputs({ cronJobName: this.cronJob.metadata.name });
    }

    /**
     * The two steps before the read-only switch that carry out the retention rules: mc lists when
     * each tag was last pushed, then Node.js runs the program's cleanup through the registry's API
     * (so orbit-www gets a delete event for each manifest), as the service account. Neither fails
     * the Job's later steps; the report step does, when the cleanup failed.
     */
    private cleanupSteps(
        name: string,
        args: GarbageCollectorArgs,
        cleanup: CleanupStepArgs,
        metadata: (objectName: string) => k8s.types.input.meta.v1.ObjectMeta,
        childOpts: pulumi.CustomResourceOptions,
    ) {
        const account = new k8s.core.v1.Secret(
            `${name}-cleanup-account`,
            {
                metadata: metadata(names.registryCleanupSecret),
                type: "Opaque",
                stringData: pulumi.secret({ ORBIT_REGISTRY_USER: cleanup.user, ORBIT_REGISTRY_PASS: cleanup.password }),
            },
            childOpts,
        );
        const scripts = cleanupScript().apply((script) => ({
            "cleanup.js": script,
            "list.sh": listingScript(gcReportDir, cleanupFiles),
        }));
        const files = new k8s.core.v1.ConfigMap(
            `${name}-cleanup-script`,
            { metadata: scripts.apply((data) => metadata(contentName(names.registryCleanupSecret, data))), data: scripts },
            childOpts,
        );
        const mounts = [
            { name: "cleanup", mountPath: "/cleanup", readOnly: true },
            { name: "report", mountPath: gcReportDir },
            scratchMount,
        ];
        const steps = [
            {
                name: "list-tags",
                image: cleanup.mcImage,
                command: ["bash", "/cleanup/list.sh"],
                env: [
                    { name: "S3_ENDPOINT", value: cleanup.s3Endpoint },
                    { name: "BUCKET", value: cleanup.bucket },
                    { name: "HOME", value: "/tmp" },
                ],
                envFrom: [{ secretRef: { name: args.envSecretName } }],
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                securityContext: restrictedContainer,
                volumeMounts: mounts,
            },
            {
                name: "cleanup",
                image: cleanup.nodeImage,
                command: ["node", "/cleanup/cleanup.js"],
                env: [
                    { name: "REGISTRY_URL", value: cleanup.registryUrl },
                    ...(cleanup.tokenRealm ? [{ name: "REGISTRY_AUTH_REALM", value: cleanup.tokenRealm }] : []),
                    { name: "RETENTION_KEEP_LAST", value: String(cleanup.rules.keepLast) },
                    { name: "RETENTION_KEEP_DAYS", value: String(cleanup.rules.keepDays) },
                    { name: "RETENTION_KEEP_TAGS", value: cleanup.rules.keepTags },
                    ...(cleanup.rules.toQuota ? [{ name: "RETENTION_TO_QUOTA", value: JSON.stringify(cleanup.rules.toQuota) }] : []),
                    { name: "CLEANUP_DRY_RUN", value: "false" },
                    { name: "REPORT_DIR", value: gcReportDir },
                    { name: "HOME", value: "/tmp" },
                ],
                envFrom: [{ secretRef: { name: account.metadata.name } }],
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                securityContext: restrictedContainer,
                volumeMounts: mounts,
            },
        ];
        return { steps, volume: { name: "cleanup", configMap: { name: files.metadata.name } } };
    }
}
