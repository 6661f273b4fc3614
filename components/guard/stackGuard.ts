import * as pulumi from "@pulumi/pulumi";
import { ownerAnnotation } from "./kubernetesRules";
import { stackGuardProvider, StackGuardInputs } from "./stackGuardProvider";

/** `<organization>/<project>/<stack>`: which stack created an object, as its owner annotation says. */
export const stackOwner = () => `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;

/** The annotation every object with a fixed name that a second stack could collide with carries. */
export const ownerAnnotations = () => ({ [ownerAnnotation]: stackOwner() });

/**
 * Refuses, at preview and before anything else changes, a deployment that would silently lose data
 * (a new MinIO layout) or fail half-way on the cluster (a volume that cannot grow, a namespace
 * another stack holds): its check compares this deployment's inputs with the previous one's and,
 * where a change needs it, reads the cluster.
 */
export class StackGuard extends pulumi.dynamic.Resource {
    constructor(name: string, inputs: StackGuardInputs, opts?: pulumi.CustomResourceOptions) {
        super(stackGuardProvider, name, { ...inputs }, opts, "orbit-registry", "StackGuard");
    }
}
