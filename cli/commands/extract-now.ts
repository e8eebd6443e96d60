import { LambdaClient } from "@aws-sdk/client-lambda";
import type { Command } from "commander";
import { awsRegion, invokeExtract, OpsError, withTarget } from "../../ops/index.js";
import { targetOptions } from "./dlq.js";

export async function extractNow(opts: { stage?: string; outputs?: string }): Promise<string> {
  // Locally there is no function to fire: `totes run` is the extraction (and what follows it).
  if (!opts.stage)
    throw new OpsError(
      "extract-now fires a deployed stage's extract function: pass --stage S. Locally, `totes run` extracts now and drains the queues.",
    );
  return withTarget(targetOptions(opts), async ({ target }) => {
    const name = target.resources.extractFunction;
    if (!name) throw new OpsError(`${target.description} has no extract function`);
    const lambda = new LambdaClient({ region: awsRegion() });
    try {
      const result = await invokeExtract(lambda, name);
      return `extract invoked on ${target.description}: ${result.functionName} accepted the event (request ${result.requestId ?? "?"}); follow it with \`totes status --stage ${opts.stage}\``;
    } finally {
      lambda.destroy();
    }
  });
}

export function registerExtractNow(program: Command): void {
  program
    .command("extract-now")
    .description("invoke the deployed extract function now, asynchronously (after a fix or a replay)")
    .option("--stage <stage>", "the deployed SST stage (required)")
    .option("--outputs <file>", "SST outputs JSON to read the function name from, instead of tags")
    .action(async (opts: { stage?: string; outputs?: string }) => console.log(await extractNow(opts)));
}
