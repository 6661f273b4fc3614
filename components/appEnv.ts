/** The registry's coordinates and service account as the apps see them. */
export interface RegistryAccess {
    /** Address the apps push to and pull from, e.g. orbit-registry:5000. */
    url: string;
    user: string;
    password: string;
}

/** What Orbit's build-service reads (the plan's task 12). */
export function buildServiceEnv(access: RegistryAccess): Record<string, string> {
    return {
        ORBIT_REGISTRY_URL: access.url,
        ORBIT_REGISTRY_USER: access.user,
        ORBIT_REGISTRY_PASS: access.password,
    };
}

/** What orbit-www reads (the plan's task 13); it hands the token on to the builder. */
export function orbitWwwEnv(access: RegistryAccess): Record<string, string> {
    return {
        ORBIT_REGISTRY_URL: access.url,
        ORBIT_REGISTRY_TOKEN: access.password,
    };
}
