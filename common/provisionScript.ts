/** The alias the provisioning script expects in MC_HOST_<alias> (http://ROOT_USER:ROOT_PASSWORD@host:port). */
export const provisionerAlias = "orbit";

/**
 * Environment variables the script reads besides MC_HOST_orbit (and PREVIOUS_ACCESS_KEY/SECRET_KEY
 * during a rotation; READER_ACCESS_KEY/SECRET_KEY, READ_POLICY_NAME/FILE with the reader identity;
 * MIRROR_BUCKET, MIRROR_ACCESS_KEY/SECRET_KEY, MIRROR_POLICY_NAME/FILE with the mirror; KEEP_OTHER_USERS).
 */
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
mc_ admin policy create ${alias} "$POLICY_NAME" "$POLICY_FILE" >/dev/null

# The current identity and, during a rotation's overlap, the previous one.
keep=("$REGISTRY_ACCESS_KEY")
add_user() { # access-key secret-key [policy]
  mc_ admin user add ${alias} "$1" "$2" >/dev/null
  if ! attached=$(mc_ admin policy attach ${alias} "\${3:-$POLICY_NAME}" --user "$1" 2>&1); then
    case "$attached" in
      *"already"*) ;;
      *) echo "$attached" >&2; exit 1 ;;
    esac
  fi
}
add_user "$REGISTRY_ACCESS_KEY" "$REGISTRY_SECRET_KEY"
if [ -n "\${PREVIOUS_ACCESS_KEY:-}" ]; then
  add_user "$PREVIOUS_ACCESS_KEY" "\${PREVIOUS_SECRET_KEY:?}"
  keep+=("$PREVIOUS_ACCESS_KEY")
fi

# With backups on: the user the backups copy from, which may only read the bucket.
if [ -n "\${READER_ACCESS_KEY:-}" ]; then
  mc_ admin policy create ${alias} "\${READ_POLICY_NAME:?}" "\${READ_POLICY_FILE:?}" >/dev/null
  add_user "$READER_ACCESS_KEY" "\${READER_SECRET_KEY:?}" "$READ_POLICY_NAME"
  keep+=("$READER_ACCESS_KEY")
fi

# With the Docker Hub mirror: its bucket and the one user that may use it.
if [ -n "\${MIRROR_ACCESS_KEY:-}" ]; then
  mc_ mb --ignore-existing "${alias}/\${MIRROR_BUCKET:?}"
  mc_ admin policy create ${alias} "\${MIRROR_POLICY_NAME:?}" "\${MIRROR_POLICY_FILE:?}" >/dev/null
  add_user "$MIRROR_ACCESS_KEY" "\${MIRROR_SECRET_KEY:?}" "$MIRROR_POLICY_NAME"
  keep+=("$MIRROR_ACCESS_KEY")
fi

# A retired generation (or backups turned off): any other user holding either policy goes, unless
# KEEP_OTHER_USERS=true (npm run restore on Docker, where Pulumi manages the users).
[ "\${KEEP_OTHER_USERS:-false}" = true ] || while read -r line; do
  [[ $line =~ \\"accessKey\\":\\"([^\\"]+)\\" ]] || continue
  user="\${BASH_REMATCH[1]}"
  holds() { [ -n "$1" ] && [[ $line == *"\\"policyName\\":\\"$1\\""* ]]; }
  holds "$POLICY_NAME" || holds "\${READ_POLICY_NAME:-}" || holds "\${MIRROR_POLICY_NAME:-}" || continue
  case " \${keep[*]} " in *" $user "*) continue ;; esac
  mc_ admin user rm ${alias} "$user" >/dev/null
  echo "removed the retired user \${user:0:4}…"
done < <(mc_ admin user list ${alias} --json)
echo "bucket $BUCKET, its registry user(s) and policy $POLICY_NAME are in place"
`;
}
