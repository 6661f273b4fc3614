import validateCron from "cron-validate";
import type { OptionPreset } from "cron-validate/lib/types";
import * as net from "net";

// Each validator returns undefined when the value is fine, or a phrase saying what is allowed.
export type Rule = (value: string) => string | undefined;

export const oneOf =
    (allowed: readonly string[]): Rule =>
    (value) =>
        allowed.includes(value) ? undefined : `one of: ${allowed.join(", ")}`;

export const port: Rule = (value) =>
    /^[0-9]+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535 ? undefined : "an integer port from 1 to 65535";

export const positiveInteger: Rule = (value) => (/^[0-9]+$/.test(value) && Number(value) >= 1 ? undefined : "an integer of at least 1");

export const nonNegativeInteger: Rule = (value) => (/^[0-9]+$/.test(value) ? undefined : "an integer of at least 0");

export const boolean: Rule = (value) => (value === "true" || value === "false" ? undefined : "true or false");

export const ipAddress: Rule = (value) => (net.isIP(value) !== 0 ? undefined : "an IPv4 or IPv6 address such as 127.0.0.1");

// S3 bucket naming rules (AWS "general purpose bucket naming rules"), which MinIO also enforces.
export const bucketName: Rule = (value) => {
    const allowed =
        "an S3 bucket name: 3-63 characters of lowercase letters, digits, '.' and '-', " +
        "starting and ending with a letter or digit, no '..', not an IP address, " +
        "not starting with 'xn--' or 'sthree-', not ending with '-s3alias' or '--ol-s3'";
    const ok =
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) &&
        !value.includes("..") &&
        net.isIPv4(value) === false &&
        !/^(xn--|sthree-)/.test(value) &&
        !/(-s3alias|--ol-s3)$/.test(value);
    return ok ? undefined : allowed;
};

// One rule for the program and the policy pack; it lives in the pack, which must stay self-contained.
export { pinnedImage } from "../policy/lib/imageReference";

// Docker accepts these characters in network names; empty means "join no extra network".
export const optionalDockerNetwork: Rule = (value) =>
    value === "" || /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(value)
        ? undefined
        : "empty, or a Docker network name (letters, digits, '_', '.', '-')";

// htpasswd separates user and hash with ':', and Docker clients send the user in Basic auth.
export const htpasswdUser: Rule = (value) =>
    /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/.test(value)
        ? undefined
        : "1-64 characters of letters, digits, '.', '_', '-', starting with a letter or digit";

export const anyString: Rule = () => undefined;

// Distribution compiles these with Go's RE2: no lookaround or backreferences.
export const optionalRegularExpression: Rule = (value) => {
    if (value === "") return undefined;
    const allowed = "empty, or a regular expression (RE2 syntax: no lookaround, no backreferences)";
    if (/\(\?[=!<]|\\[1-9]/.test(value)) return allowed;
    try {
        new RegExp(value);
        return undefined;
    } catch {
        return allowed;
    }
};

export const optionalHttpUrl: Rule = (value) => {
    if (value === "") return undefined;
    const allowed = "empty, or an http:// or https:// URL such as https://orbit-www.example.com/api/registry/events";
    try {
        const url = new URL(value);
        return (url.protocol === "http:" || url.protocol === "https:") && url.hostname && !url.username && !url.password
            ? undefined
            : allowed;
    } catch {
        return allowed;
    }
};

// A CronJob schedule as Kubernetes parses it (robfig/cron's standard parser): five fields with their
// ranges, names such as MON or JAN, "?" for a day, or a macro such as @daily. The API server refuses
// anything else only when the CronJob is applied, after the rest of the stack has changed.
const kubernetesCron: OptionPreset = {
    presetId: "kubernetes",
    useSeconds: false,
    useYears: false,
    useAliases: true,
    useBlankDay: true,
    allowOnlyOneBlankDayField: false,
    allowStepping: true,
    mustHaveBlankDayField: false,
    useLastDayOfMonth: false,
    useLastDayOfWeek: false,
    useNearestWeekday: false,
    useNthWeekdayOfMonth: false,
    seconds: { minValue: 0, maxValue: 59 },
    minutes: { minValue: 0, maxValue: 59 },
    hours: { minValue: 0, maxValue: 23 },
    daysOfMonth: { minValue: 1, maxValue: 31 },
    months: { minValue: 1, maxValue: 12 },
    daysOfWeek: { minValue: 0, maxValue: 6 },
    years: { minValue: 1970, maxValue: 2099 },
};
export const cronSchedule: Rule = (value) => {
    if (/^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(value)) return undefined;
    const result = validateCron(value, { preset: kubernetesCron });
    if (result.isValid()) return undefined;
    const reason = result
        .getError()
        .map((error) => error.replace(/ \(Input cron: .*\)$/, "").replace(/\.$/, ""))
        .join("; ");
    return (
        "a cron schedule of five fields (minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of week 0-6), " +
        `e.g. "0 3 * * 0", or @daily, @weekly… (${reason})`
    );
};

// RFC 1123 label, as Kubernetes requires of namespace names.
export const dnsLabel: Rule = (value) =>
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) && value.length <= 63
        ? undefined
        : "a DNS label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit";

// RFC 1123 subdomain, as Kubernetes requires of most object names and as ingress hosts are.
export const dnsSubdomain: Rule = (value) =>
    value.length <= 253 && value.split(".").every((label) => dnsLabel(label) === undefined)
        ? undefined
        : "a DNS name: dot-separated labels of lowercase letters, digits and '-', at most 253 characters";

export const optional =
    (rule: Rule): Rule =>
    (value) => {
        if (value === "") return undefined;
        const allowed = rule(value);
        return allowed ? `empty, or ${allowed}` : undefined;
    };

// A Kubernetes resource.Quantity of bytes, e.g. 10Gi or 500M.
export const storageQuantity: Rule = (value) =>
    /^([0-9]+(\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.test(value) && Number.parseFloat(value) > 0
        ? undefined
        : "a positive Kubernetes quantity such as 10Gi, 500Mi or 1T";

// AWS region names such as us-east-1 or eu-central-2.
export const awsRegion: Rule = (value) => (/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/.test(value) ? undefined : "an AWS region such as us-east-1");

// Comma-separated Kubernetes namespaces, or empty.
export const dnsLabelList: Rule = (value) =>
    value === "" || value.split(",").every((name) => dnsLabel(name.trim()) === undefined)
        ? undefined
        : "empty, or comma-separated DNS labels (Kubernetes namespaces) such as orbit-apps,orbit-jobs";

// A Go duration of hours and minutes, as Distribution's proxy.ttl takes it.
export const goDuration: Rule = (value) =>
    /^([0-9]+h)?([0-9]+m)?$/.test(value) && value !== "" ? undefined : "a duration such as 168h or 24h30m";

// The origin of a registry to mirror: scheme and host, no path or credentials.
export const optionalRegistryOrigin: Rule = (value) => {
    if (value === "") return undefined;
    const allowed =
        "empty, or the https:// origin of a registry such as https://registry-1.docker.io (credentials go in mirrorUsername, mirrorPassword)";
    try {
        const url = new URL(value);
        const origin = (url.protocol === "https:" || url.protocol === "http:") && !url.username && !url.password;
        return origin && url.pathname === "/" && !url.search && !url.hash ? undefined : allowed;
    } catch {
        return allowed;
    }
};
