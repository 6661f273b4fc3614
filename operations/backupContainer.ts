import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { copyScript, copyScriptEnv as env } from "../common/backupScript";
import { BackupTarget, targetPath } from "../common/backupTarget";
import { CommandRunner, runCommand } from "./dockerRegistryControl";

export interface S3Access {
    endpoint: string;
    accessKey: string;
    secretKey: string;
}

export interface ContainerCopy {
    mode: "backup" | "restore";
    /** The registry's bucket: the backup identity for a backup, the registry's own for a restore. */
    source: S3Access & { bucket: string };
    target: BackupTarget & { accessKey: string; secretKey: string };
    prune: boolean;
    mcImage: string;
    /** The Docker network on which `source.endpoint` resolves (names.internalNetwork). */
    network: string;
    run?: CommandRunner;
}

/**
 * The Docker target's backup or restore: the program's copy script (backupScript.ts) piped to bash
 * in a throwaway container of mcImage on the registry's network. The credentials go in an env file
 * only the user can read, never on a command line. Resolves to the script's report.
 */
export async function copyInContainer(copy: ContainerCopy): Promise<string> {
    const variables: Record<string, string> = {
        [env.mode]: copy.mode,
        [env.sourceEndpoint]: copy.source.endpoint,
        [env.sourceAccessKey]: copy.source.accessKey,
        [env.sourceSecretKey]: copy.source.secretKey,
        [env.sourceBucket]: copy.source.bucket,
        [env.targetEndpoint]: copy.target.endpoint,
        [env.targetAccessKey]: copy.target.accessKey,
        [env.targetSecretKey]: copy.target.secretKey,
        [env.targetPath]: targetPath(copy.target),
        [env.prune]: String(copy.prune),
        MC_CONFIG_DIR: "/tmp/.mc",
        HOME: "/tmp",
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orbit-backup-"));
    const envFile = path.join(dir, "copy.env");
    try {
        const lines = Object.entries(variables).map(([name, value]) => `${name}=${value}`);
        fs.writeFileSync(envFile, lines.join("\n") + "\n", { mode: 0o600 });
        const docker = ["run", "--rm", "-i", "--network", copy.network, "--env-file", envFile, "--entrypoint", "bash", copy.mcImage, "-s"];
        const result = await (copy.run ?? runCommand)("docker", docker, copyScript());
        if (result.code === 127) throw new Error("docker is not on PATH: the Docker target's backups run in a container");
        if (result.code !== 0) throw new Error(result.stderr.trim() || `docker run exited ${result.code}`);
        return result.stdout;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
