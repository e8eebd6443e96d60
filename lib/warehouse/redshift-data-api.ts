import { randomUUID } from "node:crypto";
import { setTimeout as wait } from "node:timers/promises";
import {
  BatchExecuteStatementCommand,
  type DescribeStatementResponse,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import {
  DataApiAbortError,
  DataApiPlanError,
  DataApiStatementError,
  SerializableIsolationError,
} from "./data-api/errors.js";
import type { Plan, PlanStatement } from "./data-api/plan.js";
import { type PollTiming, type Sleep, waitForStatement } from "./data-api/poll.js";
import { prepareBatch, prepareStatement } from "./data-api/prepare.js";
import { columnsOf, type DataApiColumn, type DataApiRow, toRows } from "./data-api/rows.js";

/**
 * Where the statements run. Serverless: a workgroup. Provisioned: a cluster, as the IAM identity's
 * own database user (`redshift:GetClusterCredentialsWithIAM`) or, with `dbUser`, as that user
 * (`redshift:GetClusterCredentials`). Never a secret: credentials are temporary and come from IAM.
 */
export type RedshiftTarget =
  | { readonly workgroupName: string; readonly database: string }
  | { readonly clusterIdentifier: string; readonly database: string; readonly dbUser?: string };

export interface DataApiTiming {
  readonly poll: PollTiming;
  /** Sends of a batch in all when Redshift answers error 1023 (serializable isolation violation). */
  readonly isolationAttempts: number;
  /** Before retry n (from 1) wait a random time in [0, isolationBackoffMs × 2^(n-1)]. */
  readonly isolationBackoffMs: number;
}

export const DEFAULT_DATA_API_TIMING: DataApiTiming = {
  poll: { firstMs: 200, factor: 1.5, maxMs: 2_000 },
  isolationAttempts: 4,
  isolationBackoffMs: 500,
};

export interface RedshiftDataApiOptions {
  readonly client: RedshiftDataClient;
  readonly target: RedshiftTarget;
  readonly timing?: Partial<DataApiTiming>;
  /** The waits between polls and retries (tests pass one that does not wait). */
  readonly sleep?: Sleep;
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
}

export interface PlanOutcome {
  /** The Data API's id of the (last, successful) batch. */
  readonly statementId: string;
  /** Sends of the batch it took (more than 1 after error 1023). */
  readonly attempts: number;
  /** Rows each statement affected or returned, in plan order, as Redshift reports them. */
  readonly rowCounts: readonly number[];
}

export interface QueryResult<T> {
  readonly statementId: string;
  readonly columns: readonly DataApiColumn[];
  readonly rows: readonly T[];
}

export interface RunOptions {
  /** Ends the wait (e.g. Ctrl-C): the running statement is cancelled, DataApiAbortError thrown. */
  readonly signal?: AbortSignal;
}

const defaultSleep: Sleep = async (ms, signal) => {
  await wait(ms, undefined, signal ? { signal } : undefined);
};

/**
 * Runs plans and queries on Redshift through the Data API: HTTPS and IAM, no VPC, no password.
 *
 * A plan is one BatchExecuteStatement: Redshift runs its statements in order as one transaction,
 * rolled back whole if any fails. A plan of more than 40 statements is refused, not split (two
 * batches are two transactions) and not run statement by statement in a session (a Lambda that
 * dies between statements leaves the session's open transaction holding its locks until the
 * session idles out, stalling every other load, and each statement costs a submit-and-poll round
 * trip). The planner keeps plans small instead; a load of one object is about ten statements.
 *
 * Error 1023 (serializable isolation violation: concurrent transactions conflicted) rolls the batch
 * back whole, so the batch is sent again, after a jittered wait, up to `isolationAttempts` times.
 */
export class RedshiftDataApi {
  private readonly client: RedshiftDataClient;
  private readonly target: RedshiftTarget;
  private readonly timing: DataApiTiming;
  private readonly sleep: Sleep;
  private readonly random: () => number;

  constructor(options: RedshiftDataApiOptions) {
    this.client = options.client;
    this.target = options.target;
    this.timing = { ...DEFAULT_DATA_API_TIMING, ...options.timing };
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    if (!Number.isInteger(this.timing.isolationAttempts) || this.timing.isolationAttempts < 1)
      throw new DataApiPlanError(undefined, undefined, "isolationAttempts must be a whole number ≥ 1");
  }

  /** Runs a plan atomically; resolves once Redshift has committed it. */
  async execute(plan: Plan, options: RunOptions = {}): Promise<PlanOutcome> {
    const batch = prepareBatch(plan);
    return this.withIsolationRetry(options.signal, async (attempt) => {
      const submitted = await this.client.send(
        new BatchExecuteStatementCommand({
          ...this.targetInput(),
          Sqls: batch.sqls,
          ...(batch.parameters.length > 0 ? { Parameters: batch.parameters } : {}),
          // One token per send: an SDK-level retry of a request that did reach the Data API
          // must not start the batch a second time.
          ClientToken: randomUUID(),
        }),
      );
      const described = await this.waitFor(submitted.Id, options.signal);
      this.throwIfFailed(described, plan, attempt);
      return {
        statementId: described.Id!,
        attempts: attempt,
        rowCounts: (described.SubStatements ?? []).map((s) => s.ResultRows ?? 0),
      };
    });
  }

  /** Runs one statement that returns rows and reads every page of its result. */
  async query<T = DataApiRow>(
    statement: PlanStatement,
    options: RunOptions & { readonly decode?: (row: DataApiRow) => T } = {},
  ): Promise<QueryResult<T>> {
    const prepared = prepareStatement(statement, undefined);
    return this.withIsolationRetry(options.signal, async (attempt) => {
      const submitted = await this.client.send(
        new ExecuteStatementCommand({
          ...this.targetInput(),
          Sql: prepared.sql,
          ...(prepared.parameters.length > 0 ? { Parameters: prepared.parameters } : {}),
          ClientToken: randomUUID(),
        }),
      );
      const described = await this.waitFor(submitted.Id, options.signal);
      this.throwIfFailed(described, [statement], attempt);
      const id = described.Id!;
      if (!described.HasResultSet) return { statementId: id, columns: [], rows: [] };

      let columns: DataApiColumn[] = [];
      const rows: DataApiRow[] = [];
      let nextToken: string | undefined;
      do {
        const page = await this.client.send(
          new GetStatementResultCommand({ Id: id, ...(nextToken ? { NextToken: nextToken } : {}) }),
        );
        if (page.ColumnMetadata && columns.length === 0) columns = columnsOf(page.ColumnMetadata);
        rows.push(...toRows(id, columns, page.Records ?? [], rows.length + 1));
        nextToken = page.NextToken;
      } while (nextToken);
      const decode = options.decode ?? ((row: DataApiRow) => row as T);
      return { statementId: id, columns, rows: rows.map(decode) };
    });
  }

  private targetInput() {
    const t = this.target;
    return "workgroupName" in t
      ? { WorkgroupName: t.workgroupName, Database: t.database }
      : {
          ClusterIdentifier: t.clusterIdentifier,
          Database: t.database,
          ...(t.dbUser ? { DbUser: t.dbUser } : {}),
        };
  }

  private async waitFor(id: string | undefined, signal: AbortSignal | undefined) {
    if (!id)
      throw new DataApiStatementError(
        "?",
        "FAILED",
        undefined,
        undefined,
        "the Data API returned no statement id",
        1,
      );
    return waitForStatement(this.client, id, this.timing.poll, this.sleep, signal);
  }

  /** FAILED/ABORTED → an error naming the failing statement of the plan, its text and Redshift's words. */
  private throwIfFailed(described: DescribeStatementResponse, plan: Plan, attempts: number) {
    if (described.Status === "FINISHED") return;
    const status = described.Status === "ABORTED" ? "ABORTED" : "FAILED";
    const subs = described.SubStatements ?? [];
    const failing = subs.findIndex((s) => s.Status === "FAILED" || s.Status === "ABORTED");
    const index = failing >= 0 ? failing : plan.length === 1 ? 0 : undefined;
    const error = (failing >= 0 ? subs[failing]!.Error : undefined) ?? described.Error ?? "";
    const Type = isSerializationFailure(error) ? SerializableIsolationError : DataApiStatementError;
    throw new Type(
      described.Id ?? "?",
      status,
      index,
      index === undefined ? undefined : plan[index]?.sql,
      error,
      attempts,
    );
  }

  private async withIsolationRetry<R>(
    signal: AbortSignal | undefined,
    run: (attempt: number) => Promise<R>,
  ): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new DataApiAbortError(undefined, false, { cause: signal.reason });
      try {
        return await run(attempt);
      } catch (error) {
        if (!(error instanceof SerializableIsolationError) || attempt >= this.timing.isolationAttempts)
          throw error;
        // Full jitter: concurrent loads that conflicted once should not retry in step.
        const ceiling = this.timing.isolationBackoffMs * 2 ** (attempt - 1);
        try {
          await this.sleep(Math.floor(this.random() * ceiling), signal);
        } catch (cause) {
          throw new DataApiAbortError(undefined, false, { cause });
        }
      }
    }
  }
}

/** Redshift's error 1023: `ERROR: 1023 DETAIL: Serializable isolation violation on table …`. */
export function isSerializationFailure(error: string): boolean {
  return /serializable isolation violation/i.test(error) || /ERROR:\s*1023\b/.test(error);
}
