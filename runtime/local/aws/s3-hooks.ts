import { randomUUID } from "node:crypto";
import type { FauxqsApp, FauxqsInternals, FauxqsStores, S3Object } from "./fauxqs-internals.js";
import { s3StoreMaps } from "./fauxqs-internals.js";
import {
  NotificationConfigError,
  escapeXml,
  notificationXml,
  parseNotificationXml,
  ruleMatches,
  type QueueNotificationRule,
} from "./notification-config.js";
import { s3EventMessage, s3TestEventMessage } from "../lambda/s3-event.js";

/** Bucket name → its queue notification rules (what PutBucketNotificationConfiguration stored). */
export type BucketNotifications = Map<string, QueueNotificationRule[]>;

export interface S3HookContext {
  readonly stores: FauxqsStores;
  readonly internals: FauxqsInternals;
  readonly region: string;
  readonly notifications: BucketNotifications;
}

/** The parts of a fastify request/reply the hooks use (fastify is fauxqs's dependency, not ours). */
interface HookRequest {
  readonly method: string;
  readonly routeOptions: { readonly url?: string };
  readonly params: unknown;
  readonly query: unknown;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
  readonly ip: string;
}
interface HookReply {
  readonly statusCode: number;
  status(code: number): unknown;
  header(name: string, value: string): unknown;
  getHeader(name: string): unknown;
  send(payload?: string): unknown;
}

type S3Operation =
  | { kind: "put-notification" | "get-notification"; bucket: string }
  | { kind: "write"; bucket: string; key: string; eventName: string }
  | { kind: "delete"; bucket: string; key: string; existed: boolean }
  | { kind: "other" };

/** Events to send once the response is known to be a success; keyed by request. */
const pending = new WeakMap<object, S3Operation>();

/**
 * Adds to fauxqs's S3 what the pipeline relies on and fauxqs ignores: bucket notification
 * configurations delivered to SQS, and If-Match / If-None-Match on writes. Must be called
 * before the app listens.
 */
export function installS3Hooks(app: FauxqsApp, ctx: S3HookContext): void {
  // Callback-style (not async) so the precondition check and fauxqs's synchronous write run
  // in the same tick: no other request can slip in between them.
  app.addHook("preHandler", (request, reply, done) => {
    const op = classify(request);
    if (op.kind === "put-notification") return putNotification(ctx, op.bucket, request, reply);
    if (op.kind === "get-notification") return getNotification(ctx, op.bucket, reply);
    if (op.kind === "write") {
      const failure = preconditionFailure(ctx, op.bucket, op.key, request.headers);
      if (failure)
        return sendError(reply, failure.status, failure.code, failure.message, `/${op.bucket}/${op.key}`);
    }
    if (op.kind === "delete") {
      op.existed = s3StoreMaps(ctx.stores.s3Store).buckets.get(op.bucket)?.has(op.key) ?? false;
    }
    if (op.kind !== "other") pending.set(request, op);
    done();
  });

  app.addHook("onSend", (request, reply, payload, done) => {
    const op = pending.get(request);
    pending.delete(request);
    if (op && reply.statusCode >= 200 && reply.statusCode < 300) {
      if (op.kind === "write") {
        const object = s3StoreMaps(ctx.stores.s3Store).buckets.get(op.bucket)?.get(op.key);
        if (object) deliver(ctx, op.bucket, op.key, op.eventName, object, request, reply);
      } else if (op.kind === "delete" && op.existed) {
        deliver(ctx, op.bucket, op.key, "ObjectRemoved:Delete", undefined, request, reply);
      }
    }
    done(null, payload);
  });
}

function classify(request: HookRequest): S3Operation {
  const route = request.routeOptions.url;
  if (route !== "/:bucket" && route !== "/:bucket/*") return { kind: "other" };
  const params = request.params as Record<string, string | undefined>;
  const query = (request.query ?? {}) as Record<string, string | undefined>;
  const bucket = params.bucket ?? "";
  const key = params["*"] ?? "";
  if (!key) {
    if ("notification" in query && request.method === "PUT") return { kind: "put-notification", bucket };
    if ("notification" in query && request.method === "GET") return { kind: "get-notification", bucket };
    return { kind: "other" };
  }
  if (request.method === "PUT" && !query.uploadId && !query.partNumber) {
    const eventName = request.headers["x-amz-copy-source"] ? "ObjectCreated:Copy" : "ObjectCreated:Put";
    return { kind: "write", bucket, key, eventName };
  }
  if (request.method === "POST" && query.uploadId) {
    return { kind: "write", bucket, key, eventName: "ObjectCreated:CompleteMultipartUpload" };
  }
  if (request.method === "DELETE" && !query.uploadId) return { kind: "delete", bucket, key, existed: false };
  return { kind: "other" };
}

const header = (headers: HookRequest["headers"], name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const unquote = (etag: string) => etag.trim().replace(/^W\//, "").replaceAll('"', "");

/** S3's answer to If-Match / If-None-Match on a write, or undefined when the write may go ahead. */
function preconditionFailure(
  ctx: S3HookContext,
  bucket: string,
  key: string,
  headers: HookRequest["headers"],
): { status: number; code: string; message: string } | undefined {
  const ifNoneMatch = header(headers, "if-none-match");
  const ifMatch = header(headers, "if-match");
  if (ifNoneMatch === undefined && ifMatch === undefined) return undefined;
  const objects = s3StoreMaps(ctx.stores.s3Store).buckets.get(bucket);
  if (!objects) return undefined; // fauxqs answers NoSuchBucket itself
  const existing = objects.get(key);
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== "*") {
      return { status: 501, code: "NotImplemented", message: "If-None-Match accepts only * on writes" };
    }
    if (existing) {
      return {
        status: 412,
        code: "PreconditionFailed",
        message: "At least one of the pre-conditions you specified did not hold (If-None-Match)",
      };
    }
  }
  if (ifMatch !== undefined) {
    // As on AWS: a conditional write to a missing key is NoSuchKey, not 412.
    if (!existing) return { status: 404, code: "NoSuchKey", message: "The specified key does not exist." };
    if (ifMatch.trim() !== "*" && unquote(ifMatch) !== unquote(existing.etag)) {
      return {
        status: 412,
        code: "PreconditionFailed",
        message: "At least one of the pre-conditions you specified did not hold (If-Match)",
      };
    }
  }
  return undefined;
}

function putNotification(ctx: S3HookContext, bucket: string, request: HookRequest, reply: HookReply): void {
  if (!ctx.stores.s3Store.hasBucket(bucket)) {
    sendError(reply, 404, "NoSuchBucket", "The specified bucket does not exist", `/${bucket}`);
    return;
  }
  let rules: QueueNotificationRule[];
  try {
    rules = parseNotificationXml(requestText(ctx, request));
    const missing = rules.filter(
      (r) => !ctx.stores.sqsStore.getQueueByArn(r.queueArn) || r.queueArn.endsWith(".fifo"),
    );
    if (missing.length > 0) {
      throw new NotificationConfigError(
        "InvalidArgument",
        `Unable to validate the following destination configurations: ${missing.map((r) => r.queueArn).join(", ")}`,
      );
    }
  } catch (error) {
    if (!(error instanceof NotificationConfigError)) throw error;
    const status = error.code === "NotImplemented" ? 501 : 400;
    sendError(reply, status, error.code, error.message, `/${bucket}`);
    return;
  }
  if (rules.length === 0) ctx.notifications.delete(bucket);
  else ctx.notifications.set(bucket, rules);

  const requestId = newRequestId();
  reply.header("x-amz-request-id", requestId);
  reply.header("x-amz-id-2", "fauxqs");
  const message = s3TestEventMessage(bucket, requestId, "fauxqs");
  for (const arn of new Set(rules.map((r) => r.queueArn))) enqueue(ctx, arn, message);
  reply.status(200);
  reply.send();
}

function getNotification(ctx: S3HookContext, bucket: string, reply: HookReply): void {
  if (!ctx.stores.s3Store.hasBucket(bucket)) {
    sendError(reply, 404, "NoSuchBucket", "The specified bucket does not exist", `/${bucket}`);
    return;
  }
  reply.header("content-type", "application/xml");
  reply.status(200);
  reply.send(notificationXml(ctx.notifications.get(bucket) ?? []));
}

function deliver(
  ctx: S3HookContext,
  bucket: string,
  key: string,
  eventName: string,
  object: S3Object | undefined,
  request: HookRequest,
  reply: HookReply,
): void {
  for (const rule of ctx.notifications.get(bucket) ?? []) {
    if (!ruleMatches(rule, eventName, key)) continue;
    const message = s3EventMessage({
      region: ctx.region,
      bucket,
      key,
      eventName,
      configurationId: rule.id,
      size: object?.contentLength,
      etag: object?.etag,
      requestId: String(reply.getHeader("x-amz-request-id") ?? newRequestId()),
      hostId: String(reply.getHeader("x-amz-id-2") ?? "fauxqs"),
      sourceIp: request.ip,
    });
    enqueue(ctx, rule.queueArn, message);
  }
}

/** Straight into fauxqs's queue, as S3 would: a deleted destination queue just drops the event. */
function enqueue(ctx: S3HookContext, queueArn: string, body: string): void {
  const queue = ctx.stores.sqsStore.getQueueByArn(queueArn);
  if (!queue) return;
  queue.enqueue(ctx.internals.createMessage(body, Number.parseInt(queue.attributes.DelaySeconds ?? "0", 10)));
}

function requestText(ctx: S3HookContext, request: HookRequest): string {
  const body = request.body;
  let bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === "string" ? body : "");
  if (header(request.headers, "content-encoding")?.includes("aws-chunked"))
    bytes = ctx.internals.decodeAwsChunked(bytes);
  return bytes.toString("utf8");
}

const newRequestId = () => randomUUID().replaceAll("-", "").toUpperCase().slice(0, 16);

function sendError(reply: HookReply, status: number, code: string, message: string, resource: string): void {
  reply.header("content-type", "application/xml");
  reply.status(status);
  reply.send(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>` +
      `<Resource>${escapeXml(resource)}</Resource><RequestId>${newRequestId()}</RequestId></Error>`,
  );
}
