import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { readPolicyName, bucketReadPolicy, PolicyDocument, registryPolicyName } from "../../../common/bucketPolicy";
import { provisionerAlias, provisionScript } from "../../../common/provisionScript";

export interface McResult {
    code: number;
    output: string;
}

/** MinIO's own client, with credentials passed as MC_HOST_<alias> (never on the command line). */
export class Mc {
    private readonly hosts: Record<string, string> = {};

    constructor(
        private readonly binary: string,
        private readonly configDir: string,
    ) {
        fs.mkdirSync(configDir, { recursive: true });
    }

    /** Names `endpoint` with credentials as alias `name`; returns the MC_HOST_ value. */
    alias(name: string, endpoint: string, accessKey: string, secretKey: string): string {
        const url = new URL(endpoint);
        url.username = encodeURIComponent(accessKey);
        url.password = encodeURIComponent(secretKey);
        return (this.hosts[`MC_HOST_${name}`] = url.toString().replace(/\/$/, ""));
    }

    run(...args: string[]): Promise<McResult> {
        return new Promise((resolve) => {
            execFile(
                this.binary,
                ["--config-dir", this.configDir, "--no-color", "--disable-pager", ...args],
                { env: { PATH: process.env.PATH, HOME: this.configDir, ...this.hosts }, timeout: 60_000 },
                (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
            );
        });
    }

    async mustRun(...args: string[]): Promise<string> {
        const result = await this.run(...args);
        if (result.code !== 0) throw new Error(`mc ${args.join(" ")} failed (${result.code}):\n${result.output}`);
        return result.output;
    }

    /**
     * Runs the program's own provisioning script (what the Kubernetes target's Job runs) with this
     * mc on PATH, as the root alias: bucket, the registry's user, the program's policy, attachment.
     */
    async provision(
        rootEndpoint: string,
        bucket: string,
        accessKey: string,
        secretKey: string,
        policy: PolicyDocument,
        previous?: { accessKey: string; secretKey: string },
        /** The backups' read-only identity, with the program's backup policy. */
        backup?: { accessKey: string; secretKey: string },
        /** More of the script's variables, e.g. KEEP_OTHER_USERS. */
        extraEnv: Record<string, string> = {},
    ): Promise<string> {
        const script = path.join(this.configDir, "provision.sh");
        const policyFile = path.join(this.configDir, "registry-policy.json");
        fs.writeFileSync(script, provisionScript());
        fs.writeFileSync(policyFile, JSON.stringify(policy));
        const readPolicyFile = path.join(this.configDir, "read-policy.json");
        fs.writeFileSync(readPolicyFile, JSON.stringify(bucketReadPolicy(bucket)));
        const env = {
            PATH: `${path.dirname(this.binary)}${path.delimiter}${process.env.PATH}`,
            HOME: this.configDir,
            MC_CONFIG_DIR: this.configDir,
            [`MC_HOST_${provisionerAlias}`]: rootEndpoint,
            BUCKET: bucket,
            POLICY_NAME: registryPolicyName(bucket),
            POLICY_FILE: policyFile,
            REGISTRY_ACCESS_KEY: accessKey,
            REGISTRY_SECRET_KEY: secretKey,
            ...(previous ? { PREVIOUS_ACCESS_KEY: previous.accessKey, PREVIOUS_SECRET_KEY: previous.secretKey } : {}),
            // As the Job: the backup policy's name also without backups, so a user left holding it goes.
            READ_POLICY_NAME: readPolicyName(bucket),
            ...(backup
                ? { READER_ACCESS_KEY: backup.accessKey, READER_SECRET_KEY: backup.secretKey, READ_POLICY_FILE: readPolicyFile }
                : {}),
            ...extraEnv,
        };
        return new Promise((resolve, reject) => {
            execFile("bash", [script], { env, timeout: 180_000 }, (error, stdout, stderr) =>
                error ? reject(new Error(`provisioning failed (${error.code}):\n${stdout}${stderr}`)) : resolve(`${stdout}${stderr}`),
            );
        });
    }
}
