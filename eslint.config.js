import js from "@eslint/js";
import security from "eslint-plugin-security";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", ".totes/", ".sst/", "dist/", "coverage/", "sst-env.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  security.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Object lookups here are keyed by catalog names, not user input.
      "security/detect-object-injection": "off",
      // Paths are built from the data directory and catalog names.
      "security/detect-non-literal-fs-filename": "off",
    },
  },
  {
    files: ["bin/**/*.mjs", "scripts/**/*.mjs", "*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);
