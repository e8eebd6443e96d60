import { describe, expect, it, vi } from "vitest";
import { PipelineError } from "../../lib/errors.js";
import { processMessages, type QueueMessage } from "../../lib/events/queue-batch.js";
import type { ObjectRef } from "../../lib/events/s3-notification.js";
import { s3TestEventMessage } from "../../runtime/local/lambda/s3-event.js";
import { s3Notification, s3Record, sqsEventOf, sqsRecord } from "../helpers/events.js";

const announcing = (...keys: string[]) => s3Notification(...keys.map((key) => s3Record({ key })));
const keyOf = async (object: ObjectRef) => object.key;

describe("processMessages", () => {
  it("runs the work for every object of every message, and reports each message's results", async () => {
    // Prepare
    const event = sqsEventOf(
      sqsRecord({ messageId: "m1", body: announcing("a.csv", "b.csv") }),
      sqsRecord({ messageId: "m2", body: announcing("c.csv") }),
    );

    // Act
    const settled = await processMessages(event.Records, async (object) => object.key.toUpperCase());

    // Assess
    expect(settled).toEqual([
      {
        status: "fulfilled",
        value: {
          messageId: "m1",
          objects: [
            { bucket: "test-bucket", key: "a.csv", size: 1 },
            { bucket: "test-bucket", key: "b.csv", size: 1 },
          ],
          results: ["A.CSV", "B.CSV"],
        },
      },
      {
        status: "fulfilled",
        value: {
          messageId: "m2",
          objects: [{ bucket: "test-bucket", key: "c.csv", size: 1 }],
          results: ["C.CSV"],
        },
      },
    ]);
  });

  it("fails only the message whose work failed, in the batch's order, and goes on after it", async () => {
    // Prepare
    const poison = new Error("poison object");
    const event = sqsEventOf(
      sqsRecord({ messageId: "ok-1", body: announcing("ok-1.csv") }),
      sqsRecord({ messageId: "bad", body: announcing("bad.csv") }),
      sqsRecord({ messageId: "ok-2", body: announcing("ok-2.csv") }),
    );
    const work = vi.fn(async (object: ObjectRef) => {
      if (object.key === "bad.csv") throw poison;
      return object.key;
    });

    // Act
    const settled = await processMessages(event.Records, work);

    // Assess
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(settled[1]).toEqual({ status: "rejected", reason: poison });
    expect(work.mock.calls.map(([object]) => object.key)).toEqual(["ok-1.csv", "bad.csv", "ok-2.csv"]);
  });

  it("fails a message whose body is not a notification with a PipelineError, without running the work", async () => {
    // Prepare
    const event = sqsEventOf(sqsRecord({ body: "{not json" }), sqsRecord({ body: announcing("fine.csv") }));
    const work = vi.fn(keyOf);

    // Act
    const [broken, fine] = await processMessages(event.Records, work);

    // Assess
    expect(broken?.status).toBe("rejected");
    expect((broken as PromiseRejectedResult).reason).toBeInstanceOf(PipelineError);
    expect(fine?.status).toBe("fulfilled");
    expect(work).toHaveBeenCalledTimes(1);
  });

  it("takes the s3:TestEvent as a message with nothing to do", async () => {
    // Prepare
    const event = sqsEventOf(sqsRecord({ messageId: "t", body: s3TestEventMessage("b", "r", "h") }));
    const work = vi.fn(keyOf);

    // Act
    const settled = await processMessages(event.Records, work);

    // Assess
    expect(settled).toEqual([{ status: "fulfilled", value: { messageId: "t", objects: [], results: [] } }]);
    expect(work).not.toHaveBeenCalled();
  });

  it("hands the work the message, so it can see how often it was received", async () => {
    // Prepare
    const event = sqsEventOf(sqsRecord({ body: announcing("a.csv"), receiveCount: 3 }));
    const seen: (string | undefined)[] = [];

    // Act
    await processMessages(event.Records, async (_object, message) => {
      seen.push(message.attributes?.ApproximateReceiveCount);
    });

    // Assess
    expect(seen).toEqual(["3"]);
  });

  it("runs one object at a time, so an invocation never holds two", async () => {
    // Prepare
    const event = sqsEventOf(
      sqsRecord({ body: announcing("a.csv", "b.csv") }),
      sqsRecord({ body: announcing("c.csv") }),
    );
    let running = 0;
    let most = 0;

    // Act
    await processMessages(event.Records, async () => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
    });

    // Assess
    expect(most).toBe(1);
  });

  it("reports a failure with the message and the objects it announced", async () => {
    // Prepare
    const message = sqsRecord({ messageId: "m", body: announcing("a.csv", "b.csv") });
    const failure = new Error("b is poison");
    const onFailure = vi.fn(async () => {});

    // Act
    await processMessages(
      [message],
      async (object) => {
        if (object.key === "b.csv") throw failure;
      },
      onFailure,
    );

    // Assess
    expect(onFailure).toHaveBeenCalledExactlyOnceWith(failure, message, [
      { bucket: "test-bucket", key: "a.csv", size: 1 },
      { bucket: "test-bucket", key: "b.csv", size: 1 },
    ]);
  });

  it("reports an unreadable message with no objects", async () => {
    // Prepare
    const message: QueueMessage = { messageId: "m", body: "garbage" };
    const onFailure = vi.fn(async () => {});

    // Act
    await processMessages([message], keyOf, onFailure);

    // Assess
    expect(onFailure).toHaveBeenCalledExactlyOnceWith(expect.any(PipelineError), message, []);
  });

  it("keeps the work's error when reporting the failure fails too", async () => {
    // Prepare
    const failure = new Error("the real problem");
    const onFailure = vi.fn(async () => {
      throw new Error("the failure store is down");
    });

    // Act
    const [settled] = await processMessages(
      [sqsRecord({ body: announcing("a.csv") })],
      async () => {
        throw failure;
      },
      onFailure,
    );

    // Assess
    expect(settled).toEqual({ status: "rejected", reason: failure });
    expect(onFailure).toHaveBeenCalledOnce();
  });

  it("does not report messages that succeed", async () => {
    const onFailure = vi.fn(async () => {});

    await processMessages([sqsRecord({ body: announcing("a.csv") })], keyOf, onFailure);

    expect(onFailure).not.toHaveBeenCalled();
  });
});
