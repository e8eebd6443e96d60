/**
 * Interleaved pairs: a stage and its anchor, one after the other, each in a fresh child process
 * and each from the same starting state, several times over. Whatever else loads the machine
 * at a given moment weighs on both halves of a pair about equally, so the ratio of a pair
 * holds still far better than either time; the median of the pairs' ratios is the figure, the
 * smallest and largest stand beside it.
 */
import { loadavg } from "node:os";
import { runInChild } from "./child.js";
import type { BenchContext, RunnerReport } from "./context.js";
import { clusterCpuSeconds, ownCpuSeconds } from "./cpu.js";
import type { RunnerName } from "./runner.js";
import type { World } from "./world.js";

/** Where a measured piece of work burnt CPU, in seconds (see cpu.ts). */
export interface CpuSplit {
  /** The child: its timed interval only. */
  readonly child?: number;
  /** The parent while the child ran: the in-process S3 endpoint. */
  readonly store: number;
  /** The Postgres cluster while the child ran. */
  readonly postgres?: number;
  readonly total?: number;
  /** Of the wall time, how long the child's main thread sat runnable, waiting for a CPU. */
  readonly childWaiting?: number;
}

export interface Sample {
  readonly report: RunnerReport;
  readonly cpu: CpuSplit;
  /** 1-minute load average as the child started. */
  readonly loadAverage1m: number;
}

const r3 = (n: number) => Math.round(n * 1000) / 1000;

/** Runs one stage or anchor in a fresh child, with the cluster settled first, and its CPU split. */
export async function measure(world: World, name: RunnerName, ctx: BenchContext): Promise<Sample> {
  await world.settle();
  const loadAverage1m = Math.round(loadavg()[0]! * 100) / 100;
  const pg0 = clusterCpuSeconds(world.postmasterPid);
  const own0 = ownCpuSeconds();
  const report = await runInChild(name, ctx);
  const store = r3(ownCpuSeconds() - own0);
  const pg1 = clusterCpuSeconds(world.postmasterPid);
  const postgres = pg0 !== undefined && pg1 !== undefined ? r3(pg1 - pg0) : undefined;
  const child = report.cpuSeconds !== undefined ? r3(report.cpuSeconds) : undefined;
  const total = child !== undefined && postgres !== undefined ? r3(child + store + postgres) : undefined;
  return {
    report,
    cpu: {
      ...(child !== undefined ? { child } : {}),
      store,
      ...(postgres !== undefined ? { postgres } : {}),
      ...(total !== undefined ? { total } : {}),
      ...(report.waitSeconds !== undefined ? { childWaiting: r3(report.waitSeconds) } : {}),
    },
    loadAverage1m,
  };
}

export interface PairRecord {
  readonly label: string;
  readonly seconds: number;
  readonly anchorSeconds: number;
  readonly ratio: number;
  /** Total CPU (child + store + Postgres) of the stage over the anchor's. */
  readonly cpuRatio?: number;
  readonly peakRssMb: number;
  readonly anchorPeakRssMb: number;
  readonly cpu: { readonly stage: CpuSplit; readonly anchor: CpuSplit };
  readonly loadAverage1m: readonly [number, number];
  readonly extra?: Record<string, unknown>;
}

export interface PairSpec {
  readonly world: World;
  readonly stage: RunnerName;
  readonly anchor: RunnerName;
  readonly warmup: number;
  readonly pairs: number;
  /** Fresh state for one repetition: the contexts the stage and the anchor run with. */
  prepare(label: string): Promise<{ stage: BenchContext; anchor: BenchContext }>;
  /** After a repetition: figures to keep, and whatever clean-up (`last`: its output is kept). */
  after?(label: string, last: boolean): Promise<Record<string, unknown> | void>;
  log(line: string): void;
}

export interface PairRun {
  readonly warmup: PairRecord[];
  readonly pairs: PairRecord[];
  /** The last counted repetition's stage report (its detail feeds the per-table figures). */
  readonly last: RunnerReport;
}

const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;

export async function runPairs(spec: PairSpec): Promise<PairRun> {
  const warmup: PairRecord[] = [];
  const pairs: PairRecord[] = [];
  let last: RunnerReport | undefined;
  const total = spec.warmup + spec.pairs;
  for (let i = 0; i < total; i++) {
    const warm = i < spec.warmup;
    const label = warm ? `w${i + 1}` : `${i - spec.warmup + 1}`;
    const ctxs = await spec.prepare(label);
    const stage = await measure(spec.world, spec.stage, ctxs.stage);
    const anchor = await measure(spec.world, spec.anchor, ctxs.anchor);
    const extra = (await spec.after?.(label, i === total - 1)) ?? undefined;
    const record: PairRecord = {
      label,
      seconds: r3(stage.report.seconds),
      anchorSeconds: r3(anchor.report.seconds),
      ratio: ratio(stage.report.seconds, anchor.report.seconds),
      ...(stage.cpu.total && anchor.cpu.total ? { cpuRatio: ratio(stage.cpu.total, anchor.cpu.total) } : {}),
      peakRssMb: stage.report.peakRssMb,
      anchorPeakRssMb: anchor.report.peakRssMb,
      cpu: { stage: stage.cpu, anchor: anchor.cpu },
      loadAverage1m: [stage.loadAverage1m, anchor.loadAverage1m],
      ...(extra ? { extra } : {}),
    };
    spec.log(
      `  ${warm ? "warm-up" : "pair"} ${label}: ${spec.stage} ${record.seconds.toFixed(2)} s / ` +
        `${spec.anchor} ${record.anchorSeconds.toFixed(2)} s = ${record.ratio.toFixed(2)}×` +
        (record.cpuRatio ? ` (CPU ${record.cpuRatio.toFixed(2)}×)` : "") +
        `, RSS ${record.peakRssMb}/${record.anchorPeakRssMb} MB, load ${record.loadAverage1m.join("/")}`,
    );
    (warm ? warmup : pairs).push(record);
    if (!warm) last = stage.report;
  }
  if (!last) throw new Error("--pairs must be at least 1");
  return { warmup, pairs, last };
}

/** The median (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
