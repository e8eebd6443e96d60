import path from "node:path";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../lib/db/embedded.js";
import { createPool, redactUrl, type Pool } from "../lib/db/pool.js";

export const DEFAULT_DATA_DIR = ".totes";
export const SOURCE_DATABASE = "totesys";
export const WAREHOUSE_DATABASE = "warehouse";

export const dataDirFrom = (flag?: string): string =>
  path.resolve(flag ?? process.env.TOTES_DATA_DIR ?? DEFAULT_DATA_DIR);

/**
 * Hands out the databases a command needs: the URLs the user gave (flag, then env var),
 * or databases on the embedded cluster under the data directory, started on demand.
 */
export class Databases {
  private embedded?: Promise<EmbeddedPostgresHandle>;
  private readonly pools: Pool[] = [];

  constructor(private readonly dataDir: string) {}

  private cluster(): Promise<EmbeddedPostgresHandle> {
    this.embedded ??= startEmbeddedPostgres(this.dataDir);
    return this.embedded;
  }

  async url(kind: "source" | "warehouse", flag?: string): Promise<string> {
    const given =
      flag ?? (kind === "source" ? process.env.TOTES_SOURCE_URL : process.env.TOTES_WAREHOUSE_URL);
    if (given) return given;
    return (await this.cluster()).url(kind === "source" ? SOURCE_DATABASE : WAREHOUSE_DATABASE);
  }

  async pool(kind: "source" | "warehouse", flag?: string): Promise<Pool> {
    const pool = createPool(await this.url(kind, flag));
    this.pools.push(pool);
    return pool;
  }

  describe(url: string): string {
    return redactUrl(url);
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.end()));
    if (this.embedded) await (await this.embedded).stop();
  }
}
