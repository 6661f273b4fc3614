/**
 * Writes one app's registry environment as a dotenv file for compose's `env_file:`.
 *
 *   npm run --silent dotenv -- buildServiceEnv --stack dev --out build-service.env
 *   npm run --silent dotenv -- orbitWwwEnv --json outputs.json      # from a saved `pulumi stack output --json --show-secrets`
 */
import * as fs from "fs";
import { option, readStackOutputs } from "./stackOutputs";

export const envOutputs = ["buildServiceEnv", "orbitWwwEnv"] as const;

/** KEY=value lines; values are double-quoted and escaped when they hold anything but safe characters. */
export function toDotenv(env: Record<string, string>): string {
    return Object.entries(env)
        .map(([key, value]) => {
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`not an environment variable name: ${JSON.stringify(key)}`);
            const safe = /^[A-Za-z0-9_./:@+-]*$/.test(value);
            if (safe) return `${key}=${value}`;
            const escaped = value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$/g, "\\$").replace(/\n/g, "\\n");
            return `${key}="${escaped}"`;
        })
        .join("\n")
        .concat("\n");
}

/** Picks one app's env from the stack outputs JSON. */
export function selectEnv(outputs: Record<string, unknown>, name: string): Record<string, string> {
    if (!(envOutputs as readonly string[]).includes(name)) {
        throw new Error(`unknown env output ${JSON.stringify(name)}; expected one of: ${envOutputs.join(", ")}`);
    }
    const env = outputs[name];
    if (env === "[secret]") throw new Error(`${name} is still masked: read the outputs with --show-secrets`);
    if (!env || typeof env !== "object") {
        throw new Error(`the stack has no ${name} output: run 'npm run up:dev' or 'scripts/pulumi up' first`);
    }
    return env as Record<string, string>;
}

function main(args: string[]) {
    const [name] = args;
    const out = option(args, "--out");
    const text = toDotenv(selectEnv(readStackOutputs(args, "--json"), name));
    if (out) {
        fs.writeFileSync(out, text, { mode: 0o600 });
        fs.chmodSync(out, 0o600);
        console.error(`wrote ${name} to ${out} (mode 600)`);
    } else {
        process.stdout.write(text);
    }
}

if (require.main === module) {
    try {
        main(process.argv.slice(2));
    } catch (error) {
        console.error(`dotenv: ${(error as Error).message}`);
        process.exit(1);
    }
}
