/**
 * `npm run bench -- --scale N [--json]`: stages against anchors, on a throwaway source of
 * N million sales orders. Progress goes to stderr; stdout carries the report (or one JSON
 * object with --json). Not a test: nothing here gates CI on absolute time.
 */
import { cpus, freemem, loadavg, totalmem } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { measureBundles } from "./bundles.js";
import { runInChild } from "./child.js";
import type { RunnerReport } from "./context.js";
import { memoryGrowth, printHuman, stageFigures, type BenchResult } from "./report.js";
import type { RunnerName } from "./runner.js";
import { buildWorld, type World } from "./world.js";

const INCREMENTAL_TARGET_SECONDS = 3;
const TRANSFORM_RSS_TARGET_MB = 1024;
const MAX_RATIO = 2;
/**
 * Peak RSS rising less than this from the smallest table to the largest counts as flat: the
 * first big table also brings fixed costs (upload parts, socket buffers, a bigger V8 heap).
 * Comparing the stage's peak across scales (0.1 vs 1) is the surer test.
 */
const FLAT_MEMORY_MB = 128;

const log = (line: string) => process.stderr.write(`${line}\n`);

function options() {
  const { values } = parseArgs({
    options: {
      scale: { type: "string", default: "0.1" },
      json: { type: "boolean", default: false },
      profile: { type: "string" },
    },
  });
  if (values.profile) process.env.TOTES_BENCH_PROFILE_DIR = path.resolve(values.profile);
  const scale = Number(values.scale);
  if (!(Number.isFinite(scale) && scale > 0)) throw new Error(`--scale must be a positive number`);
  return { scale, json: values.json };
}

async function run(world: World, scale: number): Promise<BenchResult> {
  const { ctx } = world;
  const reports: Partial<Record<RunnerName, RunnerReport>> = {};
  const measure = async (name: RunnerName) => {
    log(`${name}…`);
    const report = await runInChild(name, ctx);
    reports[name] = report;
    log(`  ${report.rows} rows in ${report.seconds.toFixed(2)} s, peak RSS ${report.peakRssMb} MB`);
    return report;
  };
  const idle = await measure("idle");
  const loads = [loadavg()[0]!];
  const extract = await measure("extract");
  const extractAnchor = await measure("extract-anchor");
  loads.push(loadavg()[0]!);
  const transform = await measure("transform");
  const transformAnchor = await measure("transform-anchor");
  loads.push(loadavg()[0]!);
  await measure("load-anchor-prep");
  const load = await measure("load");
  const loadAnchor = await measure("load-anchor");
  loads.push(loadavg()[0]!);
  const incremental = await measure("incremental");
  loads.push(loadavg()[0]!);
  log("bundles…");
  const bundles = await measureBundles(ctx.workDir);

  const stages = [
    stageFigures("extract", extract, extractAnchor.seconds),
    stageFigures("transform", transform, transformAnchor.seconds),
    stageFigures("load", load, loadAnchor.seconds),
    stageFigures("incremental", incremental, INCREMENTAL_TARGET_SECONDS),
  ];
  const perTable = (r: RunnerReport) => r.detail?.perTable as Parameters<typeof memoryGrowth>[0];
  const extractGrowth = memoryGrowth(perTable(extract));
  const loadGrowth = memoryGrowth(perTable(load));
  const targets = [
    ...stages
      .filter((s) => s.name !== "incremental")
      .map((s) => ({
        target: `${s.name} within ${MAX_RATIO}× of its anchor`,
        met: s.ratio <= MAX_RATIO,
        figure: `${s.ratio}×`,
      })),
    {
      target: `incremental end to end under ${INCREMENTAL_TARGET_SECONDS} s`,
      met: incremental.seconds < INCREMENTAL_TARGET_SECONDS,
      figure: `${incremental.seconds.toFixed(2)} s`,
    },
    {
      target: `transform under ${TRANSFORM_RSS_TARGET_MB} MB peak RSS`,
      met: transform.peakRssMb < TRANSFORM_RSS_TARGET_MB,
      figure: `${transform.peakRssMb} MB`,
    },
    ...(
      [
        ["extract", extractGrowth],
        ["load", loadGrowth],
      ] as const
    ).map(([name, g]) => ({
      target: `${name} memory flat in table size (< ${FLAT_MEMORY_MB} MB rise)`,
      met: g.mb < FLAT_MEMORY_MB,
      figure: `+${g.mb} MB from ${g.smallest} to ${g.largest}`,
    })),
  ];
  const anchor = (r: RunnerReport) => ({
    rows: r.rows,
    seconds: Math.round(r.seconds * 1000) / 1000,
    peakRssMb: r.peakRssMb,
    ...(r.detail ? { detail: r.detail } : {}),
  });
  return {
    scale,
    stages,
    anchors: {
      extract: anchor(extractAnchor),
      transform: anchor(transformAnchor),
      load: anchor(loadAnchor),
    },
    detail: {
      source: world.source,
      idleChildRssMb: idle.peakRssMb,
      extract: extract.detail,
      transform: transform.detail,
      load: load.detail,
      incremental: incremental.detail,
    },
    bundles,
    machine: {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      freeGbAtEnd: Math.round(freemem() / 2 ** 30),
      loadAverage1m: loads.map((l) => Math.round(l * 100) / 100),
    },
    targets,
  };
}

async function main(): Promise<number> {
  const { scale, json } = options();
  log(`building a source of ${scale} × 1M sales orders…`);
  const world = await buildWorld(scale, log);
  let stopping = false;
  const interrupt = () => {
    if (stopping) return;
    stopping = true;
    log("interrupted: stopping Postgres and removing the work dir…");
    void world.close().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  try {
    const result = await run(world, scale);
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else printHuman(result, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } finally {
    await world.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
