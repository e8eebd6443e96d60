import middy from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { extract, type ExtractResult, type TableExtract } from "../../lib/extract/extract.js";
import type { ExtractDeps } from "./deps.js";
import { observability } from "./observability.js";

/**
 * The scheduled extract: one extraction of every changed source table; a failure throws, so
 * nothing is marked done. `onTable` also hears of each table as its CSV is stored, which is
 * how the local runner shows progress through the very handler that runs on AWS.
 */
export function createExtractHandler(deps: ExtractDeps, onTable?: (table: TableExtract) => void) {
  const { logger, metrics, tableMetrics } = observability("extract");
  return middy<unknown, ExtractResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async () => {
      const result = await extract({
        source: deps.source,
        store: deps.buckets.store,
        bucket: deps.buckets.ingestionBucket,
        onTable: (t) => {
          onTable?.(t);
          if (t.rows === 0) return;
          logger.info("extracted", {
            table: t.table,
            rows: t.rows,
            objectKey: t.objectKey,
            seconds: t.seconds,
          });
          tableMetrics("extract", t.table, { rowsOut: t.rows, seconds: t.seconds });
        },
      });
      metrics.addMetric("extractRuns", MetricUnit.Count, 1);
      logger.info("extract run done", {
        runId: result.runAt,
        objects: result.tables.filter((t) => t.objectKey).length,
        rows: result.tables.reduce((n, t) => n + t.rows, 0),
      });
      return result;
    });
}
