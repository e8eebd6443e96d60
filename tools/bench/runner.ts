/**
 * A child process that runs one stage or anchor and reports back over IPC, so that its peak
 * RSS (the kernel's high-water mark for this process) is that piece of work's alone.
 */
import type { BenchContext, Measured, RunnerReport } from "./context.js";
import { maxRssMb } from "./memory.js";

/*
 * Each runner imports only what it needs, when it runs: a child that loads every stage's
 * modules (DuckDB's binding, the local runtime, …) takes seconds longer to start on a busy
 * machine, and its peak RSS would carry modules its stage never uses.
 */
type Runner = (ctx: BenchContext) => Promise<Measured>;
const anchors = () => import("./anchors.js");
const stages = () => import("./stages.js");

export const RUNNERS = {
  idle: async () => ({ rows: 0, seconds: 0 }),
  extract: async (ctx) => (await stages()).extractStage(ctx),
  "extract-anchor": async (ctx) => (await anchors()).extractAnchor(ctx),
  transform: async (ctx) => (await stages()).transformStage(ctx),
  "transform-anchor": async (ctx) => (await anchors()).transformAnchor(ctx),
  "load-anchor-prep": async (ctx) => (await anchors()).prepareLoadAnchor(ctx),
  load: async (ctx) => {
    // As the load function's process does (functions/load.ts).
    (await import("../../runtime/lambda/young-generation.js")).holdYoungGeneration();
    return (await stages()).loadStage(ctx);
  },
  "load-anchor": async (ctx) => (await anchors()).loadAnchor(ctx),
  incremental: async (ctx) => (await import("./incremental.js")).incrementalStage(ctx),
} satisfies Record<string, Runner>;

export type RunnerName = keyof typeof RUNNERS;

export type RunnerMessage = { ok: true; report: RunnerReport } | { ok: false; error: string };

interface Request {
  name: RunnerName;
  ctx: BenchContext;
}

if (process.send) {
  process.once("message", (request: Request) => {
    void (async () => {
      let message: RunnerMessage;
      try {
        const measured = await RUNNERS[request.name](request.ctx);
        message = { ok: true, report: { ...measured, peakRssMb: Math.round(maxRssMb()) } };
      } catch (error) {
        message = {
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        };
      }
      // Exit once the answer is out: a pool or socket left open must not keep the child alive.
      process.send!(message, () => process.exit(message.ok ? 0 : 1));
    })();
  });
}
