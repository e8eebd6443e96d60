import {
  embeddedPostgresState,
  startEmbeddedPostgres,
  type EmbeddedPostgresHandle,
} from "../runtime/local/postgres/embedded.js";
import {
  parseDatabaseUrl,
  RedshiftUnreachedError,
  type DatabaseEngine,
  type DatabaseTarget,
} from "../lib/db/database-url.js";
import type { DatabaseRole } from "../lib/db/errors.js";
import { assertReachable, createPool, redactUrl, type Pool } from "../lib/db/pool.js";
import { sourceSchemaFrom } from "../lib/db/session-settings.js";
import { stablePort } from "../runtime/local/postgres/stable-port.js";
import { CliError } from "./errors.js";
import { recalledUrl, rememberDatabases } from "./remembered.js";

export const SOURCE_DATABASE = "totesys";
export const WAREHOUSE_DATABASE = "warehouse";

/** What a warehouse setting may name: Postgres, or Redshift (through the Data API). */
const WAREHOUSE_ENGINES: readonly DatabaseEngine[] = ["postgres", "redshift"];

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
  private readonly closers: (() => Promise<void> | void)[] = [];

  /**
   * `port`: the embedded server's (--port); by default the data directory's stable port.
   * `readOnly`: a command that only reads (status, runs, verify) creates no cluster: where
   * none exists yet it is refused, naming the command that makes one.
   */
  constructor(
    private readonly dataDir: string,
    private readonly options: { port?: number; readOnly?: boolean } = {},
  ) {}

  /**
   * The warehouse a read-only command (`status`, `runs`) reads, or undefined: none with `false`
   * (`--no-warehouse`); on a stage only one given (a Postgres stage's URL is a secret only the
   * functions see); locally the one given, else the embedded one only if it exists (read-only:
   * nothing made). A Redshift warehouse is named by a redshift:// URL, on a stage or not.
   */
  async readOnlyWarehouse(opts: {
    warehouse?: string | false;
    stage?: string;
  }): Promise<DatabaseTarget | undefined> {
    if (opts.warehouse === false) return undefined;
    const given = opts.stage
      ? this.named("warehouse", opts.warehouse, "--warehouse", WAREHOUSE_ENGINES, { recall: false })
      : this.givenWarehouse(opts.warehouse);
    if (given) return given;
    if (opts.stage) {
      // A Redshift stage's warehouse is named by the stage's settings (no secret: the Data API).
      const [{ redshiftWarehouseUrl }, { SST_APP }] = await Promise.all([
        import("../stacks/settings.js"),
        import("../runtime/aws/sst-app.js"),
      ]);
      const url = redshiftWarehouseUrl(SST_APP, opts.stage);
      return url
        ? parseDatabaseUrl("warehouse", `stage ${opts.stage} (stacks/settings.ts)`, url, WAREHOUSE_ENGINES)
        : undefined;
    }
    return (await this.hasCluster()) ? this.warehouseTarget() : undefined;
  }

  /** True when the data directory holds an embedded cluster (read-only commands use it only then). */
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
   * What the user named for this database (flag, then env var, then what the data directory
   * remembers), parsed, naming the flag or variable it came from when refused.
   */
  private named(
    kind: DatabaseRole,
    flag: string | undefined,
    flagName: string,
    engines: readonly DatabaseEngine[],
    options: { recall?: boolean } = {},
  ): DatabaseTarget | undefined {
    const found = (setting: string, url: string) => parseDatabaseUrl(kind, setting, url, engines);
    if (flag) return found(flagName, flag);
    const variable = kind === "source" ? "TOTES_SOURCE_URL" : "TOTES_WAREHOUSE_URL";
    const fromEnv = process.env[variable];
    if (fromEnv) return found(variable, fromEnv);
    if (options.recall === false) return undefined;
    const recalled = recalledUrl(this.dataDir, kind);
    return recalled ? found(`${this.dataDir}/databases.json`, recalled) : undefined;
  }

  /**
   * The Postgres URL the user gave for this database (flag, then env var), checked: any other
   * URL is refused here, naming the flag or variable it came from; a Redshift warehouse with
   * the commands that can reach one.
   */
  given(kind: DatabaseRole, flag?: string, flagName = `--${kind}`): string | undefined {
    try {
      return this.named(kind, flag, flagName, ["postgres"])?.url;
    } catch (error) {
      if (error instanceof RedshiftUnreachedError && kind === "warehouse")
        throw new CliError(
          error.message,
          "status, runs, verify and warehouse claim take a redshift:// warehouse; a Redshift stage's functions load it (docs/deploy.md)",
          { cause: error },
        );
      throw error;
    }
  }

  /** The warehouse the user gave (flag, env var, remembered): Postgres or Redshift. */
  givenWarehouse(flag?: string, flagName = "--warehouse"): DatabaseTarget | undefined {
    return this.named("warehouse", flag, flagName, WAREHOUSE_ENGINES);
  }

  /** The warehouse the user gave, else the embedded one (started on demand). */
  async warehouseTarget(flag?: string, flagName = "--warehouse"): Promise<DatabaseTarget> {
    return (
      this.givenWarehouse(flag, flagName) ?? {
        engine: "postgres",
        url: await (await this.cluster()).url(WAREHOUSE_DATABASE),
      }
    );
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

  /** Something else a command opened (a Data API client), closed with the pools. */
  onClose(close: () => Promise<void> | void): void {
    this.closers.push(close);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.map((p) => p.end()), ...this.closers.map(async (c) => c())]);
    if (this.embedded) await (await this.embedded).stop();
  }
}

export { parsePort } from "./options.js";
export { dataDirFrom } from "./data-dir.js";
