/** One htpasswd line; Distribution accepts only bcrypt hashes ($2a$/$2b$/$2y$). */
export function htpasswdLine(user: string, bcryptHash: string): string {
    if (user.includes(":")) throw new Error(`htpasswd user ${JSON.stringify(user)} must not contain ':'`);
    if (!/^\$2[aby]\$\d\d\$/.test(bcryptHash)) throw new Error("htpasswd needs a bcrypt hash ($2a$, $2b$ or $2y$)");
    return `${user}:${bcryptHash}\n`;
}
