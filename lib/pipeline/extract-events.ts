import { SOURCE_TABLES } from "../catalog/index.js";
import { PipelineError } from "../errors.js";
import type { ExtractTrigger } from "../extract/runs.js";

/**
 * The EventBridge events that ask a deployed stage for an extraction, on the account's default
 * bus. `stacks/events.ts` routes them (this stage's only: `detail.stage`) to the extract
 * function; `totes extract-now` and `totes backfill --stage S` send them (events:PutEvents is
 * all an operator needs). The schedule invokes the function with `{}`.
 */
export const EXTRACT_EVENT_SOURCE = "totes-etl";

export const EXTRACT_DETAIL_TYPES = {
  extract: "Extract requested",
  backfill: "Backfill requested",
} as const;

export interface ExtractRequestDetail {
  /** The SST stage the request is for; the rule matches its own stage only. */
  readonly stage: string;
}

export interface BackfillRequestDetail extends ExtractRequestDetail {
  /** Source tables to read in full in the next extraction (every table for `--all`). */
  readonly tables: readonly string[];
}

/** What one invocation of the extract function is asked to do. */
export interface ExtractRequest {
  readonly trigger: ExtractTrigger;
  /** Tables to read in full (a backfill); none for a plain extraction. */
  readonly fullTables: readonly string[];
}

/** An event that claims to be a backfill or extract request but is not a well-formed one. */
export class ExtractRequestError extends PipelineError {
  constructor(problem: string) {
    super(`extract request: ${problem}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The request an invocation's event carries. The schedule's `{}` (and anything that is not an
 * EventBridge event from totes-etl) is a plain extraction; a "Backfill requested" event must
 * name known source tables, or the run fails loudly instead of quietly reading only changes.
 */
export function parseExtractRequest(event: unknown): ExtractRequest {
  if (isObject(event) && event.source === LOCAL_RUN_SOURCE)
    return { trigger: event.trigger === "schedule" ? "schedule" : "run", fullTables: [] };
  if (!isObject(event) || event.source !== EXTRACT_EVENT_SOURCE)
    return { trigger: "schedule", fullTables: [] };
  const type = event["detail-type"];
  if (type === EXTRACT_DETAIL_TYPES.extract) return { trigger: "extract-now", fullTables: [] };
  if (type !== EXTRACT_DETAIL_TYPES.backfill)
    throw new ExtractRequestError(`unknown detail-type ${JSON.stringify(type)} from ${EXTRACT_EVENT_SOURCE}`);
  const tables = isObject(event.detail) ? event.detail.tables : undefined;
  if (!Array.isArray(tables) || tables.length === 0 || !tables.every((t) => typeof t === "string"))
    throw new ExtractRequestError("a backfill request names its tables in detail.tables (a non-empty list)");
  const unknown = tables.filter((t) => !SOURCE_TABLES.some((s) => s.name === t));
  if (unknown.length)
    throw new ExtractRequestError(
      `no source table ${unknown.join(", ")} (the tables are ${SOURCE_TABLES.map((t) => t.name).join(", ")})`,
    );
  return { trigger: "backfill", fullTables: [...new Set(tables as string[])] };
}

/**
 * What the laptop runtime hands the extract handler for `totes run` (no EventBridge there), so
 * its run records say what started them: "run", or "schedule" for the runs of `run --every`.
 * Not an EventBridge source: no deployed rule matches it.
 */
export const LOCAL_RUN_SOURCE = "totes-etl.local";
export const localRunEvent = (trigger: "run" | "schedule") => ({ source: LOCAL_RUN_SOURCE, trigger });

/** The EventBridge entry asking `stage` for an extraction, or a backfill of `tables`. */
export function extractRequestEntry(stage: string, tables?: readonly string[]) {
  const detail: ExtractRequestDetail | BackfillRequestDetail = tables ? { stage, tables } : { stage };
  return {
    Source: EXTRACT_EVENT_SOURCE,
    DetailType: tables ? EXTRACT_DETAIL_TYPES.backfill : EXTRACT_DETAIL_TYPES.extract,
    Detail: JSON.stringify(detail),
  };
}

/** The event as an EventBridge rule delivers it to the function (what the local runtime hands its handler). */
export function extractRequestEvent(stage: string, tables?: readonly string[]) {
  const entry = extractRequestEntry(stage, tables);
  return {
    version: "0",
    source: entry.Source,
    "detail-type": entry.DetailType,
    time: new Date().toISOString(),
    detail: JSON.parse(entry.Detail) as ExtractRequestDetail | BackfillRequestDetail,
  };
}
