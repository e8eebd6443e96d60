#!/usr/bin/env node
// Makes sure .sst/platform (SST's component code and its @pulumi/* packages) exists for the
// pinned sst version, which `tsc -p tsconfig.infra.json` and test/infra need. It runs
// `sst install` offline-friendly: npm instead of bun, no download of Pulumi's CLI. ~1 minute.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const platform = path.join(root, ".sst", "platform");
const wanted = JSON.parse(readFileSync(path.join(root, "node_modules/sst/package.json"), "utf8")).version;
const installed = existsSync(path.join(platform, "version"))
  ? readFileSync(path.join(platform, "version"), "utf8").trim()
  : undefined;

if (installed === wanted && existsSync(path.join(platform, "node_modules/@pulumi/aws"))) process.exit(0);

process.stdout.write(`sst ${wanted}: installing .sst/platform (was ${installed ?? "missing"})\n`);
const result = spawnSync(path.join(root, "node_modules/.bin/sst"), ["install", "--stage", "test"], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    SST_NO_BUN: "1",
    SST_SKIP_DEPENDENCY_CHECK: "1",
    SST_TELEMETRY_DISABLED: "1",
  },
});
process.exit(result.status ?? 1);
