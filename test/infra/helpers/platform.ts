import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, where sst.config.ts lives. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** What `sst install` left: the components' source and their node_modules (@pulumi/*). */
export const PLATFORM = path.join(ROOT, ".sst", "platform");

if (!existsSync(path.join(PLATFORM, "config.d.ts"))) {
  throw new Error(
    "SST's platform code is missing (.sst/platform). Run `node scripts/ensure-sst.mjs` first " +
      "(it runs `sst install` offline with SST_NO_BUN=1 SST_SKIP_DEPENDENCY_CHECK=1).",
  );
}

/**
 * Requires a package the way the platform's own code resolves it, so the harness and the
 * components share one instance of @pulumi/pulumi (its mocks and stack state are module globals).
 */
export const requirePlatform = createRequire(path.join(PLATFORM, "package.json"));
