import * as pulumi from "@pulumi/pulumi";

/**
 * An output of this stack's previous deployment, or undefined on a new stack: the stack reads its
 * own outputs back through a StackReference (a read; nothing is created).
 */
export async function previousOutput(name: string): Promise<unknown> {
    const self = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
    const details = await new pulumi.StackReference("orbit-registry-previous-deployment", { name: self }).getOutputDetails(name);
    return details.value ?? details.secretValue;
}
