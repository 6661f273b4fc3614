import * as net from "net";

/** The host name a user on this machine types to reach a port published on `bindAddress`. */
export function hostAddress(bindAddress: string, port: number): string {
    const loopbackOrAny = /^127\./.test(bindAddress) || ["0.0.0.0", "::", "::1"].includes(bindAddress);
    if (loopbackOrAny) return `localhost:${port}`;
    return net.isIPv6(bindAddress) ? `[${bindAddress}]:${port}` : `${bindAddress}:${port}`;
}

/** The address Pulumi itself dials to reach a port published on `bindAddress`. */
export function dialAddress(bindAddress: string, port: number): string {
    if (bindAddress === "0.0.0.0") return `127.0.0.1:${port}`;
    if (bindAddress === "::") return `[::1]:${port}`;
    return net.isIPv6(bindAddress) ? `[${bindAddress}]:${port}` : `${bindAddress}:${port}`;
}
