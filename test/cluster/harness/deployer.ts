import * as crypto from "crypto";
import { waitUntil } from "../../integration/harness/net";
import { kubernetesObjects } from "../../helpers/kubernetesObjects";
import { dependsOnNames, StackRun } from "../../helpers/mockProgram";
import { ApiError, KubeApi, KubeObject } from "./kubeApi";

/** One Kubernetes object of the program, named as Pulumi names it, with what it must wait for. */
export interface StackObject {
    /** The Pulumi resource name (`orbit-registry-kubernetes-registry-deployment`). */
    resource: string;
    object: KubeObject;
    /** Pulumi resource names of the Kubernetes objects it depends on. */
    dependsOn: string[];
}

export interface AppliedObject {
    resource: string;
    object: KubeObject;
    /** The server's answer to the apply. */
    applied: KubeObject;
    warnings: string[];
}

/**
 * Applies a mocked run's Kubernetes objects to a real API server the way `pulumi up` does with
 * pulumi-kubernetes: in the program's order, server-side, each object only after the objects it
 * depends on are ready by Pulumi's await rules (Job complete, StatefulSet and Deployment rolled
 * out, claim bound, Service with endpoints, Ingress with an address). Like Pulumi's state, it
 * remembers the names it generated for objects without one, and an update deletes the objects the
 * new run no longer declares.
 */
export class Deployer {
    /** Resource name → generated object name, kept across runs like Pulumi's state. */
    private readonly autonames = new Map<string, string>();
    private deployed: StackObject[] = [];

    constructor(
        private readonly api: KubeApi,
        private readonly timeoutMs = 120_000,
        private readonly diagnostics: () => string = () => "",
    ) {}

    /** The run's Kubernetes objects in declaration order (a valid dependency order), named. */
    objectsOf(run: StackRun): StackObject[] {
        const kubernetesResources = new Set(kubernetesObjects(run).map((o) => o.resource.name));
        return kubernetesObjects(run).map(({ resource, object }) => {
            const named = structuredClone(object);
            named.metadata = { ...named.metadata, name: named.metadata?.name ?? this.autoname(resource.name) };
            return {
                resource: resource.name,
                object: named,
                dependsOn: dependsOnNames(resource).filter((name) => kubernetesResources.has(name)),
            };
        });
    }

    /** Applies every object (waiting as Pulumi waits), then deletes those the previous deploy had and this one lacks. */
    async deploy(objects: StackObject[]): Promise<AppliedObject[]> {
        const applied: AppliedObject[] = [];
        const byResource = new Map(objects.map((o) => [o.resource, o]));
        for (const entry of objects) {
            for (const dependency of entry.dependsOn) await this.waitReady(byResource.get(dependency)!.object);
            const response = await this.applyOrReplace(entry);
            applied.push({ resource: entry.resource, object: entry.object, applied: response.body, warnings: response.warnings });
        }
        for (const entry of objects) await this.waitReady(entry.object);

        const kept = new Set(objects.map((o) => identity(o.object)));
        for (const gone of this.deployed.filter((o) => !kept.has(identity(o.object))).reverse()) {
            await this.api.ok("DELETE", await this.api.objectPath(gone.object));
        }
        this.deployed = objects;
        return applied;
    }

    /** Waits until `object` is ready by pulumi-kubernetes' await rules. */
    async waitReady(object: KubeObject): Promise<void> {
        const what = `${object.kind} ${object.metadata.namespace ?? ""}/${object.metadata.name} to be ready`;
        await waitUntil(what, () => this.isReady(object), this.timeoutMs, this.diagnostics);
    }

    async isReady(object: KubeObject): Promise<boolean> {
        const { apiVersion, kind, metadata } = object;
        const live = await this.api.get(apiVersion, kind, metadata.name, metadata.namespace);
        if (!live) return false;
        const status = live.status ?? {};
        const condition = (type: string) => (status.conditions ?? []).some((c: KubeObject) => c.type === type && c.status === "True");
        const rolledOut = (status.observedGeneration ?? 0) >= live.metadata.generation;
        switch (kind) {
            case "Namespace":
                // Pulumi waits for Active. The ServiceAccount admission plugin also refuses pods until the
                // namespace's `default` account exists, which a real cluster makes within milliseconds.
                return status.phase === "Active" && (await this.api.get("v1", "ServiceAccount", "default", metadata.name)) !== undefined;
            case "Job":
                return condition("Complete");
            case "StatefulSet":
                return rolledOut && status.readyReplicas === live.spec.replicas && status.updatedReplicas === live.spec.replicas;
            case "Deployment":
                return (
                    rolledOut &&
                    condition("Available") &&
                    status.updatedReplicas === live.spec.replicas &&
                    status.readyReplicas === live.spec.replicas &&
                    status.replicas === live.spec.replicas
                );
            case "PersistentVolumeClaim":
                return status.phase === "Bound";
            case "Service":
                return !live.spec.selector || (await this.readyEndpoints(live)).length > 0;
            case "Ingress":
                return (status.loadBalancer?.ingress ?? []).length > 0;
            default:
                return true;
        }
    }

    /** The pods behind a Service's EndpointSlices that are ready to serve. */
    async readyEndpoints(service: KubeObject): Promise<string[]> {
        const slices = await this.api.list(
            "discovery.k8s.io/v1",
            "EndpointSlice",
            service.metadata.namespace,
            `kubernetes.io/service-name=${service.metadata.name}`,
        );
        return slices.flatMap((slice) =>
            (slice.endpoints ?? [])
                .filter((e: KubeObject) => e.conditions?.ready !== false)
                .map((e: KubeObject) => e.targetRef?.name as string),
        );
    }

    /** Applies one object and returns the server's answer, or the ApiError it refused it with. */
    async tryApply(object: KubeObject): Promise<{ warnings: string[]; error?: ApiError }> {
        try {
            return { warnings: (await this.api.apply(object)).warnings };
        } catch (error) {
            if (error instanceof ApiError) return { warnings: [], error };
            throw error;
        }
    }

    /**
     * Server-side apply; when the server refuses a change to an immutable field (a Job's template),
     * what Pulumi does instead: replace the object, with a new generated name when it has one
     * (created first, the old one deleted with the objects this run no longer declares).
     */
    private async applyOrReplace(entry: StackObject) {
        try {
            return await this.api.apply(entry.object);
        } catch (error) {
            const immutable = error instanceof ApiError && error.status === 422 && /field is immutable/.test(error.message);
            if (!immutable || this.autonames.get(entry.resource) !== entry.object.metadata.name) throw error;
            this.autonames.delete(entry.resource);
            entry.object.metadata.name = this.autoname(entry.resource);
            return this.api.apply(entry.object);
        }
    }

    private autoname(resource: string): string {
        if (!this.autonames.has(resource)) this.autonames.set(resource, `${resource}-${crypto.randomBytes(4).toString("hex")}`);
        return this.autonames.get(resource)!;
    }
}

const identity = (object: KubeObject) => `${object.apiVersion}/${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
