/**
 * A bash command that GETs an HTTP path on 127.0.0.1 and succeeds only on status 200. The MinIO
 * image has no curl or wget since 2023, but it has bash, whose /dev/tcp needs no other tool.
 */
export function bashHttpCheck(port: number, path: string): string[] {
    const script =
        `exec 3<>/dev/tcp/127.0.0.1/${port} && ` +
        `printf 'GET ${path} HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3 && ` +
        `read -r -t 5 _ status _ <&3 && [ "$status" = 200 ]`;
    return ["CMD", "bash", "-c", script];
}
