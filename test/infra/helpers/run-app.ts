import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startFakeCli, type BuildRecord } from "./fake-cli.js";
import { PLATFORM, ROOT, requirePlatform } from "./platform.js";
import { createMocks, type RecordedResource } from "./pulumi-mocks.js";

/**
 * Runs the app's `run()` the way `sst deploy` would, but against Pulumi's unit-test mocks and a
 * fake of the CLI's RPC server, and returns every resource it declared. This leans on SST
 * internals (the globals the CLI injects, `src/auto/run.ts`, the RPC method names), which is
 * why package.json pins sst exactly. One run per test file: the platform keeps module state.
 */

/** Secret values set for the run; tests check none of them leaks into an environment. */
export const SECRETS = {
  SourceDatabaseUrl: "postgres://extract:totes-test-secret-source@source.example:5432/totesys",
  WarehouseDatabaseUrl: "postgres://load:totes-test-secret-warehouse@warehouse.example:5432/warehouse",
  AlertEmail: "alerts@example.com",
} as const;

export interface AppRun {
  resources: RecordedResource[];
  builds: Map<string, BuildRecord>;
  outputs: Record<string, unknown>;
  /** Errors raised inside Pulumi `apply` callbacks: these never reject `run()` itself. */
  errors: unknown[];
}

interface Pulumi {
  runtime: {
    setMocks(mocks: unknown, project: string, stack: string, preview: boolean): Promise<void>;
    runInPulumiStack(init: () => Promise<unknown>): Promise<Record<string, unknown>>;
  };
}

interface SstConfig {
  app(input: { stage: string }): { name: string; removal?: string; protect?: boolean };
  run(): Promise<Record<string, unknown>>;
}

export async function runApp(stage = "test"): Promise<AppRun> {
  const work = await mkdtemp(path.join(tmpdir(), "totes-sst-"));
  const cli = await startFakeCli(ROOT, work);
  const resources: RecordedResource[] = [];
  const errors: unknown[] = [];
  const onRejection = (reason: unknown) => errors.push(reason);
  process.on("unhandledRejection", onRejection);
  const cwd = process.cwd();

  try {
    process.env.SST_SERVER = cli.url;
    for (const [name, value] of Object.entries(SECRETS)) process.env[`SST_SECRET_${name}`] = value;

    const pulumi = requirePlatform("@pulumi/pulumi") as Pulumi;
    await pulumi.runtime.setMocks(createMocks(resources), "totes-etl", stage, false);

    // The globals the CLI defines before it evaluates sst.config.ts.
    const shim = (await import(path.join(PLATFORM, "src/shim/run.js"))) as Record<string, unknown>;
    Object.assign(globalThis, shim, {
      $dev: false,
      $cli: {
        command: "deploy",
        rpc: cli.url,
        paths: { home: work, root: ROOT, work, platform: PLATFORM },
        state: { version: {} },
      },
    });
    const config = ((await import(path.join(ROOT, "sst.config.ts"))) as { default: SstConfig }).default;
    const app = config.app({ stage });
    Object.assign(globalThis, {
      $app: {
        name: app.name,
        stage,
        removal: app.removal ?? "retain",
        protect: !!app.protect,
        providers: {},
      },
      aws: requirePlatform("@pulumi/aws"),
    });
    Object.assign(globalThis, { sst: await import(path.join(PLATFORM, "src/components/index.ts")) });

    const { run } = (await import(path.join(PLATFORM, "src/auto/run.ts"))) as {
      run(program: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>>;
    };
    const outputs = await pulumi.runtime.runInPulumiStack(() => run(() => config.run()));
    const settings = requirePlatform("@pulumi/pulumi/runtime/settings") as {
      waitForRPCs(): Promise<void>;
    };
    await settings.waitForRPCs();
    return { resources, builds: cli.builds, outputs, errors };
  } finally {
    process.chdir(cwd);
    process.off("unhandledRejection", onRejection);
    await cli.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** The resources of one Pulumi type, e.g. "aws:sqs/queue:Queue". */
export function ofType(run: AppRun, type: string) {
  return run.resources.filter((r) => r.type === type);
}

/** The one resource of a type whose logical name is `name`. */
export function named(run: AppRun, type: string, name: string): RecordedResource {
  const found = ofType(run, type).filter((r) => r.name === name);
  if (found.length !== 1) {
    const names = ofType(run, type).map((r) => r.name);
    throw new Error(`expected one ${type} named ${name}, found ${found.length} among ${names.join(", ")}`);
  }
  return found[0]!;
}
