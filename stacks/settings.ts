// Timings the stacks must agree on, in one place.
import { DEFAULT_PART_BOUND, type PartBound } from "../lib/extract/csv-parts.js";

/** Extract runs every 20 minutes; its timeout stays well inside that, so runs never overlap. */
export const EXTRACT_SCHEDULE = "rate(20 minutes)";
export const EXTRACT_TIMEOUT = "10 minutes";

/**
 * Verify compares the warehouse with the source once a day, at 05:00 UTC (before the working
 * day, when few writes are in flight); a scale-1 warehouse takes seconds, the timeout is slack.
 */
export const VERIFY_SCHEDULE = "cron(0 5 * * ? *)";
export const VERIFY_TIMEOUT = "10 minutes";

/**
 * The most one extraction CSV holds before a table's window is written in parts (the default
 * and why: lib/extract/csv-parts.ts); the extract function gets it as TOTES_PART_ROWS and
 * TOTES_PART_BYTES. Put other numbers here to deploy another bound.
 */
export const EXTRACT_PARTS: PartBound = DEFAULT_PART_BOUND;

// The queued stages' timeouts, visibility, receives and batching are in lib/pipeline/topology.ts.

/**
 * When the alarms (alerts.ts) fire. Periods the alarms use must be multiples of 5 minutes;
 * `alarmSettings` checks them when the app is built.
 */
export const ALARMS = {
  /** No successful extract run for this long (default 1 h: three missed schedules) → ExtractStalledAlarm. */
  extractStalledSeconds: 60 * 60,
  /** A message waiting this long in the transform or load queue → {Queue}AgeAlarm. */
  queueAgeSeconds: 15 * 60,
  /** A dead letter this old (they are kept 14 days) → {Dlq}AgeAlarm. */
  dlqAgeSeconds: 7 * 24 * 60 * 60,
  /** An object reaching the warehouse this long after its source snapshot → LoadFreshnessAlarm. */
  freshnessSeconds: 60 * 60,
  /**
   * The window VerifyMismatchesAlarm reads: one day, the schedule's interval, so the alarm stays
   * in ALARM until the next verify finds the warehouse equal (or does not run).
   */
  verifyWindowSeconds: 24 * 60 * 60,
} as const;

/** The alarm settings, checked: a stall period CloudWatch cannot evaluate fails the build, not the deploy. */
export function alarmSettings(settings: typeof ALARMS = ALARMS) {
  const { extractStalledSeconds } = settings;
  if (extractStalledSeconds % 300 !== 0 || extractStalledSeconds < 300 || extractStalledSeconds > 24 * 3600)
    throw new Error(
      `ALARMS.extractStalledSeconds ${extractStalledSeconds}: a multiple of 300 s, at most a day`,
    );
  for (const [name, value] of Object.entries(settings))
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`ALARMS.${name} ${value}: whole seconds, above 0`);
  return settings;
}

/**
 * Which warehouse a stage loads. Postgres (the default) takes its URL from the stage's
 * WarehouseDatabaseUrl secret. Redshift is reached through the Data API with IAM (no VPC, no
 * password): a stage either creates a Redshift Serverless namespace and private workgroup
 * (`serverless`) or uses an existing workgroup or provisioned cluster by name.
 */
export type WarehouseChoice =
  | { readonly kind: "postgres" }
  | {
      readonly kind: "redshift";
      /** Create a namespace + workgroup; 8 RPUs is the smallest base capacity Redshift Serverless takes. */
      readonly serverless: { readonly baseCapacity: number; readonly database: string };
    }
  | { readonly kind: "redshift"; readonly workgroup: string; readonly database: string }
  | { readonly kind: "redshift"; readonly cluster: string; readonly database: string };

export type RedshiftChoice = Extract<WarehouseChoice, { kind: "redshift" }>;

/**
 * Stages that load Redshift, by name; every other stage loads Postgres. Deploy the preview with
 * `npx sst deploy --stage redshift-preview` (docs/deploy.md, "Redshift (preview)"). To load an
 * existing warehouse instead: `{ kind: "redshift", workgroup: "name", database: "dev" }` or
 * `{ kind: "redshift", cluster: "name", database: "dev" }`.
 */
export const WAREHOUSE_BY_STAGE: Readonly<Record<string, WarehouseChoice>> = {
  "redshift-preview": { kind: "redshift", serverless: { baseCapacity: 8, database: "warehouse" } },
};

/** The stage's warehouse, checked: a setting Redshift would refuse fails the build, not the deploy. */
export function warehouseFor(stage: string, byStage = WAREHOUSE_BY_STAGE): WarehouseChoice {
  const choice = byStage[stage] ?? { kind: "postgres" };
  if (choice.kind === "postgres") return choice;
  const name = "serverless" in choice ? "created" : "workgroup" in choice ? choice.workgroup : choice.cluster;
  const database = "serverless" in choice ? choice.serverless.database : choice.database;
  if (!/^[a-z_][a-z0-9_$]{0,126}$/.test(database))
    throw new Error(`WAREHOUSE_BY_STAGE["${stage}"]: database "${database}" is not a Redshift database name`);
  if (!name) throw new Error(`WAREHOUSE_BY_STAGE["${stage}"]: name the workgroup or cluster`);
  if ("serverless" in choice) {
    const { baseCapacity } = choice.serverless;
    if (!Number.isInteger(baseCapacity) || baseCapacity < 8 || baseCapacity > 1024 || baseCapacity % 8 !== 0)
      throw new Error(
        `WAREHOUSE_BY_STAGE["${stage}"]: baseCapacity ${baseCapacity} RPUs, a multiple of 8 from 8 to 1024`,
      );
  }
  return choice;
}

/** The name of the Redshift Serverless namespace and workgroup a `serverless` stage creates. */
export const serverlessName = (app: string, stage: string): string => `${app}-${stage}`.toLowerCase();

/**
 * The redshift:// URL naming a stage's Redshift warehouse (no secret in it): what `totes status`
 * and `totes runs` read with `--stage` when no --warehouse is given. Undefined for a Postgres stage.
 */
export function redshiftWarehouseUrl(
  app: string,
  stage: string,
  byStage = WAREHOUSE_BY_STAGE,
): string | undefined {
  const choice = warehouseFor(stage, byStage);
  if (choice.kind === "postgres") return undefined;
  if ("serverless" in choice)
    return `redshift://workgroup/${serverlessName(app, stage)}/${choice.serverless.database}`;
  if ("workgroup" in choice) return `redshift://workgroup/${choice.workgroup}/${choice.database}`;
  return `redshift://cluster/${choice.cluster}/${choice.database}`;
}
