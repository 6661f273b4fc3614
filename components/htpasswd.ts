import { hashSync } from "bcryptjs";

/**
 * bcrypt's work factor for the service accounts. The registry checks the password on every request,
 * so the factor is paid per HEAD, POST, PATCH and PUT: cost 10 (the usual default) took ~70 ms a
 * request on the bench machine and made a 64-layer push 60× slower than raw MinIO. The passwords are
 * 32 random alphanumerics (~190 bits), which no work factor needs to protect against guessing.
 */
export const htpasswdBcryptCost = 5;

/**
 * The bcrypt hash of `password` with `salt` (22 characters of bcrypt's alphabet, kept in state), so
 * the same password always gives the same htpasswd line and an unchanged stack rolls nothing.
 */
export function htpasswdHash(password: string, salt: string): string {
    if (!/^[./A-Za-z0-9]{22}$/.test(salt)) throw new Error("a bcrypt salt is 22 characters of [./A-Za-z0-9]");
    return hashSync(password, `$2b$${String(htpasswdBcryptCost).padStart(2, "0")}$${salt}`);
}

/** One htpasswd line; Distribution accepts only bcrypt hashes ($2a$/$2b$/$2y$). */
export function htpasswdLine(user: string, bcryptHash: string): string {
    if (user.includes(":")) throw new Error(`htpasswd user ${JSON.stringify(user)} must not contain ':'`);
    if (!/^\$2[aby]\$\d\d\$/.test(bcryptHash)) throw new Error("htpasswd needs a bcrypt hash ($2a$, $2b$ or $2y$)");
    return `${user}:${bcryptHash}\n`;
}
