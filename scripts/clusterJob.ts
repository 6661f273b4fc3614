/* eslint-disable @typescript-eslint/no-explicit-any */
import { runCommand } from "../operations/dockerRegistryControl";
import { option } from "./stackOutputs";

/** The namespace of a Kubernetes stack, from its in-cluster registry address; undefined on Docker. */
export const kubernetesNamespace = (outputs: Record<string, unknown>) =>
    /^[^.]+\.([^.]+)\.svc\.cluster\.local(:\d+)?$/.exec(String(outputs.registryInternalUrl ?? ""))?.[1];

/** kubectl in the stack's namespace, on the current context or --context; `why` says what needs it. */
export function kubectlIn(namespace: string, args: string[], why: string) {
    const context = option(args, "--context");
    const contextArgs = context ? ["--context", context] : [];
    const kubectl = async (kubectlArgs: string[], stdin?: string) => {
        const result = await runCommand("kubectl", [...contextArgs, "--namespace", namespace, ...kubectlArgs], stdin);
        if (result.code === 127) throw new Error(`kubectl is not on PATH: ${why}`);
        if (result.code !== 0) throw new Error(`kubectl ${kubectlArgs.slice(0, 2).join(" ")} failed: ${result.stderr.trim()}`);
        return result.stdout;
    };
    return {
        run: (...kubectlArgs: string[]) => kubectl(kubectlArgs),
        /** The named object as JSON, or undefined when it does not exist. */
        async find(kind: string, name: string): Promise<any> {
            const found = await kubectl(["get", kind, name, "--ignore-not-found", "--output", "json"]);
            return found.trim() ? JSON.parse(found) : undefined;
        },
        /** Creates the Job, waits for it, prints the log of `container` and fails when the Job did. */
        async runJob(job: any, container: string): Promise<void> {
            await kubectl(["create", "--filename", "-"], JSON.stringify(job));
            const name = `job/${job.metadata.name}`;
            console.error(`${name} in ${namespace}: waiting for it (kubectl logs shows it too)`);
            await kubectl(["wait", "--for=condition=complete", "--timeout=6h", name]).catch(() => undefined);
            process.stdout.write(await kubectl(["logs", name, "--container", container]).catch((error: Error) => `${error.message}\n`));
            const succeeded = JSON.parse(await kubectl(["get", name, "--output", "json"])).status?.succeeded >= 1;
            if (!succeeded) throw new Error(`${name} failed; see its log above`);
        },
    };
}
