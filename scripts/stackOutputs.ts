import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { RetentionRules } from "../common/retention";
import { RegistryCredentials } from "../common/registryApi";
import { DockerRegistryControl } from "../operations/dockerRegistryControl";
import { DockerNames, dockerNamesOfUrl } from "../common/names";

/** The value after `flag` on the command line, if any. */
export function option(args: string[], flag: string): string | undefined {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
}

/** `pulumi` on the project's local state, unless PULUMI_BACKEND_URL names another backend (scripts/pulumi). */
const pulumiWrapper = path.join(__dirname, "pulumi");

/**
 * The stack's outputs with secrets shown: from a saved `pulumi stack output --json --show-secrets`
 * (`--outputs FILE`; dotenv calls it `--json FILE`), or through scripts/pulumi for `--stack` (the
 * current stack without one).
 */
export function readStackOutputs(args: string[], fileFlag = "--outputs"): Record<string, unknown> {
    const jsonFile = option(args, fileFlag);
    const stack = option(args, "--stack");
    let json: string;
    if (jsonFile) {
        if (!fs.existsSync(jsonFile)) throw new Error(`${jsonFile} does not exist`);
        const mode = fs.statSync(jsonFile).mode & 0o777;
        if (mode & 0o077) {
            console.error(
                `warning: ${jsonFile} holds the stack's secrets and other users can read it ` +
                    `(mode ${mode.toString(8)}): chmod 600 ${jsonFile}`,
            );
        }
        json = fs.readFileSync(jsonFile, "utf8");
    } else {
        const result = spawnSync(
            "bash",
            [pulumiWrapper, "stack", "output", "--json", "--show-secrets", ...(stack ? ["--stack", stack] : [])],
            { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
        );
        if (result.error) throw new Error(`could not run ${pulumiWrapper}: ${result.error.message}`);
        if (result.status === 127) {
            throw new Error(
                `the Pulumi CLI is not on PATH; install it, or pass ${fileFlag} FILE with a saved ` +
                    "`pulumi stack output --json --show-secrets`",
            );
        }
        if (result.status !== 0) throw new Error(`pulumi stack output failed (exit ${result.status}); see its message above`);
        json = result.stdout;
    }
    try {
        return JSON.parse(json) as Record<string, unknown>;
    } catch {
        throw new Error(`${jsonFile ?? "pulumi stack output"} is not the JSON of \`pulumi stack output --json --show-secrets\``);
    }
}

/**
 * Where the operator reaches the registry (registryUrl: plain HTTP on a loopback host, as the dev
 * stack publishes it; HTTPS otherwise) and the service account from buildServiceEnv.
 */
export function registryAccess(outputs: Record<string, unknown>, urlOverride?: string): { url: string; credentials: RegistryCredentials } {
    const env = outputs.buildServiceEnv;
    if (env === "[secret]") throw new Error("buildServiceEnv is still masked: read the outputs with --show-secrets");
    if (!env || typeof env !== "object" || typeof outputs.registryUrl !== "string") {
        throw new Error("the stack has no registryUrl or buildServiceEnv output: run 'npm run up:dev' or 'scripts/pulumi up' first");
    }
    const { ORBIT_REGISTRY_USER: user, ORBIT_REGISTRY_PASS: password } = env as Record<string, string>;
    const host = outputs.registryUrl;
    const loopback = /^(localhost|127\.[0-9.]+|\[::1\])(:\d+)?$/.test(host);
    return { url: urlOverride ?? `${loopback ? "http" : "https"}://${host}`, credentials: { user, password } };
}

/** mcImage's default from Pulumi.yaml: the pinned MinIO client the Kubernetes target uses too. */
export function defaultMcImage(): string {
    const project = parse(fs.readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8")) as {
        config: Record<string, { default?: string }>;
    };
    return project.config.mcImage.default!;
}

/** The stack's rules (its `retention` output), with what the command line overrides. */
export function retentionRules(outputs: Record<string, unknown>, args: string[]): RetentionRules {
    const stack = (outputs.retention ?? {}) as Partial<RetentionRules>;
    const count = (flag: string, fallback?: number) => {
        const value = option(args, flag);
        if (value === undefined) return fallback ?? 0;
        if (!/^[0-9]+$/.test(value)) throw new Error(`${flag} ${value}: expected an integer of at least 0`);
        return Number(value);
    };
    return {
        keepLast: count("--keep-last", stack.keepLast),
        keepDays: count("--keep-days", stack.keepDays),
        keepTags: option(args, "--keep-tags") ?? stack.keepTags ?? "",
        ...(stack.toQuota ? { toQuota: stack.toQuota } : {}),
    };
}

/** The Docker stack's container, volume and network names, as its registryInternalUrl gives them (dockerNameSuffix). */
export function dockerNamesOf(outputs: Record<string, unknown>): DockerNames {
    const found = dockerNamesOfUrl(String(outputs.registryInternalUrl ?? ""));
    if (!found) throw new Error(`registryInternalUrl ${JSON.stringify(outputs.registryInternalUrl)} is not a Docker stack's registry`);
    return found;
}

/** The Docker target's registry (and pull endpoint) as the stack's outputs and the command line name them. */
export function dockerControl(outputs: Record<string, unknown>, args: string[]): DockerRegistryControl {
    const named = dockerNamesOf(outputs);
    return new DockerRegistryControl({
        container: named.registry,
        pullContainer: named.registryPull,
        network: named.internalNetwork,
        bucket: String(outputs.bucketName),
        mcImage: option(args, "--mc-image") ?? defaultMcImage(),
    });
}
