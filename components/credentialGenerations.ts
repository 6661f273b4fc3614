/**
 * Credential rotation by generation. Bumping credentialsGeneration issues new credentials while the
 * previous generation keeps working (the overlap); raising retiredCredentialsGeneration to the
 * previous one retires it. At most two generations are live: clients are never cut off by a rotation.
 */
export interface CredentialGenerations {
    /** What the apps and the registry are handed. */
    current: number;
    /** Still accepted during the overlap; absent once retired (or before the first rotation). */
    previous?: number;
}

export function credentialGenerations(generation: number, retired: number): CredentialGenerations {
    const previous = generation - 1;
    return previous >= 1 && previous > retired ? { current: generation, previous } : { current: generation };
}

/** Every live generation, oldest first. */
export const liveGenerations = (generations: CredentialGenerations): number[] =>
    generations.previous === undefined ? [generations.current] : [generations.previous, generations.current];

/**
 * The suffix of a generation's resource names and service account: none for generation 1, so a
 * stack that never rotated keeps its resources (and URNs) as they were.
 */
export const generationSuffix = (generation: number) => (generation === 1 ? "" : `-g${generation}`);
