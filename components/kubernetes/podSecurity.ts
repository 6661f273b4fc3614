import * as k8s from "@pulumi/kubernetes";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;

/** Pod-level settings of the restricted Pod Security Standard, running as `uid`. */
export function restrictedPod(uid: number): PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        fsGroup: uid,
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Container-level settings of the restricted standard, plus a read-only root filesystem. */
export const restrictedContainer: SecurityContext = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** Scratch space for processes that write temporary files, since the root filesystem is read-only. */
export const scratchVolume = { name: "tmp", emptyDir: { sizeLimit: "256Mi" } };
export const scratchMount = { name: "tmp", mountPath: "/tmp" };

/** Recommended labels, shared by a workload's selector, pods and the policies that select them. */
export function appLabels(component: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/part-of": "orbit-registry",
    };
}

/** A probe that a TCP connection to the named port passes, every `periodSeconds`. */
export function tcpProbe(port: string, periodSeconds: number) {
    return { tcpSocket: { port }, periodSeconds, timeoutSeconds: 3, failureThreshold: 3 };
}
