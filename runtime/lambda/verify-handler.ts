import middy from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { METRICS } from "../../lib/pipeline/topology.js";
import { catchUpWarehouse } from "../../lib/load/catch-up.js";
import { verify, writeVerifyReport } from "../../lib/verify/index.js";
import type { VerifyDeps } from "./deps.js";
import { observability } from "./observability.js";

/** What an invocation may ask (a manual `aws lambda invoke`); the schedule sends nothing. */
export interface VerifyEvent {
  readonly tables?: readonly string[];
}

export interface VerifyResult {
  readonly verifiedAt: string;
  readonly equal: boolean;
  readonly mismatches: number;
  /** The report in the processed bucket; `_state/verify/latest.json` holds the same. */
  readonly reportKey: string;
  readonly tables: readonly { readonly table: string; readonly mismatches: number }[];
}

/** The tables an invocation names; undefined (every table) for the schedule's event. */
function tablesOf(event: unknown): string[] | undefined {
  if (event === null || typeof event !== "object" || !("tables" in event)) return undefined;
  const { tables } = event as { tables: unknown };
  if (!Array.isArray(tables) || !tables.every((t): t is string => typeof t === "string"))
    throw new TypeError('verify takes {} or { "tables": ["fact_payment", …] }');
  return tables;
}

/**
 * The scheduled verify: compares the warehouse with the source, writes the report to the
 * processed bucket (`totes verify --stage S` prints it) and publishes `verifyMismatches`,
 * which an alarm watches. Logs carry tables, counts and ids, never row contents.
 */
export function createVerifyHandler(deps: VerifyDeps) {
  const { logger, metrics } = observability("verify");
  return middy<unknown, VerifyResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      const tables = tablesOf(event);
      // A warehouse restored from a backup lacks loads this pipeline recorded: load them again
      // first, so the report speaks of what is still wrong after that.
      const caughtUp = await catchUpWarehouse({
        store: deps.store,
        bucket: deps.processedBucket,
        warehouse: deps.warehouse,
        pipeline: deps.pipeline,
      });
      if (caughtUp.missing.length)
        logger.warn(
          "warehouse lacked objects this pipeline had loaded (restored from a backup?): loaded again",
          {
            objects: caughtUp.missing.length,
            rowsWritten: caughtUp.rowsWritten,
            failed: caughtUp.failed,
          },
        );
      const report = await verify({
        source: deps.source,
        warehouse: deps.warehouse,
        ...(deps.dialects
          ? { dialect: deps.dialects.source, warehouseDialect: deps.dialects.warehouse }
          : {}),
        ...(deps.sourceSchema ? { sourceSchema: deps.sourceSchema } : {}),
        ...(tables?.length ? { tables } : {}),
        onTable: (t) =>
          logger[t.mismatches ? "warn" : "info"]("verified", {
            table: t.table,
            mismatches: t.mismatches,
            missing: t.missing.count,
            missingIds: t.missing.ids,
            extra: t.extra.count,
            extraIds: t.extra.ids,
            differing: t.differing.count,
            differingIds: t.differing.rows.map((r) => r.id),
            failedTests: t.tests.filter((x) => x.failures).map((x) => x.name),
            seconds: t.seconds,
          }),
      });
      const reportKey = await writeVerifyReport(deps.store, deps.processedBucket, report);
      metrics.addMetric(METRICS.verifyMismatches, MetricUnit.Count, report.mismatches);
      logger.info("verify done", {
        equal: report.equal,
        mismatches: report.mismatches,
        seconds: report.seconds,
        reportKey,
      });
      return {
        verifiedAt: report.verifiedAt,
        equal: report.equal,
        mismatches: report.mismatches,
        reportKey,
        tables: report.tables.map((t) => ({ table: t.table, mismatches: t.mismatches })),
      };
    });
}
