import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { embeddedPostgresState, type EmbeddedPostgresHandle } from "../../runtime/local/postgres/embedded.js";
import { isAlive } from "../../runtime/local/postgres/server.js";
import { stablePort } from "../../runtime/local/postgres/stable-port.js";
import { counted } from "../../lib/plural.js";
import { onLauncherGone } from "../interrupt.js";
import { redactUrl } from "../../lib/db/pool.js";
import {
  DICTIONARY_COMMAND,
  DICTIONARY_PATH,
  warehouseDictionary,
} from "../../tools/docs/warehouse-dictionary.js";
import { deployedPipeline } from "../../lib/warehouse/ownership.js";
import { postgresWarehouse } from "../../lib/warehouse/postgres.js";
import { localPipelineIdentity } from "../../runtime/local/pipeline-identity.js";
import { warehouseDdl } from "../../lib/warehouse/schema.js";
import { currentViewName, factsWithCurrentView } from "../../lib/warehouse/views.js";
import type { DialectName } from "../../lib/warehouse/statements.js";
import { CliError } from "../errors.js";
import { printInit } from "./warehouse-sql.js";
import { Databases, WAREHOUSE_DATABASE } from "../databases.js";
import { openWarehouse } from "../open-warehouse.js";
import { dataDirFrom } from "../data-dir.js";

interface WarehouseOptions {
  url?: string;
  dataDir?: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
// cli/commands, or dist/cli/commands once built: the dictionary lives in the source tree.
const repoRoot = path.resolve(here, here.split(path.sep).includes("dist") ? "../../.." : "../..");

async function withWarehouse<T>(opts: WarehouseOptions, fn: (dbs: Databases, url: string) => Promise<T>) {
  const dbs = new Databases(dataDirFrom(opts.dataDir));
  try {
    return await fn(dbs, await dbs.url("warehouse", opts.url, "--url"));
  } finally {
    await dbs.close();
  }
}

const dataDirFlag = (opts: WarehouseOptions) => (opts.dataDir ? ` --data-dir ${opts.dataDir}` : "");

/** Prints the embedded warehouse's URL and says, on stderr, whether a server is up to answer it. */
export async function printUrl(opts: WarehouseOptions): Promise<void> {
  const dataDir = dataDirFrom(opts.dataDir);
  const state = await embeddedPostgresState(dataDir);
  const serve = `\`npx totes warehouse serve${dataDirFlag(opts)}\``;
  if (!state.initialised) {
    console.error(
      `totes: no embedded warehouse under ${dataDir} yet: ${serve} (or \`npm start\`) creates it`,
    );
    process.exitCode = 1;
    return;
  }
  const port = state.running?.port ?? stablePort(dataDir);
  console.log(state.url(WAREHOUSE_DATABASE, port));
  if (state.running)
    console.error(
      `the embedded server is up (pid ${state.running.pid}, port ${port}): the URL works while it runs`,
    );
  else
    console.error(
      `the embedded server is not running: ${serve} starts it on port ${port}, this URL's (it says so if that port is taken)`,
    );
}

const stopSignal = () =>
  new Promise<"signal">((resolve) => {
    process.once("SIGINT", () => resolve("signal"));
    process.once("SIGTERM", () => resolve("signal"));
    // Under npx / npm start a supervisor's signal stops npm, not us (cli/interrupt.ts).
    onLauncherGone(() => resolve("signal"));
  });

/** Resolves when the server process another command started has gone. */
async function serverGone(pid: number, stopped: () => boolean): Promise<"gone"> {
  while (isAlive(pid) && !stopped()) await new Promise((r) => setTimeout(r, 500));
  return "gone";
}

/**
 * Keeps the embedded databases up until Ctrl-C: starts the server, or joins the one another
 * totes command started and, when that command stops it, starts it again here.
 */
export async function serve(opts: WarehouseOptions & { port?: number }): Promise<void> {
  const dataDir = dataDirFrom(opts.dataDir);
  const signal = stopSignal();
  let stopped = false;
  void signal.then(() => (stopped = true));
  // Signal listeners do not keep Node running, and the server is a detached child: without
  // a timer the process would end at once, leaving the server up with nobody to stop it.
  const keepAlive = setInterval(() => undefined, 3_600_000);
  try {
    await serveUntilStopped(dataDir, opts.port, signal, () => stopped);
  } finally {
    clearInterval(keepAlive);
  }
}

async function serveUntilStopped(
  dataDir: string,
  port: number | undefined,
  signal: Promise<"signal">,
  stopped: () => boolean,
): Promise<void> {
  for (;;) {
    const dbs = new Databases(dataDir, port === undefined ? {} : { port });
    try {
      const cluster: EmbeddedPostgresHandle = await dbs.cluster();
      // Never with its password (it would sit in terminal scrollback and supervisor logs):
      // `totes warehouse url` prints the whole URL when asked.
      console.log(redactUrl(await cluster.url(WAREHOUSE_DATABASE)));
      if (!cluster.joined) {
        const stable = port === undefined && cluster.port === stablePort(dataDir);
        console.error(
          `serving the embedded databases on 127.0.0.1:${cluster.port}${stable ? " (this data directory's port, the same at every start)" : ""}; psql "$(npx totes warehouse url)" connects; Ctrl-C to stop`,
        );
        await signal;
        return;
      }
      const ignored = port !== undefined && port !== cluster.port ? ` (not ${port})` : "";
      console.error(
        `the embedded server is already up on port ${cluster.port}${ignored}, started by another totes command (server pid ${cluster.joined.pid}); when it stops, it starts again here; Ctrl-C to stop`,
      );
      if ((await Promise.race([signal, serverGone(cluster.joined.pid, stopped)])) === "signal") return;
      console.error("the other command stopped the embedded server: starting it again");
    } finally {
      await dbs.close();
    }
  }
}

/** `totes warehouse claim`: hands the warehouse over to this pipeline (lib/warehouse/ownership.ts). */
export async function warehouseClaim(opts: WarehouseOptions & { deployed?: string }): Promise<void> {
  const pipeline = opts.deployed
    ? deployedPipeline(opts.deployed)
    : await localPipelineIdentity(dataDirFrom(opts.dataDir));
  const dbs = new Databases(dataDirFrom(opts.dataDir));
  try {
    // Postgres or Redshift (a redshift:// --url): claiming is the same on both.
    const opened = await openWarehouse(dbs, await dbs.warehouseTarget(opts.url, "--url"));
    await opened.assertReachable();
    const before = await opened.warehouse.owner();
    const owner = await opened.warehouse.claim(pipeline, { takeOver: true });
    console.log(
      before && before.id !== owner.id
        ? `warehouse ${opened.description} handed over from ${before.description} to ${owner.description}`
        : `warehouse ${opened.description} is loaded by ${owner.description} (since ${owner.claimedAt})`,
    );
  } finally {
    await dbs.close();
  }
}

export async function warehouseInit(
  opts: WarehouseOptions & { print: boolean; dialect?: DialectName; grantTo?: string[]; database?: string },
): Promise<void> {
  if (opts.dialect === "redshift") {
    if (!opts.print)
      throw new CliError(
        "`warehouse init --dialect redshift` only prints (--print)",
        "run its output as the warehouse's owner in the Redshift query editor",
      );
    printInit({
      dialect: "redshift",
      ...(opts.grantTo ? { grantTo: opts.grantTo } : {}),
      ...(opts.database ? { database: opts.database } : {}),
    });
    return;
  }
  if (opts.print) {
    console.log(warehouseDdl().join(";\n\n") + ";");
    return;
  }
  await withWarehouse(opts, async (dbs, url) => {
    const report = await postgresWarehouse(await dbs.pool("warehouse", url)).ensureSchema({
      refresh: true,
    });
    for (const table of report.created) console.log(`created  ${table}`);
    for (const table of report.found) console.log(`found    ${table}`);
    const views = factsWithCurrentView().map(currentViewName).join(", ");
    console.log(`warehouse schema ready at ${dbs.describe(url)} (current-version views: ${views})`);
  });
}

export function warehouseDocs(opts: { check: boolean }): void {
  const file = path.join(repoRoot, DICTIONARY_PATH);
  const generated = warehouseDictionary();
  if (!opts.check) {
    writeFileSync(file, generated);
    console.log(`wrote ${DICTIONARY_PATH}`);
  } else if (existsSync(file) && readFileSync(file, "utf8") === generated) {
    console.log(`${DICTIONARY_PATH} is what the catalog generates`);
  } else {
    console.error(
      `totes: ${DICTIONARY_PATH} differs from what the catalog generates: run \`${DICTIONARY_COMMAND}\``,
    );
    process.exitCode = 1;
  }
}

export async function warehouseCheck(opts: WarehouseOptions): Promise<void> {
  await withWarehouse(opts, async (dbs, url) => {
    const dangling = await postgresWarehouse(await dbs.pool("warehouse", url)).checkReferences();
    for (const d of dangling)
      console.log(`${d.table}.${d.column} → ${d.references}: ${counted(d.rows, "dangling row")}`);
    console.log(dangling.length ? "references: FAILED" : "references: every one resolves");
    if (dangling.length) process.exitCode = 1;
  });
}
