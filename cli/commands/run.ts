import type { Command } from "commander";
import { setLogLevel } from "../../runtime/lambda/observability.js";
import { initSource, sourceExists } from "../../tools/source/init.js";
import { simulate } from "../../tools/source/simulate.js";
import { counted } from "../../lib/plural.js";
import { Databases, dataDirFrom, parsePort } from "../databases.js";
import { LocalPipeline, type RunSummary } from "../../runtime/local/pipeline.js";
import { partBoundFrom } from "../../lib/extract/csv-parts.js";
import { interruptOnSignal } from "../interrupt.js";
import { runProgress } from "../progress.js";
import { formatSummary } from "../summary.js";

interface RunOptions {
  source?: string;
  warehouse?: string;
  dataDir?: string;
  port?: number;
  every?: string;
  simulate: boolean;
  verbose: boolean;
}

/** "20m", "90s", "1h" → milliseconds (whole numbers). */
export function parseInterval(text: string): number {
  const match = /^(\d+)([smh])$/.exec(text.trim());
  if (!match) throw new Error(`--every takes a number with s, m or h (e.g. 20m), not "${text}"`);
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "s" | "m" | "h"];
}

export function deadLetterAdvice(summary: RunSummary, dataDirFlag: string): string | undefined {
  const { transform, load } = summary.deadLetters;
  if (transform + load === 0) return undefined;
  const queues = [transform ? `transform (${transform})` : "", load ? `load (${load})` : ""].filter(Boolean);
  const queue = load ? "load" : "transform";
  return [
    `Some messages ended in a dead-letter queue: ${queues.join(", ")}.`,
    `  see why:      npx totes dlq list --queue ${queue}${dataDirFlag}`,
    `  after a fix:  npx totes dlq replay --queue ${queue}${dataDirFlag} && npx totes run${dataDirFlag}`,
  ].join("\n");
}

export function quarantineAdvice(summary: RunSummary, dataDirFlag: string): string | undefined {
  const { unsettled } = summary.quarantine;
  if (unsettled === 0) return undefined;
  return [
    `${counted(unsettled, "row")} ${unsettled === 1 ? "is" : "are"} quarantined and not settled (the rest of their files went through).`,
    `  see which:          npx totes quarantine list${dataDirFlag}`,
    `  fix at the source:  correct the row; the next run reads it and that later read settles it`,
    `  after a code fix:   npx totes quarantine replay${dataDirFlag} && npx totes run${dataDirFlag}`,
    `  accept the loss:    npx totes quarantine resolve <table> <object> --note "why"${dataDirFlag}`,
  ].join("\n");
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description(
      "run the pipeline: extract, then transform and load through the local queues until they are empty",
    )
    .option(
      "--source <url>",
      "source totesys database (env TOTES_SOURCE_URL); default: embedded, sample loaded on first use",
    )
    .option("--warehouse <url>", "warehouse database (env TOTES_WAREHOUSE_URL); default: embedded")
    .option(
      "--data-dir <dir>",
      "local state: embedded databases, objects, queues (env TOTES_DATA_DIR)",
      undefined,
    )
    .option(
      "--port <n>",
      "the embedded server's port (default: one derived from the data directory)",
      parsePort,
    )
    .option("--every <interval>", "keep running on a schedule (e.g. 20m) until Ctrl-C")
    .option("--simulate", "with --every: simulate a day of source activity before each run", false)
    .option("--verbose", "print the handlers' structured logs", false)
    .action(async (opts: RunOptions) => {
      if (opts.verbose) setLogLevel("INFO");
      const everyMs = opts.every ? parseInterval(opts.every) : undefined;
      if (opts.simulate && !everyMs) throw new Error("--simulate goes with --every");
      const dataDir = dataDirFrom(opts.dataDir);
      const dataDirFlag = opts.dataDir ? ` --data-dir ${opts.dataDir}` : "";
      const dbs = new Databases(dataDir, opts.port === undefined ? {} : { port: opts.port });
      let local: LocalPipeline | undefined;
      const interrupt = interruptOnSignal();
      try {
        const { source, sourceUrl, warehouse, warehouseUrl } = await dbs.openBoth(opts);
        const embeddedSource = !opts.source && !process.env.TOTES_SOURCE_URL;
        if (!(await sourceExists(source))) {
          if (!embeddedSource) throw new Error(`no totesys schema at ${dbs.describe(sourceUrl)}`);
          console.error("first run: loading the shipped 2024-11-15 sample into the embedded source…");
          await initSource(source);
        }
        console.error(`source    ${dbs.describe(sourceUrl)}\nwarehouse ${dbs.describe(warehouseUrl)}`);
        local = await LocalPipeline.start(dataDir);
        // TOTES_PART_ROWS / TOTES_PART_BYTES, as the deployed function takes them.
        const parts = partBoundFrom(process.env);

        for (;;) {
          if (interrupt.signal.aborted) break;
          if (opts.simulate) {
            const sim = await simulate(source, { days: 1 });
            console.error(`simulated ${counted(sim.days, "day")} of source activity`);
          }
          const progress = runProgress();
          const summary = await local.runOnce(
            {
              source,
              warehouse,
              sourceSchema: dbs.sourceSchema,
              signal: interrupt.signal,
              onExtractTable: progress.onExtractTable,
              parts,
            },
            progress.onBatch,
          );
          progress.done();
          if (summary.interrupted) {
            const { waiting } = summary.interrupted;
            console.error(
              `stopped: local state saved; ${counted(waiting, "message")} left for the next \`totes run\``,
            );
            break;
          }
          console.log(formatSummary(summary));
          const advice = [
            deadLetterAdvice(summary, dataDirFlag),
            quarantineAdvice(summary, dataDirFlag),
          ].filter((a) => a !== undefined);
          for (const a of advice) console.error(a);
          if (!everyMs) {
            // 1 while anything is dead-lettered or quarantined and unsettled: nothing is dropped quietly.
            process.exitCode = advice.length ? 1 : 0;
            break;
          }
          console.error(`next run in ${opts.every} (Ctrl-C to stop)`);
          const wakeAt = Date.now() + everyMs;
          while (!interrupt.signal.aborted && Date.now() < wakeAt)
            await new Promise((r) => setTimeout(r, 250));
        }
        // 130, as a shell reports a process ended by Ctrl-C, whether or not work was left.
        if (interrupt.signal.aborted) process.exitCode = 130;
      } finally {
        interrupt.release();
        await local?.stop();
        await dbs.close();
      }
    });
}
