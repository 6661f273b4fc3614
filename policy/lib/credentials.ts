/** Names that say a value is a credential: *_PASSWORD, *_SECRET*, *_TOKEN, *ACCESS_KEY*, … */
export const credentialName = /(passw(or)?d|secret|token|access_?key|secret_?key|api_?key|credential|private_?key)/i;

/**
 * A line that assigns a literal to a credential-named key, in YAML, JSON, INI or dotenv form
 * (`secretkey: abc`, `"password": "abc"`, `TOKEN=abc`). A reference (${VAR}, $(VAR)) is not a literal.
 */
export const credentialAssignment =
    /^[ \t]*["']?[\w.-]*(passw(or)?d|secret|token|access_?key|secret_?key|api_?key|private_?key)["']?[ \t]*[:=][ \t]*["']?(?![$"'{\s])\S/im;

/**
 * In a script (a ConfigMap key named *.js, *.sh…), assigning to a credential-named variable is code
 * reading its environment (`password: env.PASS`); a quoted literal is a credential written in.
 */
const scriptCredentialLiteral =
    /(passw(or)?d|secret|token|access_?key|secret_?key|api_?key|private_?key)["']?[ \t]*[:=][ \t]*["'][^"'$\s{}]{4,}["']/i;

/** Whether a ConfigMap key names a script rather than a configuration file. */
export const isScriptKey = (key: string) => /\.(js|mjs|cjs|ts|sh|bash|py)$/.test(key);

/** Literal key material that needs no name to be recognised. */
export const credentialMaterial = /(AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----)/;

/** A URL with a literal user:password (not Kubernetes $(VAR) references) in it. */
export function urlWithLiteralPassword(value: string): boolean {
    const match = /[a-z][a-z0-9+.-]*:\/\/([^/@\s]+):([^/@\s]+)@/i.exec(value);
    if (!match) return false;
    const isReference = (part: string) => /^(\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\})$/.test(part);
    return !isReference(match[2]);
}

/** What in `text` looks like a credential written in plain text, or undefined; `script` for code. */
export function plaintextCredentialIn(text: string, script = false): string | undefined {
    const assignment = (script ? scriptCredentialLiteral : credentialAssignment).exec(text);
    if (assignment) return `a credential assignment (${assignment[0].trim().split(/[:=]/)[0].trim()} = …)`;
    if (credentialMaterial.test(text)) return "key material";
    if (urlWithLiteralPassword(text)) return "a URL with a password";
    return undefined;
}
