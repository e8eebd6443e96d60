import { execFile } from "node:child_process";
import { mkdir, stat, symlink } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build, type Metafile } from "esbuild";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DUCKDB = "@duckdb/node-api";
const HANDLERS = ["extract", "transform", "load"] as const;
const IMPORT_RUNS = 5;

export interface BundleFigures {
  readonly handler: string;
  readonly bytes: number;
  /** Median time to import the bundled module in a fresh Node process (process start excluded). */
  readonly importMs: number;
  /** Median wall time of the whole fresh process (start, import, exit). */
  readonly processMs: number;
  readonly importsDuckDb: boolean;
  /** When DuckDB is imported: the chain of modules from the handler to it. */
  readonly duckDbChain?: string[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The import chain from the entry to the first module that imports DuckDB, if any. */
function chainToDuckDb(meta: Metafile, entry: string): string[] | undefined {
  const previous = new Map<string, string | null>([[entry, null]]);
  const queue = [entry];
  while (queue.length) {
    const current = queue.shift()!;
    for (const imported of meta.inputs[current]?.imports ?? []) {
      if (imported.path === DUCKDB || imported.path.includes("node_modules/@duckdb/")) {
        const chain = [imported.path];
        for (let at: string | null = current; at; at = previous.get(at) ?? null) chain.unshift(at);
        return chain;
      }
      if (!imported.external && !previous.has(imported.path)) {
        previous.set(imported.path, current);
        queue.push(imported.path);
      }
    }
  }
  return undefined;
}

/**
 * What a deployed function finds in its environment (SST links stand in for these): the
 * handlers build their clients and pools when the module loads, as a cold start does. Pools
 * connect lazily, so nothing here is reached.
 */
const FUNCTION_ENV = {
  TOTES_INGESTION_BUCKET: "bench-ingestion",
  TOTES_PROCESSED_BUCKET: "bench-processed",
  TOTES_SOURCE_URL: "postgres://bench:bench@127.0.0.1:9/totesys",
  TOTES_WAREHOUSE_URL: "postgres://bench:bench@127.0.0.1:9/warehouse",
};

/** Imports `file` in a fresh Node process and returns [import ms, whole process ms]. */
async function timeImport(file: string): Promise<[number, number]> {
  const code =
    `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); ` +
    `process.stdout.write(String(performance.now() - t));`;
  const started = performance.now();
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", code], {
      env: { ...process.env, ...FUNCTION_ENV, NODE_OPTIONS: "" },
    });
    return [Number(stdout), performance.now() - started];
  } catch (error) {
    // The minified bundle's source line would fill the screen: keep the error's last lines.
    const stderr = String((error as { stderr?: unknown }).stderr ?? error);
    const tail = stderr
      .split("\n")
      .filter((l) => l.length < 300)
      .slice(-8)
      .join("\n");
    throw new Error(`importing ${file} failed:\n${tail}`, { cause: error });
  }
}

/**
 * Bundles each handler as SST does (esbuild, node22, ESM, minified, a `require` banner for CJS
 * dependencies, `@duckdb/node-api` left out to be installed beside it), then times a cold
 * import of each bundle. The bundles sit next to a link to node_modules, so the transform
 * bundle finds DuckDB as the installed package SST ships.
 */
export async function measureBundles(workDir: string): Promise<BundleFigures[]> {
  const dir = path.join(workDir, "bundles");
  await mkdir(dir, { recursive: true });
  await symlink(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  const figures: BundleFigures[] = [];
  for (const handler of HANDLERS) {
    const entry = `functions/${handler}.ts`;
    const outfile = path.join(dir, handler, "index.mjs");
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: "node",
      target: "node22",
      format: "esm",
      minify: true,
      metafile: true,
      logLevel: "silent",
      external: [DUCKDB],
      mainFields: ["module", "main"],
      banner: {
        js: [
          `import { createRequire as topLevelCreateRequire } from 'module';`,
          `const require = topLevelCreateRequire(import.meta.url);`,
          `import { fileURLToPath as topLevelFileUrlToPath } from 'url';`,
          `import { dirname as topLevelDirname } from 'path';`,
          `const __filename = topLevelFileUrlToPath(import.meta.url);`,
          `const __dirname = topLevelDirname(__filename);`,
        ].join("\n"),
      },
    });
    const chain = chainToDuckDb(result.metafile, entry);
    const timings: [number, number][] = [];
    for (let i = 0; i < IMPORT_RUNS; i++) timings.push(await timeImport(outfile));
    figures.push({
      handler,
      bytes: (await stat(outfile)).size,
      importMs: Math.round(median(timings.map((t) => t[0]))),
      processMs: Math.round(median(timings.map((t) => t[1]))),
      importsDuckDb: chain !== undefined,
      ...(chain && handler !== "transform" ? { duckDbChain: chain } : {}),
    });
  }
  return figures;
}
