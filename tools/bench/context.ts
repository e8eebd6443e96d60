import type { AwsEndpoint } from "../../runtime/aws/clients.js";

/** What every stage runner needs to reach the benchmark's throwaway world. */
export interface BenchContext {
  readonly scale: number;
  /** Scratch space for this run (removed at the end). */
  readonly workDir: string;
  readonly sourceUrl: string;
  readonly warehouseUrl: string;
  /** The in-process fauxqs S3 endpoint the parent runs on 127.0.0.1. */
  readonly aws: Required<AwsEndpoint>;
  readonly ingestionBucket: string;
  readonly processedBucket: string;
  /** Load only these processed objects (the memory-per-object-size runs); default: all of them. */
  readonly objectKeys?: readonly string[];
}

/** One measured piece of work, as a runner reports it back. */
export interface Measured {
  readonly rows: number;
  readonly seconds: number;
  /** The child's own CPU (every thread) over the same interval as `seconds`. */
  readonly cpuSeconds?: number;
  /** Of `seconds`, how long the child's main thread sat runnable, waiting for a CPU. */
  readonly waitSeconds?: number;
  /** Free-form figures for the report (per-table timings, memory by table, …). */
  readonly detail?: Record<string, unknown>;
}

/** A runner's answer: the measurement plus the child's own RSS high-water mark. */
export interface RunnerReport extends Measured {
  readonly peakRssMb: number;
}

/** Where anchors put what they write, apart from the pipeline's buckets. */
export const ANCHOR_BUCKET = "bench-anchor";
