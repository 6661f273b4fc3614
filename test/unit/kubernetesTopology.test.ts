import * as assert from "assert";
import { parse } from "yaml";
import { registryBucketPolicy } from "../../common/bucketPolicy";
import { provisionScript } from "../../common/provisionScript";
import { storageHealthCheck } from "../../components/registryConfig";
import {
    containersOf,
    K,
    kubernetesObjects,
    KubeObject,
    matches,
    named,
    objectsOf,
    secretKeys,
    workloads,
} from "../helpers/kubernetesObjects";
import { validateKubernetesObject } from "../helpers/kubernetesSchema";
import { aliasesOf, dependsOnNames, isSecret, runProgram, StackRun } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

const variants = {
    "prod (kubernetes + minio)": stackConfig("prod"),
    "prod with scheduled garbage collection": stackConfig("prod", { gcSchedule: "0 3 * * 0" }),
    "prod with tag retention (cleanup steps in the CronJob)": stackConfig("prod", { gcSchedule: "0 3 * * 0", retentionKeepLast: "10" }),
    "kubernetes + s3": stackConfig("prod", { storage: "s3", awsRegion: "eu-west-1" }),
    "prod with backups": stackConfig("prod", {
        backupTarget: "https://s3.eu-central-1.amazonaws.com/orbit-backups/registry",
        backupAccessKey: "fake-backup-access",
        backupSecretKey: "fake-backup-secret",
        backupSchedule: "0 2 * * *",
    }),
};

/** The credential values the mocks generated: RandomPassword results and the IAM access key's secret. */
function credentialValues(run: StackRun): string[] {
    return [
        ...run.all("random:index/randomPassword:RandomPassword").map((p) => `fake-${p.name}`),
        ...run.all("aws:iam/accessKey:AccessKey").map((k) => `fake-${k.name}-secret`),
    ];
}

const registryConfigOf = (run: StackRun) => {
    const configMap = objectsOf(run, K.configMap).find((c) => c.data?.["config.yml"]);
    assert.ok(configMap, "a ConfigMap carries config.yml");
    return { configMap, config: parse(configMap.data["config.yml"]) };
};

for (const [variant, raw] of Object.entries(variants)) {
    describe(`${variant}: rules every Kubernetes object keeps`, () => {
        let run: StackRun;
        before(async () => {
            run = await runProgram(raw, "prod");
        });

        it("validates every object against the Kubernetes OpenAPI schema (kubernetes-models)", () => {
            const objects = kubernetesObjects(run);
            assert.ok(objects.length > 10);
            for (const { resource, object } of objects) {
                assert.doesNotThrow(() => validateKubernetesObject(object), `${resource.name} (${object.kind})`);
            }
        });

        it("manages every object through one explicit kubernetes provider", () => {
            const provider = run.one("pulumi:providers:kubernetes");
            for (const { resource } of kubernetesObjects(run)) {
                assert.ok(resource.provider?.includes(`::${provider.name}::`), `${resource.name} uses ${resource.provider}`);
            }
        });

        it("creates the namespace labelled to enforce the restricted Pod Security Standard", () => {
            const namespace = named(run, K.namespace, "orbit-registry");
            assert.strictEqual(namespace.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        });

        it("puts every object in the namespace, except the apps' Secret in appNamespace", () => {
            for (const { object } of kubernetesObjects(run).filter((o) => o.object.kind !== "Namespace")) {
                const expected = object.metadata.name === "orbit-registry-credentials" ? "orbit" : "orbit-registry";
                assert.strictEqual(object.metadata.namespace, expected, `${object.kind} ${object.metadata.name}`);
            }
        });

        it("runs every pod under the restricted standard, read-only, with memory limits", () => {
            for (const { object, pod } of workloads(run)) {
                const where = `${object.kind} ${object.metadata.name ?? "(generated)"}`;
                assert.strictEqual(pod.securityContext.runAsNonRoot, true, where);
                assert.ok(pod.securityContext.runAsUser > 0, where);
                assert.strictEqual(pod.securityContext.seccompProfile.type, "RuntimeDefault", where);
                // Only a pod whose ServiceAccount a RoleBinding grants something gets a token.
                const bound = objectsOf(run, K.roleBinding).some((b) =>
                    b.subjects.some((s: KubeObject) => s.name === pod.serviceAccountName),
                );
                assert.strictEqual(pod.automountServiceAccountToken, bound, where);
                for (const container of containersOf(pod)) {
                    const security = container.securityContext;
                    assert.strictEqual(security.allowPrivilegeEscalation, false, `${where}/${container.name}`);
                    assert.deepStrictEqual(security.capabilities.drop, ["ALL"], `${where}/${container.name}`);
                    assert.strictEqual(security.readOnlyRootFilesystem, true, `${where}/${container.name}`);
                    assert.ok(container.resources?.limits?.memory, `${where}/${container.name} has a memory limit`);
                    assert.ok(container.resources?.requests?.memory, `${where}/${container.name} has a memory request`);
                }
            }
        });

        it("gives long-running containers readiness and liveness probes on ports they declare", () => {
            for (const { object, pod } of workloads(run).filter((w) => w.kind !== "Job" && w.kind !== "CronJob")) {
                for (const container of pod.containers) {
                    const ports = container.ports.flatMap((p: KubeObject) => [p.name, p.containerPort]);
                    for (const probeName of ["readinessProbe", "livenessProbe"]) {
                        const probe = container[probeName];
                        assert.ok(probe, `${object.metadata.name}/${container.name} has a ${probeName}`);
                        const port = (probe.httpGet ?? probe.tcpSocket).port;
                        assert.ok(ports.includes(port), `${object.metadata.name} ${probeName} port ${port} is not among ${ports}`);
                    }
                }
            }
        });

        it("has every Service select pods that declare its target ports", () => {
            for (const service of objectsOf(run, K.service)) {
                const selected = workloads(run).filter((w) => matches(service.spec.selector, w.labels));
                assert.ok(selected.length > 0, `Service ${service.metadata.name} selects no workload`);
                for (const port of service.spec.ports) {
                    const declared = selected.flatMap((w) =>
                        w.pod.containers.flatMap((c: KubeObject) => c.ports.map((p: KubeObject) => [p.name, p.containerPort]).flat()),
                    );
                    assert.ok(declared.includes(port.targetPort), `Service ${service.metadata.name} targets ${port.targetPort}`);
                }
            }
        });

        it("resolves every Secret and ConfigMap reference to a declared object and key", () => {
            const secrets = objectsOf(run, K.secret);
            const configMaps = objectsOf(run, K.configMap);
            const secretHas = (name: string, key?: string) => {
                const secret = secrets.find((s) => s.metadata.name === name);
                return Boolean(secret) && (key === undefined || secretKeys(secret!).includes(key));
            };
            for (const { object, pod } of workloads(run)) {
                for (const container of containersOf(pod)) {
                    for (const env of container.env ?? []) {
                        const ref = env.valueFrom?.secretKeyRef;
                        if (ref) assert.ok(secretHas(ref.name, ref.key), `${object.kind} env ${env.name} -> ${ref.name}/${ref.key}`);
                    }
                    for (const source of container.envFrom ?? []) {
                        assert.ok(secretHas(source.secretRef.name), `${object.kind} envFrom ${source.secretRef.name}`);
                    }
                }
                for (const volume of pod.volumes ?? []) {
                    if (volume.secret)
                        assert.ok(secretHas(volume.secret.secretName), `volume ${volume.name} -> Secret ${volume.secret.secretName}`);
                    if (volume.configMap)
                        assert.ok(
                            configMaps.some((c) => c.metadata.name === volume.configMap.name),
                            `volume ${volume.name}`,
                        );
                }
            }
        });

        it("keeps every credential out of ConfigMaps and plain env values, and secret in Secrets", () => {
            const credentials = credentialValues(run);
            const assertClean = (text: string, where: string) => {
                for (const credential of credentials) assert.ok(!text.includes(credential), `${where} carries ${credential}`);
            };
            for (const configMap of objectsOf(run, K.configMap))
                assertClean(JSON.stringify(configMap.data), `ConfigMap ${configMap.metadata.name}`);
            for (const { object, pod } of workloads(run)) {
                for (const container of containersOf(pod)) {
                    for (const env of container.env ?? []) if (env.value) assertClean(env.value, `${object.kind} env ${env.name}`);
                }
            }
            for (const secret of run.all(K.secret)) assert.ok(isSecret(secret.inputs.stringData), `${secret.name} stringData is secret`);
        });

        it("serves the registry on ingressHost over TLS with unlimited body size", () => {
            const ingress = named(run, K.ingress, "orbit-registry");
            assert.strictEqual(ingress.spec.ingressClassName, "nginx");
            assert.deepStrictEqual(ingress.spec.tls, [{ hosts: ["registry.orbit.example.com"], secretName: "orbit-registry-tls" }]);
            assert.strictEqual(ingress.spec.rules[0].host, "registry.orbit.example.com");
            assert.strictEqual(ingress.metadata.annotations["nginx.ingress.kubernetes.io/proxy-body-size"], "0");
            assert.strictEqual(ingress.metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-prod");
            const pathTo = (path: string) => ingress.spec.rules[0].http.paths.find((p: KubeObject) => p.path === path);
            assert.strictEqual(pathTo("/").backend.service.name, named(run, K.service, "orbit-registry").metadata.name);
            // The registry's token realm (workspace quotas), on the same host and certificate.
            assert.deepStrictEqual(pathTo("/token"), {
                path: "/token",
                pathType: "Exact",
                backend: { service: { name: "orbit-registry-auth", port: { name: "token" } } },
            });
        });

        it("holds the registry's Go heap below its memory limit (GOMEMLIMIT at three quarters of it)", () => {
            const container = named(run, K.deployment, "orbit-registry").spec.template.spec.containers[0];
            const mib = (quantity: string) => Number(/^(\d+)Mi(B)?$/.exec(quantity)![1]);
            const goMemLimit = container.env.find((e: KubeObject) => e.name === "GOMEMLIMIT").value;
            assert.strictEqual(mib(goMemLimit), (mib(container.resources.limits.memory) * 3) / 4);
        });

        it("makes a registry pod ready only once it has checked its storage, so a lost bucket never looks ready", () => {
            const probe = named(run, K.deployment, "orbit-registry").spec.template.spec.containers[0].readinessProbe;
            assert.strictEqual(probe.httpGet.path, "/debug/health");
            assert.strictEqual(probe.initialDelaySeconds, storageHealthCheck.firstVerdictSeconds);
        });

        it("runs registryReplicas registry pods sharing one http secret, rolling without downtime, under a PDB", () => {
            const deployment = named(run, K.deployment, "orbit-registry");
            assert.strictEqual(deployment.spec.replicas, 2);
            assert.strictEqual(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0);
            const envSecret = named(run, K.secret, deployment.spec.template.spec.containers[0].envFrom[0].secretRef.name);
            assert.deepStrictEqual(secretKeys(envSecret).sort(), [
                "REGISTRY_HTTP_SECRET",
                "REGISTRY_REDIS_PASSWORD",
                "REGISTRY_STORAGE_S3_ACCESSKEY",
                "REGISTRY_STORAGE_S3_SECRETKEY",
            ]);
            const pdb = named(run, K.pdb, "orbit-registry");
            assert.ok(matches(pdb.spec.selector.matchLabels, deployment.spec.template.metadata.labels));
        });

        it("authenticates by tokens from the realm on ingressHost, the token server's certificate mounted where config.yml looks", () => {
            const { config } = registryConfigOf(run);
            assert.strictEqual(config.auth.htpasswd, undefined);
            assert.strictEqual(config.auth.token.realm, "https://registry.orbit.example.com/token");
            const path = config.auth.token.rootcertbundle;
            const pod = named(run, K.deployment, "orbit-registry").spec.template.spec;
            const mount = pod.containers[0].volumeMounts.find((m: KubeObject) => path.startsWith(`${m.mountPath}/`));
            assert.ok(mount, `nothing is mounted at ${path}`);
            const volume = pod.volumes.find((v: KubeObject) => v.name === mount.name);
            const certificate = named(run, K.configMap, volume.configMap.name);
            assert.deepStrictEqual(Object.keys(certificate.data), [path.slice(mount.mountPath.length + 1)]);
            assert.strictEqual(certificate.data["signing.crt"], named(run, K.configMap, "orbit-registry-auth").data["signing.crt"]);
        });

        it("admits registry traffic only from the ingress controller's and the apps' namespaces", () => {
            assert.deepStrictEqual(named(run, K.networkPolicy, "orbit-registry-default-deny-ingress").spec, {
                podSelector: {},
                policyTypes: ["Ingress"],
            });
            const registry = named(run, K.networkPolicy, "orbit-registry-registry-ingress");
            const sources = registry.spec.ingress[0].from.map(
                (f: KubeObject) => f.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] ?? f.podSelector.matchLabels,
            );
            // With tag retention the CronJob's cleanup reaches the registry's API from its own pods.
            const cleanup = objectsOf(run, K.cronJob).some((c) =>
                (c.spec.jobTemplate.spec.template.spec.initContainers ?? []).some((step: KubeObject) => step.name === "cleanup"),
            );
            assert.deepStrictEqual(sources, [
                "ingress-nginx",
                "orbit",
                ...(cleanup ? [{ "app.kubernetes.io/name": "registry-gc", "app.kubernetes.io/part-of": "orbit-registry" }] : []),
                // The token server's usage scan.
                { "app.kubernetes.io/name": "registry-auth", "app.kubernetes.io/part-of": "orbit-registry" },
            ]);
            assert.ok(
                matches(registry.spec.podSelector.matchLabels, named(run, K.deployment, "orbit-registry").spec.template.metadata.labels),
            );
        });

        it("hands build-service exactly the four ORBIT_REGISTRY_* keys in orbit-registry-credentials", () => {
            const secret = named(run, K.secret, "orbit-registry-credentials");
            assert.deepStrictEqual(secret.stringData, {
                ORBIT_REGISTRY_URL: "registry.orbit.example.com",
                ORBIT_REGISTRY_USER: "orbit-service",
                ORBIT_REGISTRY_PASS: "fake-orbit-registry-credentials-registry-password",
                ORBIT_REGISTRY_TOKEN: "fake-orbit-registry-credentials-registry-password",
            });
        });

        it("gives the same outputs as the Docker target, with the ingress host as the URL", () => {
            assert.deepStrictEqual(run.outputs.registryUrl, { value: "registry.orbit.example.com", secret: false });
            assert.strictEqual(run.outputs.registryInternalUrl.value, "orbit-registry.orbit-registry.svc.cluster.local:5000");
            assert.strictEqual(run.outputs.buildServiceEnv.secret, true);
            assert.strictEqual(
                (run.outputs.buildServiceEnv.value as Record<string, string>).ORBIT_REGISTRY_URL,
                "registry.orbit.example.com",
            );
            assert.strictEqual(run.outputs.orbitWwwEnv.secret, true);
            assert.strictEqual(run.outputs.bucketName.value, "orbit-registry");
        });

        it("protects the namespace, since deleting it would delete the data", () => {
            assert.strictEqual(run.one(K.namespace).opts.protect, true);
        });
    });
}

describe("prod (kubernetes + minio): MinIO and its provisioning", () => {
    let run: StackRun;
    before(async () => {
        run = await runProgram(variants["prod (kubernetes + minio)"], "prod");
    });

    it("runs MinIO as a StatefulSet of the pinned image on a protected claim of minioStorageSize", () => {
        const statefulSet = named(run, K.statefulSet, "orbit-minio");
        const container = statefulSet.spec.template.spec.containers[0];
        assert.strictEqual(container.image, "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z");
        const claimVolume = statefulSet.spec.template.spec.volumes.find((v: KubeObject) => v.persistentVolumeClaim);
        const claim = named(run, K.pvc, claimVolume.persistentVolumeClaim.claimName);
        assert.strictEqual(claim.spec.resources.requests.storage, "50Gi");
        assert.ok(container.volumeMounts.some((m: KubeObject) => m.name === claimVolume.name && m.mountPath === "/data"));
        for (const type of [K.statefulSet, K.pvc]) {
            assert.strictEqual(run.one(type).opts.protect, true, type);
            assert.strictEqual(run.one(type).opts.retainOnDelete, true, type);
        }
    });

    it("keeps storage out of the StatefulSet's immutable fields, so resizing never replaces it", () => {
        assert.strictEqual(named(run, K.statefulSet, "orbit-minio").spec.volumeClaimTemplates, undefined);
    });

    it("probes MinIO's live and ready endpoints", () => {
        const container = named(run, K.statefulSet, "orbit-minio").spec.template.spec.containers[0];
        assert.strictEqual(container.startupProbe.httpGet.path, "/minio/health/live");
        assert.strictEqual(container.livenessProbe.httpGet.path, "/minio/health/live");
        assert.strictEqual(container.readinessProbe.httpGet.path, "/minio/health/ready");
    });

    it("keeps the provisioner in KubernetesMinio, aliased to where stacks made before 0.2 keep its objects", () => {
        const provisioner = run.one("orbit:registry:MinioProvisioner");
        assert.strictEqual(provisioner.parentName, "orbit-registry-kubernetes-minio");
        assert.deepStrictEqual(aliasesOf(provisioner), [["orbit-registry-kubernetes-provisioner", "orbit-registry-kubernetes"]]);
    });

    it("provisions bucket, user and policy with a Job running the program's script, after MinIO", () => {
        const job = run.one(K.job);
        const spec = (objectsOf(run, K.job)[0] as KubeObject).spec.template.spec;
        assert.strictEqual(spec.containers[0].image, "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z");
        const configMap = named(run, K.configMap, spec.volumes.find((v: KubeObject) => v.configMap).configMap.name);
        assert.strictEqual(configMap.data["provision.sh"], provisionScript());
        assert.deepStrictEqual(JSON.parse(configMap.data["policy.json"]), registryBucketPolicy("orbit-registry"));
        assert.ok(
            dependsOnNames(job).some((n) => n.endsWith("minio-statefulset")),
            "the Job waits for MinIO",
        );
    });

    it("rolls the registry out only after the provisioning Job completed", () => {
        assert.ok(dependsOnNames(run.one(K.deployment, "registry-deployment")).includes(run.one(K.job).name));
    });

    it("points the registry at MinIO's cluster address with redirects off", () => {
        const { config } = registryConfigOf(run);
        assert.strictEqual(config.storage.s3.regionendpoint, "http://orbit-minio.orbit-registry.svc.cluster.local:9000");
        assert.strictEqual(config.storage.redirect.disable, true);
        assert.strictEqual(config.http.debug.addr, ":5001");
    });

    it("admits MinIO traffic only from the registry and the provisioner", () => {
        const policy = named(run, K.networkPolicy, "orbit-registry-minio-ingress");
        const [minio] = workloads(run).filter((w) => w.kind === "StatefulSet");
        assert.ok(matches(policy.spec.podSelector.matchLabels, minio.object.spec.template.metadata.labels));
        const allowed = policy.spec.ingress[0].from.map((f: KubeObject) => f.podSelector.matchLabels);
        // The token server reads the registry's API, never its storage.
        const others = workloads(run).filter(
            (w) => w.kind !== "StatefulSet" && !["orbit-registry-redis", "orbit-registry-auth"].includes(w.object.metadata.name),
        );
        assert.strictEqual(allowed.length, others.length, "the registry and the provisioning Job, not Redis or the token server");
        for (const workload of others)
            assert.ok(
                allowed.some((a: Record<string, string>) => matches(a, workload.object.spec.template.metadata.labels)),
                workload.kind,
            );
        assert.deepStrictEqual(policy.spec.ingress[0].ports, [{ protocol: "TCP", port: 9000 }]);
    });

    it("exposes MinIO through ClusterIP and headless Services only", () => {
        for (const service of objectsOf(run, K.service))
            assert.ok([undefined, "ClusterIP"].includes(service.spec.type), service.metadata.name);
        assert.strictEqual(objectsOf(run, K.ingress).length, 1, "only the registry has an Ingress");
    });

    it("names the registry's ConfigMap by its content, so a changed registryLogLevel rolls the Deployment", async () => {
        const debug = await runProgram(stackConfig("prod", { registryLogLevel: "debug" }), "prod");
        assert.strictEqual(registryConfigOf(run).config.log.level, "info");
        assert.strictEqual(registryConfigOf(debug).config.log.level, "debug");
        const before = registryConfigOf(run).configMap.metadata.name;
        const after = registryConfigOf(debug).configMap.metadata.name;
        assert.notStrictEqual(after, before);
        const mounted = (r: StackRun) =>
            named(r, K.deployment, "orbit-registry").spec.template.spec.volumes.find((v: KubeObject) => v.configMap).configMap.name;
        assert.strictEqual(mounted(run), before);
        assert.strictEqual(mounted(debug), after);
    });

    it("follows registryReplicas, storageClass and protectData", async () => {
        const other = await runProgram(
            stackConfig("prod", { registryReplicas: "3", storageClass: "fast-ssd", protectData: "false", clusterIssuer: "" }),
            "prod",
        );
        assert.strictEqual(named(other, K.deployment, "orbit-registry").spec.replicas, 3);
        assert.strictEqual(named(other, K.pvc, "orbit-minio-data").spec.storageClassName, "fast-ssd");
        for (const type of [K.namespace, K.statefulSet, K.pvc]) assert.strictEqual(other.one(type).opts.protect, false, type);
        assert.strictEqual(named(other, K.ingress, "orbit-registry").metadata.annotations["cert-manager.io/cluster-issuer"], undefined);
    });
});

describe("prod: Redis as the replicas' shared blob-descriptor cache", () => {
    let run: StackRun;
    before(async () => {
        run = await runProgram(stackConfig("prod"), "prod");
    });

    it("deploys Redis from the pinned redisImage, password from @pulumi/random, no persistence, LRU eviction", () => {
        const redis = named(run, K.deployment, "orbit-registry-redis");
        const container = redis.spec.template.spec.containers[0];
        assert.strictEqual(container.image, "redis:7.4.2");
        const args = container.args.join(" ");
        assert.match(args, /--requirepass \$\(REDIS_PASSWORD\)/);
        assert.match(args, /--save {2}--appendonly no/, "no RDB snapshots, no AOF");
        assert.match(args, /--maxmemory-policy allkeys-lru/);
        const ref = container.env.find((e: KubeObject) => e.name === "REDIS_PASSWORD").valueFrom.secretKeyRef;
        assert.strictEqual(
            named(run, K.secret, ref.name).stringData[ref.key],
            `fake-${run.one("random:index/randomPassword:RandomPassword", "redis-password").name}`,
        );
    });

    it("points the registry's blob-descriptor cache at Redis, with the same password as secret env", () => {
        const { config } = registryConfigOf(run);
        assert.strictEqual(config.storage.cache.blobdescriptor, "redis");
        assert.strictEqual(config.redis.addr, "orbit-registry-redis.orbit-registry.svc.cluster.local:6379");
        assert.strictEqual(config.redis.password, undefined, "the password stays out of the ConfigMap");
        const env = named(run, K.secret, "orbit-registry-env").stringData;
        assert.strictEqual(env.REGISTRY_REDIS_PASSWORD, named(run, K.secret, "orbit-registry-redis").stringData.REDIS_PASSWORD);
        assert.ok(dependsOnNames(run.one(K.deployment, "registry-deployment")).some((n) => n.endsWith("redis-deployment")));
    });

    it("admits Redis traffic from the registry's pods only", () => {
        const policy = named(run, K.networkPolicy, "orbit-registry-redis-ingress");
        assert.ok(
            matches(policy.spec.podSelector.matchLabels, named(run, K.deployment, "orbit-registry-redis").spec.template.metadata.labels),
        );
        assert.deepStrictEqual(policy.spec.ingress, [
            {
                from: [{ podSelector: { matchLabels: named(run, K.deployment, "orbit-registry").spec.selector.matchLabels } }],
                ports: [{ protocol: "TCP", port: 6379 }],
            },
        ]);
    });

    it("keeps the in-memory cache for one replica, unless redisCache asks for Redis", async () => {
        const single = await runProgram(stackConfig("prod", { registryReplicas: "1" }), "prod");
        assert.strictEqual(registryConfigOf(single).config.storage.cache.blobdescriptor, "inmemory");
        assert.strictEqual(registryConfigOf(single).config.redis, undefined);
        assert.ok(!objectsOf(single, K.deployment).some((d) => d.metadata.name === "orbit-registry-redis"));
        assert.ok(!("REGISTRY_REDIS_PASSWORD" in named(single, K.secret, "orbit-registry-env").stringData));
        const asked = await runProgram(stackConfig("prod", { registryReplicas: "1", redisCache: "true" }), "prod");
        assert.strictEqual(registryConfigOf(asked).config.storage.cache.blobdescriptor, "redis");
    });

    it("writes Distribution 3's redis options (addrs) for registry:3", async () => {
        const three = await runProgram(stackConfig("prod", { registryImage: "registry:3.0.0" }), "prod");
        const { redis } = registryConfigOf(three).config;
        assert.deepStrictEqual(redis.addrs, ["orbit-registry-redis.orbit-registry.svc.cluster.local:6379"]);
        assert.strictEqual(redis.addr, undefined);
    });
});

describe("prod with registry:3 (Distribution 3)", () => {
    let run: StackRun;
    before(async () => {
        run = await runProgram(stackConfig("prod", { registryImage: "registry:3.0.0" }), "prod");
    });

    it("mounts config.yml at /etc/distribution, serves it, and exports no traces", () => {
        const container = named(run, K.deployment, "orbit-registry").spec.template.spec.containers[0];
        assert.deepStrictEqual(container.args, ["serve", "/etc/distribution/config.yml"]);
        assert.ok(container.volumeMounts.some((m: KubeObject) => m.name === "config" && m.mountPath === "/etc/distribution"));
        assert.deepStrictEqual(
            container.env.find((e: KubeObject) => e.name === "OTEL_TRACES_EXPORTER"),
            { name: "OTEL_TRACES_EXPORTER", value: "none" },
        );
        assert.strictEqual(registryConfigOf(run).config.storage.s3.forcepathstyle, true);
    });

    it("keeps registry:2's layout on the default image", async () => {
        const two = await runProgram(stackConfig("prod"), "prod");
        const container = named(two, K.deployment, "orbit-registry").spec.template.spec.containers[0];
        assert.deepStrictEqual(container.args, ["serve", "/etc/docker/registry/config.yml"]);
        assert.ok(container.volumeMounts.some((m: KubeObject) => m.name === "config" && m.mountPath === "/etc/docker/registry"));
        assert.deepStrictEqual(
            container.env.map((e: KubeObject) => e.name),
            ["GOMEMLIMIT"],
            "no tracing variable for 2.8",
        );
    });
});

describe("kubernetes + s3", () => {
    let run: StackRun;
    before(async () => {
        run = await runProgram(variants["kubernetes + s3"], "prod");
    });

    it("deploys no MinIO, no provisioner and no MinIO network policy", () => {
        assert.strictEqual(objectsOf(run, K.statefulSet).length, 0);
        assert.strictEqual(objectsOf(run, K.job).length, 0);
        assert.strictEqual(objectsOf(run, K.pvc).length, 0);
        assert.ok(!objectsOf(run, K.networkPolicy).some((p) => p.metadata.name.includes("minio")));
        assert.strictEqual(run.all("orbit:registry:MinioCredentials").length, 0, "no MinIO credentials");
    });

    it("points the registry at AWS S3 in aws:region, with TLS and redirects allowed", () => {
        const { config } = registryConfigOf(run);
        assert.strictEqual(config.storage.s3.regionendpoint, undefined);
        assert.strictEqual(config.storage.s3.region, "eu-west-1");
        assert.strictEqual(config.storage.s3.secure, true);
        assert.strictEqual(config.storage.redirect.disable, false);
    });

    it("gives the registry the IAM user's access key through its env Secret", () => {
        const envSecret = named(run, K.secret, "orbit-registry-env");
        const accessKey = run.one("aws:iam/accessKey:AccessKey");
        assert.strictEqual(envSecret.stringData.REGISTRY_STORAGE_S3_ACCESSKEY, `${accessKey.name}-id`);
        assert.strictEqual(envSecret.stringData.REGISTRY_STORAGE_S3_SECRETKEY, `fake-${accessKey.name}-secret`);
        assert.strictEqual(run.outputs.minioEndpoint.value, "https://s3.eu-west-1.amazonaws.com");
    });
});
