import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const root = path.join(__dirname, "..", "..");

/** Every .ts file under `folder`, relative to the project. */
function sources(folder: string): string[] {
    return fs
        .readdirSync(path.join(root, folder), { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".ts"))
        .map((file) => path.join(folder, file));
}

/** The project folders a file imports from (its relative imports, type-only ones included). */
function importedFolders(file: string): Map<string, string> {
    const imports = ts.preProcessFile(fs.readFileSync(path.join(root, file), "utf8"), true, true).importedFiles;
    const folders = new Map<string, string>();
    for (const { fileName } of imports.filter((i) => i.fileName.startsWith("."))) {
        const target = path.relative(root, path.resolve(root, path.dirname(file), fileName));
        folders.set(target.split(path.sep)[0], fileName);
    }
    return folders;
}

describe("the seam between the program and the day-two commands", () => {
    const rules: Array<[folder: string, mayNotImport: string[]]> = [
        ["components", ["operations", "scripts"]],
        ["operations", ["components", "scripts"]],
        ["common", ["components", "operations", "scripts"]],
    ];
    for (const [folder, forbidden] of rules) {
        it(`${folder}/ imports nothing from ${forbidden.join(" or ")}/`, () => {
            const crossings = sources(folder).flatMap((file) =>
                [...importedFolders(file)].filter(([target]) => forbidden.includes(target)).map(([, spec]) => `${file} imports ${spec}`),
            );
            assert.deepStrictEqual(crossings, []);
        });
    }
});
