import { setLogLevel } from "../../runtime/lambda/observability.js";
import { initSource, sourceExists } from "../../tools/source/init.js";
import { NothingToSimulateError, simulate } from "../../tools/source/simulate.js";
import { counted } from "../../lib/plural.js";
import { Databases } from "../databases.js";
import { dataDirFrom } from "../data-dir.js";
import { parseInterval } from "../options.js";
import { LocalPipeline, type RunSummary } from "../../runtime/local/pipeline.js";
import { partBoundFrom } from "../../lib/extract/csv-parts.js";
import { interruptOnSignal } from "../interrupt.js";
import { runProgress } from "../progress.js";
import { formatSummary } from "../summary.js";
import { CliError } from "../errors.js";

interface RunOptions {
  source?: string;
  warehouse?: string;
  dataDir?: string;
  port?: number;
  every?: string;
  simulate: boolean;
  verbose: boolean;
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

/** `totes run`: options as cli/program.ts describes them. */
export async function runCommand(opts: RunOptions): Promise<void> {
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
    const embeddedSource = !dbs.given("source", opts.source);
    if (!(await sourceExists(source))) {
      if (!embeddedSource)
        throw new CliError(
          `no totesys schema at ${dbs.describe(sourceUrl)}`,
          `to make one with the shipped sample: npx totes source init --url <that URL>${dataDirFlag}`,
        );
      console.error("first run: loading the shipped 2024-11-15 sample into the embedded source…");
      await initSource(source);
    }
    console.error(`source    ${dbs.describe(sourceUrl)}\nwarehouse ${dbs.describe(warehouseUrl)}`);
    // Both answered: later commands on this data directory (status, runs, verify, backfill) use them too.
    await dbs.remember(opts);
    local = await LocalPipeline.start(dataDir);
    // TOTES_PART_ROWS / TOTES_PART_BYTES, as the deployed function takes them.
    const parts = partBoundFrom(process.env);

    for (;;) {
      if (interrupt.signal.aborted) break;
      if (opts.simulate) {
        // A source caught up with the present has no day left to simulate: run without one.
        const sim = await simulate(source, { days: 1 }).catch((error: unknown) => {
          if (error instanceof NothingToSimulateError) return console.error(`simulate: ${error.message}`);
          throw error;
        });
        if (sim) console.error(`simulated ${counted(sim.days, "day")} of source activity`);
      }
      const progress = runProgress();
      const summary = await local.runOnce({
        source,
        warehouse,
        sourceSchema: dbs.sourceSchema,
        signal: interrupt.signal,
        onExtractTable: progress.onExtractTable,
        onProgress: progress.onProgress,
        parts,
        trigger: everyMs ? "schedule" : "run",
      });
      progress.done();
      if (summary.interrupted) {
        const { waiting } = summary.interrupted;
        console.error(
          `stopped: local state saved; ${counted(waiting, "message")} left for the next \`totes run\``,
        );
        break;
      }
      console.log(formatSummary(summary));
      const advice = [deadLetterAdvice(summary, dataDirFlag), quarantineAdvice(summary, dataDirFlag)].filter(
        (a) => a !== undefined,
      );
      for (const a of advice) console.error(a);
      if (!everyMs) {
        // 1 while anything is dead-lettered or quarantined and unsettled: nothing is dropped quietly.
        process.exitCode = advice.length ? 1 : 0;
        break;
      }
      console.error(`next run in ${opts.every} (Ctrl-C or SIGTERM to stop)`);
      const wakeAt = Date.now() + everyMs;
      while (!interrupt.signal.aborted && Date.now() < wakeAt) await new Promise((r) => setTimeout(r, 250));
    }
    // 130 (143 for SIGTERM), as a shell reports a process ended so, whether or not work was left.
    if (interrupt.signal.aborted) process.exitCode = interrupt.exitCode;
  } finally {
    interrupt.release();
    await local?.stop();
    await dbs.close();
  }
}
