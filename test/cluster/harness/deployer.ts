import * as crypto from "crypto";
import { isDeepStrictEqual } from "util";
import { waitUntil } from "../../integration/harness/net";
import { kubernetesObjects } from "../../helpers/kubernetesObjects";
import { replacementFields } from "../../helpers/kubernetesReplacement";
import { dependsOnNames, StackRun } from "../../helpers/mockProgram";
import { ApiError, KubeApi, KubeObject } from "./kubeApi";

/** One Kubernetes object of the program, named as Pulumi names it, with what it must wait for. */
export interface StackObject {
    /** The Pulumi resource name (`orbit-registry-kubernetes-registry-deployment`). */
    resource: string;
    /** As the program declares it; an autonamed object has its generated name filled in when applied. */
    object: KubeObject;
    /** Pulumi resource names of the Kubernetes objects it depends on. */
    dependsOn: string[];
    protect: boolean;
    retainOnDelete: boolean;
}

/** What one deploy did to an object, as `pulumi up` would print it. */
export type Step = "create" | "update" | "replace" | "same";

export interface AppliedObject {
    resource: string;
    object: KubeObject;
    step: Step;
    /** The server's answer to the apply (none for an unchanged object, which is not sent). */
    applied?: KubeObject;
    warnings: string[];
}

/** The engine's refusal when a change would replace a protected resource. */
export class ProtectedError extends Error {}

/** The provider's failure to create an object that is already in the cluster. */
export class AlreadyExistsError extends Error {}

interface Deployed {
    /** The inputs as last deployed: what the provider diffs the next run's inputs against. */
    declared: KubeObject;
    /** The object's name in the cluster. */
    name: string;
    protect: boolean;
    retainOnDelete: boolean;
}

/**
 * Applies a mocked run's Kubernetes objects to a real API server the way `pulumi up` does with
 * pulumi-kubernetes. Like the engine it keeps a state of what it deployed and diffs the program's
 * inputs against it, not against the cluster: an unchanged object is not sent at all (so a Job runs
 * again only when its template changes), a change to a field the provider cannot update replaces the
 * object (refused when it is protected; delete first when the name stays, create first otherwise),
 * any other change is a server-side apply. Objects wait, as Pulumi does, for those they depend on to
 * be ready (Job complete, rollouts done, claim bound, Service with endpoints, Ingress with an
 * address). Objects the run no longer declares are deleted, unless protected (refused) or retained.
 */
export class Deployer {
    private readonly state = new Map<string, Deployed>();

    constructor(
        private readonly api: KubeApi,
        private readonly timeoutMs = 120_000,
        private readonly diagnostics: () => string = () => "",
    ) {}

    /** The run's Kubernetes objects in declaration order (a valid dependency order). */
    objectsOf(run: StackRun): StackObject[] {
        const kubernetesResources = new Set(kubernetesObjects(run).map((o) => o.resource.name));
        return kubernetesObjects(run).map(({ resource, object }) => ({
            resource: resource.name,
            object,
            dependsOn: dependsOnNames(resource).filter((name) => kubernetesResources.has(name)),
            protect: resource.opts.protect === true,
            retainOnDelete: resource.opts.retainOnDelete === true,
        }));
    }

    /** The object as it is (or was last) in the cluster, with its name. */
    live(entry: StackObject): KubeObject {
        const name = entry.object.metadata?.name ?? this.state.get(entry.resource)?.name;
        return { ...entry.object, metadata: { ...entry.object.metadata, name } };
    }

    /** `pulumi state unprotect`: the resource may be replaced or deleted from now on. */
    unprotect(resource: string): void {
        const deployed = this.state.get(resource);
        if (!deployed) throw new Error(`no resource ${resource} in the state`);
        deployed.protect = false;
    }

    /** Deploys the run's objects as `pulumi up` would, and says what it did to each. */
    async deploy(objects: StackObject[]): Promise<AppliedObject[]> {
        const steps: AppliedObject[] = [];
        const byResource = new Map(objects.map((o) => [o.resource, o]));
        const replacedLater: KubeObject[] = [];
        for (const entry of objects) {
            for (const dependency of entry.dependsOn) await this.waitReady(this.live(byResource.get(dependency)!));
            const previous = this.state.get(entry.resource);
            if (previous && isDeepStrictEqual(previous.declared, entry.object)) {
                previous.protect = entry.protect;
                previous.retainOnDelete = entry.retainOnDelete;
                steps.push({ resource: entry.resource, object: this.live(entry), step: "same", warnings: [] });
                continue;
            }
            const replace = previous ? replacementFields(previous.declared, entry.object) : [];
            if (previous && replace.length > 0 && previous.protect) {
                throw new ProtectedError(
                    `unable to replace resource "${entry.resource}" as it is currently marked for protection ` +
                        `(changes to ${replace.join(", ")} require a replacement)`,
                );
            }
            const oldObject = previous && { ...previous.declared, metadata: { ...previous.declared.metadata, name: previous.name } };
            const name = entry.object.metadata?.name ?? (previous && replace.length === 0 ? previous.name : autoname(entry.resource));
            const object: KubeObject = { ...entry.object, metadata: { ...entry.object.metadata, name } };
            // A replaced object that retainOnDelete keeps stays in the cluster: the engine only forgets it.
            if (oldObject && replace.length > 0 && !previous.retainOnDelete) {
                const sameObject = oldObject.metadata.name === name && oldObject.metadata.namespace === object.metadata.namespace;
                if (sameObject) await this.deleteAndWait(oldObject);
                else replacedLater.push(oldObject);
            }
            // The provider creates what its state lacks (or replaces), and fails where the object exists already.
            const creating = !previous || replace.length > 0;
            if (creating && (await this.api.get(object.apiVersion, object.kind, name, object.metadata.namespace))) {
                // A replacement's delete step already took the old object out of the state: the stack is stuck.
                this.state.delete(entry.resource);
                throw new AlreadyExistsError(`${object.kind.toLowerCase()}s "${name}" already exists (${entry.resource})`);
            }
            // Like the engine, a failed update leaves the new inputs in the state.
            this.state.set(entry.resource, { declared: entry.object, name, protect: entry.protect, retainOnDelete: entry.retainOnDelete });
            const response = await this.api.apply(object);
            const step: Step = !previous ? "create" : replace.length > 0 ? "replace" : "update";
            steps.push({ resource: entry.resource, object, step, applied: response.body, warnings: response.warnings });
        }
        for (const entry of objects) await this.waitReady(this.live(entry));

        // The provider waits for each deletion to finish.
        for (const old of replacedLater) await this.deleteAndWait(old);
        for (const [resource, deployed] of [...this.state].reverse()) {
            if (byResource.has(resource)) continue;
            if (deployed.protect) throw new ProtectedError(`resource "${resource}" cannot be deleted because it is protected`);
            this.state.delete(resource);
            if (deployed.retainOnDelete) continue;
            await this.deleteAndWait({ ...deployed.declared, metadata: { ...deployed.declared.metadata, name: deployed.name } });
        }
        return steps;
    }

    /** `pulumi refresh`: what is gone from the cluster leaves the state, so the next deploy creates it anew. */
    async refresh(): Promise<string[]> {
        const gone: string[] = [];
        for (const [resource, deployed] of this.state) {
            const { apiVersion, kind, metadata } = deployed.declared;
            if (!(await this.api.get(apiVersion, kind, deployed.name, metadata?.namespace))) {
                this.state.delete(resource);
                gone.push(resource);
            }
        }
        return gone;
    }

    /** Server-side applies every deployed object again, unchanged: what the server changes is drift. */
    async reapply(objects: StackObject[]): Promise<AppliedObject[]> {
        const applied: AppliedObject[] = [];
        for (const entry of objects) {
            const response = await this.api.apply(this.live(entry));
            applied.push({
                resource: entry.resource,
                object: this.live(entry),
                step: "same",
                applied: response.body,
                warnings: response.warnings,
            });
        }
        return applied;
    }

    /** Deletes `object` in the foreground and waits until it is gone (the provider's delete; kubectl delete --wait). */
    async deleteAndWait(object: KubeObject): Promise<void> {
        const path = await this.api.objectPath(object);
        await this.api.request("DELETE", path, { propagationPolicy: "Foreground" });
        const { apiVersion, kind, metadata } = object;
        await waitUntil(
            `${kind} ${metadata.name} to be deleted`,
            async () => !(await this.api.get(apiVersion, kind, metadata.name, metadata.namespace)),
            this.timeoutMs,
            this.diagnostics,
        );
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
}

/** A name as Pulumi generates one for an object without: the resource name and a random suffix. */
const autoname = (resource: string) => `${resource}-${crypto.randomBytes(4).toString("hex")}`;
