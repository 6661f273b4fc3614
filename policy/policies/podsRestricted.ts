import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, podSpecOf, runsToCompletion } from "../lib/kubernetes";

/** The restricted Pod Security Standard, plus memory limits and readiness probes. */
export const podsRestricted: ResourceValidationPolicy = {
    name: "pods-restricted",
    description:
        "Every Kubernetes pod meets the restricted Pod Security Standard (non-root, no privilege escalation, all " +
        "capabilities dropped, RuntimeDefault seccomp, no host namespaces), and every container has a memory limit and, " +
        "outside Jobs, a readiness probe.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const pod = podSpecOf(args.type, args.props);
        if (!pod) return;
        const podSecurity = pod.securityContext ?? {};
        for (const hostNamespace of ["hostNetwork", "hostPID", "hostIPC"]) {
            if (pod[hostNamespace]) reportViolation(`The pod uses ${hostNamespace}.`);
        }
        if (podSecurity.runAsUser === 0) reportViolation("The pod runs as user 0 (root).");
        for (const { kind, container } of containersOf(pod)) {
            const security = container.securityContext ?? {};
            const where = `${kind} ${container.name}`;
            if ((security.runAsNonRoot ?? podSecurity.runAsNonRoot) !== true) reportViolation(`${where} does not set runAsNonRoot: true.`);
            if (security.runAsUser === 0) reportViolation(`${where} runs as user 0 (root).`);
            if (security.allowPrivilegeEscalation !== false) reportViolation(`${where} does not set allowPrivilegeEscalation: false.`);
            if (security.privileged === true) reportViolation(`${where} is privileged.`);
            if (!(security.capabilities?.drop ?? []).includes("ALL")) reportViolation(`${where} does not drop ALL capabilities.`);
            const added = (security.capabilities?.add ?? []).filter((c: string) => c !== "NET_BIND_SERVICE");
            if (added.length > 0) reportViolation(`${where} adds capabilities ${added.join(", ")}.`);
            const seccomp = (security.seccompProfile ?? podSecurity.seccompProfile)?.type;
            if (!["RuntimeDefault", "Localhost"].includes(seccomp))
                reportViolation(`${where} has no RuntimeDefault or Localhost seccomp profile.`);
            if (!container.resources?.limits?.memory) reportViolation(`${where} has no memory limit.`);
            if (kind === "container" && !runsToCompletion(args.type) && !container.readinessProbe)
                reportViolation(`${where} has no readiness probe.`);
        }
    },
};
