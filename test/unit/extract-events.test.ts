import { describe, expect, it } from "vitest";
import {
  ExtractRequestError,
  extractRequestEvent,
  localRunEvent,
  parseExtractRequest,
} from "../../lib/pipeline/extract-events.js";

describe("parseExtractRequest", () => {
  it("takes the schedule's {} and anything not from totes-etl for a plain extraction", () => {
    expect(parseExtractRequest({})).toEqual({ trigger: "schedule", fullTables: [] });
    expect(parseExtractRequest(undefined)).toEqual({ trigger: "schedule", fullTables: [] });
    expect(parseExtractRequest({ source: "aws.events", "detail-type": "Scheduled Event" })).toEqual({
      trigger: "schedule",
      fullTables: [],
    });
  });

  it("labels a local `totes run` by what started it: the command, or its --every schedule (issue 24, 7)", () => {
    expect(parseExtractRequest(localRunEvent("run"))).toEqual({ trigger: "run", fullTables: [] });
    expect(parseExtractRequest(localRunEvent("schedule"))).toEqual({ trigger: "schedule", fullTables: [] });
  });

  it("reads an extract request and a backfill request as the rule delivers them", () => {
    expect(parseExtractRequest(extractRequestEvent("prod"))).toEqual({
      trigger: "extract-now",
      fullTables: [],
    });
    expect(parseExtractRequest(extractRequestEvent("prod", ["staff", "staff", "address"]))).toEqual({
      trigger: "backfill",
      fullTables: ["staff", "address"],
    });
  });

  it.each([
    ["no tables", { detail: { stage: "prod" } }, /names its tables in detail.tables/],
    ["an empty list", { detail: { stage: "prod", tables: [] } }, /a non-empty list/],
    [
      "an unknown table",
      { detail: { stage: "prod", tables: ["staff", "dim_staff"] } },
      /no source table dim_staff/,
    ],
  ])("refuses a backfill request with %s rather than read only changes", (_what, event, message) => {
    const call = () =>
      parseExtractRequest({ source: "totes-etl", "detail-type": "Backfill requested", ...event });
    expect(call).toThrow(ExtractRequestError);
    expect(call).toThrow(message);
  });

  it("refuses an event from totes-etl it does not know", () => {
    expect(() => parseExtractRequest({ source: "totes-etl", "detail-type": "Purge requested" })).toThrow(
      'extract request: unknown detail-type "Purge requested" from totes-etl',
    );
  });
});
