/* eslint-disable @typescript-eslint/no-explicit-any */
import * as assert from "assert";
import { parse, stringify } from "yaml";
import {
    awsBucketsPrivateAndEncrypted,
    iamNoWildcards,
    imagesPinned,
    minioNotExposed,
    noPlaintextCredentials,
    podsRestricted,
    policies,
    pullSideContained,
    registryAuthAndRedirects,
    registryIngressUnlimitedBody,
    statefulResourcesProtected,
} from "../../policy/policies";
import { RawConfig } from "../../components/config";
import { runProgram } from "../helpers/mockProgram";
import { PolicyInput, policyInputsOf, violations } from "../helpers/policyHarness";
import { StackName, stackConfig } from "../helpers/stackConfig";

const pullSide: RawConfig = { pullEndpoint: "true", mirrorUpstream: "https://registry-1.docker.io" };
const stacks: Record<string, [StackName, RawConfig]> = {
    dev: ["dev", {}],
    prod: ["prod", {}],
    "kubernetes+s3": ["prod", { storage: "s3", awsRegion: "eu-west-1" }],
    "docker+s3": ["dev", { storage: "s3", awsRegion: "eu-west-1" }],
    "dev with registry:3": ["dev", { registryImage: "registry:3.0.0" }],
    "prod with registry:3": ["prod", { registryImage: "registry:3.0.0" }],
    "prod with events, garbage collection with retention, monitoring and a rotation": [
        "prod",
        {
            eventsUrl: "https://orbit-www.example.com/events",
            gcSchedule: "0 3 * * 0",
            retentionKeepLast: "10",
            prometheusOperator: "true",
            credentialsGeneration: "2",
        },
    ],
    "prod with backups and monitoring": [
        "prod",
        {
            backupTarget: "https://s3.eu-central-1.amazonaws.com/orbit-backups/registry",
            backupAccessKey: "fake-backup-access",
            backupSecretKey: "fake-backup-secret",
            backupSchedule: "0 2 * * *",
            prometheusOperator: "true",
        },
    ],
    "dev with backups": [
        "dev",
        {
            backupTarget: "https://s3.eu-central-1.amazonaws.com/orbit-backups/registry",
            backupAccessKey: "fake-backup-access",
            backupSecretKey: "fake-backup-secret",
        },
    ],
    "prod with the pull endpoint and the mirror": [
        "prod",
        { ...pullSide, pullHost: "pull.orbit.example.com", pullSecretNamespaces: "orbit-jobs" },
    ],
    "dev with the pull endpoint and the mirror": ["dev", pullSide],
    "dev with events and a rotation": ["dev", { eventsUrl: "https://orbit-www.example.com/events", credentialsGeneration: "2" }],
};

async function stackInputs(variant: keyof typeof stacks, overrides: RawConfig = {}): Promise<PolicyInput[]> {
    const [stack, base] = stacks[variant];
    return policyInputsOf(await runProgram(stackConfig(stack, { ...base, ...overrides }), stack));
}

/** A copy of `inputs` where `change` has edited the props of every resource `select` picks (it must pick one). */
function broken(
    inputs: PolicyInput[],
    select: (input: PolicyInput) => boolean,
    change: (props: any, input: PolicyInput) => void,
): PolicyInput[] {
    const copy: PolicyInput[] = structuredClone(inputs);
    const picked = copy.filter(select);
    assert.ok(picked.length > 0, "the broken variant changes nothing");
    for (const input of picked) change(input.props, input);
    return copy;
}

const ofType = (type: string) => (input: PolicyInput) => input.type === type;
const named = (type: string, name: string) => (input: PolicyInput) => input.type === type && input.props.metadata?.name === name;
const workload = (name: string) => named("kubernetes:apps/v1:Deployment", name);

/** The dev stack's policy inputs with the registry container's uploaded config.yml edited by `edit`. */
async function devWithRegistryConfig(edit: (config: any) => void): Promise<PolicyInput[]> {
    return broken(
        await stackInputs("dev"),
        (i) => i.props.name === "orbit-registry",
        (props) => {
            const upload = props.uploads.find((u: any) => u.file.endsWith("config.yml"));
            const config = parse(upload.content);
            edit(config);
            upload.content = stringify(config);
        },
    );
}

describe("policy pack", () => {
    it("names each policy in kebab-case, describes it and makes it mandatory", () => {
        assert.strictEqual(policies.length, 10);
        for (const policy of policies) {
            assert.match(policy.name, /^[a-z]+(-[a-z0-9]+)+$/);
            assert.ok(policy.description.length > 40, policy.name);
            assert.strictEqual(policy.enforcementLevel, "mandatory", policy.name);
        }
    });

    for (const variant of Object.keys(stacks) as Array<keyof typeof stacks>) {
        it(`passes every policy on the whole ${variant} stack`, async () => {
            const inputs = await stackInputs(variant);
            for (const policy of policies) assert.deepStrictEqual(await violations(policy, inputs), [], policy.name);
        });
    }
});

describe("images-pinned", () => {
    const deployment = (image: string) => ({
        type: "kubernetes:apps/v1:Deployment",
        props: {
            spec: {
                template: { spec: { initContainers: [{ name: "init", image: "busybox:1.36" }], containers: [{ name: "app", image }] } },
            },
        },
    });
    it("passes tags, digests and Docker image ids", async () => {
        assert.deepStrictEqual(
            await violations(imagesPinned, [deployment("registry:2.8.3"), deployment(`registry@sha256:${"a".repeat(64)}`)]),
            [],
        );
        assert.deepStrictEqual(
            await violations(imagesPinned, [{ type: "docker:index/container:Container", props: { image: `sha256:${"b".repeat(64)}` } }]),
            [],
        );
    });
    it("fails latest and untagged images, in containers, initContainers and Docker images", async () => {
        assert.strictEqual((await violations(imagesPinned, [deployment("registry:latest"), deployment("registry")])).length, 2);
        const job = {
            type: "kubernetes:batch/v1:Job",
            props: { spec: { template: { spec: { initContainers: [{ name: "init", image: "busybox" }], containers: [] } } } },
        };
        assert.match((await violations(imagesPinned, [job]))[0], /initContainer init uses image "busybox"/);
        assert.strictEqual(
            (await violations(imagesPinned, [{ type: "docker:index/remoteImage:RemoteImage", props: { name: "minio/minio:latest" } }]))
                .length,
            1,
        );
    });
    it("catches registry:latest slipped into the dev stack", async () => {
        const inputs = broken(
            await stackInputs("dev"),
            (i) => i.type === "docker:index/remoteImage:RemoteImage" && i.props.name.startsWith("registry:"),
            (props) => (props.name = "registry:latest"),
        );
        assert.match((await violations(imagesPinned, inputs)).join("\n"), /Docker image uses image "registry:latest"/);
    });
    it("catches an unpinned mc image in the prod stack's Job", async () => {
        const inputs = broken(
            await stackInputs("prod"),
            ofType("kubernetes:batch/v1:Job"),
            (props) => (props.spec.template.spec.containers[0].image = "quay.io/minio/mc"),
        );
        assert.match((await violations(imagesPinned, inputs)).join("\n"), /container provision uses image "quay.io\/minio\/mc"/);
    });
});

describe("registry-auth-and-redirects", () => {
    const configMap = (config: object) => ({ type: "kubernetes:core/v1:ConfigMap", props: { data: { "config.yml": stringify(config) } } });
    const good = {
        storage: { s3: { regionendpoint: "http://orbit-minio:9000" }, redirect: { disable: true } },
        auth: { htpasswd: { path: "/auth/htpasswd" } },
    };
    it("passes htpasswd auth with redirects off on an internal endpoint, and redirects on for AWS", async () => {
        assert.deepStrictEqual(
            await violations(registryAuthAndRedirects, [
                configMap(good),
                configMap({ ...good, storage: { s3: {}, redirect: { disable: false } } }),
            ]),
            [],
        );
    });
    it("passes token auth with realm, service, issuer and certificate, and fails one that lacks its certificate", async () => {
        const token = { realm: "https://registry.example.com/token", service: "orbit-registry", issuer: "orbit-registry-auth" };
        const withToken = (t: object) => configMap({ storage: good.storage, auth: { token: t } });
        assert.deepStrictEqual(
            await violations(registryAuthAndRedirects, [withToken({ ...token, rootcertbundle: "/auth/token.crt" })]),
            [],
        );
        assert.match((await violations(registryAuthAndRedirects, [withToken(token)])).join(), /no auth.htpasswd or auth.token/);
    });
    it("fails a config without auth, and redirects to an internal endpoint", async () => {
        assert.match(
            (await violations(registryAuthAndRedirects, [configMap({ storage: good.storage })])).join(),
            /no auth.htpasswd or auth.token/,
        );
        assert.match(
            (
                await violations(registryAuthAndRedirects, [
                    configMap({ ...good, storage: { ...good.storage, redirect: { disable: false } } }),
                ])
            ).join(),
            /redirects clients to its internal S3 endpoint/,
        );
    });
    it("catches a registry:3 container whose config.yml (under /etc/distribution) lost its auth section", async () => {
        const inputs = broken(
            await stackInputs("dev with registry:3"),
            (i) => i.props.name === "orbit-registry",
            (props) => {
                const upload = props.uploads.find((u: any) => u.file === "/etc/distribution/config.yml");
                const config = parse(upload.content);
                delete config.auth;
                upload.content = stringify(config);
            },
        );
        assert.match((await violations(registryAuthAndRedirects, inputs)).join("\n"), /no auth.htpasswd or auth.token/);
    });
    it("catches a dev registry whose uploaded config.yml lost its auth section", async () => {
        const inputs = await devWithRegistryConfig((config) => {
            delete config.auth;
        });
        assert.match((await violations(registryAuthAndRedirects, inputs)).join("\n"), /no auth.htpasswd or auth.token/);
    });
    it("catches a prod registry config with redirects on", async () => {
        const inputs = broken(
            await stackInputs("prod"),
            (i) => i.type === "kubernetes:core/v1:ConfigMap" && i.props.data["config.yml"] !== undefined,
            (props) => {
                const config = parse(props.data["config.yml"]);
                config.storage.redirect.disable = false;
                props.data["config.yml"] = stringify(config);
            },
        );
        assert.match((await violations(registryAuthAndRedirects, inputs)).join("\n"), /orbit-minio.orbit-registry.svc.cluster.local:9000/);
    });
});

describe("no-plaintext-credentials", () => {
    const pod = (env: object[]) => ({
        type: "kubernetes:apps/v1:Deployment",
        props: { spec: { template: { spec: { containers: [{ name: "app", env }] } } } },
    });
    it("passes Secret references, harmless values and $(VAR) URLs", async () => {
        const env = [
            { name: "MINIO_ROOT_PASSWORD", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
            { name: "HOME", value: "/tmp" },
            { name: "MC_HOST_orbit", value: "http://$(USER):$(PASSWORD)@minio:9000" },
        ];
        assert.deepStrictEqual(
            await violations(noPlaintextCredentials, [
                pod(env),
                {
                    type: "kubernetes:core/v1:ConfigMap",
                    props: { data: { "config.yml": "auth:\n  htpasswd:\n    path: /auth/htpasswd\n" } },
                },
            ]),
            [],
        );
    });
    it("fails credential-named plain env values, URLs with passwords and credentials in ConfigMaps", async () => {
        assert.match(
            (await violations(noPlaintextCredentials, [pod([{ name: "DB_PASSWORD", value: "fake-password" }])])).join(),
            /sets DB_PASSWORD as a plain value/,
        );
        assert.match(
            (await violations(noPlaintextCredentials, [pod([{ name: "S3_URL", value: "http://user:fake-password@minio:9000" }])])).join(),
            /a URL with a password/,
        );
        const configMap = {
            type: "kubernetes:core/v1:ConfigMap",
            props: { data: { "config.yml": "storage:\n  s3:\n    secretkey: fakeSecretKey\n" } },
        };
        assert.match(
            (await violations(noPlaintextCredentials, [configMap])).join(),
            /ConfigMap key config.yml holds a credential assignment \(secretkey/,
        );
    });
    it("reads a script's assignments as code, and still catches a quoted literal in one", async () => {
        const script = (code: string) => ({ type: "kubernetes:core/v1:ConfigMap", props: { data: { "cleanup.js": code } } });
        assert.deepStrictEqual(
            await violations(noPlaintextCredentials, [script('const api = client({\n    password: env.ORBIT_REGISTRY_PASS ?? "",\n});\n')]),
            [],
        );
        assert.match(
            (await violations(noPlaintextCredentials, [script('const password = "fake-hunter2";\n')])).join(),
            /ConfigMap key cleanup.js holds a credential assignment/,
        );
    });
    it("catches an S3 secret key written as a plain env value in the prod registry", async () => {
        const inputs = broken(
            await stackInputs("prod"),
            workload("orbit-registry"),
            (props) => (props.spec.template.spec.containers[0].env = [{ name: "REGISTRY_STORAGE_S3_SECRETKEY", value: "fake-secret" }]),
        );
        assert.match((await violations(noPlaintextCredentials, inputs)).join("\n"), /REGISTRY_STORAGE_S3_SECRETKEY as a plain value/);
    });
    it("catches the S3 keys written into the dev registry's uploaded config.yml", async () => {
        const inputs = await devWithRegistryConfig((config) => {
            config.storage.s3.accesskey = "fakeaccesskey";
        });
        assert.match((await violations(noPlaintextCredentials, inputs)).join("\n"), /config.yml holds a credential assignment \(accesskey/);
    });
});

describe("minio-not-exposed", () => {
    const container = (ip?: string) => ({
        type: "docker:index/container:Container",
        props: { name: "orbit-minio", ports: [{ internal: 9000, external: 9000, ip }] },
    });
    it("passes MinIO bound to loopback and ClusterIP Services", async () => {
        assert.deepStrictEqual(
            await violations(minioNotExposed, [
                container("127.0.0.1"),
                { type: "kubernetes:core/v1:Service", props: { metadata: { name: "orbit-minio" }, spec: { type: "ClusterIP" } } },
            ]),
            [],
        );
    });
    it("fails MinIO on every address, NodePort/LoadBalancer Services and Ingresses to MinIO", async () => {
        assert.strictEqual((await violations(minioNotExposed, [container("0.0.0.0"), container(undefined), container("::")])).length, 3);
        assert.strictEqual(
            (
                await violations(minioNotExposed, [
                    {
                        type: "kubernetes:core/v1:Service",
                        props: { metadata: { name: "s3" }, spec: { type: "NodePort", selector: { "app.kubernetes.io/name": "minio" } } },
                    },
                ])
            ).length,
            1,
        );
        const ingress = {
            type: "kubernetes:networking.k8s.io/v1:Ingress",
            props: {
                metadata: { name: "s3" },
                spec: { rules: [{ http: { paths: [{ backend: { service: { name: "orbit-minio" } } }] } }] },
            },
        };
        assert.match((await violations(minioNotExposed, [ingress])).join(), /routes every host to MinIO Service orbit-minio/);
    });
    it("catches the dev stack with bindAddress=0.0.0.0", async () => {
        const found = await violations(minioNotExposed, await stackInputs("dev", { bindAddress: "0.0.0.0" }));
        assert.strictEqual(found.length, 2, found.join("\n"));
        assert.match(found[0], /MinIO's port 9000 is published on every address of the host \(0.0.0.0\)/);
    });
    it("catches a prod MinIO Service turned into a LoadBalancer", async () => {
        const inputs = broken(
            await stackInputs("prod"),
            named("kubernetes:core/v1:Service", "orbit-minio"),
            (props) => (props.spec.type = "LoadBalancer"),
        );
        assert.match((await violations(minioNotExposed, inputs)).join("\n"), /exposes MinIO as LoadBalancer/);
    });
});

describe("pods-restricted", () => {
    const restricted = {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
            {
                name: "app",
                readinessProbe: { tcpSocket: { port: 80 } },
                resources: { limits: { memory: "128Mi" } },
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
        ],
    };
    const deployment = (pod: object) => ({ type: "kubernetes:apps/v1:Deployment", props: { spec: { template: { spec: pod } } } });
    it("passes a restricted pod with limits and a readiness probe; a Job needs no probe", async () => {
        const job = {
            type: "kubernetes:batch/v1:Job",
            props: {
                spec: { template: { spec: { ...restricted, containers: [{ ...restricted.containers[0], readinessProbe: undefined }] } } },
            },
        };
        assert.deepStrictEqual(await violations(podsRestricted, [deployment(restricted), job]), []);
    });
    it("fails root, privilege escalation, kept capabilities, no seccomp, no memory limit, no probe", async () => {
        const bad = deployment({ containers: [{ name: "app", securityContext: { runAsUser: 0 } }] });
        const found = (await violations(podsRestricted, [bad])).join("\n");
        for (const expected of [
            /runAsNonRoot/,
            /user 0/,
            /allowPrivilegeEscalation/,
            /drop ALL/,
            /seccomp/,
            /memory limit/,
            /readiness probe/,
        ])
            assert.match(found, expected);
    });
    it("catches a prod registry container allowed to escalate privileges, without a memory limit", async () => {
        const inputs = broken(await stackInputs("prod"), workload("orbit-registry"), (props) => {
            const container = props.spec.template.spec.containers[0];
            container.securityContext.allowPrivilegeEscalation = true;
            delete container.resources.limits.memory;
        });
        const found = (await violations(podsRestricted, inputs)).join("\n");
        assert.match(found, /container registry does not set allowPrivilegeEscalation: false/);
        assert.match(found, /container registry has no memory limit/);
    });
});

describe("stateful-resources-protected", () => {
    const volume = (protect: boolean) => ({ type: "docker:index/volume:Volume", name: "data", props: {}, protect });
    it("passes protected stateful resources and ignores others", async () => {
        assert.deepStrictEqual(
            await violations(statefulResourcesProtected, [volume(true), { type: "docker:index/network:Network", props: {} }]),
            [],
        );
    });
    it("fails an unprotected one, unless the stack says requireProtection=false", async () => {
        assert.strictEqual((await violations(statefulResourcesProtected, [volume(false)])).length, 1);
        assert.deepStrictEqual(await violations(statefulResourcesProtected, [volume(false)], { requireProtection: false }), []);
    });
    it("catches the prod stack with protectData=false", async () => {
        const found = await violations(statefulResourcesProtected, await stackInputs("prod", { protectData: "false" }));
        assert.strictEqual(found.length, 2, found.join("\n"));
        assert.match(found.join("\n"), /PersistentVolumeClaim .* holds image data but is not protected/);
        assert.match(found.join("\n"), /StatefulSet .* holds image data but is not protected/);
    });
    it("catches the dev and docker+s3 stacks with protectData=false", async () => {
        assert.strictEqual((await violations(statefulResourcesProtected, await stackInputs("dev", { protectData: "false" }))).length, 2);
        assert.strictEqual(
            (await violations(statefulResourcesProtected, await stackInputs("docker+s3", { protectData: "false" }))).length,
            1,
        );
    });
});

describe("aws-buckets-private-and-encrypted", () => {
    const bucket = { type: "aws:s3/bucket:Bucket", name: "b", props: { bucket: "b-1" } };
    const block = (flag: boolean) => ({
        type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        props: { bucket: "b-1", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: flag },
    });
    const sse = {
        type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        props: { bucket: "b-1", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] },
    };
    it("passes a fully blocked, encrypted bucket", async () => {
        assert.deepStrictEqual(await violations(awsBucketsPrivateAndEncrypted, [bucket, block(true), sse]), []);
    });
    it("fails a partly public or unencrypted bucket, and settings of another bucket", async () => {
        assert.match(
            (await violations(awsBucketsPrivateAndEncrypted, [bucket, block(false), sse])).join(),
            /does not block all public access/,
        );
        assert.match((await violations(awsBucketsPrivateAndEncrypted, [bucket, block(true)])).join(), /no default server-side encryption/);
        assert.strictEqual(
            (
                await violations(awsBucketsPrivateAndEncrypted, [
                    bucket,
                    { ...block(true), props: { ...block(true).props, bucket: "other" } },
                    sse,
                ])
            ).length,
            1,
        );
    });
    it("catches the kubernetes+s3 stack without encryption and with public buckets allowed", async () => {
        const inputs = broken(
            (await stackInputs("kubernetes+s3")).filter((i) => !i.type.includes("bucketServerSideEncryption")),
            ofType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"),
            (props) => (props.restrictPublicBuckets = false),
        );
        const found = (await violations(awsBucketsPrivateAndEncrypted, inputs)).join("\n");
        assert.match(found, /Bucket orbit-registry does not block all public access/);
        assert.match(found, /Bucket orbit-registry has no default server-side encryption/);
    });
});

describe("iam-no-wildcards", () => {
    const userPolicy = (statement: object) => ({
        type: "aws:iam/userPolicy:UserPolicy",
        props: { policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }) },
    });
    it("passes named actions on named resources, and Deny statements", async () => {
        assert.deepStrictEqual(
            await violations(iamNoWildcards, [
                userPolicy({ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }),
                userPolicy({ Effect: "Deny", Action: "s3:*", Resource: "*" }),
            ]),
            [],
        );
    });
    it("fails *, service:*, NotAction and * resources", async () => {
        assert.strictEqual((await violations(iamNoWildcards, [userPolicy({ Effect: "Allow", Action: "*", Resource: "*" })])).length, 2);
        assert.strictEqual(
            (await violations(iamNoWildcards, [userPolicy({ Effect: "Allow", Action: ["s3:*"], Resource: ["arn:aws:s3:::b"] })])).length,
            1,
        );
        assert.strictEqual(
            (await violations(iamNoWildcards, [userPolicy({ Effect: "Allow", NotAction: "iam:*", Resource: ["arn:aws:s3:::b"] })])).length,
            1,
        );
    });
    it("catches s3:* in the docker+s3 stack's IAM user policy", async () => {
        const inputs = broken(await stackInputs("docker+s3"), ofType("aws:iam/userPolicy:UserPolicy"), (props) => {
            const document = JSON.parse(props.policy);
            document.Statement[1].Action = ["s3:*"];
            props.policy = JSON.stringify(document);
        });
        assert.match((await violations(iamNoWildcards, inputs)).join("\n"), /allows the wildcard action s3:\*/);
    });
    it("catches a '*' resource in the dev stack's MinIO policy", async () => {
        const inputs = broken(await stackInputs("dev"), ofType("minio:index/iamPolicy:IamPolicy"), (props) => {
            const document = JSON.parse(props.policy);
            document.Statement[0].Resource = ["*"];
            props.policy = JSON.stringify(document);
        });
        assert.match((await violations(iamNoWildcards, inputs)).join("\n"), /allows the wildcard resource \*/);
    });
});

describe("registry-ingress-unlimited-body", () => {
    const ingress = (annotations: Record<string, string>, service = "orbit-registry") => ({
        type: "kubernetes:networking.k8s.io/v1:Ingress",
        props: { metadata: { annotations }, spec: { rules: [{ http: { paths: [{ backend: { service: { name: service } } }] } }] } },
    });
    it("passes proxy-body-size 0, and ignores other Ingresses", async () => {
        assert.deepStrictEqual(
            await violations(registryIngressUnlimitedBody, [
                ingress({ "nginx.ingress.kubernetes.io/proxy-body-size": "0" }),
                ingress({}, "grafana"),
            ]),
            [],
        );
    });
    it("fails a missing or limited body size", async () => {
        assert.strictEqual(
            (
                await violations(registryIngressUnlimitedBody, [
                    ingress({}),
                    ingress({ "nginx.ingress.kubernetes.io/proxy-body-size": "100m" }),
                ])
            ).length,
            2,
        );
    });
    it("catches the prod Ingress limited to 1m", async () => {
        const inputs = broken(
            await stackInputs("prod"),
            ofType("kubernetes:networking.k8s.io/v1:Ingress"),
            (props) => (props.metadata.annotations["nginx.ingress.kubernetes.io/proxy-body-size"] = "1m"),
        );
        assert.match((await violations(registryIngressUnlimitedBody, inputs)).join("\n"), /proxy-body-size: "1m"/);
    });
});

describe("pull-side-contained", () => {
    const pullContainer = (input: PolicyInput) =>
        input.type === "docker:index/container:Container" && input.props.name === "orbit-registry-pull";
    const editConfig = (edit: (config: any) => void) => (props: any) => {
        const upload = props.uploads.find((u: any) => u.file.endsWith("config.yml"));
        const config = parse(upload.content);
        edit(config);
        upload.content = stringify(config);
    };

    it("catches a pull endpoint that could write", async () => {
        const inputs = broken(
            await stackInputs("dev with the pull endpoint and the mirror"),
            pullContainer,
            editConfig((config) => {
                delete config.storage.maintenance.readonly;
                config.storage.maintenance.uploadpurging.enabled = true;
            }),
        );
        const found = await violations(pullSideContained, inputs);
        assert.strictEqual(found.length, 2, found.join("\n"));
        assert.match(found[0], /pull endpoint's registry config is not read-only/);
    });

    it("catches the mirror published beyond loopback, unless exposedMirror allows it", async () => {
        const inputs = broken(
            await stackInputs("dev with the pull endpoint and the mirror"),
            (input) => input.type === "docker:index/container:Container" && input.props.name === "orbit-registry-mirror",
            (props) => (props.ports[0].ip = "10.0.0.5"),
        );
        assert.match((await violations(pullSideContained, inputs)).join("\n"), /mirror's port 5000 is published on 10\.0\.0\.5/);
        assert.deepStrictEqual(await violations(pullSideContained, inputs, { exposedMirror: true }), []);
    });

    it("catches an Ingress or a LoadBalancer to the mirror on Kubernetes", async () => {
        const prod = await stackInputs("prod with the pull endpoint and the mirror");
        const withIngress = broken(prod, ofType("kubernetes:networking.k8s.io/v1:Ingress"), (props) =>
            props.spec.rules.push({
                host: "mirror.example.com",
                http: { paths: [{ backend: { service: { name: "orbit-registry-mirror" } } }] },
            }),
        );
        assert.match((await violations(pullSideContained, withIngress)).join("\n"), /routes mirror\.example\.com to the Docker Hub mirror/);
        const loadBalancer = broken(
            prod,
            named("kubernetes:core/v1:Service", "orbit-registry-mirror"),
            (props) => (props.spec.type = "LoadBalancer"),
        );
        assert.match((await violations(pullSideContained, loadBalancer)).join("\n"), /exposes the Docker Hub mirror outside the cluster/);
    });

    it("still requires accounts of every registry config but the mirror's", async () => {
        const inputs = broken(
            await stackInputs("dev with the pull endpoint and the mirror"),
            pullContainer,
            editConfig((config) => delete config.auth),
        );
        assert.match((await violations(registryAuthAndRedirects, inputs)).join("\n"), /no auth\.htpasswd/);
    });
});
