import { createHash } from "node:crypto";
import path from "node:path";

/** The ports a data directory's embedded server may default to: 15432–25431. */
export const STABLE_PORTS = { first: 15432, count: 10_000 } as const;

/**
 * The embedded server's default port for a data directory: the same at every start, so a
 * saved psql or BI connection keeps working; different directories rarely share one.
 */
export function stablePort(dataDir: string): number {
  const digest = createHash("sha256").update(path.resolve(dataDir)).digest();
  return STABLE_PORTS.first + (digest.readUInt32BE(0) % STABLE_PORTS.count);
}
