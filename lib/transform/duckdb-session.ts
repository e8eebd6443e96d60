import { rmSync } from "node:fs";
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import { makeSpillDir } from "./work-dir.js";

const MEMORY_LIMIT = "512MB";

/**
 * Every input shares one DuckDB per process, made on first use: creating and closing an
 * instance cost ~50 ms, a fixed price per object that was most of a small delta's transform,
 * and a large input took up to 30% longer in an instance of its own (measured). Each object
 * gets a database of its own in it (`ATTACH ':memory:'`), dropped whole when the object is
 * done, so nothing one object made is seen by the next or kept in memory. Past the memory
 * limit DuckDB spills into the process's private spill directory (work-dir.ts) instead of
 * failing, so a large input stays within a Lambda's memory; never into the working directory,
 * read-only on Lambda, where DuckDB would spill by default. DuckDB deletes what it spilled as
 * the rows are dropped; the directory goes when the process exits, or with the next sweep
 * after a process that was killed.
 */
let shared: Promise<DuckDBInstance> | undefined;
let attached = 0;

function sharedInstance(): Promise<DuckDBInstance> {
  shared ??= (async () => {
    const spillDir = await makeSpillDir();
    process.once("exit", () => rmSync(spillDir, { recursive: true, force: true }));
    return DuckDBInstance.create(":memory:", { temp_directory: spillDir, memory_limit: MEMORY_LIMIT });
  })().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/**
 * Makes the shared instance now, ahead of the first object (a handler's cold start, a local
 * pipeline's start), so that object does not wait for it. A failure is left for the first
 * object to meet and report.
 */
export function warmDuckDb(): void {
  sharedInstance().catch(() => undefined);
}

/** A DuckDB database for one input: opened per object, dropped when it is done. */
export class DuckSession {
  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly database: string,
  ) {}

  /** A session in the shared instance, in a database of its own. */
  static async open(): Promise<DuckSession> {
    const connection = await (await sharedInstance()).connect();
    const database = `object_${++attached}`;
    try {
      await connection.run(`ATTACH ':memory:' AS ${database}`);
      await connection.run(`USE ${database}`);
    } catch (error) {
      connection.closeSync();
      throw error;
    }
    return new DuckSession(connection, database);
  }

  async run(sql: string, values?: DuckDBValue[]): Promise<void> {
    await this.connection.run(sql, values);
  }

  /**
   * Appends rows to a table through DuckDB's appender (values cast to the column types): a
   * parameterised INSERT … VALUES of a few thousand rows costs a parse and bind per value.
   */
  async append(table: string, rows: readonly (readonly DuckDBValue[])[]): Promise<void> {
    const appender = await this.connection.createAppender(table, "main", this.database);
    try {
      for (const row of rows) {
        for (const value of row) appender.appendValue(value);
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  async rows<T>(sql: string, values?: DuckDBValue[]): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, values);
    return reader.getRowObjectsJson() as unknown as T[];
  }

  async count(relation: string): Promise<number> {
    const [row] = await this.rows<{ n: number | string }>(`SELECT count(*)::INTEGER AS n FROM ${relation}`);
    return Number(row?.n ?? 0);
  }

  /** Drops this object's database (and with it everything the object made). */
  async close(): Promise<void> {
    try {
      await this.connection.run(`USE memory`);
      await this.connection.run(`DETACH ${this.database}`);
    } finally {
      this.connection.closeSync();
    }
  }
}
