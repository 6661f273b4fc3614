import * as assert from "assert";
import { allAppVariables, appEnvironment } from "../../components/appEnv";
import { dialAddress, hostAddress } from "../../components/docker/hostAddress";
import { htpasswdLine } from "../../components/htpasswd";

describe("htpasswdLine", () => {
    const fakeHash = "$2y$05$fakefakefakefakefakefuKq8jK6t0v1bq3Gm7yKX0wqzJ7F1I7ba";
    it("joins user and bcrypt hash with a colon, one line", () =>
        assert.strictEqual(htpasswdLine("orbit-service", fakeHash), `orbit-service:${fakeHash}\n`));
    it("refuses a non-bcrypt hash, which Distribution would not accept", () =>
        assert.throws(() => htpasswdLine("orbit-service", "{SHA}abc"), /bcrypt/));
    it("refuses a user with a colon", () => assert.throws(() => htpasswdLine("a:b", fakeHash), /':'/));
});

describe("app environment", () => {
    const access = { url: "orbit-registry:5000", user: "orbit-service", password: "fake-password" };
    it("gives build-service the URL, user and password", () =>
        assert.deepStrictEqual(appEnvironment(access).buildServiceEnv, {
            ORBIT_REGISTRY_URL: "orbit-registry:5000",
            ORBIT_REGISTRY_USER: "orbit-service",
            ORBIT_REGISTRY_PASS: "fake-password",
        }));
    it("gives orbit-www the URL and the service account password as its token", () =>
        assert.deepStrictEqual(appEnvironment(access).orbitWwwEnv, {
            ORBIT_REGISTRY_URL: "orbit-registry:5000",
            ORBIT_REGISTRY_TOKEN: "fake-password",
        }));
    it("merges both apps' variables for one Secret, the shared URL once", () =>
        assert.deepStrictEqual(Object.keys(allAppVariables(appEnvironment(access))).sort(), [
            "ORBIT_REGISTRY_PASS",
            "ORBIT_REGISTRY_TOKEN",
            "ORBIT_REGISTRY_URL",
            "ORBIT_REGISTRY_USER",
        ]));
});

describe("host addresses", () => {
    it("calls loopback and any-address binds localhost", () => {
        for (const bind of ["127.0.0.1", "0.0.0.0", "::", "::1"]) assert.strictEqual(hostAddress(bind, 5050), "localhost:5050");
    });
    it("keeps a specific LAN address, bracketing IPv6", () => {
        assert.strictEqual(hostAddress("10.1.2.3", 5050), "10.1.2.3:5050");
        assert.strictEqual(hostAddress("fd00::1", 5050), "[fd00::1]:5050");
    });
    it("dials loopback when the port is bound to every address", () => {
        assert.strictEqual(dialAddress("0.0.0.0", 9000), "127.0.0.1:9000");
        assert.strictEqual(dialAddress("::", 9000), "[::1]:9000");
        assert.strictEqual(dialAddress("127.0.0.1", 9000), "127.0.0.1:9000");
    });
});
