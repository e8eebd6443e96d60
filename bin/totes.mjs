#!/usr/bin/env node
// The `totes` command. It runs the JavaScript `npm install` compiled into dist/ (the
// `prepare` script), which starts in a tenth of the time tsx needs to compile the
// TypeScript; in a checkout whose sources changed since that build (or with
// TOTES_FROM_SOURCE=1, as the tests set) it runs the sources through tsx instead, so a stale
// build never runs.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { URL } from "node:url";

const root = new URL("../", import.meta.url);
const args = process.argv.slice(2);

// `--version` needs nothing but package.json.
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  console.log(JSON.parse(readFileSync(new URL("package.json", root), "utf8")).version);
  process.exit(0);
}

await import("./cli-env.mjs");

// What tsconfig.build.json compiles (tools/bench is not: the benchmark runs through tsx;
// stacks/settings.ts is, as the CLI reads a stage's warehouse from it).
const SOURCES = ["cli", "lib", "runtime", "ops", "tools", "stacks"];
const stamp = new URL("dist/.built", root);

/** True when dist/ was built after the last change to any TypeScript source. */
function buildIsFresh() {
  if (process.env.TOTES_FROM_SOURCE === "1" || !existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  for (const dir of SOURCES) {
    const folder = new URL(`${dir}/`, root);
    if (!existsSync(folder)) continue;
    for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
      if (
        entry.isFile() &&
        entry.name.endsWith(".ts") &&
        !entry.parentPath.includes("/tools/bench") &&
        statSync(`${entry.parentPath}/${entry.name}`).mtimeMs > built
      )
        return false;
    }
  }
  return true;
}

if (buildIsFresh()) {
  await import("../dist/cli/main.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../cli/main.ts");
}
