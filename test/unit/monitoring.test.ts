import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { alertRuleGroups } from "../../components/alertRules";
import { K, KubeObject, matches, named, objectsOf } from "../helpers/kubernetesObjects";
import { plain, runProgram, StackRun } from "../helpers/mockProgram";
import { stackConfig } from "../helpers/stackConfig";

const crs = (run: StackRun, kind: string) => objectsOf(run, `kubernetes:monitoring.coreos.com/v1:${kind}`);

describe("prod: metrics and alerts for the Prometheus Operator (prometheusOperator)", () => {
    let run: StackRun;
    before(async () => {
        run = await runProgram(stackConfig("prod", { prometheusOperator: "true" }), "prod");
    });

    it("declares nothing for Prometheus by default (its CRDs may be absent)", async () => {
        const plain = await runProgram(stackConfig("prod"), "prod");
        assert.deepStrictEqual([...crs(plain, "ServiceMonitor"), ...crs(plain, "PrometheusRule")], []);
        const minio = named(plain, K.statefulSet, "orbit-minio").spec.template.spec.containers[0];
        assert.ok(!minio.env.some((e: KubeObject) => e.name === "MINIO_PROMETHEUS_AUTH_TYPE"));
    });

    it("scrapes the registry's debug /metrics through a Service that selects the registry pods' debug port", () => {
        const [monitor] = crs(run, "ServiceMonitor").filter((m) => m.metadata.name === "orbit-registry-registry");
        const service = objectsOf(run, K.service).find((s) => matches(monitor.spec.selector.matchLabels, s.metadata.labels))!;
        assert.strictEqual(service.metadata.name, "orbit-registry-metrics");
        const registryPod = named(run, K.deployment, "orbit-registry").spec.template;
        assert.ok(matches(service.spec.selector, registryPod.metadata.labels));
        assert.strictEqual(service.spec.ports[0].targetPort, "debug");
        assert.deepStrictEqual(monitor.spec.endpoints[0].port, "metrics");
        assert.strictEqual(monitor.spec.endpoints[0].path, "/metrics");
    });

    it("scrapes MinIO's cluster metrics, made public to the scraper, from the orbit-minio Service only", () => {
        const [monitor] = crs(run, "ServiceMonitor").filter((m) => m.metadata.name === "orbit-registry-minio");
        const selected = objectsOf(run, K.service).filter((s) => matches(monitor.spec.selector.matchLabels, s.metadata.labels ?? {}));
        assert.deepStrictEqual(
            selected.map((s) => s.metadata.name),
            ["orbit-minio"],
        );
        assert.strictEqual(monitor.spec.endpoints[0].path, "/minio/v2/metrics/cluster");
        const minio = named(run, K.statefulSet, "orbit-minio").spec.template.spec.containers[0];
        assert.deepStrictEqual(
            minio.env.find((e: KubeObject) => e.name === "MINIO_PROMETHEUS_AUTH_TYPE"),
            {
                name: "MINIO_PROMETHEUS_AUTH_TYPE",
                value: "public",
            },
        );
    });

    it("admits the Prometheus namespace to the registry's debug port and MinIO's API, and nothing else new", () => {
        const from = (policy: string) => named(run, K.networkPolicy, policy).spec.ingress as KubeObject[];
        const monitoringRule = (rules: KubeObject[]) =>
            rules.find((r) =>
                r.from.some((f: KubeObject) => f.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === "monitoring"),
            );
        assert.deepStrictEqual(monitoringRule(from("orbit-registry-registry-ingress"))!.ports, [{ protocol: "TCP", port: 5001 }]);
        assert.deepStrictEqual(monitoringRule(from("orbit-registry-minio-ingress"))!.ports, [{ protocol: "TCP", port: 9000 }]);
    });

    it("carries the alert rules in a PrometheusRule", () => {
        const [rule] = crs(run, "PrometheusRule");
        assert.deepStrictEqual(rule.spec.groups, alertRuleGroups("orbit-registry", undefined, true));
    });

    it("scrapes the token server's usage metrics from its Service, as job orbit-registry-auth, which the quota alerts read", () => {
        const [monitor] = crs(run, "ServiceMonitor").filter((m) => m.metadata.name === "orbit-registry-auth");
        const selected = objectsOf(run, K.service).filter((s) => matches(monitor.spec.selector.matchLabels, s.metadata.labels ?? {}));
        // The Prometheus Operator names the job after the Service.
        assert.deepStrictEqual(
            selected.map((s) => s.metadata.name),
            ["orbit-registry-auth"],
        );
        assert.deepStrictEqual(monitor.spec.endpoints[0].port, "internal");
        assert.strictEqual(monitor.spec.endpoints[0].path, "/metrics");
        const quotaRules = crs(run, "PrometheusRule")[0].spec.groups.find((g: KubeObject) => g.name === "orbit-registry-quotas");
        assert.match(quotaRules.rules[0].expr, /job="orbit-registry-auth"/);
        const internalRule = (named(run, K.networkPolicy, "orbit-registry-auth-ingress").spec.ingress as KubeObject[])[1];
        assert.ok(
            internalRule.from.some((f: KubeObject) => f.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === "monitoring"),
        );
        assert.deepStrictEqual(internalRule.ports, [{ protocol: "TCP", port: 5054 }]);
    });

    it("leaves MinIO's alerts out with S3 storage", async () => {
        const s3 = await runProgram(stackConfig("prod", { prometheusOperator: "true", storage: "s3", awsRegion: "eu-west-1" }), "prod");
        assert.deepStrictEqual(
            crs(s3, "PrometheusRule")[0].spec.groups.map((g: KubeObject) => g.name),
            ["orbit-registry", "orbit-registry-quotas"],
        );
        assert.deepStrictEqual(
            crs(s3, "ServiceMonitor").map((m) => m.metadata.name),
            ["orbit-registry-registry", "orbit-registry-auth"],
        );
    });

    it("keeps docs/prometheus/orbit-registry.rules.yml, for a Prometheus of one's own, in step with the program", () => {
        const file = parse(fs.readFileSync(path.join(__dirname, "../../docs/prometheus/orbit-registry.rules.yml"), "utf8"));
        assert.deepStrictEqual(file, { groups: alertRuleGroups("orbit-registry", undefined, true) });
    });
});

describe("dev: metrics for a Prometheus container on the registry's networks (dockerMetrics)", () => {
    const T = { container: "docker:index/container:Container" };
    const containerOf = (run: StackRun, suffix: string) => run.one(T.container, suffix);
    const debugAddr = (run: StackRun) => {
        const uploads = plain<Array<{ file: string; content: string }>>(containerOf(run, "registry-container").inputs.uploads);
        return parse(uploads.find((u) => u.file.endsWith("config.yml"))!.content).http.debug.addr;
    };
    const minioEnv = (run: StackRun) => plain<string[]>(containerOf(run, "minio-container").inputs.envs);

    it("keeps the debug listener (it serves pprof too) on the container's loopback by default", async () => {
        const run = await runProgram(stackConfig("dev"), "dev");
        assert.strictEqual(debugAddr(run), "127.0.0.1:5001");
        assert.ok(!minioEnv(run).includes("MINIO_PROMETHEUS_AUTH_TYPE=public"));
    });

    it("serves /metrics on the networks, never publishing the port, and MinIO's metrics without a token", async () => {
        const run = await runProgram(stackConfig("dev", { dockerMetrics: "true" }), "dev");
        assert.strictEqual(debugAddr(run), ":5001");
        const ports = plain<Array<{ internal: number }>>(containerOf(run, "registry-container").inputs.ports);
        assert.deepStrictEqual(
            ports.map((p) => p.internal),
            [5000],
            "only the registry's own port is published",
        );
        assert.ok(minioEnv(run).includes("MINIO_PROMETHEUS_AUTH_TYPE=public"));
    });
});
