import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";

const MEMORY_LIMIT = "512MB";

/** An in-memory DuckDB for one input: opened per object, closed when it is done. */
export class DuckSession {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(tempDir: string): Promise<DuckSession> {
    // Spill to the job's temp directory, never to the working directory (read-only on Lambda).
    // DuckDB would otherwise keep every intermediate in memory up to 80% of RAM; past this
    // it spills to the job's temp directory, so a big input stays within a Lambda's memory.
    const instance = await DuckDBInstance.create(":memory:", {
      temp_directory: tempDir,
      memory_limit: MEMORY_LIMIT,
    });
    return new DuckSession(instance, await instance.connect());
  }

  async run(sql: string, values?: DuckDBValue[]): Promise<void> {
    await this.connection.run(sql, values);
  }

  /**
   * Appends rows to a table through DuckDB's appender (values cast to the column types): a
   * parameterised INSERT … VALUES of a few thousand rows costs a parse and bind per value.
   */
  async append(table: string, rows: readonly (readonly DuckDBValue[])[]): Promise<void> {
    const appender = await this.connection.createAppender(table);
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

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
