import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readPolicyName, bucketReadPolicy, registryBucketPolicy, registryPolicyName } from "../common/bucketPolicy";
import { provisionerAlias, provisionScript } from "../common/provisionScript";
import { minioContainer } from "../common/upstream";
import { CommandRunner, runCommand } from "./dockerRegistryControl";
import type { S3Access } from "./backupContainer";

export interface DockerProvision {
    /** MinIO's container, whose environment has the root credentials (names.minio). */
    minioContainer: string;
    /** MinIO's S3 API on the registry's network, and the registry's own identity. */
    registry: S3Access;
    bucket: string;
    /** The backups' read-only identity (the stack's backup output). */
    backup: { accessKey: string; secretKey: string };
    /** With the Docker Hub mirror: its bucket and identity, as its container has them. */
    mirror?: S3Access & { bucket: string };
    mcImage: string;
    network: string;
    run?: CommandRunner;
}

/**
 * Creates, where missing, what the stack's MinioBucket declares: the bucket, the registry's and the
 * backups' users and their policies, with the names and keys Pulumi's state has. MinIO keeps its
 * users with the data, so a MinIO started on a new volume has none, and the MinIO provider cannot
 * refresh a user or policy that disappeared (docs/backups.md). It is the Kubernetes provisioning
 * Job's script, run in a throwaway mc container, and it removes no user (KEEP_OTHER_USERS).
 */
export async function provisionDockerMinio(provision: DockerProvision): Promise<string> {
    const run = provision.run ?? runCommand;
    const inspected = await run("docker", ["inspect", "--format", "{{json .Config.Env}}", provision.minioContainer]);
    if (/no such (object|container)/i.test(inspected.stderr)) {
        throw new Error(
            `MinIO's container ${provision.minioContainer} does not exist: run scripts/pulumi up first, which creates it ` +
                '(on a new volume after a lost one; docs/backups.md, "When the whole MinIO volume is gone")',
        );
    }
    if (inspected.code !== 0) throw new Error(`docker inspect ${provision.minioContainer} failed: ${inspected.stderr.trim()}`);
    const env = JSON.parse(inspected.stdout) as string[];
    const value = (name: string) => env.find((line) => line.startsWith(`${name}=`))?.slice(name.length + 1) ?? "";
    const root = new URL(provision.registry.endpoint);
    root.username = encodeURIComponent(value(minioContainer.rootUserEnv));
    root.password = encodeURIComponent(value(minioContainer.rootPasswordEnv));

    const variables: Record<string, string> = {
        [`MC_HOST_${provisionerAlias}`]: root.toString().replace(/\/$/, ""),
        BUCKET: provision.bucket,
        POLICY_NAME: registryPolicyName(provision.bucket),
        POLICY_FILE: "/tmp/policy.json",
        REGISTRY_ACCESS_KEY: provision.registry.accessKey,
        REGISTRY_SECRET_KEY: provision.registry.secretKey,
        READER_ACCESS_KEY: provision.backup.accessKey,
        READER_SECRET_KEY: provision.backup.secretKey,
        READ_POLICY_NAME: readPolicyName(provision.bucket),
        READ_POLICY_FILE: "/tmp/read-policy.json",
        ...(provision.mirror
            ? {
                  MIRROR_BUCKET: provision.mirror.bucket,
                  MIRROR_ACCESS_KEY: provision.mirror.accessKey,
                  MIRROR_SECRET_KEY: provision.mirror.secretKey,
                  MIRROR_POLICY_NAME: registryPolicyName(provision.mirror.bucket),
                  MIRROR_POLICY_FILE: "/tmp/mirror-policy.json",
              }
            : {}),
        KEEP_OTHER_USERS: "true",
        MC_CONFIG_DIR: "/tmp/.mc",
        HOME: "/tmp",
    };
    // The policies travel with the script: a file to mount would not exist on a remote Docker host.
    const policies = [
        `printf '%s' '${JSON.stringify(registryBucketPolicy(provision.bucket))}' > /tmp/policy.json`,
        `printf '%s' '${JSON.stringify(bucketReadPolicy(provision.bucket))}' > /tmp/read-policy.json`,
        ...(provision.mirror
            ? [`printf '%s' '${JSON.stringify(registryBucketPolicy(provision.mirror.bucket))}' > /tmp/mirror-policy.json`]
            : []),
    ].join("\n");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orbit-provision-"));
    const envFile = path.join(dir, "provision.env");
    try {
        fs.writeFileSync(
            envFile,
            Object.entries(variables)
                .map(([name, v]) => `${name}=${v}\n`)
                .join(""),
            { mode: 0o600 },
        );
        const docker = ["run", "--rm", "-i", "--network", provision.network, "--env-file", envFile, "--entrypoint", "bash"];
        const result = await run("docker", [...docker, provision.mcImage, "-s"], `${policies}\n${provisionScript()}`);
        if (result.code !== 0) throw new Error(`provisioning MinIO failed: ${(result.stderr || result.stdout).trim()}`);
        return result.stdout;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
