/**
 * What a load learns about an object's rows while it copies them, without a second read:
 * each watch sees one column's every value, as the Parquet reader decoded it (raw: integers as
 * number or bigint; NULL as null).
 */
export interface ColumnWatch {
  readonly column: string;
  see(value: unknown): void;
  /**
   * Takes at once a column whose every row holds `value` (known from the object's footer), when
   * that is all the watch needs to know; without it, the column is read and seen row by row.
   */
  seeEvery?(value: unknown): void;
}

/** Whether every row holds one value, and which (an extract writes one read order per object). */
export class OneValue implements ColumnWatch {
  private first: unknown;
  private seen = false;
  private varied = false;

  constructor(readonly column: string) {}

  see(value: unknown): void {
    const v = value ?? null;
    if (!this.seen) {
      this.first = v;
      this.seen = true;
    } else if (v !== this.first) this.varied = true;
  }

  seeEvery(value: unknown): void {
    this.see(value);
  }

  /** The one value every row held; undefined when there were none, two or more, or it was NULL. */
  get value(): string | undefined {
    return this.seen && !this.varied && this.first !== null ? String(this.first) : undefined;
  }
}

/** Ids, as maximal runs of consecutive integers: what a range of recorded reads may cover exactly. */
export interface IdRun {
  readonly first: number;
  readonly last: number;
}

/** Every id of a column (32-bit integers), and the runs they make. */
export class IdRuns implements ColumnWatch {
  private ids = new Int32Array(1024);
  private count = 0;
  /** False once a value was not a 32-bit integer (the runs are then not to be trusted). */
  private whole = true;

  constructor(readonly column: string) {}

  see(value: unknown): void {
    if (typeof value !== "number" || !Number.isInteger(value) || value !== (value | 0)) {
      this.whole = false;
      return;
    }
    if (this.count === this.ids.length) {
      const bigger = new Int32Array(this.ids.length * 2);
      bigger.set(this.ids);
      this.ids = bigger;
    }
    this.ids[this.count++] = value;
  }

  /** The ids' maximal runs, ascending (an id seen twice counts once); undefined if a value was not an integer. */
  runs(): IdRun[] | undefined {
    if (!this.whole) return undefined;
    const ids = this.ids.subarray(0, this.count).sort();
    const runs: IdRun[] = [];
    let i = 0;
    while (i < ids.length) {
      const first = ids[i]!;
      let last = first;
      while (i + 1 < ids.length && ids[i + 1]! <= last + 1) last = ids[++i]!;
      runs.push({ first, last });
      i++;
    }
    return runs;
  }
}
