/*
 * The copy behind backups and restores, a bash script for `mc` (MinIO's client image has bash and
 * little else: no grep, no awk). Both targets run it: the Kubernetes CronJob from a ConfigMap,
 * `npm run backup` and `npm run restore` in a throwaway container of mcImage.
 *
 * The order is what makes a copy taken during pushes restorable. Distribution writes a blob's data
 * before it links the blob into a repository, and a manifest's blob before its revision and tag
 * links. A backup therefore copies the repositories' links first, then the blobs: every link in the
 * copy was written before the links were read, so the blobs it names were written before that and are
 * there when the blobs are copied. Copying blobs first would let a push land between the two passes
 * with its links copied and its blobs not. A restore goes the other way (blobs, then links), so the
 * live registry never sees a link before its blob, and ends by writing the restore marker
 * (tagListing.ts): the links' new LastModified says nothing about when their tags were pushed.
 */

import { restoreMarkerKey } from "./tagListing";

/** The storage prefix Distribution keeps everything under. */
export const registryRoot = "docker/registry/v2";

/** Environment the script reads (besides MC_CONFIG_DIR). */
export const copyScriptEnv = {
    mode: "MODE", // backup or restore
    sourceEndpoint: "SOURCE_ENDPOINT", // the registry's bucket: endpoint, keys, bucket
    sourceAccessKey: "SOURCE_ACCESS_KEY",
    sourceSecretKey: "SOURCE_SECRET_KEY",
    sourceBucket: "SOURCE_BUCKET",
    targetEndpoint: "TARGET_ENDPOINT", // the backup target: endpoint, keys, bucket[/prefix]
    targetAccessKey: "TARGET_ACCESS_KEY",
    targetSecretKey: "TARGET_SECRET_KEY",
    targetPath: "TARGET_PATH",
    prune: "PRUNE", // true: a backup also removes what the source no longer has
} as const;

export function copyScript(): string {
    return `#!/usr/bin/env bash
set -uo pipefail
mode="\${MODE:?backup or restore}"
mc_() { mc --config-dir "\${MC_CONFIG_DIR:-/tmp/.mc}" --no-color --disable-pager "$@"; }
fail() { echo "$mode failed: $*" >&2; exit 1; }

# What mc says when it never reached the endpoint, as opposed to an endpoint refusing the keys.
unreachable() {
  case "$1" in
  *"dial tcp"* | *"connection refused"* | *"no such host"* | *"i/o timeout"* | *"network is unreachable"* | \
    *"server misbehaving"* | *"x509:"* | *"tls:"* | *"connection reset"*) return 0 ;;
  esac
  return 1
}
if ! refused=$(mc_ alias set source "$SOURCE_ENDPOINT" "$SOURCE_ACCESS_KEY" "$SOURCE_SECRET_KEY" 2>&1 > /dev/null); then
  unreachable "$refused" && fail "cannot reach the registry's bucket at $SOURCE_ENDPOINT: \${refused#mc: <ERROR> }"
  fail "the registry's bucket at $SOURCE_ENDPOINT refused its credentials"
fi
if ! refused=$(mc_ alias set target "$TARGET_ENDPOINT" "$TARGET_ACCESS_KEY" "$TARGET_SECRET_KEY" 2>&1 > /dev/null); then
  unreachable "$refused" &&
    fail "cannot reach the backup target $TARGET_ENDPOINT from where the copy runs: \${refused#mc: <ERROR> }"
  fail "the backup target $TARGET_ENDPOINT refused backupAccessKey and backupSecretKey: \${refused#mc: <ERROR> }"
fi
bucket="\${TARGET_PATH%%/*}"
mc_ ls "target/$bucket" > /dev/null 2>&1 || fail "cannot list the backup target's bucket $bucket at $TARGET_ENDPOINT"

root=${registryRoot}
if [ "$mode" = backup ]; then
  from="source/$SOURCE_BUCKET" to="target/$TARGET_PATH" parts=(repositories blobs)   # links first
else
  from="target/$TARGET_PATH" to="source/$SOURCE_BUCKET" parts=(blobs repositories)   # blobs first
fi
flags=(--overwrite --json --exclude "*/_uploads/*")
if [ "\${PRUNE:-false}" = true ]; then flags+=(--remove); fi

total=0
bytes=0
for part in "\${parts[@]}"; do
  # An empty registry has no such prefix yet.
  if [ -z "$(mc_ ls "$from/$root/$part/" 2> /dev/null)" ]; then echo "$mode: $part: nothing there"; continue; fi
  copied=0
  while IFS= read -r line; do
    if [[ $line == *'"status":"error"'* ]]; then fail "copying $part: $line"; fi
    if [[ $line == '{"exit":'* && $line != '{"exit":0}' ]]; then fail "copying $part: mc mirror $line"; fi
    if [[ $line =~ \\"source\\":.*\\"size\\":([0-9]+) ]]; then
      copied=$((copied + 1))
      bytes=$((bytes + BASH_REMATCH[1]))
    fi
  done < <(mc_ mirror "\${flags[@]}" "$from/$root/$part/" "$to/$root/$part/" 2>&1; echo "{\\"exit\\":$?}")
  total=$((total + copied))
  echo "$mode: $part: copied $copied object(s)"
done
if [ "$mode" = restore ]; then
  # After the last link: the cleanup counts every link no newer than this as pushed when the restore ended.
  echo "restored from $TARGET_ENDPOINT/$TARGET_PATH" | mc_ pipe "$to/${restoreMarkerKey}" > /dev/null ||
    fail "writing ${restoreMarkerKey} into the registry's bucket"
fi
echo "$mode: copied $total object(s), $bytes bytes, in \${SECONDS}s"
`;
}
