import middy from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { extract, type ExtractResult, type TableExtract } from "../lib/extract/extract.js";
import { buckets, database } from "./config.js";
import { observability } from "./observability.js";

const { logger, metrics, tableMetrics } = observability("extract");

/**
 * The extract handler; `onTable` also hears of each table as its CSV is stored, which is how
 * the local runner shows progress through the very handler that runs on AWS.
 */
export function makeExtractHandler(onTable?: (table: TableExtract) => void) {
  return middy<unknown, ExtractResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async () => {
      const { store, ingestionBucket } = buckets();
      const result = await extract({
        source: database("source"),
        store,
        bucket: ingestionBucket,
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

/** Scheduled: one extraction of every changed source table. A failure throws, so nothing is marked done. */
export const handler = makeExtractHandler();
