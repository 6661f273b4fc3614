import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FreshClone, PulumiCall } from "../helpers/fakePulumi";
import { headingAnchors, projectDocuments } from "../helpers/markdownLinks";

const root = path.resolve(__dirname, "../..");

/** The shell blocks of a Markdown file, each as its lines. */
function shellBlocks(file: string): string[][] {
    const markdown = fs.readFileSync(path.join(root, file), "utf8");
    return [...markdown.matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```/gm)].map((match) => match[1].split("\n").filter(Boolean));
}

/** Lines a user runs that reach Pulumi: the CLI itself, the wrapper, or a script that reads a stack. */
const reachesPulumi = (line: string) =>
    /(^|[\s;&|])(scripts\/)?pulumi\s/.test(line.replace(/#.*$/, "")) || /npm run (--silent )?(up:dev|\w+ -- .*--stack\b)/.test(line);

const documents = () => projectDocuments(root);

describe("every documented command on the project's local state, from a new shell in a fresh clone", function () {
    this.timeout(600_000);
    let clone: FreshClone;
    const stateOf = (c: FreshClone) => `file://${c.dir}/.pulumi-state`;
    const assertLocalState = (calls: PulumiCall[], what: string, c = clone) => {
        for (const call of calls) {
            assert.strictEqual(call.backend, stateOf(c), `${what}: pulumi ${call.args} ran without the local state`);
            assert.strictEqual(call.passphraseFile, `${c.dir}/.pulumi-state/dev.passphrase`, `${what}: pulumi ${call.args}`);
        }
    };

    before(() => {
        clone = new FreshClone();
    });
    after(() => clone?.remove());

    it("npm run up:dev creates and selects dev, runs pulumi up with the flags given, and leaves git status clean", () => {
        const { calls, status, output } = clone.run("npm run --silent up:dev -- --yes");
        assert.strictEqual(status, 0, output);
        assert.deepStrictEqual(
            calls.map((c) => c.args),
            ["stack select --create dev", "up --stack dev --yes"],
        );
        assertLocalState(calls, "npm run up:dev");
        const passphrase = path.join(clone.dir, ".pulumi-state/dev.passphrase");
        assert.strictEqual(fs.statSync(passphrase).mode & 0o777, 0o600);
        assert.ok(fs.readFileSync(passphrase, "utf8").length >= 40);
        assert.match(fs.readFileSync(path.join(clone.dir, "Pulumi.dev.yaml"), "utf8"), /^encryptionsalt: /m, "the CLI wrote its salt");
        assert.strictEqual(clone.gitStatus(), "", "the main job changed tracked files");
    });

    it("tracks no stack file holding an encryptionsalt, which a clone with its own passphrase could not open", () => {
        const tracked = execFileSync("git", ["ls-files", "Pulumi.*.yaml"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);
        assert.deepStrictEqual(tracked, ["Pulumi.prod.yaml"]);
        for (const file of tracked) assert.doesNotMatch(fs.readFileSync(path.join(root, file), "utf8"), /encryptionsalt/, file);
    });

    for (const document of documents()) {
        const blocks = shellBlocks(document).filter((lines) => lines.some(reachesPulumi));
        if (blocks.length === 0) continue;
        it(`${document}: each command that reaches Pulumi finds the stack's state and passphrase`, () => {
            for (const lines of blocks) {
                // What a block exports holds for the lines after it, as in the shell the user pastes it into.
                const exported: Record<string, string> = {};
                for (const line of lines) {
                    const assignment = /^export ([A-Z_]+)=(\S*)/.exec(line);
                    if (assignment) exported[assignment[1]] = assignment[2];
                    if (!reachesPulumi(line)) continue;
                    // Placeholders such as <stack> or '<urn of …>' become a word.
                    const { calls, output } = clone.run(line.replace(/<[^>]*>/g, "placeholder"), exported);
                    assert.ok(calls.length > 0, `${line}: never reached pulumi\n${output}`);
                    if (exported.PULUMI_BACKEND_URL) {
                        for (const call of calls) {
                            assert.strictEqual(call.backend, exported.PULUMI_BACKEND_URL, line);
                            assert.ok(call.passphraseSet || call.passphraseFile, `${line}: no passphrase`);
                        }
                    } else {
                        assertLocalState(calls, line);
                    }
                }
            }
            assert.strictEqual(clone.gitStatus(), "", `${document}'s commands changed tracked files`);
        });
    }

    it("selects the dev stack first in a clone that has none, so a bare `config set` works", () => {
        const second = new FreshClone();
        try {
            const { calls, status, output } = second.run("scripts/pulumi config set registryPort 5055");
            assert.strictEqual(status, 0, output);
            assert.deepStrictEqual(
                calls.map((c) => c.args),
                ["stack --show-name", "stack select --create dev", "config set registryPort 5055"],
            );
            assertLocalState(calls, "scripts/pulumi config set", second);
            assert.deepStrictEqual(second.run("scripts/pulumi stack output --stack dev").calls.length, 1, "--stack names the stack");
        } finally {
            second.remove();
        }
    });

    it("leaves the backend and passphrase a user exported alone", () => {
        const { calls } = clone.run("scripts/pulumi preview --stack prod", {
            PULUMI_BACKEND_URL: "s3://fake-state-bucket",
            PULUMI_CONFIG_PASSPHRASE: "fake-passphrase",
        });
        assert.deepStrictEqual(calls, [
            { args: "preview --stack prod", backend: "s3://fake-state-bucket", passphraseFile: "", passphraseSet: true, prodSalt: "" },
        ]);
    });

    it("says where to get the Pulumi CLI when it is missing", () => {
        const result = clone.run("scripts/pulumi up", { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` });
        assert.strictEqual(result.status, 127);
        assert.match(
            result.output,
            /The Pulumi CLI is not installed \(not on PATH, nor in ~\/\.pulumi\/bin\): see https:\/\/www\.pulumi\.com\/docs\/install\//,
        );
        assert.ok(headingAnchors(fs.readFileSync(path.join(root, "README.md"), "utf8")).has("prerequisites"), "README has Prerequisites");
    });

    it("refuses Node.js 20, which the README does not support, and says how to get 24", () => {
        const oldNode = fs.mkdtempSync(path.join(os.tmpdir(), "orbit-node20-"));
        try {
            fs.writeFileSync(path.join(oldNode, "node"), '#!/bin/sh\n[ "$1" = "-p" ] && echo 20 || echo v20.20.2\n', { mode: 0o755 });
            const result = clone.run("scripts/pulumi preview", { PATH: `${oldNode}:${clone.bin}:/usr/bin:/bin` });
            assert.strictEqual(result.status, 1);
            assert.match(result.output, /Node\.js v20\.20\.2 cannot run this program: it needs 22 or 24 .*Run npm run setup:node/);
            assert.deepStrictEqual(result.calls, [], "pulumi never ran");
        } finally {
            fs.rmSync(oldNode, { recursive: true, force: true });
        }
    });

    it("runs the documented backup cron line under cron's PATH: Node.js from setup:node, Pulumi from ~/.pulumi/bin", () => {
        const cronClone = new FreshClone();
        try {
            const cronBlock = /^```cron\n([\s\S]*?)^```/m.exec(fs.readFileSync(path.join(root, "docs/backups.md"), "utf8"))![1];
            const entry = cronBlock.split("\n").find((line) => /^[0-9*]/.test(line))!;
            const command = entry
                .split(/\s+/)
                .slice(5)
                .join(" ")
                .replace(/cd \S+/, `cd ${cronClone.dir}`)
                .replace(/>> \S+/, `>> ${cronClone.dir}/../cron.log`);
            // What `npm run setup:node` and Pulumi's installer leave: neither is on cron's PATH.
            fs.mkdirSync(path.join(cronClone.dir, ".tools/node/bin"), { recursive: true });
            fs.symlinkSync(process.execPath, path.join(cronClone.dir, ".tools/node/bin/node"));
            const home = path.join(cronClone.dir, "..", "home");
            fs.mkdirSync(path.join(home, ".pulumi/bin"), { recursive: true });
            fs.symlinkSync(path.join(cronClone.bin, "pulumi"), path.join(home, ".pulumi/bin/pulumi"));
            const { calls } = cronClone.run(command, { PATH: "/usr/bin:/bin", HOME: home });
            const log = fs.readFileSync(path.join(cronClone.dir, "../cron.log"), "utf8");
            assert.deepStrictEqual(
                calls.map((c) => c.args),
                ["stack output --json --show-secrets --stack dev"],
                log,
            );
            // The stand-in stack has no backups configured: the run got as far as reading its outputs.
            assert.match(log, /backup: the stack has no backup output/);
            assert.strictEqual(cronClone.gitStatus(), "");
        } finally {
            cronClone.remove();
        }
    });

    it("scripts/pulumi up --stack prod in a fresh clone: prod created on the local state, dev still selected, the clone clean", () => {
        const prodClone = new FreshClone();
        try {
            prodClone.run("npm run --silent up:dev -- --yes");
            const first = prodClone.run("scripts/pulumi up --stack prod --yes");
            assert.strictEqual(first.status, 0, first.output);
            assert.deepStrictEqual(
                first.calls.map((c) => c.args),
                ["stack init --no-select prod", "up --stack prod --yes"],
            );
            assertLocalState(first.calls, "scripts/pulumi up --stack prod", prodClone);
            // Pulumi reads the salt from the stack file while it runs; the tracked file never keeps it.
            const [init, up] = first.calls;
            assert.strictEqual(init.prodSalt, "", "stack init starts from the file as committed");
            assert.match(up.prodSalt, /^encryptionsalt: v1:/, "up runs with the state's salt in the file");
            assert.strictEqual(prodClone.gitStatus(), "", "the prod stack dirtied tracked files");
            const again = prodClone.run("scripts/pulumi preview --stack prod");
            assert.deepStrictEqual(
                again.calls.map((c) => [c.args, c.prodSalt]),
                [["preview --stack prod", up.prodSalt]],
                "the same salt, and no second stack",
            );
            assert.strictEqual(prodClone.run("scripts/pulumi stack --show-name").output.trim(), "dev", "dev is still the current stack");
            assert.strictEqual(prodClone.gitStatus(), "");
        } finally {
            prodClone.remove();
        }
    });

    it("replaces a salt a bare pulumi wrote into the tracked stack file with the state's", () => {
        const prodClone = new FreshClone();
        try {
            const { calls } = prodClone.run("scripts/pulumi config set --stack prod --plaintext registryReplicas 3");
            const stateSalt = calls.at(-1)!.prodSalt;
            fs.appendFileSync(path.join(prodClone.dir, "Pulumi.prod.yaml"), "encryptionsalt: v1:c3RyYXk=:v1:bm9uY2U=:c3RyYXk=\n");
            const next = prodClone.run("scripts/pulumi config get --stack prod registryReplicas");
            assert.deepStrictEqual(
                next.calls.map((c) => c.prodSalt),
                [stateSalt],
            );
            assert.doesNotMatch(fs.readFileSync(path.join(prodClone.dir, "Pulumi.prod.yaml"), "utf8"), /encryptionsalt/);
        } finally {
            prodClone.remove();
        }
    });
});
