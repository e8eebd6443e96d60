import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import pg from "pg";
import { inject } from "vitest";
import { createPool, type Pool } from "../../lib/db/pool.js";

/** A new, empty database on the test cluster; its URL. */
export async function freshDatabaseUrl(prefix: string): Promise<string> {
  const admin = inject("pgAdminUrl");
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
