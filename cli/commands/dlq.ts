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
import { dataDirFrom } from "../data-dir.js";
import type { WhereOptions } from "../options.js";
import { Progress } from "../progress.js";

export type { WhereOptions } from "../options.js";

export function targetOptions(opts: WhereOptions): TargetOptions {
  if (opts.stage && opts.dataDir)
    throw new OpsError("--stage (a deployed stage) and --data-dir (the local runtime) exclude each other");
  if (opts.outputs && !opts.stage) throw new OpsError("--outputs goes with --stage");
  return { stage: opts.stage, dataDir: dataDirFrom(opts.dataDir), outputsFile: opts.outputs };
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
