/** Where the collection's steps leave their output for the last one to report. */
export const gcReportDir = "/report";

/**
 * The garbage-collection CronJob's shell steps, run in the registry's own image (busybox sh) with its
 * config and environment, between the kubectl steps that switch the registry read-only and back.
 *
 *   gc.sh collect <config> [flags]  collects and empties Redis (REDIS_ADDRESS, when set), and never
 *                                   fails: the read-write step after it must always run;
 *   gc.sh report                    prints what the cleanup (with retention) and the collection removed,
 *                                   and fails the Job when either failed.
 */
export function gcScript(): string {
    return `#!/bin/sh
set -u
report=\${REPORT_DIR:-${gcReportDir}}
case "$1" in
collect)
    config="$2"
    shift 2
    registry garbage-collect "$@" "$config" > "$report/gc.log" 2>&1
    echo $? > "$report/exit-code"
    # The blob-descriptor cache would still claim collected blobs exist, and a client told a blob
    # exists skips its upload: empty it while the registry is still read-only.
    if [ -n "\${REDIS_ADDRESS:-}" ]; then
        host=\${REDIS_ADDRESS%:*}
        port=\${REDIS_ADDRESS##*:}
        reply=$(printf 'AUTH %s\\r\\nFLUSHDB\\r\\nQUIT\\r\\n' "$REGISTRY_REDIS_PASSWORD" | nc "$host" "$port" 2>&1)
        case "$reply" in
        *"+OK"*"+OK"*) echo "emptied the Redis cache" >> "$report/gc.log" ;;
        *) echo "could not empty the Redis cache: $reply" >> "$report/gc.log"; echo 1 > "$report/exit-code" ;;
        esac
    fi
    exit 0
    ;;
report)
    # With retention on, the cleanup step ran first and left its report (and exit code) here.
    if [ -f "$report/cleanup.txt" ]; then cat "$report/cleanup.txt"; fi
    cat "$report/gc.log"
    blobs=$(grep -c 'Deleting blob' "$report/gc.log")
    echo "removed $blobs blob(s)"
    [ "$(cat "$report/cleanup-exit-code" 2>/dev/null || echo 0)" = 0 ] || exit 1
    exit "$(cat "$report/exit-code")"
    ;;
*)
    echo "usage: gc.sh collect <config> [garbage-collect flags] | gc.sh report" >&2
    exit 2
    ;;
esac
`;
}
