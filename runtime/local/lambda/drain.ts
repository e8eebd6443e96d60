import { setTimeout as sleep } from "node:timers/promises";
import type { BatchResult, QueueDepth, SqsEventSource } from "./sqs-event-source.js";

export interface DrainOptions {
  readonly sources: readonly SqsEventSource[];
  /** Concurrent pollers per source (Lambda's concurrency). Default 1. */
  readonly concurrency?: number;
  /** How long every queue must stay empty before the drain ends. Default 500 ms. */
  readonly idleMs?: number;
  /** Give up (and throw, naming what is left) after this long. Default: no limit. */
  readonly timeoutMs?: number;
  readonly onBatch?: (result: BatchResult) => void;
  /**
   * Stop early (Ctrl-C): no new receives; batches in hand finish, so no message is left
   * half-processed, and what was not received stays on its queue for the next drain.
   */
  readonly signal?: AbortSignal;
}

export interface DrainStats {
  batches: number;
  messages: number;
  /** Message-attempts that failed (a message retried three times counts three). */
  failures: number;
  /** Batches whose handler threw. */
  handlerErrors: number;
}

export class DrainTimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly depths: Readonly<Record<string, QueueDepth>>,
  ) {
    super(`queues not drained after ${timeoutMs} ms: ${JSON.stringify(depths)}`);
    this.name = "DrainTimeoutError";
  }
}

/** Between empty receives of one poller. */
const EMPTY_POLL_PAUSE_MS = 25;

const isEmpty = (d: QueueDepth) => d.visible + d.inFlight + d.delayed === 0;

async function depths(sources: readonly SqsEventSource[]): Promise<Record<string, QueueDepth>> {
  const entries = await Promise.all(sources.map(async (s) => [s.name, await s.depth()] as const));
  return Object.fromEntries(entries);
}

/**
 * Runs the sources until every queue is empty — nothing visible, in flight or delayed — for
 * `idleMs`, then returns per-queue stats. Messages that keep failing still end it: the
 * queue's RedrivePolicy moves them to the DLQ (which is not drained) after maxReceiveCount.
 */
export async function drain(options: DrainOptions): Promise<Record<string, DrainStats>> {
  const { sources, concurrency = 1, idleMs = 500, timeoutMs } = options;
  const stats: Record<string, DrainStats> = {};
  for (const s of sources) stats[s.name] = { batches: 0, messages: 0, failures: 0, handlerErrors: 0 };

  let stopping = options.signal?.aborted ?? false;
  const onAbort = () => {
    stopping = true;
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const worker = async (source: SqsEventSource) => {
    while (!stopping) {
      const result = await source.pollOnce();
      if (!result) {
        // An empty receive (a short poll answers at once): wait a little before the next.
        await sleep(EMPTY_POLL_PAUSE_MS);
        continue;
      }
      const s = stats[source.name]!;
      s.batches += 1;
      s.messages += result.messages;
      s.failures += result.failed;
      if (result.error !== undefined) s.handlerErrors += 1;
      options.onBatch?.(result);
    }
  };
  const workers = Promise.all(sources.flatMap((s) => Array.from({ length: concurrency }, () => worker(s))));
  // A worker's SQS failure (say, the endpoint went away) must end the drain, not hang it.
  let workerFailure: unknown;
  workers.catch((error: unknown) => {
    workerFailure = error;
    stopping = true;
  });

  const started = Date.now();
  let emptySince: number | undefined;
  try {
    while (!stopping) {
      await sleep(Math.min(100, idleMs));
      const now = Date.now();
      const current = await depths(sources);
      if (Object.values(current).every(isEmpty)) {
        emptySince ??= now;
        if (now - emptySince >= idleMs) break;
      } else {
        emptySince = undefined;
      }
      if (timeoutMs !== undefined && now - started > timeoutMs)
        throw new DrainTimeoutError(timeoutMs, current);
    }
  } finally {
    stopping = true;
    options.signal?.removeEventListener("abort", onAbort);
    // Receives in progress finish on their own (within waitTimeSeconds); their messages are
    // handled before the workers return, so none is left stranded in flight.
    await workers.catch(() => undefined);
  }
  if (workerFailure !== undefined)
    throw new Error("draining stopped: polling SQS failed", { cause: workerFailure });
  return stats;
}
