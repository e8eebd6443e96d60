import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DuckSession } from "../../lib/transform/duckdb-session.js";

/*
 * The transform shares one DuckDB per process (a new instance per object cost ~50 ms); each
 * object's session must still be a world of its own, and leave nothing behind.
 */
describe("DuckSession", () => {
  const databases = async (duck: DuckSession) =>
    (
      await duck.rows<{ name: string }>(
        `SELECT database_name AS name FROM duckdb_databases() WHERE NOT internal`,
      )
    )
      .map((r) => r.name)
      .sort();

  it("gives concurrent objects separate databases with the same table names", async () => {
    const a = await DuckSession.open();
    const b = await DuckSession.open();
    try {
      await a.run(`CREATE TABLE raw AS SELECT 1 AS id`);
      await b.run(`CREATE TABLE raw AS SELECT 2 AS id UNION ALL SELECT 3`);
      await a.append("raw", [[4]]);
      expect(await a.count("raw")).toBe(2);
      expect(await b.count("raw")).toBe(2);
      expect(await a.rows<{ id: number }>(`SELECT id FROM raw ORDER BY id`)).toEqual([{ id: 1 }, { id: 4 }]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("drops everything an object made when it closes, whether or not it failed", async () => {
    const first = await DuckSession.open();
    await first.run(`CREATE TABLE raw AS SELECT range AS id FROM range(1000)`);
    await expect(first.run(`SELECT * FROM no_such_table`)).rejects.toThrow();
    await first.close();
    const next = await DuckSession.open();
    try {
      await expect(next.count("raw")).rejects.toThrow(/raw/);
      // Only the built-in database and the open session's own remain attached.
      expect((await databases(next)).filter((d) => d !== "memory")).toHaveLength(1);
    } finally {
      await next.close();
    }
  });

  it("spills past its memory limit into the process's private spill directory, and leaves nothing there", async () => {
    const duck = await DuckSession.open();
    const [setting] = await duck.rows<{ dir: string; limit: string }>(
      `SELECT current_setting('temp_directory') AS dir, current_setting('memory_limit') AS "limit"`,
    );
    const dir = setting!.dir;
    let spilled: string[] = [];
    const watch = setInterval(() => {
      void readdir(dir).then((files) => {
        if (files.length > spilled.length) spilled = files;
      });
    }, 5);
    try {
      // The limit is the instance's: lowered for this query only.
      await duck.run(`SET memory_limit = '64MB'`);
      const [groups] = await duck.rows<{ n: number }>(
        `SELECT count(*)::INTEGER AS n FROM (
           SELECT s, count(*) FROM (SELECT md5(range::VARCHAR) || md5((range + 1)::VARCHAR) AS s FROM range(3000000))
            GROUP BY s)`,
      );
      expect(groups?.n).toBe(3_000_000);
    } finally {
      clearInterval(watch);
      await duck.run(`SET memory_limit = '${setting!.limit}'`);
      await duck.close();
    }
    expect(path.basename(dir)).toMatch(/^totes-duckdb-\d+-[A-Za-z0-9]{6}$/);
    expect(path.basename(dir).startsWith(`totes-duckdb-${process.pid}-`)).toBe(true);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(spilled.length).toBeGreaterThan(0);
    expect(await readdir(dir)).toEqual([]);
  }, 60_000);
});
