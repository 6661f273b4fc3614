import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { configKeys, ConfigKey, qualifiedKey, RawConfig } from "../../components/config";

const root = path.resolve(__dirname, "../..");

interface ProjectFile {
    config: Record<string, { default?: unknown }>;
}

/**
 * A stack's effective configuration, as `pulumi up` sees it: Pulumi.yaml's declared defaults,
 * overlaid with Pulumi.<stack>.yaml (none for dev, which is the defaults: its file is each clone's
 * own), overlaid with `overrides`. Mocks apply no defaults themselves.
 */
export type StackName = "dev" | "prod";
export function stackConfig(stack: StackName, overrides: RawConfig = {}): RawConfig {
    const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile;
    const stackFile = (stack === "dev" ? {} : parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8"))) as {
        config?: Record<string, unknown>;
    };
    const raw: Record<string, string> = {};
    for (const [key, declaration] of Object.entries(project.config)) {
        if (declaration.default !== undefined) raw[key] = String(declaration.default);
    }
    for (const [qualified, value] of Object.entries(stackFile.config ?? {})) {
        const key = configKeys.find((k) => qualifiedKey(k) === qualified);
        if (!key) throw new Error(`Pulumi.${stack}.yaml sets ${qualified}, which the program does not read`);
        raw[key] = String(value);
    }
    return { ...(raw as RawConfig), ...overrides } as Record<ConfigKey, string>;
}
