import { execFileSync } from "child_process";
import * as fs from "fs";
import { RegistryCredentials } from "../operations/registryApi";

/** The value after `flag` on the command line, if any. */
export function option(args: string[], flag: string): string | undefined {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
}

/**
 * The stack's outputs with secrets shown: from a saved `pulumi stack output --json --show-secrets`
 * (`--outputs FILE`; dotenv calls it `--json FILE`), or from the Pulumi CLI for `--stack` (the
 * current stack without one).
 */
export function readStackOutputs(args: string[], fileFlag = "--outputs"): Record<string, unknown> {
    const jsonFile = option(args, fileFlag);
    const stack = option(args, "--stack");
    let json: string;
    try {
        json = jsonFile
            ? fs.readFileSync(jsonFile, "utf8")
            : execFileSync("pulumi", ["stack", "output", "--json", "--show-secrets", ...(stack ? ["--stack", stack] : [])], {
                  encoding: "utf8",
                  stdio: ["ignore", "pipe", "inherit"],
              });
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        throw new Error(
            jsonFile
                ? `${jsonFile} does not exist`
                : `the Pulumi CLI is not on PATH; install it, or pass ${fileFlag} FILE with a saved ` +
                      "`pulumi stack output --json --show-secrets`",
        );
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
        throw new Error("the stack has no registryUrl or buildServiceEnv output: run 'pulumi up' first");
    }
    const { ORBIT_REGISTRY_USER: user, ORBIT_REGISTRY_PASS: password } = env as Record<string, string>;
    const host = outputs.registryUrl;
    const loopback = /^(localhost|127\.[0-9.]+|\[::1\])(:\d+)?$/.test(host);
    return { url: urlOverride ?? `${loopback ? "http" : "https"}://${host}`, credentials: { user, password } };
}
