import * as assert from "assert";
import { execFile } from "child_process";
import * as http from "http";
import { AddressInfo } from "net";
import { bashHttpCheck } from "../../components/docker/healthcheck";

/** Runs the healthcheck's command (without Docker's "CMD") and resolves to its exit code. */
function runCheck(command: string[]): Promise<number> {
    assert.strictEqual(command[0], "CMD");
    return new Promise((resolve) => {
        execFile(command[1], command.slice(2), { timeout: 10_000 }, (error) => resolve(error ? Number(error.code ?? 1) : 0));
    });
}

describe("bashHttpCheck (MinIO's container healthcheck)", () => {
    let server: http.Server;
    let port: number;
    before((done) => {
        server = http.createServer((req, res) => {
            res.writeHead(req.url === "/minio/health/live" ? 200 : 503).end();
        });
        server.listen(0, "127.0.0.1", () => {
            port = (server.address() as AddressInfo).port;
            done();
        });
    });
    after((done) => {
        server.close(() => done());
    });

    it("passes when the path answers 200", async () => {
        assert.strictEqual(await runCheck(bashHttpCheck(port, "/minio/health/live")), 0);
    });

    it("fails when the path answers 503", async () => {
        assert.notStrictEqual(await runCheck(bashHttpCheck(port, "/minio/health/ready")), 0);
    });

    it("fails when nothing listens", async () => {
        const closed = http.createServer();
        const unusedPort = await new Promise<number>((resolve) =>
            closed.listen(0, "127.0.0.1", () => resolve((closed.address() as AddressInfo).port)),
        );
        await new Promise((resolve) => closed.close(resolve));
        assert.notStrictEqual(await runCheck(bashHttpCheck(unusedPort, "/minio/health/live")), 0);
    });
});
