import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { OpsError } from "../../ops/errors.js";

export interface ExtractInvocation {
  readonly functionName: string;
  readonly statusCode: number;
  readonly requestId?: string;
}

/**
 * Fires the deployed extract function now, asynchronously (what the schedule does): Lambda
 * queues the event and answers 202; the run's outcome shows in its logs and in `totes status`.
 * The function's reserved concurrency of 1 keeps it from overlapping a scheduled run.
 */
export async function invokeExtract(lambda: LambdaClient, functionName: string): Promise<ExtractInvocation> {
  try {
    const result = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: "Event",
        Payload: new TextEncoder().encode("{}"),
      }),
    );
    const statusCode = result.StatusCode ?? 0;
    if (statusCode !== 202) throw new OpsError(`Lambda answered ${statusCode}, not 202 (accepted)`);
    return { functionName, statusCode, requestId: result.$metadata.requestId };
  } catch (error) {
    if (error instanceof OpsError) throw new OpsError(`invoking ${functionName}: ${error.message}`);
    throw new OpsError(`invoking ${functionName} failed: ${(error as Error).message}`, { cause: error });
  }
}
