import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as os from "os";
import { parse } from "yaml";
import { configKeys, qualifiedKey } from "../../components/config";
import { brokenLinks, projectDocuments } from "../helpers/markdownLinks";
import { runProgram } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

const root = path.resolve(__dirname, "../..");
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
const configurationPage = fs.readFileSync(path.join(root, "docs/configuration.md"), "utf8");
const architecture = fs.readFileSync(path.join(root, "docs/architecture.md"), "utf8");
const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));

/** The rows of the configuration reference: key and default, as the page shows them. */
function configurationRows(page: string): Map<string, string> {
    const rows = new Map<string, string>();
    for (const [, key, defaultValue] of page.matchAll(/^\| `([\w:]+)` \| (`(?:[^`])*`|—) \|/gm)) {
        assert.ok(!rows.has(key), `docs/configuration.md has two rows for ${key}`);
        // A pipe inside a table cell is written \|, even in code.
        rows.set(key, defaultValue.replace(/\\\|/g, "|"));
    }
    return rows;
}

describe("the README and docs/ stay in step with the program", () => {
    it("keeps the README a front door: at most 200 lines", () => {
        const lines = readme.split("\n").length;
        assert.ok(lines <= 200, `README.md has ${lines} lines`);
    });

    it("declares, with a type, description and default, exactly the project keys the program reads", () => {
        const projectKeys = configKeys.filter((key) => qualifiedKey(key).startsWith("orbit-registry:"));
        assert.deepStrictEqual(Object.keys(project.config).sort(), [...projectKeys].sort());
        for (const [key, declaration] of Object.entries<Record<string, unknown>>(project.config)) {
            assert.ok(["string", "integer", "boolean"].includes(declaration.type as string), key);
            assert.ok(typeof declaration.description === "string" && declaration.description.length > 10, key);
            assert.ok("default" in declaration, key);
        }
    });

    it("documents every config key, with Pulumi.yaml's default, in docs/configuration.md and no other key", () => {
        const rows = configurationRows(configurationPage);
        const names = configKeys.map((key) => (qualifiedKey(key).startsWith("orbit-registry:") ? key : qualifiedKey(key)));
        assert.deepStrictEqual([...rows.keys()].sort(), [...names].sort());
        for (const [key, declaration] of Object.entries<{ default: unknown }>(project.config)) {
            assert.strictEqual(rows.get(key), `\`${declaration.default === "" ? '""' : String(declaration.default)}\``, key);
        }
    });

    it("notices a row whose default drifted from Pulumi.yaml's (the check is real)", () => {
        const drifted = configurationPage.replace("| `registryPort` | `5050` |", "| `registryPort` | `5055` |");
        assert.strictEqual(configurationRows(drifted).get("registryPort"), "`5055`");
    });

    it("gives every documented `config set` the flag the Pulumi CLI needs for its key", () => {
        // Pulumi 3.248 (pkg/cmd/pulumi/config) refuses a plain value that "looks like a secret" for a key
        // whose name matches this pattern, unless --plaintext says otherwise.
        const namedLikeASecret = /passwd|pass|password|pwd|secret|token/i;
        const pages = projectDocuments(root);
        const commands = pages.flatMap((page) =>
            [...fs.readFileSync(path.join(root, page), "utf8").matchAll(/config set((?: --[a-z]+)*) ([A-Za-z:]+) /g)].map(
                ([, flags, key]) => ({
                    page,
                    flags: flags.trim().split(/\s+/),
                    key: key.replace(/^orbit-registry:/, ""),
                }),
            ),
        );
        assert.ok(commands.length > 20, `found only ${commands.length} commands`);
        const secretKeys = new Set<string>(configKeys.filter((key) => /AccessKey|SecretKey|Password/.test(key)));
        const wrong = commands.filter(({ flags, key }) =>
            secretKeys.has(key) ? !flags.includes("--secret") : namedLikeASecret.test(key) && !flags.includes("--plaintext"),
        );
        assert.deepStrictEqual(wrong, []);
        assert.ok(commands.some(({ key, flags }) => key === "pullSecretNamespaces" && flags.includes("--plaintext")));
    });

    it("documents every stack output in the README's outputs table", async () => {
        const run = await runProgram(stackConfig("dev"), "dev");
        for (const output of Object.keys(run.outputs))
            assert.ok(readme.includes(`| \`${output}\` |`), `README has no row for output ${output}`);
        const index = fs.readFileSync(path.join(root, "index.ts"), "utf8");
        for (const output of Object.keys(run.outputs)) assert.ok(index.includes(output), `index.ts does not export ${output}`);
    });

    it("gives the commands .ci/run runs", () => {
        const ci = fs.readFileSync(path.join(root, ".ci/run"), "utf8");
        for (const command of [
            "npm ci",
            "npm test",
            "npm run test:integration",
            "npm run test:cluster",
            "npm run test:conformance",
            "npm run lint",
        ]) {
            assert.ok(ci.includes(command), `.ci/run does not run ${command}`);
            assert.ok(readme.includes(command), `README does not give ${command}`);
        }
    });
});

/** Each Mermaid diagram of docs/architecture.md, by the heading it stands under. */
function diagramsByHeading(markdown: string): Record<string, string> {
    const diagrams: Record<string, string> = {};
    let heading = "";
    for (const part of markdown.split(/^```/m)) {
        const headings = [...part.matchAll(/^## (.+)$/gm)];
        if (part.startsWith("mermaid\n")) diagrams[heading] = part;
        else if (headings.length > 0) heading = headings.at(-1)![1];
    }
    return diagrams;
}

/** How a diagram names a type: a component by its subgraph, a resource as package.Kind. */
function shows(diagram: string, type: string): boolean {
    const [pkg, middle, kind] = type.split(":");
    if (pkg === "orbit") return new RegExp(`^\\s*subgraph ${kind}$`, "m").test(diagram);
    const display = pkg === "pulumi" && middle === "providers" ? `${kind}.Provider` : `${pkg}.${kind}`;
    return new RegExp(`[\\["(]${display.replace(".", "\\.")}[ "]`).test(diagram);
}

describe("every relative link and anchor in the README and docs/", () => {
    const documents = projectDocuments(root);
    for (const document of documents) {
        it(`${document} links only to files and headings that exist`, () => {
            assert.deepStrictEqual(brokenLinks(path.join(root, document)), []);
        });
    }

    it("finds a missing file, a missing heading and a heading's anchor as GitHub writes it", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orbit-links-"));
        try {
            fs.writeFileSync(path.join(dir, "b.md"), "# B\n\n## `pulumi up` from CI, again!\n\n## Twice\n\n## Twice\n");
            const page = path.join(dir, "a.md");
            fs.writeFileSync(
                page,
                "[ok](b.md#pulumi-up-from-ci-again) [ok](b.md#twice-1) [ok](#a) [gone](c.md) [typo](b.md#pulumi-up) " +
                    "[web](https://example.com/x#y)\n\n# A\n\n```sh\n[not](a link)\n```\n",
            );
            assert.deepStrictEqual(brokenLinks(page), ["c.md: no such file", "b.md#pulumi-up: b.md has no heading #pulumi-up"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("docs/architecture.md draws what the program declares", () => {
    const diagrams = diagramsByHeading(architecture);
    const variants = [
        { name: "dev", raw: stackConfig("dev"), diagram: "The dev stack (Docker)" },
        { name: "docker + s3", raw: stackConfig("dev", { storage: "s3", awsRegion: "eu-west-1" }), diagram: "The dev stack (Docker)" },
        {
            name: "prod",
            raw: stackConfig("prod", { gcSchedule: "0 3 * * 0", prometheusOperator: "true" }),
            diagram: "The prod stack (Kubernetes)",
        },
        {
            name: "kubernetes + s3",
            raw: stackConfig("prod", { storage: "s3", awsRegion: "eu-west-1" }),
            diagram: "The prod stack (Kubernetes)",
        },
    ];

    it("has a Mermaid diagram for each topology and for S3 storage", () => {
        assert.deepStrictEqual(Object.keys(diagrams).sort(), [
            "Storage on AWS S3",
            "The dev stack (Docker)",
            "The prod stack (Kubernetes)",
        ]);
    });

    for (const variant of variants) {
        it(`shows every resource type the ${variant.name} stack declares`, async () => {
            const run = await runProgram(variant.raw, "docs");
            const drawn = diagrams[variant.diagram] + diagrams["Storage on AWS S3"];
            const missing = [...new Set(run.resources.map((r) => r.type))].filter((type) => !shows(drawn, type));
            assert.deepStrictEqual(missing, []);
        });
    }

    it("notices a type the diagrams leave out", () => {
        assert.strictEqual(shows(diagrams["The dev stack (Docker)"], "docker:index/container:Container"), true);
        assert.strictEqual(shows(diagrams["The dev stack (Docker)"], "docker:index/secret:Secret"), false);
        assert.strictEqual(shows(diagrams["Storage on AWS S3"], "aws:s3/bucket:Bucket"), true);
        assert.strictEqual(shows('subgraph X\n  a["aws.BucketPolicy"]', "aws:s3/bucket:Bucket"), false);
    });
});
