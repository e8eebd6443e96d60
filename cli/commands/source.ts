import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { redactUrl } from "../../lib/db/pool.js";
import { awsStateDir } from "../../runtime/local/aws/persistence.js";
import { initSource } from "../../tools/source/init.js";
import { CliError } from "../errors.js";
import { stateReset } from "./state.js";
import { simulate, type CopyProgress, type SimulationSummary } from "../../tools/source/simulate.js";
import { counted } from "../../lib/plural.js";
import { Databases } from "../databases.js";
import { dataDirFrom } from "../data-dir.js";

export async function sourceInit(opts: { url?: string; sample: string; reset: boolean; dataDir?: string }) {
  const dataDir = dataDirFrom(opts.dataDir);
  const dbs = new Databases(dataDir);
  try {
    const url = await dbs.url("source", opts.url, "--url");
    await ensureDatabaseExists(url);
    const pool = await dbs.pool("source", url);
    const result = await initSource(pool, { sample: opts.sample, reset: opts.reset });
    const { salesOrders, purchaseOrders, payments } = result.counts;
    const counts = `${salesOrders} sales orders, ${purchaseOrders} purchase orders, ${payments} payments`;
    console.log(
      result.created
        ? `totesys source ready at ${dbs.describe(url)}: ${counts} (sample ${opts.sample})`
        : `totesys source already initialised at ${dbs.describe(url)} (${counts}); nothing changed. Use --reset to start again.`,
    );
    // The tool that replaced the source also tells this data directory's capture so: the next
    // run reads the new source in full instead of refusing it as a different database.
    if (opts.reset && result.created && (await runsAgainst(dbs, opts.url, url)))
      console.log(await resetCursorsAfterInit(dataDir));
  } finally {
    await dbs.close();
  }
}

/** True when `url` is the source `totes run` on this data directory reads (embedded or remembered). */
async function runsAgainst(dbs: Databases, flag: string | undefined, url: string): Promise<boolean> {
  if (!flag) return true;
  const usual = dbs.given("source");
  return usual !== undefined && redactUrl(usual) === redactUrl(url);
}

async function resetCursorsAfterInit(dataDir: string): Promise<string> {
  if (!existsSync(path.join(awsStateDir(dataDir), "state.json")))
    return "no capture to reset under this data dir yet: the next `npx totes run` reads the source in full";
  return stateReset({ dataDir });
}

/**
 * `source init --url …/totesys` on a server without that database: create it (what the
 * user asked for), through the server's `postgres` database; if this login may not, say how.
 */
async function ensureDatabaseExists(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== "3D000") throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const adminClient = new pg.Client({ connectionString: admin.toString() });
  adminClient.on("error", () => undefined);
  try {
    await adminClient.connect();
    // Database names cannot be parameters; quoted as an identifier.
    await adminClient.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    console.error(`created database ${name} at ${redactUrl(admin.toString()).replace(/\/postgres$/, "")}`);
  } catch (error) {
    throw new CliError(
      `database "${name}" does not exist at ${redactUrl(url)}, and this login could not create it (${(error as Error).message})`,
      `create it as an owner (createdb -h ${target.hostname} -p ${target.port || "5432"} ${name}), then: npx totes source init --url <URL>`,
      { cause: error },
    );
  } finally {
    await adminClient.end().catch(() => undefined);
  }
}

export async function sourceSimulate(opts: {
  url?: string;
  days?: number;
  seed: string;
  scale?: number;
  dataDir?: string;
}) {
  const dbs = new Databases(dataDirFrom(opts.dataDir));
  try {
    const url = await dbs.url("source", opts.url, "--url");
    const pool = await dbs.pool("source", url);
    const progress = progressPrinter();
    const summary = await simulate(pool, {
      days: opts.days,
      seed: opts.seed,
      scale: opts.scale,
      onProgress: progress.update,
    });
    progress.done();
    console.log(describeSummary(summary, dbs.describe(url)));
  } finally {
    await dbs.close();
  }
}

const count = (n: number): string => n.toLocaleString("en-GB");
const many = (value: number, singular: string) => counted(value, singular, undefined, count);

/** Progress of a scale run: one rewritten line on a terminal, plain lines otherwise. */
function progressPrinter(): { update: (p: CopyProgress) => void; done: () => void } {
  const tty = process.stdout.isTTY === true;
  let last = 0;
  let open = false;
  return {
    update: ({ table, rows, rowsPerSecond }) => {
      // Plain lines only every 100k rows, so a log stays readable.
      if (!tty && rows - last < 100_000 && rows >= last) return;
      last = rows;
      const line = `${table}: ${many(rows, "row")} (${count(rowsPerSecond)} rows/s)`;
      if (tty) {
        process.stdout.write(`\r\x1b[2K${line}`);
        open = true;
      } else console.log(line);
    },
    done: () => {
      if (open) process.stdout.write("\n");
    },
  };
}

function describeSummary(s: SimulationSummary, where: string): string {
  const span = s.from && s.to ? ` (${s.from} to ${s.to})` : "";
  const updates = Object.entries(s.updates).map(([table, n]) => `${table} ${count(n)}`);
  const what = s.mode === "scale" ? "Bulk-appended" : "Simulated";
  const skipped = s.skippedDays
    ? ` (${many(s.skippedDays, "day")} fewer than asked: simulated days end yesterday, so nothing is stamped after the present)`
    : "";
  return [
    `${what} ${many(s.days, "day")}${skipped}, ${s.firstDay} to ${s.lastDay}${span}, on the totesys source at ${where} with seed ${s.seed}:`,
    `${many(s.salesOrders, "sales order")}, ${many(s.purchaseOrders, "purchase order")},`,
    `${many(s.transactions, "transaction")} and ${many(s.payments, "payment")};`,
    `${many(s.paymentsPaid, "payment")} paid by the daily payment runs;`,
    `${updates.length ? `rows updated: ${updates.join(", ")}` : "no other rows updated"};`,
    `${many(s.designs, "new design")}.`,
  ].join(" ");
}
