import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { configKeys, qualifiedKey } from "../../components/config";
import { runProgram } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

const root = path.resolve(__dirname, "../..");
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
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
        for (const command of ["npm ci", "npm test", "npm run test:integration", "npm run test:cluster", "npm run lint"]) {
            assert.ok(ci.includes(command), `.ci/run does not run ${command}`);
            assert.ok(readme.includes(command), `README does not give ${command}`);
        }
    });
});
