/*
 * Runs CrossGuard policies without the Pulumi engine, by building the ResourceValidationArgs and
 * StackValidationArgs the engine would pass (the pattern of pulumi/compliance-policies' test
 * helpers; @pulumi/policy ships none).
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import {
    Policies,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { deepPlain } from "./kubernetesSchema";
import { StackRun } from "./mockProgram";

export interface PolicyInput {
    type: string;
    props: Record<string, any>;
    name?: string;
    protect?: boolean;
}

class NotApplicable extends Error {}

const configFor = (policy: ResourceValidationPolicy | StackValidationPolicy, overrides: Record<string, unknown>) => {
    const defaults = Object.fromEntries(
        Object.entries(policy.configSchema?.properties ?? {}).map(([key, schema]) => [key, (schema as { default?: unknown }).default]),
    );
    return { ...defaults, ...overrides };
};

const optionsOf = (input: PolicyInput): PolicyResourceOptions => ({
    protect: input.protect ?? false,
    ignoreChanges: [],
    aliases: [],
    additionalSecretOutputs: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
});

const urnOf = (input: PolicyInput, i: number) => `urn:pulumi:test::orbit-registry::${input.type}::${input.name ?? `resource-${i}`}`;

function resourceArgs(input: PolicyInput, i: number, config: Record<string, unknown>): ResourceValidationArgs {
    return {
        type: input.type,
        props: input.props,
        urn: urnOf(input, i),
        name: input.name ?? `resource-${i}`,
        opts: optionsOf(input),
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
        },
    } as ResourceValidationArgs;
}

/** Violations `policy` reports for `inputs` (each resource alone, or the stack as a whole). */
export async function violations(
    policy: Policies[number],
    inputs: PolicyInput[],
    configOverrides: Record<string, unknown> = {},
): Promise<string[]> {
    const config = configFor(policy, configOverrides);
    const reported: string[] = [];
    const swallowNotApplicable = (error: unknown) => {
        if (!(error instanceof NotApplicable)) throw error;
    };
    if ("validateStack" in policy) {
        const resources: PolicyResource[] = inputs.map((input, i) => ({
            ...resourceArgs(input, i, config),
            dependencies: [],
            propertyDependencies: {},
        })) as unknown as PolicyResource[];
        const args: StackValidationArgs = {
            resources,
            stackTags: new Map(),
            getConfig: <T extends object>() => config as T,
            notApplicable: (reason?: string) => {
                throw new NotApplicable(reason);
            },
        };
        await Promise.resolve(policy.validateStack(args, (message) => reported.push(message))).catch(swallowNotApplicable);
        return reported;
    }
    const validations =
        policy.validateResource === undefined
            ? []
            : Array.isArray(policy.validateResource)
              ? policy.validateResource
              : [policy.validateResource];
    for (const [i, input] of inputs.entries()) {
        for (const validate of validations) {
            await Promise.resolve(
                validate(resourceArgs(input, i, config), (message) => reported.push(`${input.name ?? input.type}: ${message}`)),
            ).catch(swallowNotApplicable);
        }
    }
    return reported;
}

/** A mocked stack's resources as the engine would show them to policies: plain props, protect flags. */
export function policyInputsOf(run: StackRun): PolicyInput[] {
    return run.resources
        .filter((r) => !r.type.startsWith("orbit:"))
        .map((r) => ({ type: r.type, name: r.name, props: deepPlain(r.inputs) as Record<string, any>, protect: r.opts.protect ?? false }));
}
