import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PolicyDocument } from "../../../components/bucketPolicy";

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

    alias(name: string, endpoint: string, accessKey: string, secretKey: string): void {
        const url = new URL(endpoint);
        url.username = encodeURIComponent(accessKey);
        url.password = encodeURIComponent(secretKey);
        this.hosts[`MC_HOST_${name}`] = url.toString().replace(/\/$/, "");
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

    /** What the MinioBucket component declares, done with `mc admin`: bucket, user, policy, attachment. */
    async provisionRegistryBucket(alias: string, bucket: string, accessKey: string, secretKey: string, policy: PolicyDocument): Promise<void> {
        const policyFile = path.join(this.configDir, "registry-policy.json");
        fs.writeFileSync(policyFile, JSON.stringify(policy));
        await this.mustRun("mb", `${alias}/${bucket}`);
        // These keys were generated for this run and die with its MinIO.
        await this.mustRun("admin", "user", "add", alias, accessKey, secretKey);
        await this.mustRun("admin", "policy", "create", alias, `${bucket}-registry`, policyFile);
        await this.mustRun("admin", "policy", "attach", alias, `${bucket}-registry`, "--user", accessKey);
    }
}
