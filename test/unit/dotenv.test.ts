import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { selectEnv, toDotenv } from "../../scripts/dotenv";

describe("dotenv script", () => {
    it("writes one KEY=value line per variable", () => {
        assert.strictEqual(
            toDotenv({ ORBIT_REGISTRY_URL: "orbit-registry:5000", ORBIT_REGISTRY_PASS: "fakePass123" }),
            "ORBIT_REGISTRY_URL=orbit-registry:5000\nORBIT_REGISTRY_PASS=fakePass123\n",
        );
    });

    it("quotes and escapes values with spaces, quotes, dollars or newlines", () => {
        assert.strictEqual(toDotenv({ A: 'x "y" $z\nw' }), 'A="x \\"y\\" \\$z\\nw"\n');
    });

    it("refuses an unknown output and a masked secret", () => {
        assert.throws(() => selectEnv({}, "registryUrl"), /expected one of: buildServiceEnv, orbitWwwEnv/);
        assert.throws(() => selectEnv({ orbitWwwEnv: "[secret]" }, "orbitWwwEnv"), /--show-secrets/);
        assert.throws(() => selectEnv({}, "orbitWwwEnv"), /pulumi up/);
    });

    it("runs as `npm run dotenv` and writes a file only its owner can read", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orbit-dotenv-"));
        try {
            const outputs = path.join(dir, "outputs.json");
            fs.writeFileSync(
                outputs,
                JSON.stringify({ orbitWwwEnv: { ORBIT_REGISTRY_URL: "orbit-registry:5000", ORBIT_REGISTRY_TOKEN: "fakeToken" } }),
            );
            const out = path.join(dir, "orbit-www.env");
            execFileSync("npm", ["run", "--silent", "dotenv", "--", "orbitWwwEnv", "--json", outputs, "--out", out], { stdio: "pipe" });
            assert.strictEqual(fs.readFileSync(out, "utf8"), "ORBIT_REGISTRY_URL=orbit-registry:5000\nORBIT_REGISTRY_TOKEN=fakeToken\n");
            assert.strictEqual(fs.statSync(out).mode & 0o777, 0o600);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
