import { parse, stringify } from "yaml";

/** The registry's config.yml with storage.maintenance.readonly switched on or off; the rest as it was. */
export function withReadOnly(configYaml: string, readOnly: boolean): string {
    const config = parse(configYaml) as { storage?: { maintenance?: Record<string, unknown> } };
    if (!config?.storage) throw new Error("not a registry config: it has no storage section");
    const maintenance = { ...(config.storage.maintenance ?? {}) };
    if (readOnly) maintenance.readonly = { enabled: true };
    else delete maintenance.readonly;
    config.storage.maintenance = maintenance;
    return stringify(config);
}

/** Whether config.yml has the registry read-only. */
export const isReadOnly = (configYaml: string): boolean =>
    (parse(configYaml) as { storage?: { maintenance?: { readonly?: { enabled?: boolean } } } })?.storage?.maintenance?.readonly?.enabled ===
    true;
