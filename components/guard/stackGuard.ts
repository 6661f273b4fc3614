import * as pulumi from "@pulumi/pulumi";
import { stackGuardProvider, StackGuardInputs } from "./stackGuardProvider";

/**
 * Refuses, at preview and before anything else changes, a deployment that would silently lose
 * data (a new MinIO layout): its check compares this deployment's inputs with the previous one's.
 */
export class StackGuard extends pulumi.dynamic.Resource {
    constructor(name: string, inputs: StackGuardInputs, opts?: pulumi.CustomResourceOptions) {
        super(stackGuardProvider, name, { ...inputs }, opts, "orbit-registry", "StackGuard");
    }
}
