import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { METRICS } from "../../lib/pipeline/topology.js";
import { observability } from "../../runtime/lambda/observability.js";

interface Emf {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

// The alarms in stacks/alerts.ts match these metrics by namespace, name and exact dimensions.
describe("observability: the EMF records the alarms and the dashboard read", () => {
  let lines: string[];
  beforeEach(() => {
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
    lines = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });
  const records = () =>
    lines
      .flatMap((l) => l.split("\n"))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Emf);

  it("publishes a table metric by stage and by stage and table, in the totes-etl namespace", () => {
    // Prepare
    const { tableMetrics } = observability("load");
    // Act
    tableMetrics("load", "dim_staff", { rowsIn: 3, [METRICS.sourceLagSeconds]: 12.5 });
    // Assess
    const [rows, lag] = records();
    for (const record of [rows!, lag!]) {
      const [directive] = record._aws.CloudWatchMetrics;
      expect(directive!.Namespace).toBe(METRICS.namespace);
      expect(directive!.Dimensions.map((d) => [...d].sort())).toEqual(
        expect.arrayContaining([
          ["service", "stage"],
          ["service", "stage", "table"],
        ]),
      );
      expect(directive!.Dimensions).toHaveLength(2);
      expect(record).toMatchObject({ service: METRICS.service, stage: "load", table: "dim_staff" });
    }
    expect(lag!._aws.CloudWatchMetrics[0]!.Metrics).toEqual([{ Name: "sourceLagSeconds", Unit: "Seconds" }]);
    expect(lag!.sourceLagSeconds).toBe(12.5);
    expect(rows!._aws.CloudWatchMetrics[0]!.Metrics).toEqual([{ Name: "rowsIn", Unit: "Count" }]);
  });

  it("publishes a function metric (failures) with the service dimension only", () => {
    const { metrics } = observability("transform");
    metrics.addMetric(METRICS.failures.transform, "Count", 1);
    metrics.publishStoredMetrics();
    const [record] = records();
    expect(record!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([["service"]]);
    expect(record).toMatchObject({ service: METRICS.service, transformFailures: 1 });
  });
});
