import type { FauxqsApp, SqsStore } from "./fauxqs-internals.js";

const COUNTING_ACTIONS = new Set(["AmazonSQS.GetQueueAttributes"]);

/**
 * fauxqs returns expired in-flight messages to the queue only when someone receives, so
 * GetQueueAttributes could report a message as in flight long after its visibility timeout.
 * SQS counts it visible again; settle the timers first so the counts (which drain() relies
 * on) read the same.
 */
export function installSqsHooks(app: FauxqsApp, sqsStore: SqsStore): void {
  app.addHook("preHandler", (request, _reply, done) => {
    const target = request.headers["x-amz-target"];
    if (request.method === "POST" && typeof target === "string" && COUNTING_ACTIONS.has(target)) {
      const queueUrl = (request.body as { QueueUrl?: unknown } | undefined)?.QueueUrl;
      if (typeof queueUrl === "string") sqsStore.getQueue(queueUrl)?.processTimers();
    }
    done();
  });
}
