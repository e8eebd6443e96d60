import type { Command } from "commander";
import {
  DLQ_NAMES,
  findDeadLetter,
  formatDeadLetter,
  formatDeadLetters,
  formatReplay,
  listDeadLetters,
  OpsError,
  parseDlqName,
  purgeDeadLetters,
  replayDeadLetters,
  withTarget,
  type DeadLetter,
  type DlqName,
  type TargetOptions,
} from "../../ops/index.js";
import { counted } from "../../lib/plural.js";
import { dataDirFrom } from "../databases.js";
import { Progress } from "../progress.js";

/** Where a command runs: flags as commander hands them over. */
export interface WhereOptions {
  stage?: string;
  dataDir?: string;
  outputs?: string;
}

export function targetOptions(opts: WhereOptions): TargetOptions {
  if (opts.stage && opts.dataDir)
    throw new OpsError("--stage (a deployed stage) and --data-dir (the local runtime) exclude each other");
  if (opts.outputs && !opts.stage) throw new OpsError("--outputs goes with --stage");
  return { stage: opts.stage, dataDir: dataDirFrom(opts.dataDir), outputsFile: opts.outputs };
}

/** The options every command that reads the pipeline's queues takes. */
export function whereOptions(command: Command): Command {
  return command
    .option("--stage <stage>", "a deployed SST stage (AWS, your usual credentials and AWS_REGION)")
    .option("--data-dir <dir>", "the local runtime's state, as `totes run` uses it (env TOTES_DATA_DIR)")
    .option(
      "--outputs <file>",
      "with --stage: SST outputs JSON to read resource names from, instead of tags",
    );
}

/** One DLQ, or without `queue` both, each under its own heading (JSON: one array; each entry names its queue). */
export async function dlqList(opts: WhereOptions & { queue?: string; json?: boolean }): Promise<string> {
  const queues = opts.queue ? [parseDlqName(opts.queue)] : DLQ_NAMES;
  return withTarget(targetOptions(opts), async ({ target }) => {
    const sections: { queue: DlqName; letters: DeadLetter[] }[] = [];
    // One after the other: a listing holds each page of its queue invisible for a while.
    for (const queue of queues) sections.push({ queue, letters: await listDeadLetters(target, queue) });
    return opts.json
      ? JSON.stringify(
          sections.flatMap((s) => s.letters),
          null,
          2,
        )
      : sections.map((s) => formatDeadLetters(s.letters, s.queue, target.description)).join("\n\n");
  });
}

export async function dlqShow(
  id: string,
  opts: WhereOptions & { queue?: string; json?: boolean },
): Promise<string> {
  const queue = opts.queue ? parseDlqName(opts.queue) : undefined;
  return withTarget(targetOptions(opts), async ({ target }) => {
    const letter = await findDeadLetter(target, id, queue);
    return opts.json ? JSON.stringify(letter, null, 2) : formatDeadLetter(letter);
  });
}

export async function dlqReplay(
  opts: WhereOptions & { queue: string; id?: string[]; dryRun?: boolean; json?: boolean },
): Promise<string> {
  const queue = parseDlqName(opts.queue);
  return withTarget(targetOptions(opts), async ({ target }) => {
    const progress = new Progress();
    const report = await replayDeadLetters(target, queue, {
      ids: opts.id,
      dryRun: opts.dryRun,
      onMoved: (n) => progress.update(`replaying the ${queue} DLQ: ${n} moved`),
    });
    progress.done();
    return opts.json ? JSON.stringify(report, null, 2) : formatReplay(report, target.description);
  });
}

export async function dlqPurge(opts: WhereOptions & { queue: string; yes?: boolean }): Promise<string> {
  const queue = parseDlqName(opts.queue);
  // Refused before anything is opened: without --yes nothing is touched.
  if (!opts.yes)
    throw new OpsError(`purging the ${queue} DLQ deletes its messages for good; add --yes to confirm`);
  return withTarget(targetOptions(opts), async ({ target }) => {
    const count = await purgeDeadLetters(target, queue, { confirmed: true });
    return `purged the ${queue} DLQ of ${target.description}: ${counted(count, "message")} deleted`;
  });
}

export function registerDlq(program: Command): void {
  const dlq = program
    .command("dlq")
    .description("dead-letter queues: see what failed and why, replay after a fix, purge");
  const queueHelp = "transform or load";
  // Commander's help does not mark mandatory options itself.
  const required = `${queueHelp} (required)`;

  whereOptions(dlq.command("list"))
    .description(
      "every dead message with its object key(s), receives, failure times and last error (consumes nothing)",
    )
    .option("--queue <queue>", `${queueHelp} (default: both, one after the other)`)
    .option("--json", "machine-readable output", false)
    .action(async (opts: WhereOptions & { queue?: string; json: boolean }) =>
      console.log(await dlqList(opts)),
    );

  whereOptions(dlq.command("show <id>"))
    .description("one dead message in full, with its failure history")
    .option("--queue <queue>", `${queueHelp} (default: look in both)`)
    .option("--json", "machine-readable output", false)
    .action(async (id: string, opts: WhereOptions & { queue?: string; json: boolean }) =>
      console.log(await dlqShow(id, opts)),
    );

  whereOptions(dlq.command("replay"))
    .description(
      "move dead messages back to their source queue (all, or --id); then run or let the stage pick them up",
    )
    .requiredOption("--queue <queue>", required)
    .option("--id <ids...>", "only these message ids")
    .option("--dry-run", "report what would move; change nothing", false)
    .option("--json", "machine-readable output", false)
    .action(async (opts: WhereOptions & { queue: string; id?: string[]; dryRun: boolean; json: boolean }) =>
      console.log(await dlqReplay(opts)),
    );

  whereOptions(dlq.command("purge"))
    .description("delete every message in a DLQ for good (requires --yes)")
    .requiredOption("--queue <queue>", required)
    .option("--yes", "confirm: the messages are deleted, not moved (required)", false)
    .action(async (opts: WhereOptions & { queue: string; yes: boolean }) =>
      console.log(await dlqPurge(opts)),
    );
}
