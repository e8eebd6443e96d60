import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";

/**
 * Structured JSON logs and CloudWatch EMF metrics for every handler. Log records carry
 * correlation ids (run id, object key, message id), counts and timings; never row
 * contents or connection strings.
 */
export const logger = new Logger({ serviceName: "totes-etl" });
export const metrics = new Metrics({ namespace: "totes-etl", serviceName: "totes-etl" });

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
