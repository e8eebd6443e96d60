import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import pg from "pg";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, inject } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../../runtime/local/postgres/embedded.js";
import { createPool, type Pool } from "../../lib/db/pool.js";

let ownAdminUrl: string | undefined;

/**
 * Gives the calling test file a PostgreSQL cluster of its own, for tests that count exactly
 * what an extraction reads: change capture re-reads rows of transactions that were running
 * anywhere in the cluster at the last snapshot (docs/change-capture.md), and on the shared
 * cluster the other test files' transactions would be those. Call at the top of the file.
 */
export function useOwnCluster(): void {
  let dir: string | undefined;
  let cluster: EmbeddedPostgresHandle | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "totes-own-cluster-"));
    // Traversable, so as root the cluster lives inside it and goes with it.
    await chmod(dir, 0o755);
    cluster = await startEmbeddedPostgres(dir);
    ownAdminUrl = await cluster.url("postgres");
  }, 120_000);
  afterAll(async () => {
    ownAdminUrl = undefined;
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
}

/** A new, empty database on the test cluster (the file's own, if it has one); its URL. */
export async function freshDatabaseUrl(prefix: string): Promise<string> {
  const admin = ownAdminUrl ?? inject("pgAdminUrl");
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin });
  // Tests stop servers on purpose: the query in flight rejects; the 'error' event must not crash the run.
  client.on("error", () => undefined);
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function freshPool(prefix: string): Promise<Pool> {
  return createPool(await freshDatabaseUrl(prefix));
}

/** A port nothing listens on (bound, then released): a database server that is down. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
