/** The registry's coordinates and service account as the apps see them. */
export interface RegistryAccess {
    /** Address the apps push to and pull from, e.g. orbit-registry:5000. */
    url: string;
    user: string;
    password: string;
    /** What the registry's events carry as their bearer token, with events on. */
    eventsToken?: string;
}

/** The environment of each of Orbit's apps (the plan's tasks 12 and 13). */
export interface AppEnvironment {
    /** What build-service reads. */
    buildServiceEnv: Record<string, string>;
    /** What orbit-www reads; it hands the token on to the builder. */
    orbitWwwEnv: Record<string, string>;
}

/** Where the pull endpoint and the Docker Hub mirror are, when on. */
export interface PullSideAddresses {
    pullUrl?: string;
    mirrorUrl?: string;
}

export function appEnvironment(access: RegistryAccess, addresses: PullSideAddresses = {}): AppEnvironment {
    return {
        buildServiceEnv: {
            ORBIT_REGISTRY_URL: access.url,
            ORBIT_REGISTRY_USER: access.user,
            ORBIT_REGISTRY_PASS: access.password,
            // The builder pulls base images through it (docs/pull-side.md shows the BuildKit and dockerd lines).
            ...(addresses.mirrorUrl === undefined ? {} : { ORBIT_REGISTRY_MIRROR: addresses.mirrorUrl }),
        },
        orbitWwwEnv: {
            ORBIT_REGISTRY_URL: access.url,
            ORBIT_REGISTRY_TOKEN: access.password,
            ...(access.eventsToken === undefined ? {} : { ORBIT_REGISTRY_EVENTS_TOKEN: access.eventsToken }),
            // What deployments pull Orbit's images from, to show in its pull instructions.
            ...(addresses.pullUrl === undefined ? {} : { ORBIT_REGISTRY_PULL_URL: addresses.pullUrl }),
        },
    };
}

/** Every variable either app reads, e.g. as one Kubernetes Secret for envFrom. */
export const allAppVariables = (env: AppEnvironment): Record<string, string> => ({ ...env.buildServiceEnv, ...env.orbitWwwEnv });
