import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createPool, type Pool } from "../../lib/db/pool.js";

/** A new, empty database on the test cluster; its URL. */
export async function freshDatabaseUrl(prefix: string): Promise<string> {
  const admin = inject("pgAdminUrl");
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin });
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
