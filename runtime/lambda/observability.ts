import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRICS } from "../../lib/pipeline/topology.js";

/**
 * Structured JSON logs and CloudWatch EMF metrics. Each function gets its own instances,
 * so functions sharing a process (the local runtime) never mix their correlation keys.
 * Log records carry correlation ids (run id, object key, message id), counts and timings;
 * never row contents or connection strings.
 */
export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * One metric per (stage, table), published at once by stage and by stage and table (two
   * dimension sets of one EMF record): alarms watch the stage, the dashboard each table.
   */
  tableMetrics(stage: string, table: string, values: Record<string, number>): void;
}

type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";
/** Loggers made so far (held weakly: a handler built per run must not be kept for ever). */
const loggers = new Set<WeakRef<Logger>>();
let chosenLevel: LogLevel | undefined;

export function observability(functionName: string): Observability {
  const logger = new Logger({
    serviceName: "totes-etl",
    persistentKeys: { pipelineFunction: functionName },
    ...(chosenLevel ? { logLevel: chosenLevel } : {}),
  });
  loggers.add(new WeakRef(logger));
  // Metrics' own notices go through the structured logger, not bare console lines.
  const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service, logger });
  return {
    logger,
    metrics,
    tableMetrics(stage, table, values) {
      for (const [name, value] of Object.entries(values)) {
        const single = metrics.singleMetric();
        // `stage` in every dimension set, `table` in one: [service, stage, table] and [service, stage].
        single.setDefaultDimensions({ stage });
        single.addDimension("table", table);
        single.addDimensions({});
        single.addMetric(name, /seconds$/i.test(name) ? MetricUnit.Seconds : MetricUnit.Count, value);
      }
    },
  };
}

/** For the CLI's --verbose: every function's logger at once, and those made later. */
export function setLogLevel(level: LogLevel): void {
  chosenLevel = level;
  for (const ref of loggers) {
    const logger = ref.deref();
    if (logger) logger.setLogLevel(level);
    else loggers.delete(ref);
  }
}

/** An error as one line for logs and failure records; AggregateErrors (several connection attempts) included. */
export function errorText(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0)
    return [...new Set(error.errors.map(errorText))].join("; ");
  if (error instanceof Error) return error.message || (error as NodeJS.ErrnoException).code || error.name;
  return String(error);
}
