import * as pulumi from "@pulumi/pulumi";
import { runCleanupStep } from "../../common/cleanupStep";
import { pushTimeListingPaths } from "../../common/tagListing";

/**
 * The CronJob's cleanup step as one JavaScript file for `node` in nodeImage: the same code
 * `npm run cleanup` runs, serialized by Pulumi with what it uses (builtins are required by name).
 */
export function cleanupScript(): pulumi.Output<string> {
    return pulumi
        .output(pulumi.runtime.serializeFunction(runCleanupStep))
        .apply((serialized) => `${serialized.text}\nexports.handler().then(() => process.exit(0));\n`);
}

/**
 * The listing step, a bash script for `mc` in mcImage: every tag's link under the repositories
 * prefix with its LastModified (the push time), and the restore marker, as the registry's own S3 identity. It never fails;
 * its exit code goes to a file the cleanup step reads.
 */
export function listingScript(reportDir: string, files: { storageListing: string; listingExitCode: string }): string {
    return [
        "set -u",
        `report="\${REPORT_DIR:-${reportDir}}"`,
        'mc_() { mc --config-dir "${MC_CONFIG_DIR:-/tmp/.mc}" --no-color --disable-pager "$@"; }',
        'mc_ alias set registry "$S3_ENDPOINT" "$REGISTRY_STORAGE_S3_ACCESSKEY" "$REGISTRY_STORAGE_S3_SECRETKEY" > /dev/null &&',
        `  mc_ ls --json --recursive ${pushTimeListingPaths("registry/$BUCKET")
            .map((p) => `"${p}"`)
            .join(" ")} > "$report/${files.storageListing}"`,
        `echo $? > "$report/${files.listingExitCode}"`,
        "",
    ].join("\n");
}
