import {
  CancelStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementResponse,
  type RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { DataApiAbortError } from "./errors.js";

/** How often to ask whether a statement is done: `firstMs`, then ×`factor` each time, up to `maxMs`. */
export interface PollTiming {
  readonly firstMs: number;
  readonly factor: number;
  readonly maxMs: number;
}

/** A wait that ends early, rejecting, when `signal` fires. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

const DONE = new Set(["FINISHED", "FAILED", "ABORTED"]);

/**
 * Asks DescribeStatement until the statement is FINISHED, FAILED or ABORTED, waiting longer each
 * time (a load takes seconds; the first answers come quickly for short statements, and the cap
 * keeps a long COPY from costing hundreds of calls). The caller reads the final status. When
 * `signal` fires, the statement is cancelled (a batch cancelled mid-way rolls back whole) and
 * DataApiAbortError is thrown: an abandoned statement would keep its locks until it ends.
 */
export async function waitForStatement(
  client: RedshiftDataClient,
  id: string,
  timing: PollTiming,
  sleep: Sleep,
  signal?: AbortSignal,
): Promise<DescribeStatementResponse> {
  let delay = timing.firstMs;
  for (;;) {
    try {
      await sleep(delay, signal);
    } catch (cause) {
      if (!signal?.aborted) throw cause;
      throw new DataApiAbortError(id, await cancel(client, id), { cause });
    }
    const described = await client.send(new DescribeStatementCommand({ Id: id }));
    if (DONE.has(described.Status ?? "")) return described;
    delay = Math.min(timing.maxMs, delay * timing.factor);
  }
}

async function cancel(client: RedshiftDataClient, id: string): Promise<boolean> {
  try {
    return (await client.send(new CancelStatementCommand({ Id: id }))).Status === true;
  } catch {
    // Already finished, or no permission: either way the caller learns it was not cancelled.
    return false;
  }
}
