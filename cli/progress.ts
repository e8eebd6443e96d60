import { counted } from "../lib/plural.js";
import type { DrainProgress } from "../runtime/local/pipeline.js";

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

/**
 * The progress line while the queues drain: per stage, transform first, the messages handled
 * of all it has been given so far (the load's total grows as transforms write objects).
 */
export function drainProgressLine(p: DrainProgress): string {
  return [
    `transform ${p.transform.done}/${counted(p.transform.total, "object")}`,
    `load ${p.load.done}/${counted(p.load.total, "object")}`,
    counted(p.failed, "failed attempt"),
  ].join(" · ");
}

/**
 * The progress of one `runOnce`: the extraction's tables, then the drain's stages, on one
 * line; `done()` clears it before the summary is printed.
 */
export function runProgress() {
  const progress = new Progress();
  return {
    onExtractTable: (t: { table: string; rows: number }, done: number, total: number) =>
      progress.update(extractProgressLine(done, total, t.table, t.rows)),
    onProgress: (p: DrainProgress) => progress.update(drainProgressLine(p)),
    done: () => progress.done(),
  };
}
