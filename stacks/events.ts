import { extract } from "./functions";
import { EXTRACT_DETAIL_TYPES, EXTRACT_EVENT_SOURCE } from "../lib/pipeline/extract-events";

// `totes extract-now` and `totes backfill --stage S` put an event on the account's default bus;
// this rule hands the ones for this stage to the extract function (asynchronously, as the
// schedule does). Operators then need events:PutEvents, not lambda:InvokeFunction.

export const extractRequests = new aws.cloudwatch.EventRule("ExtractRequests", {
  description: `totes-etl ${$app.stage}: extract and backfill requests → the extract function`,
  eventPattern: JSON.stringify({
    source: [EXTRACT_EVENT_SOURCE],
    "detail-type": Object.values(EXTRACT_DETAIL_TYPES),
    detail: { stage: [$app.stage] },
  }),
});

export const extractRequestsTarget = new aws.cloudwatch.EventTarget("ExtractRequestsTarget", {
  rule: extractRequests.name,
  // EventBridge invokes Lambda asynchronously: a request that finds a run in progress (reserved
  // concurrency 1) waits in Lambda's event queue and is retried, as a scheduled tick is.
  arn: extract.arn,
});

export const extractRequestsPermission = new aws.lambda.Permission("ExtractRequestsPermission", {
  action: "lambda:InvokeFunction",
  function: extract.name,
  principal: "events.amazonaws.com",
  sourceArn: extractRequests.arn,
});
