import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "bin/", ".tools/", "**/*.js"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    // Prettier formats to this width but cannot break long strings; this catches those.
    { rules: { "max-len": ["error", { code: 140, tabWidth: 4, ignoreUrls: true }] } },
);
