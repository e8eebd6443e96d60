import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SOURCE_TABLES } from "../lib/catalog/index.js";
import { createPool, type Pool } from "../lib/db/pool.js";
import { extract } from "../lib/extract/extract.js";
import { initSource } from "../tools/source/init.js";
import { freshDatabaseUrl } from "./helpers/databases.js";
import { startObjectStore, type TestObjectStore } from "./helpers/object-store.js";

/*
 * The extract reads two tables at once, each on its own connection, all in the one snapshot the
 * run took first (pg_export_snapshot / SET TRANSACTION SNAPSHOT). A commit that lands after that
 * snapshot is in no CSV of the run, whichever connection reads its table, and in the next run's.
 */
describe("a run read on several connections", () => {
  let objects: TestObjectStore;
  let url: string;
  let admin: Pool;
  const pools: Pool[] = [];

  beforeAll(async () => {
    objects = await startObjectStore();
    url = await freshDatabaseUrl("snap_src");
    admin = createPool(url);
    await initSource(admin);
  });
  afterAll(async () => {
    await Promise.all([objects.stop(), admin.end(), ...pools.map((p) => p.end())]);
  });

  const bodies = async (keys: readonly string[]) =>
    (
      await Promise.all(
        keys.map(async (k) => (await objects.store.getBytes(objects.ingestionBucket, k))!.body),
      )
    )
      .map((b) => new TextDecoder().decode(b))
      .join("\n");

  it("reads every table in the snapshot the run took first, though a commit lands before the other connection starts", async () => {
    // Prepare: a first run, then a pool whose second connection of the next run is handed out
    // only after a commit touching every table.
    const source = createPool(url, { max: 2 });
    pools.push(source);
    await extract({ source, store: objects.store, bucket: objects.ingestionBucket });
    const touchEvery = SOURCE_TABLES.map(
      (t) =>
        `UPDATE ${t.name} SET last_updated = last_updated + interval '1 ms' WHERE ${t.primaryKey} = (SELECT min(${t.primaryKey}) FROM ${t.name})`,
    ).join(";\n");
    await admin.query(touchEvery.replaceAll("interval '1 ms'", "interval '0 ms'")); // a change every table sees
    const stamps = async () =>
      Object.fromEntries(
        await Promise.all(
          SOURCE_TABLES.map(async (t) => {
            const { rows } = await admin.query<{ v: string }>(
              `SELECT last_updated::text AS v FROM ${t.name} ORDER BY ${t.primaryKey} LIMIT 1`,
            );
            return [t.name, rows[0]!.v] as const;
          }),
        ),
      );
    const before = await stamps();
    let connections = 0;
    const connect = source.connect.bind(source);
    const racing = Object.assign(Object.create(source) as Pool, {
      connect: async () => {
        if (++connections === 2) await admin.query(touchEvery);
        return connect();
      },
    });

    // Act
    const during = await extract({
      source: racing,
      store: objects.store,
      bucket: objects.ingestionBucket,
      concurrency: 2,
    });
    const after = await extract({ source, store: objects.store, bucket: objects.ingestionBucket });

    // Assess: two connections read the run; the commit between them is in the next run only.
    expect(connections).toBe(2);
    const rowsOf = (run: typeof during) => Object.fromEntries(run.tables.map((t) => [t.table, t.rows]));
    expect(rowsOf(during)).toEqual(Object.fromEntries(SOURCE_TABLES.map((t) => [t.name, 1])));
    expect(rowsOf(after)).toEqual(Object.fromEntries(SOURCE_TABLES.map((t) => [t.name, 1])));
    const raced = await stamps();
    const read = async (run: typeof during) =>
      Object.fromEntries(
        await Promise.all(
          run.tables.map(async (t) => {
            const csv = await bodies(t.objectKeys);
            return [
              t.table,
              csv.includes(raced[t.table]!)
                ? raced[t.table]
                : csv.includes(before[t.table]!)
                  ? before[t.table]
                  : "neither",
            ] as const;
          }),
        ),
      );
    expect(await read(during)).toEqual(before);
    expect(await read(after)).toEqual(raced);
  }, 60_000);

  it("reads on the connections it gets: a login limited to one connection extracts every table on that one", async () => {
    // Prepare: a reader allowed one connection, and a pool that would open two.
    const name = `snap_reader_${Math.random().toString(36).slice(2, 8)}`;
    await admin.query(`CREATE ROLE ${name} LOGIN PASSWORD 'reader-secret' CONNECTION LIMIT 1;
      GRANT USAGE ON SCHEMA public TO ${name}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${name}`);
    const as = new URL(url);
    [as.username, as.password] = [name, "reader-secret"];
    const limited = createPool(as.toString(), { max: 2 });
    pools.push(limited);

    // Act
    const run = await extract({
      source: limited,
      store: objects.store,
      bucket: objects.ingestionBucket,
      fullTables: SOURCE_TABLES.map((t) => t.name),
    });

    // Assess
    expect(run.tables.map((t) => t.table)).toEqual(SOURCE_TABLES.map((t) => t.name));
    expect(run.tables.every((t) => t.rows > 0)).toBe(true);
  }, 60_000);
});
