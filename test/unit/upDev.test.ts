import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const script = path.resolve(__dirname, "../../scripts/up-dev.sh");

/** Runs up-dev.sh with a stand-in `pulumi` on PATH that records each call and its environment. */
function runWithFakePulumi(env: Record<string, string> = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orbit-up-dev-"));
    const log = path.join(dir, "calls.log");
    fs.writeFileSync(
        path.join(dir, "pulumi"),
        `#!/usr/bin/env bash\necho "$* | $PULUMI_BACKEND_URL | [\${PULUMI_CONFIG_PASSPHRASE_FILE:-}]" >> ${log}\n`,
        { mode: 0o755 },
    );
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PULUMI_")));
    execFileSync("bash", [script, "--yes"], {
        env: { ...clean, PATH: `${dir}:${process.env.PATH}`, ORBIT_STATE_DIR: path.join(dir, "state"), ...env },
        stdio: "pipe",
    });
    const calls = fs.readFileSync(log, "utf8").trim().split("\n");
    return { calls, dir };
}

describe("npm run up:dev", () => {
    it("selects or creates the dev stack on a local file backend, then runs pulumi up with the given flags", () => {
        const { calls, dir } = runWithFakePulumi();
        assert.strictEqual(calls.length, 2);
        assert.strictEqual(calls[0].split(" | ")[0], "stack select --create dev");
        assert.strictEqual(calls[1].split(" | ")[0], "up --stack dev --yes");
        assert.strictEqual(calls[1].split(" | ")[1], `file://${dir}/state`);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("uses a generated passphrase file, readable only by its owner, when none is given", () => {
        const { calls, dir } = runWithFakePulumi();
        const passphraseFile = calls[1].split(" | ")[2].slice(1, -1);
        assert.strictEqual(passphraseFile, `${dir}/state/dev.passphrase`);
        assert.strictEqual(fs.statSync(passphraseFile).mode & 0o777, 0o600);
        assert.ok(fs.readFileSync(passphraseFile, "utf8").length >= 40);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("keeps a passphrase the user exported", () => {
        const { calls, dir } = runWithFakePulumi({ PULUMI_CONFIG_PASSPHRASE: "fake-passphrase" });
        assert.strictEqual(calls[1].split(" | ")[2], "[]");
        assert.ok(!fs.existsSync(`${dir}/state/dev.passphrase`));
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
