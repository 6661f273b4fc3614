import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { configKeys, qualifiedKey } from "../../components/config";
import { runProgram } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

const root = path.resolve(__dirname, "../..");
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
const architecture = fs.readFileSync(path.join(root, "docs/architecture.md"), "utf8");
const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));

describe("Pulumi.yaml and the README stay in step with the program", () => {
    it("declares, with a type, description and default, exactly the project keys the program reads", () => {
        const projectKeys = configKeys.filter((key) => qualifiedKey(key).startsWith("orbit-registry:"));
        assert.deepStrictEqual(Object.keys(project.config).sort(), [...projectKeys].sort());
        for (const [key, declaration] of Object.entries<Record<string, unknown>>(project.config)) {
            assert.ok(["string", "integer", "boolean"].includes(declaration.type as string), key);
            assert.ok(typeof declaration.description === "string" && declaration.description.length > 10, key);
            assert.ok("default" in declaration, key);
        }
    });

    it("documents every config key in the README's configuration table", () => {
        for (const key of configKeys) {
            const name = qualifiedKey(key).startsWith("orbit-registry:") ? key : qualifiedKey(key);
            assert.ok(readme.includes(`| \`${name}\` |`), `README has no row for ${name}`);
        }
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
