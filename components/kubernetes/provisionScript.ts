/** The alias the provisioning script expects in MC_HOST_<alias> (http://ROOT_USER:ROOT_PASSWORD@host:port). */
export const provisionerAlias = "orbit";

/** Environment variables the script reads besides MC_HOST_orbit. */
const provisionerEnv = ["BUCKET", "POLICY_NAME", "POLICY_FILE", "REGISTRY_ACCESS_KEY", "REGISTRY_SECRET_KEY"] as const;

/**
 * A bash script for `mc` that creates or updates, idempotently, what the MinioBucket component
 * declares through the MinIO provider: the bucket, the registry's user, its policy and the
 * attachment. The Kubernetes target runs it as a Job, so `pulumi up` needs only the Kubernetes API.
 */
export function provisionScript(): string {
    const alias = provisionerAlias;
    return `#!/usr/bin/env bash
set -euo pipefail
: "\${MC_HOST_${alias}:?}" ${provisionerEnv.map((name) => `"\${${name}:?}"`).join(" ")}
mc_() { mc --config-dir "\${MC_CONFIG_DIR:-/tmp/.mc}" --no-color --disable-pager "$@"; }

# MinIO may still be starting: wait up to two minutes for its admin API.
for ((attempt = 1; attempt <= 60; attempt++)); do
  if mc_ admin info ${alias} >/dev/null 2>&1; then break; fi
  if [ "$attempt" -eq 60 ]; then echo "MinIO did not answer at ${alias}" >&2; exit 1; fi
  sleep 2
done

mc_ mb --ignore-existing "${alias}/$BUCKET"
mc_ admin user add ${alias} "$REGISTRY_ACCESS_KEY" "$REGISTRY_SECRET_KEY" >/dev/null
mc_ admin policy create ${alias} "$POLICY_NAME" "$POLICY_FILE" >/dev/null
if ! attached=$(mc_ admin policy attach ${alias} "$POLICY_NAME" --user "$REGISTRY_ACCESS_KEY" 2>&1); then
  case "$attached" in
    *"already"*) ;;
    *) echo "$attached" >&2; exit 1 ;;
  esac
fi
echo "bucket $BUCKET, its registry user and policy $POLICY_NAME are in place"
`;
}
