// Required as is, not `import * as`: a serialized copy of the token server requires builtins by name.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import crypto = require("crypto");
// eslint-disable-next-line @typescript-eslint/no-require-imports
import fs = require("fs");

/** One account the token server admits: the service account of a credential generation. */
export interface TokenAccount {
    user: string;
    salt: string;
    /** Hex of scrypt(password, salt, 32). */
    scrypt: string;
}

const keyLength = 32;

/** The account's entry for the token server's accounts file; the password never leaves the program. */
export const tokenAccount = (user: string, password: string, salt: string): TokenAccount => ({
    user,
    salt,
    scrypt: crypto.scryptSync(password, salt, keyLength).toString("hex"),
});

/**
 * The accounts file, read again whenever it changes: a rotation's new generation is admitted, and a
 * retired one refused, without restarting the token server (a Secret's file is updated in place).
 */
export class AccountsFile {
    private loaded?: { mtimeMs: number; accounts: TokenAccount[] };

    constructor(private readonly file: string) {}

    private accounts(): TokenAccount[] {
        const mtimeMs = fs.statSync(this.file).mtimeMs;
        if (this.loaded?.mtimeMs !== mtimeMs) this.loaded = { mtimeMs, accounts: JSON.parse(fs.readFileSync(this.file, "utf8")) };
        return this.loaded.accounts;
    }

    /** The user of a `Basic` authorization header whose password matches; undefined otherwise. */
    authenticate(authorization: string | undefined): string | undefined {
        const encoded = /^basic\s+(.+)$/i.exec(authorization ?? "")?.[1];
        if (!encoded) return undefined;
        const decoded = Buffer.from(encoded, "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        if (colon < 0) return undefined;
        const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
        const account = this.accounts().find((a) => a.user === user);
        if (!account) return undefined;
        const given = crypto.scryptSync(password, account.salt, keyLength);
        return crypto.timingSafeEqual(given, Buffer.from(account.scrypt, "hex")) ? user : undefined;
    }
}
