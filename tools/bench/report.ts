import type { BundleFigures } from "./bundles.js";
import type { RunnerReport } from "./context.js";
import { median, type PairRecord, type PairRun } from "./pairs.js";

export interface StageFigures {
  readonly name: string;
  readonly rows: number;
  /** The median of the pairs' ratios (stage seconds / anchor seconds), with their spread. */
  readonly ratio: number;
  readonly ratioMin: number;
  readonly ratioMax: number;
  /** Median seconds of the stage and of the anchor over the counted pairs. */
  readonly seconds: number;
  readonly anchorSeconds: number;
  readonly rowsPerSecond: number;
  readonly anchorRowsPerSecond?: number;
  /** The highest of the counted pairs' peaks (each in its own fresh process). */
  readonly peakRssMb: number;
  readonly anchorPeakRssMb?: number;
  /** The median of the pairs' CPU ratios (stage CPU / anchor CPU, child + store + Postgres). */
  readonly cpuRatio?: number;
  readonly cpuRatioMin?: number;
  readonly cpuRatioMax?: number;
  /** Every counted pair (and the warm-up ones), in the order they ran. */
  readonly pairs: readonly PairRecord[];
  readonly warmup?: readonly PairRecord[];
}

export interface LoadMemory {
  /** The smallest and the largest processed object, each loaded alone in fresh processes. */
  readonly smallest: ObjectMemory;
  readonly largest: ObjectMemory;
  readonly riseMb: number;
  readonly idleChildRssMb: number;
}

export interface ObjectMemory {
  readonly key: string;
  readonly bytes: number;
  readonly rows: number;
  readonly seconds: number;
  /** The median of the peaks (the run it came from gives rows and seconds). */
  readonly peakRssMb: number;
  /** Each fresh process's peak, in the order they ran. */
  readonly peakRssMbRuns: readonly number[];
}

export interface BenchResult {
  readonly scale: number;
  readonly pairs: number;
  readonly warmup: number;
  readonly stages: StageFigures[];
  readonly loadMemory?: LoadMemory;
  readonly detail: Record<string, unknown>;
  readonly bundles: BundleFigures[];
  readonly bundlesError?: string;
  readonly machine: Record<string, unknown>;
  readonly targets: { target: string; met: boolean; figure: string }[];
}

const r2 = (n: number) => Math.round(n * 100) / 100;
const r3 = (n: number) => Math.round(n * 1000) / 1000;
const rate = (rows: number, seconds: number) => (seconds > 0 ? Math.round(rows / seconds) : 0);

/** A stage's figures from its interleaved pairs. */
export function pairedFigures(name: string, run: PairRun, anchorRows: number): StageFigures {
  const { pairs } = run;
  const ratios = pairs.map((p) => p.ratio);
  const cpuRatios = pairs.flatMap((p) => (p.cpuRatio ? [p.cpuRatio] : []));
  const seconds = median(pairs.map((p) => p.seconds));
  const anchorSeconds = median(pairs.map((p) => p.anchorSeconds));
  return {
    name,
    rows: run.last.rows,
    ratio: r2(median(ratios)),
    ratioMin: r2(Math.min(...ratios)),
    ratioMax: r2(Math.max(...ratios)),
    seconds: r3(seconds),
    anchorSeconds: r3(anchorSeconds),
    rowsPerSecond: rate(run.last.rows, seconds),
    anchorRowsPerSecond: rate(anchorRows, anchorSeconds),
    peakRssMb: Math.max(...pairs.map((p) => p.peakRssMb)),
    anchorPeakRssMb: Math.max(...pairs.map((p) => p.anchorPeakRssMb)),
    ...(cpuRatios.length === pairs.length
      ? {
          cpuRatio: r2(median(cpuRatios)),
          cpuRatioMin: r2(Math.min(...cpuRatios)),
          cpuRatioMax: r2(Math.max(...cpuRatios)),
        }
      : {}),
    pairs,
    warmup: run.warmup,
  };
}

/** A figure against a fixed target (incremental: one run against 3 s). */
export function targetFigures(name: string, stage: RunnerReport, target: number): StageFigures {
  const ratio = r2(stage.seconds / target);
  return {
    name,
    rows: stage.rows,
    ratio,
    ratioMin: ratio,
    ratioMax: ratio,
    seconds: r3(stage.seconds),
    anchorSeconds: target,
    rowsPerSecond: rate(stage.rows, stage.seconds),
    peakRssMb: stage.peakRssMb,
    pairs: [],
  };
}

type PerTable = Record<string, { rows: number; peakRssMb: number }>;

/** How far a stage's memory rises from its smallest table to its largest, from the per-table peaks. */
export function memoryGrowth(perTable: PerTable | undefined): {
  smallest: string;
  largest: string;
  mb: number;
} {
  const entries = Object.entries(perTable ?? {}).filter(([, t]) => t.rows > 0);
  entries.sort((a, b) => a[1].rows - b[1].rows);
  const smallest = entries[0];
  const largest = entries.at(-1);
  if (!smallest || !largest) return { smallest: "-", largest: "-", mb: 0 };
  const upTo = (i: number) => Math.max(...entries.slice(0, i + 1).map(([, t]) => t.peakRssMb));
  return {
    smallest: `${smallest[0]} (${smallest[1].rows} rows)`,
    largest: `${largest[0]} (${largest[1].rows} rows)`,
    mb: upTo(entries.length - 1) - upTo(0),
  };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

export function printHuman(result: BenchResult, write: (line: string) => void): void {
  write(
    `\ntotes-etl benchmark, scale ${result.scale}, ${result.pairs} pairs after ${result.warmup} warm-up ` +
      `(${JSON.stringify(result.machine)})\n`,
  );
  write(
    `${"stage".padEnd(12)}${pad("rows", 10)}${pad("ratio", 7)}${pad("min–max", 12)}${pad("CPU", 7)}` +
      `${pad("s", 8)}${pad("rows/s", 9)}${pad("RSS MB", 8)}${pad("anchor s", 10)}${pad("rows/s", 9)}${pad("RSS MB", 8)}`,
  );
  for (const s of result.stages)
    write(
      `${s.name.padEnd(12)}${pad(s.rows, 10)}${pad(s.ratio.toFixed(2), 7)}` +
        `${pad(`${s.ratioMin.toFixed(2)}–${s.ratioMax.toFixed(2)}`, 12)}${pad(s.cpuRatio?.toFixed(2) ?? "-", 7)}` +
        `${pad(s.seconds.toFixed(2), 8)}${pad(s.rowsPerSecond, 9)}${pad(s.peakRssMb, 8)}` +
        `${pad(s.anchorSeconds.toFixed(2), 10)}${pad(s.anchorRowsPerSecond ?? "-", 9)}${pad(s.anchorPeakRssMb ?? "-", 8)}`,
    );
  write("\npairs (stage s / anchor s = ratio, CPU ratio, 1-min load average)");
  for (const s of result.stages)
    if (s.pairs.length)
      write(
        `  ${s.name.padEnd(10)} ` +
          s.pairs
            .map(
              (p) =>
                `${p.seconds.toFixed(2)}/${p.anchorSeconds.toFixed(2)}=${p.ratio.toFixed(2)}` +
                (p.cpuRatio ? ` (${p.cpuRatio.toFixed(2)})` : "") +
                ` @${p.loadAverage1m[0]}`,
            )
            .join("  "),
      );
  const m = result.loadMemory;
  if (m)
    write(
      `\nload memory per object size (each alone in fresh processes, median peak; idle child ${m.idleChildRssMb} MB):\n` +
        `  smallest ${m.smallest.key} (${m.smallest.rows} rows, ${m.smallest.bytes} B): ${m.smallest.peakRssMb} MB (${m.smallest.peakRssMbRuns.join(", ")})\n` +
        `  largest  ${m.largest.key} (${m.largest.rows} rows, ${m.largest.bytes} B): ${m.largest.peakRssMb} MB (${m.largest.peakRssMbRuns.join(", ")})\n` +
        `  rise ${m.riseMb} MB`,
    );
  write("\ntargets");
  for (const t of result.targets) write(`  ${t.met ? "met   " : "MISSED"} ${t.target}: ${t.figure}`);
  write("\nbundles (esbuild, node22 ESM, minified, @duckdb/node-api external)");
  for (const b of result.bundles)
    write(
      `  ${b.handler.padEnd(10)} ${pad((b.bytes / 1024).toFixed(0), 6)} KiB  import ${pad(b.importMs, 4)} ms` +
        `  (fresh process ${b.processMs} ms)  DuckDB ${b.importsDuckDb ? "imported" : "not imported"}` +
        (b.duckDbChain ? `  via ${b.duckDbChain.join(" → ")}` : ""),
    );
  write("\ndetail");
  for (const [name, value] of Object.entries(result.detail)) write(`  ${name}: ${JSON.stringify(value)}`);
}
