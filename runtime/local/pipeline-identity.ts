import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import type { PipelineIdentity } from "../../lib/warehouse/ownership.js";

const FILE = "pipeline.json";

/**
 * A local pipeline is its data dir: made with it, an id that names it to the warehouse it
 * loads (lib/warehouse/ownership.ts), so a second data dir pointed at the same warehouse is
 * told apart, and a data dir deleted and made again is a new pipeline.
 */
export async function localPipelineIdentity(dataDir: string): Promise<PipelineIdentity> {
  const file = path.join(dataDir, FILE);
  const description = `the local pipeline of data dir ${path.resolve(dataDir)} on ${hostname()}`;
  try {
    const stored = JSON.parse(await readFile(file, "utf8")) as { id?: unknown };
    if (typeof stored.id === "string" && stored.id) return { id: stored.id, description };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" && !(error instanceof SyntaxError)) throw error;
  }
  const id = `local:${randomUUID()}`;
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify({ id, createdAt: new Date().toISOString() }, null, 2)}\n`, {
    mode: 0o600,
  });
  return { id, description };
}
