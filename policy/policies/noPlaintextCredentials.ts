import { ResourceValidationPolicy } from "@pulumi/policy";
import { credentialName, isScriptKey, plaintextCredentialIn } from "../lib/credentials";
import { containersOf, podSpecOf } from "../lib/kubernetes";

/**
 * No credential in a ConfigMap, a plain Kubernetes env value or an uploaded config file.
 * Docker env lists are not checked: the engine hands policies secret values unwrapped, so a
 * policy cannot tell a secret-marked env (as the program passes the registry's keys) from a plain one.
 */
export const noPlaintextCredentials: ResourceValidationPolicy = {
    name: "no-plaintext-credentials",
    description:
        "No key, password or token in plain text: not in ConfigMap data, not in a plain Kubernetes env value (use " +
        "valueFrom a Secret), not in a config file uploaded into a Docker container.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === "kubernetes:core/v1:ConfigMap") {
            for (const [key, value] of Object.entries<string>(args.props.data ?? {})) {
                if (credentialName.test(key) && value) reportViolation(`ConfigMap key ${key} looks like a credential; put it in a Secret.`);
                const found = typeof value === "string" ? plaintextCredentialIn(value, isScriptKey(key)) : undefined;
                if (found) reportViolation(`ConfigMap key ${key} holds ${found}; put it in a Secret.`);
            }
        }
        const pod = podSpecOf(args.type, args.props);
        for (const { container } of pod ? containersOf(pod) : []) {
            for (const env of container.env ?? []) {
                if (typeof env.value !== "string" || env.value === "") continue;
                if (credentialName.test(env.name))
                    reportViolation(`Container ${container.name} sets ${env.name} as a plain value; use valueFrom.secretKeyRef.`);
                const found = plaintextCredentialIn(`${env.name}=${env.value}`);
                if (found && !credentialName.test(env.name))
                    reportViolation(`Container ${container.name} env ${env.name} holds ${found}; use a Secret.`);
            }
        }
        if (args.type === "docker:index/container:Container") {
            for (const upload of args.props.uploads ?? []) {
                if (!/\.(ya?ml|json|env|conf|ini|toml)$/.test(upload.file ?? "") || typeof upload.content !== "string") continue;
                const found = plaintextCredentialIn(upload.content);
                if (found) reportViolation(`Uploaded file ${upload.file} holds ${found}; pass it as a secret env variable.`);
            }
        }
    },
};
