import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../runtime/local/postgres/embedded.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

/** One real Postgres cluster for the whole run; each test file makes its own databases on it. */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(tmpdir(), "totes-test-"));
  // Traversable, so that as root the cluster lives inside it (not in /var/tmp) and goes with it.
  await chmod(dir, 0o755);
  const cluster = await startEmbeddedPostgres(dir);
  project.provide("pgAdminUrl", await cluster.url("postgres"));
  return async () => {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
