import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { registryBucketPolicy } from "../../../common/bucketPolicy";
import { DistributionVersion } from "../../../common/distributionVersion";
import { htpasswdHash } from "../../../components/htpasswd";
import { minioContainer } from "../../../common/upstream";
import { Mc } from "./mc";
import { removedOnExit } from "./processes";
import { DistributedMinio } from "./distributedMinio";
import { MinioServer } from "./minio";
import { RegistryServer, RegistryServerArgs } from "./registry";
import { Skopeo } from "./skopeo";
import { Tools } from "./tools";

const randomSecret = (bytes = 24) => crypto.randomBytes(bytes).toString("hex");
/** A bcrypt salt as the program keeps one: 22 alphanumerics. */
export const randomSalt = () => crypto.randomBytes(11).toString("hex");

export interface StackOptions {
    /** Distribution's major version; 2 by default. */
    version?: DistributionVersion;
    /** Registry settings that differ from the dev stack's. */
    settings?: RegistryServerArgs["settings"];
    /** A Redis every registry of the stack shares as its blob-descriptor cache. */
    redis?: { address: string; password: string };
    /** MinIO distributed over this many processes (one per pod) of `drivesPerNode` drives; one process without. */
    minioNodes?: { nodes: number; drivesPerNode: number };
    /** Redirect blob pulls straight to MinIO (reachable on loopback). */
    storageRedirects?: boolean;
    /**
     * The host name the registry reaches MinIO by (and signs redirects for) instead of its address,
     * as minioPublicEndpoint makes it do: e.g. localhost for MinIO on 127.0.0.1.
     */
    minioHostName?: string;
    /** S3 driver settings other than the program's defaults. */
    s3Tuning?: RegistryServerArgs["s3Tuning"];
    /** Environment the program adds to MinIO (one process only). */
    minioEnv?: Record<string, string>;
    /** Go's soft memory limit for the registry (GOMEMLIMIT), as the Kubernetes target sets it; none without. */
    goMemLimit?: string;
    /** orbit-www's events endpoint and the token the registry sends it. */
    events?: { url: string; token: string };
    /** How often the registry checks its storage; 1s by default, so an outage shows quickly. */
    healthInterval?: string;
    /** Provision the backups' read-only identity too. */
    readerIdentity?: boolean;
    /** Token authentication at this token server (workspace quotas) instead of htpasswd. */
    token?: RegistryServerArgs["token"];
}

export interface Credentials {
    user: string;
    password: string;
}

/**
 * The dev topology as local processes: MinIO with the bucket, the registry's own user and the
 * program's policy, and Docker Distribution configured as the program configures it. Every
 * credential is generated for this run.
 */
export class LocalRegistryStack {
    readonly dir = removedOnExit(fs.mkdtempSync(path.join(os.tmpdir(), "orbit-registry-it-")));
    readonly bucket = "orbit-registry";
    readonly serviceAccount: Credentials = { user: "orbit-service", password: randomSecret() };
    readonly registryS3 = { accessKey: `registry${randomSecret(6)}`, secretKey: randomSecret() };
    /** The backups' read-only MinIO identity (provisioned with options.readerIdentity). */
    readonly readerS3 = { accessKey: `backup${randomSecret(6)}`, secretKey: randomSecret() };
    readonly minio: MinioServer | DistributedMinio;
    readonly mc: Mc;
    readonly skopeo: Skopeo;
    /** Created once MinIO has its port, which the registry's config names. */
    registry!: RegistryServer;
    private readonly replicas: RegistryServer[] = [];

    readonly version: DistributionVersion;
    private readonly httpSecret = randomSecret(32);
    private readonly bcryptHash: string;

    constructor(
        private readonly tools: Tools,
        private readonly options: StackOptions = {},
    ) {
        this.version = options.version ?? 2;
        this.bcryptHash = htpasswdHash(this.serviceAccount.password, randomSalt());
        const root = { user: `root${randomSecret(6)}`, password: randomSecret() };
        const nodes = options.minioNodes;
        this.minio = nodes
            ? new DistributedMinio(tools.minio, path.join(this.dir, "minio"), root, nodes.nodes, nodes.drivesPerNode)
            : new MinioServer(tools.minio, path.join(this.dir, "minio-data"), root, options.minioEnv);
        this.mc = new Mc(tools.mc, path.join(this.dir, "mc"));
        this.skopeo = new Skopeo(tools.skopeo, path.join(this.dir, "skopeo"));
    }

    async start(): Promise<void> {
        await this.minio.start();
        this.mc.alias("registry", this.minio.endpoint, this.registryS3.accessKey, this.registryS3.secretKey);
        await this.provision();
        this.registry = this.newRegistry("registry");
        await this.registry.start(this.options.goMemLimit ? { GOMEMLIMIT: this.options.goMemLimit } : {});
    }

    /** Another registry process on the same storage, http secret and cache: a second replica. */
    async addReplica(name: string, overrides: Pick<StackOptions, "storageRedirects" | "token"> = {}): Promise<RegistryServer> {
        const replica = this.newRegistry(name, overrides);
        this.replicas.push(replica);
        await replica.start();
        return replica;
    }

    private newRegistry(name: string, overrides: Pick<StackOptions, "storageRedirects" | "token"> = {}): RegistryServer {
        return new RegistryServer({
            version: this.version,
            settings: this.options.settings,
            redis: this.options.redis,
            binary: this.version === 2 ? this.tools.registry : this.tools.registry3,
            dir: path.join(this.dir, name),
            minioEndpoint: this.registryMinioEndpoint,
            bucket: this.bucket,
            region: minioContainer.region,
            user: this.serviceAccount.user,
            bcryptHash: this.bcryptHash,
            secrets: { s3AccessKey: this.registryS3.accessKey, s3SecretKey: this.registryS3.secretKey, httpSecret: this.httpSecret },
            healthInterval: this.options.healthInterval ?? "1s",
            events: this.options.events,
            s3Tuning: this.options.s3Tuning,
            storageRedirects: overrides.storageRedirects ?? this.options.storageRedirects,
            token: overrides.token ?? this.options.token,
        });
    }

    /** MinIO's endpoint as the registry's config names it. */
    get registryMinioEndpoint(): string {
        const endpoint = new URL(this.minio.endpoint);
        if (this.options.minioHostName) endpoint.hostname = this.options.minioHostName;
        return endpoint.origin;
    }

    /**
     * Creates (or, run again, confirms) the bucket, the registry's user and policy with the program's
     * script; with `identities`, those users (the last is current) and no other with the policy.
     */
    provision(
        identities: Array<{ accessKey: string; secretKey: string }> = [this.registryS3],
        withReaderIdentity = this.options.readerIdentity ?? false,
        /** More of the script's variables: the mirror's bucket and identity, KEEP_OTHER_USERS. */
        extraEnv: Record<string, string> = {},
    ): Promise<string> {
        const backup = withReaderIdentity ? this.readerS3 : undefined;
        const root = this.mc.alias("root", this.minio.endpoint, this.minio.root.user, this.minio.root.password);
        const [current, previous] = [...identities].reverse();
        return this.mc.provision(
            root,
            this.bucket,
            current.accessKey,
            current.secretKey,
            registryBucketPolicy(this.bucket),
            previous,
            backup,
            extraEnv,
        );
    }

    /** Stops every process and removes every file of the run. */
    async stop(): Promise<void> {
        for (const replica of this.replicas) await replica.stop();
        await this.registry?.stop();
        await this.minio.stop();
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    /** Pushes the image of an OCI layout to `repository:tag` with skopeo and `auth`; throws with skopeo's output when it fails. */
    async pushImage(image: { layoutDir: string; tag: string }, repository: string, tag: string, auth: string): Promise<void> {
        const pushed = await this.skopeo.copy(
            `oci:${image.layoutDir}:${image.tag}`,
            `docker://${this.registry.host}/${repository}:${tag}`,
            auth,
        );
        if (pushed.code !== 0) throw new Error(`pushing ${repository}:${tag} failed: ${pushed.output}`);
    }

    logs(): string {
        return `${this.registry.log()}\n${this.minio.log()}`;
    }
}
