import {
  embeddedPostgresState,
  startEmbeddedPostgres,
  type EmbeddedPostgresHandle,
} from "../runtime/local/postgres/embedded.js";
import { checkDatabaseUrl } from "../lib/db/database-url.js";
import type { DatabaseRole } from "../lib/db/errors.js";
import { assertReachable, createPool, redactUrl, type Pool } from "../lib/db/pool.js";
import { sourceSchemaFrom } from "../lib/db/session-settings.js";
import { stablePort } from "../runtime/local/postgres/stable-port.js";
import { CliError } from "./errors.js";
import { recalledUrl, rememberDatabases } from "./remembered.js";

export const SOURCE_DATABASE = "totesys";
export const WAREHOUSE_DATABASE = "warehouse";

/**
 * Hands out the databases a command needs: the URLs the user gave (flag, then env var, then
 * what the data directory remembers from a run), or databases on the embedded cluster under
 * the data directory, started on demand.
 */
export interface OpenDatabases {
  readonly source: Pool;
  readonly sourceUrl: string;
  readonly warehouse: Pool;
  readonly warehouseUrl: string;
}

export class Databases {
  private embedded?: Promise<EmbeddedPostgresHandle>;
  private readonly pools: Pool[] = [];

  /**
   * `port`: the embedded server's (--port); by default the data directory's stable port.
   * `readOnly`: a command that only reads (status, runs, verify) creates no cluster: where
   * none exists yet it is refused, naming the command that makes one.
   */
  constructor(
    private readonly dataDir: string,
    private readonly options: { port?: number; readOnly?: boolean } = {},
  ) {}

  /** True when the data directory holds an embedded cluster (read-only commands use it only then). */
  /**
   * The warehouse a read-only command (`status`, `runs`) reads, or undefined: none with `false`
   * (`--no-warehouse`); on a stage only one given (its URL is a secret only the functions see);
   * locally the one given, else the embedded one only if it exists (read-only: nothing made).
   */
  async readOnlyWarehouseUrl(opts: {
    warehouse?: string | false;
    stage?: string;
  }): Promise<string | undefined> {
    if (opts.warehouse === false) return undefined;
    const given = opts.stage
      ? (opts.warehouse ?? process.env.TOTES_WAREHOUSE_URL)
      : this.given("warehouse", opts.warehouse);
    if (given !== undefined) return this.url("warehouse", given);
    return !opts.stage && (await this.hasCluster()) ? this.url("warehouse") : undefined;
  }

  async hasCluster(): Promise<boolean> {
    return (await embeddedPostgresState(this.dataDir)).initialised;
  }

  /** The embedded cluster, started (or joined) on demand. */
  async cluster(): Promise<EmbeddedPostgresHandle> {
    if (this.options.readOnly && !this.embedded && !(await this.hasCluster()))
      throw new CliError(
        `no embedded databases under ${this.dataDir} yet (this command only reads)`,
        "run `npx totes run` first, or pass --source/--warehouse",
      );
    const { port } = this.options;
    this.embedded ??= startEmbeddedPostgres(this.dataDir, {
      port: port ?? stablePort(this.dataDir),
      // The stable default may be taken by something else; a port the user asked for may not.
      fallbackPort: port === undefined,
      log: (line) => console.error(`totes: ${line}`),
    });
    return this.embedded;
  }

  /**
   * The URL the user gave for this database (flag, then env var), checked: a URL that is
   * not postgres:// is refused here, naming the flag or variable it came from.
   */
  given(kind: DatabaseRole, flag?: string, flagName = `--${kind}`): string | undefined {
    if (flag) return checkDatabaseUrl(kind, flagName, flag);
    const variable = kind === "source" ? "TOTES_SOURCE_URL" : "TOTES_WAREHOUSE_URL";
    const fromEnv = process.env[variable];
    if (fromEnv) return checkDatabaseUrl(kind, variable, fromEnv);
    const recalled = recalledUrl(this.dataDir, kind);
    return recalled && checkDatabaseUrl(kind, `${this.dataDir}/databases.json`, recalled);
  }

  /** Records the URLs given for this run, so later commands on this data directory need no flags. */
  async remember(flags: { source?: string; warehouse?: string }): Promise<void> {
    const source = this.given("source", flags.source);
    const warehouse = this.given("warehouse", flags.warehouse);
    await rememberDatabases(this.dataDir, {
      ...(source ? { source } : {}),
      ...(warehouse ? { warehouse } : {}),
    });
  }

  async url(kind: DatabaseRole, flag?: string, flagName?: string): Promise<string> {
    const given = this.given(kind, flag, flagName);
    if (given) return given;
    return (await this.cluster()).url(kind === "source" ? SOURCE_DATABASE : WAREHOUSE_DATABASE);
  }

  /** The schema the source tables are read from (env TOTES_SOURCE_SCHEMA, else `public`). */
  readonly sourceSchema = sourceSchemaFrom(process.env);

  async pool(kind: DatabaseRole, flag?: string): Promise<Pool> {
    const pool = createPool(
      await this.url(kind, flag),
      kind === "source" ? { schema: this.sourceSchema } : {},
    );
    this.pools.push(pool);
    return pool;
  }

  /**
   * Both ends of a run: a bad --source or --warehouse is refused, naming it, before any
   * database starts or is reached; then both must answer before anything is extracted.
   */
  async openBoth(flags: { source?: string; warehouse?: string }): Promise<OpenDatabases> {
    this.given("source", flags.source);
    this.given("warehouse", flags.warehouse);
    const sourceUrl = await this.url("source", flags.source);
    const source = await this.pool("source", sourceUrl);
    const warehouseUrl = await this.url("warehouse", flags.warehouse);
    const warehouse = await this.pool("warehouse", warehouseUrl);
    await assertReachable(source, "source", sourceUrl);
    await assertReachable(warehouse, "warehouse", warehouseUrl);
    return { source, sourceUrl, warehouse, warehouseUrl };
  }

  describe(url: string): string {
    return redactUrl(url);
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.end()));
    if (this.embedded) await (await this.embedded).stop();
  }
}

export { parsePort } from "./options.js";
export { dataDirFrom } from "./data-dir.js";
