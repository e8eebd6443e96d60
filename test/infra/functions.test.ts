import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bucketArn, grants, lambda, queueArn, T } from "./helpers/graph.js";
import { ROOT } from "./helpers/platform.js";
import { named, ofType, runApp, SECRETS, type AppRun } from "./helpers/run-app.js";

// The four functions: what they run, what they are linked to, and what their roles may do.
const STAGE = "staging";
let run: AppRun;
beforeAll(async () => {
  run = await runApp(STAGE);
}, 120_000);

const FUNCTIONS = [
  ["Extract", "functions/extract.handler"],
  ["Transform", "functions/transform.handler"],
  ["Load", "functions/load.handler"],
  ["Verify", "functions/verify.handler"],
] as const;

const SQS_CONSUME = [
  "sqs:ChangeMessageVisibility",
  "sqs:DeleteMessage",
  "sqs:GetQueueAttributes",
  "sqs:GetQueueUrl",
  "sqs:ReceiveMessage",
];

describe("handlers", () => {
  it("runs without errors inside Pulumi applies (a missing handler surfaces here)", () => {
    expect(run.errors).toEqual([]);
  });

  it.each(FUNCTIONS)("%s bundles from %s and exports `handler`", (fn, handler) => {
    const build = run.builds.get(fn);
    expect(build?.input.handler).toBe(handler);
    // The export named after the dot must exist in the bundle, not just the file.
    expect(build?.exports).toContain(path.posix.extname(build!.input.handler).slice(1));
    expect(build?.exports).toContain("handler");
    expect(build?.bytes).toBeGreaterThan(0);
    expect(lambda(run, fn).inputs.handler).toBe(path.posix.basename(handler));
  });

  it.each(FUNCTIONS)("%s bundle holds no secret value and no connection URL with a password", (fn) => {
    const code = run.builds.get(fn)!.code;
    expect(code.length).toBeGreaterThan(1000);
    for (const value of Object.values(SECRETS)) expect(code).not.toContain(value);
    expect(code).not.toMatch(/postgres(ql)?:\/\/[^\s"'`/@:]+:[^\s"'`/@]+@/);
  });

  it("are exactly the four", () => {
    expect(
      ofType(run, T.lambda)
        .map((f) => f.name)
        .sort(),
    ).toEqual(["ExtractFunction", "LoadFunction", "TransformFunction", "VerifyFunction"]);
  });

  it.each(FUNCTIONS)("%s runs on nodejs22.x, x86_64", (fn) => {
    expect(lambda(run, fn).inputs).toMatchObject({ runtime: "nodejs22.x", architectures: ["x86_64"] });
  });
});

describe("DuckDB in transform", () => {
  it("is installed beside the bundle at the version package.json pins, for linux-x64", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const build = run.builds.get("Transform")!;
    expect(build.installed).toEqual({ "@duckdb/node-api": pkg.dependencies["@duckdb/node-api"] });
    expect(build.input.properties.architecture).toBe("x86_64");
    // The binary npm picks for --os=linux --cpu=x64 is the one this machine's tests ran against.
    expect(existsSync(path.join(ROOT, "node_modules/@duckdb/node-bindings-linux-x64"))).toBe(true);
  });

  it("is never bundled, and only transform carries it", () => {
    const transform = run.builds.get("Transform")!;
    expect(transform.externals.filter((e) => e.startsWith("@duckdb/") && e !== "@duckdb/node-api")).toEqual(
      [],
    );
    expect(run.builds.get("Extract")!.installed).toEqual({});
    expect(run.builds.get("Load")!.installed).toEqual({});
    // Verify runs the transform models' SQL on Postgres: it imports their text, never DuckDB.
    expect(run.builds.get("Verify")!.installed).toEqual({});
    expect(run.builds.get("Verify")!.code).not.toContain("@duckdb/node-api");
  });
});

describe("links (what `Resource` holds in each function)", () => {
  it.each([
    ["Extract", ["IngestionBucket", "SourceDatabaseUrl"]],
    ["Transform", ["IngestionBucket", "ProcessedBucket"]],
    ["Load", ["ProcessedBucket", "WarehouseDatabaseUrl"]],
    ["Verify", ["ProcessedBucket", "SourceDatabaseUrl", "WarehouseDatabaseUrl"]],
  ])("%s is linked to exactly %j", (fn, names) => {
    expect(Object.keys(run.builds.get(fn)!.input.links).sort()).toEqual(names);
  });

  it("match the hand-written sst-env.d.ts (plus the queues, which no function links yet, and RedshiftWarehouse, linked in a Redshift stage: test/infra/redshift.test.ts)", () => {
    const declared = [...readFileSync(path.join(ROOT, "sst-env.d.ts"), "utf8").matchAll(/^\s+(\w+): \{/gm)];
    const linked = new Set([...run.builds.values()].flatMap((b) => Object.keys(b.input.links)));
    expect(declared.map((m) => m[1]).sort()).toEqual(
      [...linked, "AlertEmail", "LoadQueue", "TransformQueue", "RedshiftWarehouse"].sort(),
    );
  });

  it("carry the secrets' values to the right functions only (encrypted into the bundle)", () => {
    const links = (fn: string) => run.builds.get(fn)!.input.links;
    expect(links("Extract").SourceDatabaseUrl).toMatchObject({ value: SECRETS.SourceDatabaseUrl });
    expect(links("Load").WarehouseDatabaseUrl).toMatchObject({ value: SECRETS.WarehouseDatabaseUrl });
    expect(links("Verify")).toMatchObject({
      SourceDatabaseUrl: { value: SECRETS.SourceDatabaseUrl },
      WarehouseDatabaseUrl: { value: SECRETS.WarehouseDatabaseUrl },
    });
  });
});

describe("IAM (least privilege)", () => {
  const s3 = (bucket: string) => [bucketArn(run, bucket), `${bucketArn(run, bucket)}/*`];

  it("extract may use the ingestion bucket and nothing else", () => {
    const [bucket, objects] = s3("IngestionBucket");
    expect(grants(run, "Extract")).toEqual({ [bucket!]: ["s3:*"], [objects!]: ["s3:*"] });
  });

  it("transform may read ingestion, use processed, and consume its queue", () => {
    const [ingestion, ingestionObjects] = s3("IngestionBucket");
    const [processed, processedObjects] = s3("ProcessedBucket");
    expect(grants(run, "Transform")).toEqual({
      [ingestion!]: ["s3:ListBucket"],
      [ingestionObjects!]: ["s3:GetObject"],
      [processed!]: ["s3:*"],
      [processedObjects!]: ["s3:*"],
      [queueArn(run, "TransformQueue")]: SQS_CONSUME,
    });
  });

  it("load may use processed and consume its queue", () => {
    const [processed, processedObjects] = s3("ProcessedBucket");
    expect(grants(run, "Load")).toEqual({
      [processed!]: ["s3:*"],
      [processedObjects!]: ["s3:*"],
      [queueArn(run, "LoadQueue")]: SQS_CONSUME,
    });
  });

  it("verify may use processed (its reports) and nothing else", () => {
    const [processed, processedObjects] = s3("ProcessedBucket");
    expect(grants(run, "Verify")).toEqual({ [processed!]: ["s3:*"], [processedObjects!]: ["s3:*"] });
  });

  it.each(FUNCTIONS)("%s's role trusts the Lambda service alone", (fn) => {
    const trust = JSON.parse(named(run, T.role, `${fn}Role`).inputs.assumeRolePolicy as string) as unknown;
    expect(trust).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "lambda.amazonaws.com" } },
      ],
    });
  });
});

describe("environment", () => {
  it.each(FUNCTIONS)("%s gets TOTES_STAGE", (fn) => {
    expect(lambda(run, fn).inputs.environment).toMatchObject({ variables: { TOTES_STAGE: STAGE } });
  });

  it("starts the load function with one malloc arena (runtime/lambda/load-environment.ts), and only it", () => {
    expect(lambda(run, "Load").inputs.environment).toMatchObject({ variables: { MALLOC_ARENA_MAX: "1" } });
    for (const [fn] of FUNCTIONS.filter(([name]) => name !== "Load"))
      expect(JSON.stringify(lambda(run, fn).inputs.environment ?? {})).not.toContain("MALLOC_ARENA_MAX");
  });

  it("holds no secret value in any function's variables", () => {
    const values = Object.values(SECRETS);
    for (const fn of ofType(run, T.lambda)) {
      const variables = JSON.stringify(fn.inputs.environment ?? {});
      for (const value of values) expect(variables).not.toContain(value);
    }
  });

  it("holds no secret value anywhere except the alert email subscription", () => {
    const connectionStrings = [SECRETS.SourceDatabaseUrl, SECRETS.WarehouseDatabaseUrl];
    for (const resource of run.resources.filter((r) => !r.type.startsWith("sst:"))) {
      const inputs = JSON.stringify(resource.inputs);
      for (const value of connectionStrings) expect(inputs, resource.name).not.toContain(value);
    }
  });
});

describe("warehouse (a Postgres stage, the default)", () => {
  it("creates nothing of Redshift's: no namespace, workgroup, COPY role or Redshift link", () => {
    expect(run.resources.filter((r) => /redshift/i.test(r.type) || /Redshift/.test(r.name))).toEqual([]);
    for (const build of run.builds.values())
      expect(build.input.links).not.toHaveProperty("RedshiftWarehouse");
  });
});
