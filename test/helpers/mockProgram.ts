import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import { isRpcSecret, unwrapRpcSecret } from "@pulumi/pulumi/runtime/rpc";
import { ConfigKey, projectName, qualifiedKey, RawConfig } from "../../components/config";
import { orbitRegistryProgram } from "../../components/program";
import type { KubeObject } from "../cluster/harness/kubeApi";
import { replacementIdentity } from "./kubernetesReplacement";

export interface DeclaredResource {
    type: string;
    name: string;
    /** Inputs as the engine receives them, with secret values still wrapped (see isSecret). */
    inputs: Record<string, unknown>;
    /** The provider reference the engine got ("urn::id"), for custom resources. */
    provider?: string;
    /** Resource options (protect, dependsOn, parent, provider…) as the program passed them. */
    opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
    parentName?: string;
}

export interface StackRun {
    resources: DeclaredResource[];
    outputs: Record<string, { value: unknown; secret: boolean }>;
    /** The one resource of `type` whose name ends with `suffix`; fails the test if not exactly one. */
    one(type: string, suffix?: string): DeclaredResource;
    all(type: string): DeclaredResource[];
}

export const isSecret = (value: unknown): boolean => isRpcSecret(value);
export const plain = <T = unknown>(value: unknown): T => unwrapRpcSecret(value) as T;

async function outputValue<T>(output: pulumi.Output<T>): Promise<{ value: T; secret: boolean }> {
    const value = await new Promise<T>((resolve) => output.apply((v) => resolve(v as T)));
    return { value, secret: await pulumi.isSecret(output) };
}

/** The image id the mocked docker provider gives a RemoteImage: a digest, as the real one does. */
export const fakeImageId = (name: string) => `sha256:${crypto.createHash("sha256").update(name).digest("hex")}`;

/** The credential a mocked provider generates for resource `name`. */
export type SecretSource = (name: string) => string;

/** Clearly fake and predictable, so unit tests can look for them: `fake-<resource name>`. */
const fakeSecrets: SecretSource = (name) => `fake-${name}`;

/** Random values generated once per resource name, for runs whose objects go to a real server. */
export function randomSecrets(): SecretSource {
    const generated = new Map<string, string>();
    return (name) => {
        if (!generated.has(name)) generated.set(name, crypto.randomBytes(20).toString("hex"));
        return generated.get(name)!;
    };
}

// What the real providers compute, faked: credentials and image ids.
function providerOutputs(type: string, name: string, inputs: Record<string, unknown>, secrets: SecretSource): Record<string, unknown> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
            return { result: secrets(name), bcryptHash: `$2a$10$fake-bcrypt-of-${name}` };
        case "random:index/randomString:RandomString":
            // Salts: 22 characters of bcrypt's alphabet, fixed per name.
            return { result: crypto.createHash("sha256").update(name).digest("hex").slice(0, 22) };
        case "aws:iam/accessKey:AccessKey":
            return { secret: secrets(`${name}-secret`) };
        case "tls:index/privateKey:PrivateKey":
            return { privateKeyPem: `-----BEGIN EC PRIVATE KEY-----\n${secrets(name)}\n-----END EC PRIVATE KEY-----\n` };
        case "tls:index/selfSignedCert:SelfSignedCert":
            return { certPem: `-----BEGIN CERTIFICATE-----\nfake-certificate-${name}\n-----END CERTIFICATE-----\n` };
        case "docker:index/remoteImage:RemoteImage":
            return { imageId: fakeImageId(name) };
        default:
            return type.startsWith("kubernetes:") ? { metadata: { ...(inputs.metadata as object), uid: fakeUid(name, inputs) } } : {};
    }
}

/** The uid the API server gives an object: new whenever the provider would replace it (a new resource, or replacement fields changed). */
const fakeUid = (name: string, inputs: Record<string, unknown>) =>
    crypto
        .createHash("sha256")
        .update(`${name}:${replacementIdentity(inputs as KubeObject)}`)
        .digest("hex")
        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, "$1-$2-$3-$4-$5");

/** How many resources reached the mock engine in the latest runProgram, even one that threw. */
export let mockedResourceCount = 0;

/** The keys docs/configuration.md has users set with `pulumi config set --secret`. */
export const credentialKeys: ConfigKey[] = ["backupAccessKey", "backupSecretKey"];

/**
 * Runs the whole program under Pulumi mocks with `raw` as the stack's configuration, the keys in
 * `secretKeys` set as Pulumi secrets (`pulumi config set --secret`).
 */
export async function runProgram(
    raw: RawConfig,
    stack = "test",
    secrets: SecretSource = fakeSecrets,
    secretKeys: ConfigKey[] = credentialKeys,
): Promise<StackRun> {
    mockedResourceCount = 0;
    const mocked = new Map<string, { inputs: Record<string, unknown>; provider?: string }>();
    const declared: Omit<DeclaredResource, "inputs" | "provider">[] = [];

    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                mockedResourceCount++;
                mocked.set(`${args.type}::${args.name}`, { inputs: args.inputs, provider: args.provider });
                return { id: `${args.name}-id`, state: { ...args.inputs, ...providerOutputs(args.type, args.name, args.inputs, secrets) } };
            },
            call: (args) => args.inputs,
        },
        projectName,
        stack,
        false,
        // What a file backend calls every stack's organization.
        "organization",
    );
    pulumi.runtime.setAllConfig(
        Object.fromEntries(Object.entries(raw).map(([key, value]) => [qualifiedKey(key as ConfigKey), value as string])),
        secretKeys.map(qualifiedKey),
    );

    const programOutputs = orbitRegistryProgram(
        raw,
        {
            transformations: [
                ({ type, name, opts }) => {
                    declared.push({ type, name, opts, parentName: (opts.parent as { __name?: string })?.__name });
                    return undefined;
                },
            ],
        },
        new Set(secretKeys),
    );

    const outputs: StackRun["outputs"] = {};
    for (const [key, output] of Object.entries(programOutputs)) {
        outputs[key] = await outputValue(output as pulumi.Output<unknown>);
    }
    // Wait until every resource the program declared has reached the mock engine.
    const allRegistered = () => declared.every((d) => mocked.has(`${d.type}::${d.name}`));
    for (let i = 0; i < 500 && !allRegistered(); i++) await new Promise((r) => setTimeout(r, 10));
    if (!allRegistered()) throw new Error("some declared resources never reached the engine (unresolved inputs?)");

    const resources: DeclaredResource[] = declared.map((d) => {
        const { inputs, provider } = mocked.get(`${d.type}::${d.name}`)!;
        return { ...d, inputs, provider };
    });
    const matching = (type: string) => resources.filter((r) => r.type === type);
    return {
        resources,
        outputs,
        all: matching,
        one(type, suffix = "") {
            const found = matching(type).filter((r) => r.name.endsWith(suffix));
            if (found.length !== 1) {
                throw new Error(`expected one ${type} named *${suffix}, found ${found.map((r) => r.name).join(", ") || "none"}`);
            }
            return found[0];
        },
    };
}

/** Names of the resources in a resource's dependsOn option. */
export function dependsOnNames(resource: DeclaredResource): string[] {
    const dependsOn = resource.opts.dependsOn;
    const list = Array.isArray(dependsOn) ? dependsOn : dependsOn ? [dependsOn] : [];
    return list.map((r) => (r as unknown as { __name: string }).__name);
}

/** A resource's aliases as [name, parent resource name] pairs. */
export function aliasesOf(resource: DeclaredResource): Array<[string, string]> {
    const aliases = (resource.opts.aliases ?? []) as unknown as Array<{ name: string; parent: { __name: string } }>;
    return aliases.map((alias) => [alias.name, alias.parent.__name]);
}
