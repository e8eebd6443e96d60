import { InvalidArgumentError, type Command } from "commander";
import { initSource } from "../../tools/source/init.js";
import { simulate, type CopyProgress, type SimulationSummary } from "../../tools/source/simulate.js";
import { counted } from "../../lib/plural.js";
import { Databases, dataDirFrom } from "../databases.js";

export function registerSource(program: Command): void {
  const source = program
    .command("source")
    .description("the totesys source database (for demos, tests, benchmarks)");

  source
    .command("init")
    .description("create the totesys schema and load a shipped sample (the embedded source unless --url)")
    .option(
      "--url <url>",
      "a Postgres URL to initialise instead of the embedded source (env TOTES_SOURCE_URL)",
    )
    .option("--sample <name>", "sample to load, or none", "2024-11-15")
    .option("--reset", "drop the existing totesys tables first", false)
    .option("--data-dir <dir>", "where embedded databases and local state live (env TOTES_DATA_DIR)")
    .action(async (opts: { url?: string; sample: string; reset: boolean; dataDir?: string }) => {
      const dbs = new Databases(dataDirFrom(opts.dataDir));
      try {
        const url = await dbs.url("source", opts.url, "--url");
        const pool = await dbs.pool("source", url);
        const result = await initSource(pool, { sample: opts.sample, reset: opts.reset });
        const { salesOrders, purchaseOrders, payments } = result.counts;
        const counts = `${salesOrders} sales orders, ${purchaseOrders} purchase orders, ${payments} payments`;
        console.log(
          result.created
            ? `totesys source ready at ${dbs.describe(url)}: ${counts} (sample ${opts.sample})`
            : `totesys source already initialised at ${dbs.describe(url)} (${counts}); nothing changed. Use --reset to start again.`,
        );
      } finally {
        await dbs.close();
      }
    });

  source
    .command("simulate")
    .description("add realistic, deterministic activity after the latest change in the source")
    .option("--url <url>", "a Postgres URL to write to instead of the embedded source (env TOTES_SOURCE_URL)")
    .option("--days <n>", "days of ordinary activity to simulate (default 1)", wholeNumber)
    .option("--seed <seed>", "the same seed on the same data writes the same rows", "1")
    .option(
      "--scale <f>",
      "instead of days, bulk-append f × 1,000,000 sales orders (and their purchases, payments)",
      positiveNumber,
    )
    .option("--data-dir <dir>", "where embedded databases and local state live (env TOTES_DATA_DIR)")
    .action(async (opts: { url?: string; days?: number; seed: string; scale?: number; dataDir?: string }) => {
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
    });
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number of at least 1");
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number");
  return n;
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
  return [
    `${what} ${many(s.days, "day")}, ${s.firstDay} to ${s.lastDay}${span}, on the totesys source at ${where} with seed ${s.seed}:`,
    `${many(s.salesOrders, "sales order")}, ${many(s.purchaseOrders, "purchase order")},`,
    `${many(s.transactions, "transaction")} and ${many(s.payments, "payment")};`,
    `${many(s.paymentsPaid, "payment")} paid by the daily payment runs;`,
    `${updates.length ? `rows updated: ${updates.join(", ")}` : "no other rows updated"};`,
    `${many(s.designs, "new design")}.`,
  ].join(" ");
}
