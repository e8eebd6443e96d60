import { randomUUID } from "node:crypto";

/** One S3 → SQS rule, as S3 stores a `QueueConfiguration`. */
export interface QueueNotificationRule {
  readonly id: string;
  readonly queueArn: string;
  /** e.g. `s3:ObjectCreated:*`, `s3:ObjectCreated:Put`, `s3:ObjectRemoved:Delete`. */
  readonly events: readonly string[];
  readonly prefix?: string;
  readonly suffix?: string;
}

/** Thrown for a configuration S3 itself would reject; carries the S3 error code. */
export class NotificationConfigError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "NotificationConfigError";
  }
}

const unescapeXml = (text: string) =>
  text
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&amp;", "&");

export const escapeXml = (text: string) =>
  text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");

/** Inner texts of every `<tag>…</tag>` directly inside `xml` (the SDK's XML has no attributes on these). */
function elements(xml: string, tag: string): string[] {
  // Tag names are fixed literals from this file, never user input.
  // eslint-disable-next-line security/detect-non-literal-regexp
  const pattern = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g");
  return [...xml.matchAll(pattern)].map((m) => m[1] ?? "");
}

const first = (xml: string, tag: string) => {
  const found = elements(xml, tag)[0];
  return found === undefined ? undefined : unescapeXml(found.trim());
};

/**
 * Parses the body of PutBucketNotificationConfiguration. Only queue destinations are
 * delivered locally; topic and Lambda destinations are refused rather than silently dropped.
 */
export function parseNotificationXml(xml: string): QueueNotificationRule[] {
  if (/<(TopicConfiguration|CloudFunctionConfiguration|LambdaFunctionConfiguration)>/.test(xml)) {
    throw new NotificationConfigError(
      "NotImplemented",
      "the local S3 delivers notifications to SQS queues only (QueueConfiguration)",
    );
  }
  return elements(xml, "QueueConfiguration").map((block) => {
    const queueArn = first(block, "Queue");
    const events = elements(block, "Event").map((e) => unescapeXml(e.trim()));
    if (!queueArn || events.length === 0) {
      throw new NotificationConfigError(
        "MalformedXML",
        "a QueueConfiguration needs a Queue and at least one Event",
      );
    }
    let prefix: string | undefined;
    let suffix: string | undefined;
    for (const rule of elements(block, "FilterRule")) {
      const name = first(rule, "Name")?.toLowerCase();
      const value = first(rule, "Value") ?? "";
      if (name === "prefix") prefix = value;
      else if (name === "suffix") suffix = value;
      else
        throw new NotificationConfigError(
          "InvalidArgument",
          `filter rule name must be prefix or suffix, not ${name}`,
        );
    }
    return { id: first(block, "Id") ?? randomUUID(), queueArn, events, prefix, suffix };
  });
}

/** The GetBucketNotificationConfiguration body, shaped as S3 returns it. */
export function notificationXml(rules: readonly QueueNotificationRule[]): string {
  const filter = (rule: QueueNotificationRule) => {
    const parts = [
      rule.prefix !== undefined ? ["Prefix", rule.prefix] : undefined,
      rule.suffix !== undefined ? ["Suffix", rule.suffix] : undefined,
    ].filter((p): p is string[] => p !== undefined);
    if (parts.length === 0) return "";
    const filterRules = parts
      .map(
        ([name, value]) =>
          `<FilterRule><Name>${name}</Name><Value>${escapeXml(value ?? "")}</Value></FilterRule>`,
      )
      .join("");
    return `<Filter><S3Key>${filterRules}</S3Key></Filter>`;
  };
  const body = rules
    .map(
      (rule) =>
        `<QueueConfiguration><Id>${escapeXml(rule.id)}</Id><Queue>${escapeXml(rule.queueArn)}</Queue>` +
        rule.events.map((e) => `<Event>${escapeXml(e)}</Event>`).join("") +
        filter(rule) +
        `</QueueConfiguration>`,
    )
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?><NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${body}</NotificationConfiguration>`;
}

/** Whether `rule` fires for `eventName` (e.g. `ObjectCreated:Put`) on `key`, as S3 decides it. */
export function ruleMatches(rule: QueueNotificationRule, eventName: string, key: string): boolean {
  const full = `s3:${eventName}`;
  const eventMatches = rule.events.some(
    (configured) =>
      configured === full || (configured.endsWith(":*") && full.startsWith(configured.slice(0, -1))),
  );
  return (
    eventMatches &&
    (rule.prefix === undefined || key.startsWith(rule.prefix)) &&
    (rule.suffix === undefined || key.endsWith(rule.suffix))
  );
}
