import type { Side } from "./sides.js";

/** How the comparison narrows down (datafold's data-diff: checksum segments, bisect the ones that differ). */
export interface BisectOptions {
  /** Segments of the first pass over [min id, max id]. */
  readonly firstSegments: number;
  /** Segments a differing segment is split into. */
  readonly splitInto: number;
  /** A segment with at most this many rows on either side is compared id by id. */
  readonly leafRows: number;
  /** Ids named per kind of difference (the counts are always exact). */
  readonly sample: number;
}

export const DEFAULT_BISECT: BisectOptions = { firstSegments: 64, splitInto: 16, leafRows: 256, sample: 10 };

export interface RowDifferences {
  readonly sourceRows: number;
  readonly warehouseRows: number;
  readonly missing: { count: number; ids: number[] };
  readonly extra: { count: number; ids: number[] };
  /** Ids present on both sides whose rows differ. */
  readonly differing: { count: number; ids: number[] };
  readonly segmentsCompared: number;
}

interface Range {
  readonly lo: number;
  readonly hi: number;
}

const push = (into: number[], ids: readonly number[], sample: number) => {
  for (const id of ids) if (into.length < sample) into.push(id);
};

/**
 * Compares one table on both sides without moving its rows: a count and a hash per id
 * range on each side, recursing into the ranges that differ until they are small, then the
 * per-id hashes of those only. Bytes moved ≈ segments × (count + hash) + the differing ids.
 */
export async function bisect(
  source: Side,
  warehouse: Side,
  options: BisectOptions = DEFAULT_BISECT,
): Promise<RowDifferences> {
  const [s, w] = await Promise.all([source.bounds(), warehouse.bounds()]);
  const result = {
    sourceRows: 0,
    warehouseRows: 0,
    missing: { count: 0, ids: [] as number[] },
    extra: { count: 0, ids: [] as number[] },
    differing: { count: 0, ids: [] as number[] },
    segmentsCompared: 0,
  };
  if (!s && !w) return result;
  const whole = {
    lo: Math.min(s?.lo ?? Infinity, w?.lo ?? Infinity),
    hi: Math.max(s?.hi ?? -Infinity, w?.hi ?? -Infinity),
  };

  const oneSided = async (side: Side, range: Range, n: number, into: { count: number; ids: number[] }) => {
    into.count += n;
    if (into.ids.length < options.sample)
      push(into.ids, await side.ids(range.lo, range.hi, options.sample - into.ids.length), options.sample);
  };

  const leaf = async (range: Range) => {
    const [a, b] = await Promise.all([
      source.rowHashes(range.lo, range.hi),
      warehouse.rowHashes(range.lo, range.hi),
    ]);
    const missing = [...a.keys()].filter((id) => !b.has(id)).sort((x, y) => x - y);
    const extra = [...b.keys()].filter((id) => !a.has(id)).sort((x, y) => x - y);
    const differing = [...a.keys()]
      .filter((id) => b.has(id) && b.get(id) !== a.get(id))
      .sort((x, y) => x - y);
    for (const [ids, into] of [
      [missing, result.missing],
      [extra, result.extra],
      [differing, result.differing],
    ] as const) {
      into.count += ids.length;
      push(into.ids, ids, options.sample);
    }
  };

  const compare = async (range: Range, segments: number, top: boolean): Promise<void> => {
    const width = Math.max(1, Math.ceil((range.hi - range.lo + 1) / segments));
    const [a, b] = await Promise.all([
      source.segments(range.lo, range.hi, width),
      warehouse.segments(range.lo, range.hi, width),
    ]);
    if (top) {
      for (const v of a.values()) result.sourceRows += v.n;
      for (const v of b.values()) result.warehouseRows += v.n;
    }
    const segs = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
    result.segmentsCompared += segs.length;
    for (const seg of segs) {
      const x = a.get(seg);
      const y = b.get(seg);
      if (x && y && x.n === y.n && x.h === y.h) continue;
      const sub = { lo: range.lo + seg * width, hi: Math.min(range.hi, range.lo + (seg + 1) * width - 1) };
      if (!y) await oneSided(source, sub, x!.n, result.missing);
      else if (!x) await oneSided(warehouse, sub, y.n, result.extra);
      else if (Math.max(x.n, y.n) <= options.leafRows || sub.hi - sub.lo + 1 <= options.leafRows)
        await leaf(sub);
      else await compare(sub, options.splitInto, false);
    }
  };

  await compare(whole, options.firstSegments, true);
  return result;
}
