import { readFileSync } from "node:fs";
import { buildProgram } from "./program.js";
import { formatError } from "./errors.js";

// Read at run time, from the package root: this file runs from cli/ through tsx in a
// checkout and from dist/cli/ once built.
const packageJson = new URL(
  import.meta.url.includes("/dist/cli/") ? "../../package.json" : "../package.json",
  import.meta.url,
);
const { version } = JSON.parse(readFileSync(packageJson, "utf8")) as { version: string };

try {
  await buildProgram(version).parseAsync(process.argv);
} catch (error) {
  console.error(formatError(error));
  process.exitCode = 1;
}
