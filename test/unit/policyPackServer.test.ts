import * as grpc from "@grpc/grpc-js";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as path from "path";
import { policies } from "../../policy/policies";

const root = path.resolve(__dirname, "../..");

/**
 * The pack as published (`npm pack` of policy/ alone, which is what `pulumi policy publish` ships),
 * unpacked into a directory of its own; its npm dependencies come from the project's install.
 */
function unpackedPolicyPack(into: string): string {
    const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", into], {
        cwd: path.join(root, "policy"),
        encoding: "utf8",
    }).trim();
    execFileSync("tar", ["-xzf", path.join(into, tarball), "-C", into]);
    const packDir = path.join(into, "package");
    fs.symlinkSync(path.join(root, "node_modules"), path.join(packDir, "node_modules"), "dir");
    return packDir;
}

/**
 * The pack as `pulumi preview --policy-pack <dir>` runs it: Node.js in the pack's directory,
 * serving the analyzer gRPC protocol on a port it prints. This drives that server as the engine
 * does, from a copy of the published pack, so an import from outside policy/ fails here.
 */
describe("the policy pack as the Pulumi engine runs it", function () {
    this.timeout(60_000);
    let pack: ChildProcess;
    let client: analyzerGrpc.AnalyzerClient;

    let scratch: string;

    before(async () => {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "orbit-policy-pack-"));
        const packDir = unpackedPolicyPack(scratch);
        assert.ok(!fs.existsSync(path.join(packDir, "..", "components")), "the unpacked pack sits alone");
        pack = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], {
            cwd: packDir,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        pack.stderr!.on("data", (chunk) => (stderr += chunk));
        const port = await new Promise<number>((resolve, reject) => {
            pack.stdout!.once("data", (chunk) => resolve(Number(String(chunk).trim())));
            pack.once("exit", (code) => reject(new Error(`the policy pack exited (${code}):\n${stderr}`)));
        });
        client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        pack?.kill();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    it("announces every policy with its enforcement level", async () => {
        const info = await new Promise<analyzer.AnalyzerInfo>((resolve, reject) =>
            client.getAnalyzerInfo(new Empty(), (error, response) => (error ? reject(error) : resolve(response))),
        );
        assert.strictEqual(info.getName(), "orbit-registry");
        const announced = info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]);
        assert.deepStrictEqual(
            announced,
            policies.map((p) => [p.name, analyzer.EnforcementLevel.MANDATORY]),
        );
    });

    it("reports a violation for a resource the engine sends", async () => {
        const request = new analyzer.AnalyzeRequest()
            .setType("docker:index/remoteImage:RemoteImage")
            .setName("registry-image")
            .setUrn("urn:pulumi:dev::orbit-registry::docker:index/remoteImage:RemoteImage::registry-image")
            .setProperties(Struct.fromJavaScript({ name: "registry:latest" }))
            .setOptions(new analyzer.AnalyzerResourceOptions());
        const response = await new Promise<analyzer.AnalyzeResponse>((resolve, reject) =>
            client.analyze(request, (error, result) => (error ? reject(error) : resolve(result))),
        );
        const diagnostics = response.getDiagnosticsList().map((d) => [d.getPolicyname(), d.getMessage()]);
        assert.strictEqual(diagnostics.length, 1, JSON.stringify(diagnostics));
        assert.strictEqual(diagnostics[0][0], "images-pinned");
        assert.match(diagnostics[0][1], /registry:latest/);
    });
});
