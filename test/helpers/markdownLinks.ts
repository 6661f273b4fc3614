import * as fs from "fs";
import MarkdownIt from "markdown-it";
import * as path from "path";

const markdown = new MarkdownIt({ html: true });

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
export function headingAnchors(text: string): Set<string> {
    const anchors = new Set<string>();
    const tokens = markdown.parse(text, {});
    tokens.forEach((token, i) => {
        if (token.type !== "heading_open") return;
        const words = (tokens[i + 1].children ?? []).map((child) => child.content).join("");
        const base = words
            .toLowerCase()
            .replace(/[^\p{L}\p{N}\s_-]/gu, "")
            .replace(/\s/g, "-");
        let anchor = base;
        for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
        anchors.add(anchor);
    });
    return anchors;
}

/** Every link and image target of a Markdown text, in order. */
function linkTargets(text: string): string[] {
    const targets: string[] = [];
    const visit = (tokens: ReturnType<typeof markdown.parse>) => {
        for (const token of tokens) {
            if (token.type === "link_open") targets.push(String(token.attrGet("href") ?? ""));
            if (token.type === "image") targets.push(String(token.attrGet("src") ?? ""));
            if (token.children) visit(token.children);
        }
    };
    visit(markdown.parse(text, {}));
    return targets;
}

/** The relative links of `file` that lead nowhere: a missing file, or an anchor its target lacks. */
export function brokenLinks(file: string): string[] {
    const broken: string[] = [];
    for (const target of linkTargets(fs.readFileSync(file, "utf8"))) {
        if (/^[a-z]+:/i.test(target)) continue;
        const [relative, anchor] = target.split("#");
        const destination = relative ? path.resolve(path.dirname(file), decodeURIComponent(relative)) : file;
        if (!fs.existsSync(destination)) {
            broken.push(`${target}: no such file`);
        } else if (anchor !== undefined && !headingAnchors(fs.readFileSync(destination, "utf8")).has(anchor)) {
            broken.push(`${target}: ${path.basename(destination)} has no heading #${anchor}`);
        }
    }
    return broken;
}

/** The project's documentation, relative to `root`: the README, the policy pack's, every page of docs/. */
export function projectDocuments(root: string): string[] {
    const pages = fs
        .readdirSync(path.join(root, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`);
    return ["README.md", "policy/README.md", ...pages];
}
