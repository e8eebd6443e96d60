/**
 * A child process that runs one stage or anchor and reports back over IPC, so that its peak
 * RSS (the kernel's high-water mark for this process) is that piece of work's alone.
 */
import { extractAnchor, loadAnchor, prepareLoadAnchor, transformAnchor } from "./anchors.js";
import type { BenchContext, Measured, RunnerReport } from "./context.js";
import { incrementalStage } from "./incremental.js";
import { maxRssMb } from "./memory.js";
import { extractStage, loadStage, transformStage } from "./stages.js";

export const RUNNERS = {
  idle: async () => ({ rows: 0, seconds: 0 }),
  extract: extractStage,
  "extract-anchor": extractAnchor,
  transform: transformStage,
  "transform-anchor": transformAnchor,
  "load-anchor-prep": prepareLoadAnchor,
  load: loadStage,
  "load-anchor": loadAnchor,
  incremental: incrementalStage,
} satisfies Record<string, (ctx: BenchContext) => Promise<Measured>>;

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
