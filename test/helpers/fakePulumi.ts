import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "../..");

/** One call of the stand-in `pulumi`: its arguments and the environment Pulumi reads. */
export interface PulumiCall {
    args: string;
    backend: string;
    passphraseFile: string;
    passphraseSet: boolean;
    /** The encryptionsalt line Pulumi.prod.yaml held while the call ran, if any. */
    prodSalt: string;
}

/**
 * A stand-in for the Pulumi CLI on PATH that records each call and fails where the real one fails
 * in a new, non-interactive shell: no backend (it would ask for a Pulumi Cloud login), no passphrase
 * for a passphrase-encrypted stack, a `--stack` that the backend does not have. Stacks live in the
 * backend as a file backend keeps them (`.pulumi/stacks/<project>/<stack>.json`, with the salt of
 * their secrets); `stack init` and `stack select --create` write the salt into the stack file, as the
 * real CLI does with the passphrase secrets provider, a tracked file included.
 */
function fakePulumiScript(log: string, stateDir: string): string {
    return `#!/usr/bin/env bash
prod_salt="$(grep -h '^encryptionsalt:' Pulumi.prod.yaml 2>/dev/null)"
printf '%s\t%s\t' "$*" "\${PULUMI_BACKEND_URL:-}" >> ${log}
printf '%s\t%s\t%s\n' "\${PULUMI_CONFIG_PASSPHRASE_FILE:-}" "\${PULUMI_CONFIG_PASSPHRASE:+set}" "$prod_salt" >> ${log}
if [ -z "\${PULUMI_BACKEND_URL:-}" ]; then
  echo "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions" >&2; exit 255
fi
if [ -z "\${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ ! -s "\${PULUMI_CONFIG_PASSPHRASE_FILE:-/nonexistent}" ]; then
  echo "error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables" >&2; exit 255
fi
backend_id="$(printf '%s' "$PULUMI_BACKEND_URL" | md5sum | cut -c1-8)"
current="${stateDir}/current-$backend_id"
case "$PULUMI_BACKEND_URL" in file://*) backend="\${PULUMI_BACKEND_URL#file://}" ;; *) backend="${stateDir}/backend-$backend_id" ;; esac
stacks="$backend/.pulumi/stacks/orbit-registry"
create() {
  mkdir -p "$stacks"
  salt="v1:$(head -c 6 /dev/urandom | base64):v1:ZmFrZS1ub25jZQ==:ZmFrZQ=="
  printf '{"checkpoint":{"latest":{"secrets_providers":{"type":"passphrase","state":{"salt":"%s"}}}}}' "$salt" > "$stacks/$1.json"
  grep -q '^encryptionsalt:' "Pulumi.$1.yaml" 2>/dev/null || printf 'encryptionsalt: %s\n' "$salt" >> "Pulumi.$1.yaml"
}
named=""; previous=""
for arg in "$@"; do [ "$previous" = "--stack" ] && named="$arg"; previous="$arg"; done
if [ -n "$named" ] && [ "$1" != stack ] && [ ! -f "$stacks/$named.json" ]; then
  echo "error: no stack named '$named' found" >&2; exit 255
fi
case "$*" in
  "stack --show-name") [ -s "$current" ] && cat "$current" || { echo "error: no stack selected" >&2; exit 255; } ;;
  "stack ls --json") for f in "$stacks"/*.json; do [ -f "$f" ] && printf '{"name": "%s"}\n' "$(basename "$f" .json)"; done; true ;;
  "stack init "* | "stack select --create "*)
    name="\${*: -1}"
    [ -f "$stacks/$name.json" ] && [ "$2" = init ] && { echo "error: stack '$name' already exists" >&2; exit 255; }
    [ -f "$stacks/$name.json" ] || create "$name"
    case "$*" in *--no-select*) ;; *) echo "$name" > "$current" ;; esac ;;
  "stack select "*)
    name="\${*: -1}"
    [ -f "$stacks/$name.json" ] || { echo "error: no stack named '$name' found" >&2; exit 255; }
    echo "$name" > "$current" ;;
  "stack output --json --show-secrets"*)
    echo '{"registryUrl":"127.0.0.1:1","registryInternalUrl":"orbit-registry:5000","bucketName":"orbit-registry",'
    echo ' "buildServiceEnv":{"ORBIT_REGISTRY_URL":"orbit-registry:5000",'
    echo '   "ORBIT_REGISTRY_USER":"fake-user","ORBIT_REGISTRY_PASS":"fake-pass"},'
    echo ' "orbitWwwEnv":{"ORBIT_REGISTRY_URL":"orbit-registry:5000","ORBIT_REGISTRY_TOKEN":"fake-pass"}}' ;;
esac
`;
}

/** A copy of the project as a new clone has it (tracked and new files, no ignored ones), with git and node_modules. */
export class FreshClone {
    readonly dir: string;
    /** Holds the stand-in `pulumi` (and docker, kubectl, sudo that refuse). */
    readonly bin: string;
    private readonly log: string;

    constructor() {
        const base = fs.mkdtempSync(path.join(os.tmpdir(), "orbit-clone-"));
        this.dir = path.join(base, "orbit-registry");
        this.bin = path.join(base, "bin");
        this.log = path.join(base, "pulumi-calls.log");
        fs.mkdirSync(this.bin);
        const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: root, encoding: "utf8" })
            .split("\0")
            .filter((file) => file && fs.existsSync(path.join(root, file)));
        for (const file of files) {
            fs.mkdirSync(path.dirname(path.join(this.dir, file)), { recursive: true });
            fs.copyFileSync(path.join(root, file), path.join(this.dir, file));
            fs.chmodSync(path.join(this.dir, file), fs.statSync(path.join(root, file)).mode);
        }
        fs.symlinkSync(path.join(root, "node_modules"), path.join(this.dir, "node_modules"));
        const git = (...args: string[]) => execFileSync("git", args, { cwd: this.dir, stdio: "pipe" });
        git("init", "-q");
        fs.appendFileSync(path.join(this.dir, ".git/info/exclude"), "node_modules\n");
        git("add", "-A");
        git("-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", "clone");
        fs.writeFileSync(path.join(this.bin, "pulumi"), fakePulumiScript(this.log, path.dirname(this.dir)), { mode: 0o755 });
        // The documented commands must never reach a real Docker engine or cluster from a test.
        for (const tool of ["docker", "kubectl", "sudo"]) {
            fs.writeFileSync(path.join(this.bin, tool), `#!/bin/sh\necho "${tool} is not available in this test" >&2\nexit 1\n`, {
                mode: 0o755,
            });
        }
    }

    /**
     * Runs a command line in a new shell in the clone: nothing exported but PATH (the stand-in pulumi,
     * node, the system's tools) and HOME, plus `env`. Returns the pulumi calls it made.
     */
    run(line: string, env: Record<string, string> = {}): { calls: PulumiCall[]; status: number | null; output: string } {
        const before = fs.existsSync(this.log) ? fs.readFileSync(this.log, "utf8").length : 0;
        const result = spawnSync("bash", ["-c", line], {
            cwd: this.dir,
            encoding: "utf8",
            env: { PATH: `${this.bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: path.dirname(this.dir), ...env },
            timeout: 120_000,
        });
        const recorded = fs.existsSync(this.log) ? fs.readFileSync(this.log, "utf8").slice(before) : "";
        const calls = recorded
            .split("\n")
            .filter(Boolean)
            .map((entry) => {
                const [args, backend, passphraseFile, passphraseSet, prodSalt] = entry.split("\t");
                return { args, backend, passphraseFile, passphraseSet: passphraseSet === "set", prodSalt };
            });
        return { calls, status: result.status, output: `${result.stdout}${result.stderr}` };
    }

    /** `git status --porcelain`: empty when the clone is as it was committed. */
    gitStatus(): string {
        return execFileSync("git", ["status", "--porcelain"], { cwd: this.dir, encoding: "utf8" });
    }

    remove(): void {
        fs.rmSync(path.dirname(this.dir), { recursive: true, force: true });
    }
}
