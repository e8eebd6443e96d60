import type { RunnerReport } from "./context.js";
import type { BundleFigures } from "./bundles.js";

export interface StageFigures {
  readonly name: string;
  readonly rows: number;
  readonly seconds: number;
  readonly anchorSeconds: number;
  readonly ratio: number;
  readonly peakRssMb: number;
}

export interface BenchResult {
  readonly scale: number;
  readonly stages: StageFigures[];
  /** Beyond the issue's shape: the anchors' own figures, per-table detail, bundles, machine. */
  readonly anchors: Record<string, { rows: number; seconds: number; peakRssMb: number; detail?: unknown }>;
  readonly detail: Record<string, unknown>;
  readonly bundles: BundleFigures[];
  readonly machine: Record<string, unknown>;
  readonly targets: { target: string; met: boolean; figure: string }[];
}

const r3 = (n: number) => Math.round(n * 1000) / 1000;

export function stageFigures(name: string, stage: RunnerReport, anchorSeconds: number): StageFigures {
  return {
    name,
    rows: stage.rows,
    seconds: r3(stage.seconds),
    anchorSeconds: r3(anchorSeconds),
    ratio: Math.round((stage.seconds / anchorSeconds) * 100) / 100,
    peakRssMb: stage.peakRssMb,
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
const rate = (rows: number, seconds: number) => (seconds > 0 ? Math.round(rows / seconds) : 0);

export function printHuman(result: BenchResult, write: (line: string) => void): void {
  write(`\ntotes-etl benchmark, scale ${result.scale} (${JSON.stringify(result.machine)})\n`);
  write(
    `${"stage".padEnd(12)}${pad("rows", 10)}${pad("s", 9)}${pad("rows/s", 10)}${pad("RSS MB", 8)}` +
      `${pad("anchor s", 10)}${pad("rows/s", 10)}${pad("RSS MB", 8)}${pad("ratio", 7)}`,
  );
  for (const s of result.stages) {
    const anchor = result.anchors[s.name];
    write(
      `${s.name.padEnd(12)}${pad(s.rows, 10)}${pad(s.seconds.toFixed(2), 9)}${pad(rate(s.rows, s.seconds), 10)}` +
        `${pad(s.peakRssMb, 8)}${pad(s.anchorSeconds.toFixed(2), 10)}` +
        `${pad(anchor ? rate(anchor.rows, anchor.seconds) : "-", 10)}${pad(anchor?.peakRssMb ?? "-", 8)}` +
        `${pad(s.ratio.toFixed(2), 7)}`,
    );
  }
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
