import type { BackupOutput } from "../components/backupOutput";

/** The stack's `backup` output, or why there is none. */
export function backupSettings(outputs: Record<string, unknown>): BackupOutput {
    const backup = outputs.backup;
    if (backup === "[secret]") throw new Error("the backup output is still masked: read the outputs with --show-secrets");
    if (!backup || typeof backup !== "object") {
        throw new Error(
            "the stack has no backup output: set backupTarget and its keys " +
                "(scripts/pulumi config set backupTarget https://s3.example.com/bucket/prefix; " +
                "scripts/pulumi config set --secret backupAccessKey …; the same for backupSecretKey), then scripts/pulumi up",
        );
    }
    return backup as BackupOutput;
}
