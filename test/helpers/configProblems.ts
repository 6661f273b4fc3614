import * as assert from "assert";
import { ConfigError, ConfigKey, parseConfig, RawConfig } from "../../components/config";
import { stackConfig, StackName } from "./stackConfig";

/** The problems parseConfig reports for the stack's configuration with `overrides`, the `secretKeys` held as secrets; none if accepted. */
export function configProblems(stack: StackName, overrides: RawConfig, secretKeys: ConfigKey[]): string[] {
    try {
        parseConfig(stackConfig(stack, overrides), new Set(secretKeys));
        return [];
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
        return error.problems;
    }
}
