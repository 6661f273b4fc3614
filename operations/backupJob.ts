/* eslint-disable @typescript-eslint/no-explicit-any */
import { copyScriptEnv as env } from "../common/backupScript";
import { BackupTarget, backupTargetPort, targetPath } from "../common/backupTarget";
import { names } from "../common/names";
import { manualJob, withEnv } from "./manualJob";

type KubeObject = Record<string, any>;

/**
 * A Job to run now from the backup CronJob's template (as `kubectl create job --from` makes one):
 * a backup, pruning the target when asked, or a restore from `from` into the registry's bucket, which
 * writes with the registry's own identity (from its Secret) since the backup identity may only read.
 */
export function jobFromBackupCronJob(
    cronJob: KubeObject,
    name: string,
    run: { mode: "backup"; prune: boolean } | { mode: "restore"; from: BackupTarget },
): KubeObject {
    const spec = structuredClone(cronJob.spec.jobTemplate.spec);
    const container = spec.template.spec.containers[0];
    const overrides: Record<string, string | KubeObject> =
        run.mode === "backup"
            ? { [env.prune]: String(run.prune) }
            : {
                  [env.mode]: "restore",
                  [env.targetEndpoint]: run.from.endpoint,
                  [env.targetPath]: targetPath(run.from),
                  // Set here, they win over the backup Secret's read-only keys (envFrom).
                  [env.sourceAccessKey]: { secretKeyRef: { name: names.registryEnvSecret, key: "REGISTRY_STORAGE_S3_ACCESSKEY" } },
                  [env.sourceSecretKey]: { secretKeyRef: { name: names.registryEnvSecret, key: "REGISTRY_STORAGE_S3_SECRETKEY" } },
              };
    container.env = withEnv(container.env, overrides);
    if (run.mode === "restore") {
        // One attempt: the operator reads its log and decides.
        spec.backoffLimit = 0;
        const allowed = backupTargetPort({ endpoint: value(cronJob, env.targetEndpoint), bucket: "", prefix: "" });
        if (backupTargetPort(run.from) !== allowed) {
            throw new Error(
                `--from ${run.from.endpoint}: the backup pods may only reach port ${allowed} (backupTarget's); ` +
                    "restore from an endpoint on that port",
            );
        }
    }
    return manualJob(cronJob, name, spec);
}

/** A plain variable of the CronJob's container. */
function value(cronJob: KubeObject, key: string): string {
    const found = cronJob.spec.jobTemplate.spec.template.spec.containers[0].env.find((e: KubeObject) => e.name === key);
    return String(found?.value ?? "");
}
