// `npm run build` (and `prepare`, so `npm install` / `npm ci` build it): compiles the CLI and
// what it runs into dist/ with tsc, then stamps the build so bin/totes.mjs can tell whether
// a source changed after it (it then runs the sources through tsx instead).
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve("typescript/bin/tsc");
} catch {
  // Installed without devDependencies (npm ci --omit=dev): bin/totes.mjs runs through tsx.
  console.error("totes build: typescript is not installed; the CLI will run its sources through tsx");
  process.exit(0);
}
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });
mkdirSync("dist", { recursive: true });
writeFileSync("dist/.built", `${new Date().toISOString()}\n`);
