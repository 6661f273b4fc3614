import * as fs from "fs";
import * as path from "path";
import { ClientResult, timedRun } from "./timedRun";

/**
 * go-containerregistry's crane: pushes and pulls an image's layers concurrently, as docker and
 * BuildKit do. Credentials in a Docker config of its own (DOCKER_CONFIG), never on a command line.
 */
export class Crane {
    private readonly configDir: string;

    constructor(
        private readonly binary: string,
        dir: string,
        host: string,
        credentials: { user: string; password: string },
    ) {
        this.configDir = path.join(dir, "docker-config");
        fs.mkdirSync(this.configDir, { recursive: true });
        const auth = Buffer.from(`${credentials.user}:${credentials.password}`).toString("base64");
        fs.writeFileSync(path.join(this.configDir, "config.json"), JSON.stringify({ auths: { [host]: { auth } } }), { mode: 0o600 });
    }

    /** Pushes the OCI layout at `layoutDir` (one image) to `reference`. */
    push(layoutDir: string, reference: string): Promise<ClientResult> {
        return this.run(["push", "--insecure", layoutDir, reference]);
    }

    /** Pulls `reference` into an OCI layout at `layoutDir`. */
    pull(reference: string, layoutDir: string): Promise<ClientResult> {
        return this.run(["pull", "--insecure", "--format", "oci", reference, layoutDir]);
    }

    /** Deletes the manifest `reference` (repository@digest) names; crane asks for push,pull,delete. */
    delete(reference: string): Promise<ClientResult> {
        return this.run(["delete", "--insecure", reference]);
    }

    private run(args: string[]): Promise<ClientResult> {
        return timedRun(this.binary, args, { PATH: process.env.PATH, HOME: this.configDir, DOCKER_CONFIG: this.configDir }, 600_000);
    }
}
