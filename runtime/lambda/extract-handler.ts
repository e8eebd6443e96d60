import middy from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { extract, type ExtractResult, type TableExtract } from "../../lib/extract/extract.js";
import { parseExtractRequest } from "../../lib/pipeline/extract-events.js";
import type { ExtractDeps } from "./deps.js";
import { observability } from "./observability.js";

/**
 * One extraction of every changed source table; a failure throws, so nothing is marked done.
 * The event says why (lib/pipeline/extract-events.ts): the schedule's `{}`, an "Extract
 * requested" event, or a "Backfill requested" one whose `detail.tables` are read in full.
 * `onTable` also hears of each table as its CSV is stored, which is how the local runner shows
 * progress through the very handler that runs on AWS.
 */
export function createExtractHandler(deps: ExtractDeps, onTable?: (table: TableExtract) => void) {
  const { logger, metrics, tableMetrics } = observability("extract");
  return middy<unknown, ExtractResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      const request = parseExtractRequest(event);
      if (request.fullTables.length) logger.info("backfill requested", { tables: request.fullTables });
      const result = await extract({
        source: deps.source,
        store: deps.buckets.store,
        bucket: deps.buckets.ingestionBucket,
        fullTables: request.fullTables,
        trigger: request.trigger,
        ...(deps.parts ? { parts: deps.parts } : {}),
        ...(deps.sourceSchema ? { schema: deps.sourceSchema } : {}),
        onTable: (t) => {
          onTable?.(t);
          if (t.rows === 0) return;
          logger.info("extracted", {
            table: t.table,
            rows: t.rows,
            objectKeys: t.objectKeys,
            full: t.full,
            seconds: t.seconds,
          });
          tableMetrics("extract", t.table, { rowsOut: t.rows, seconds: t.seconds });
        },
      });
      metrics.addMetric("extractRuns", MetricUnit.Count, 1);
      logger.info("extract run done", {
        runId: result.runAt,
        trigger: request.trigger,
        objects: result.tables.reduce((n, t) => n + t.objectKeys.length, 0),
        rows: result.tables.reduce((n, t) => n + t.rows, 0),
      });
      return result;
    });
}
