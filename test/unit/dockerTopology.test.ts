import * as assert from "assert";
import { plain, isSecret, runProgram, StackRun } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

describe("dev stack smoke", () => {
    let run: StackRun;
    before(async () => {
        run = await runProgram(stackConfig("dev"), "dev");
    });
    it("declares", () => {
        for (const r of run.resources) console.log(r.type, r.name, r.parentName, Object.keys(r.inputs).join(","));
        console.log(JSON.stringify(run.outputs, null, 1));
        const c = run.one("docker:index/container:Container", "registry-container");
        console.log(c.inputs.envs, isSecret(c.inputs.envs), plain(c.inputs.uploads));
        assert.ok(run.resources.length > 5);
    });
});
