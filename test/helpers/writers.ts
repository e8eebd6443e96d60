import type { Pool, PoolClient } from "../../lib/db/pool.js";

/** One transaction's edits; a long writer's `lane` (≥ 0) keeps it to rows of its own. */
export type Edits = (random: () => number, lane?: number) => string[];

export interface WriterHistory {
  readonly steps: number;
  readonly edits: Edits;
  /** Below: a short writer commits its edits at once. */
  readonly short: number;
  /** Below (and above `short`): a long writer opens and stays open (two at most: the pool has four). */
  readonly open: number;
  /** Below (and above `open`): one open writer commits. Otherwise: a run. */
  readonly commit: number;
  readonly run: () => Promise<void>;
}

/**
 * A source's history as the randomised tests make it: short writers, long writers open across
 * runs, commits of those, and runs, drawn from `random`; at the end every open writer commits
 * and one more run follows. A writer left open by a failure is rolled back.
 */
export async function writerHistory(
  source: Pool,
  random: () => number,
  history: WriterHistory,
): Promise<void> {
  const open: PoolClient[] = [];
  let lanes = 0;
  try {
    for (let step = 0; step < history.steps; step++) {
      const choice = random();
      if (choice < history.short) {
        await source.query(`BEGIN; ${history.edits(random).join("; ")}; COMMIT`);
      } else if (choice < history.open && open.length < 2) {
        const writer = await source.connect();
        await writer.query("BEGIN");
        for (const sql of history.edits(random, lanes++)) await writer.query(sql);
        open.push(writer);
      } else if (choice < history.commit && open.length > 0) {
        const writer = open.splice(Math.floor(random() * open.length), 1)[0]!;
        await writer.query("COMMIT");
        writer.release();
      } else {
        await history.run();
      }
    }
    for (const writer of open.splice(0)) {
      await writer.query("COMMIT");
      writer.release();
    }
    await history.run();
  } finally {
    for (const writer of open) {
      await writer.query("ROLLBACK").catch(() => undefined);
      writer.release();
    }
  }
}
