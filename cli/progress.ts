import { counted } from "../lib/plural.js";

/**
 * Progress for long work: one line rewritten in place on a terminal, plain lines at most
 * every few seconds otherwise (CI logs, pipes).
 */
export class Progress {
  private lastPlain = 0;
  private shown = false;
  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly plainEveryMs = 3000,
  ) {}

  update(line: string): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${line}`);
      this.shown = true;
    } else if (Date.now() - this.lastPlain >= this.plainEveryMs) {
      this.out.write(`${line}\n`);
      this.lastPlain = Date.now();
    }
  }

  done(): void {
    if (this.shown) this.out.write("\r\x1b[2K");
    this.shown = false;
  }
}

/** The progress line while the extraction runs: tables done so far and the last one's rows. */
export function extractProgressLine(done: number, total: number, table: string, rows: number): string {
  return `extract ${done}/${total} tables · ${table} ${counted(rows, "row")}`;
}

/** The progress line while the queues drain: messages handled per stage, failed attempts. */
export function drainProgressLine(counts: { transform: number; load: number; failed: number }): string {
  return [
    `transform ${counted(counts.transform, "message")}`,
    `load ${counted(counts.load, "message")}`,
    counted(counts.failed, "failed attempt"),
  ].join(" · ");
}

/**
 * The progress of one `runOnce`: the extraction's tables, then the drain's messages, on one
 * line; `done()` clears it before the summary is printed.
 */
export function runProgress() {
  const progress = new Progress();
  const counts = { transform: 0, load: 0, failed: 0 };
  return {
    onExtractTable: (t: { table: string; rows: number }, done: number, total: number) =>
      progress.update(extractProgressLine(done, total, t.table, t.rows)),
    onBatch: (batch: { source: string; messages: number; failed: number }) => {
      counts[batch.source as "transform" | "load"] += batch.messages;
      counts.failed += batch.failed;
      progress.update(drainProgressLine(counts));
    },
    done: () => progress.done(),
  };
}
