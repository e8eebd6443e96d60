import { existsSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { build } from "esbuild";

/**
 * A stand-in for the `sst` CLI's local RPC server (reached through SST_SERVER), which the
 * components call while `run()` executes. It answers the two calls a deploy of this app makes:
 * `Provider.Aws.Bootstrap` (the asset bucket) and `Runtime.Build`, which it does the way the
 * CLI's Node runtime does (pkg/runtime/node/build.go in sst 4.x): esbuild bundles the handler
 * to ESM with `nodejs.install` packages external, and a package.json lists those packages at
 * the versions the app's package.json pins. `npm install` for linux is not run here.
 */

export interface BuildInput {
  functionID: string;
  handler: string;
  runtime: string;
  links: Record<string, Record<string, unknown>>;
  properties: {
    /** `nodejs.install`: SST 4 turns the array into `{ package: "*" }`. */
    install?: Record<string, string> | string[];
    architecture?: string;
    esbuild?: { external?: string[] };
  };
}

export interface BuildRecord {
  input: BuildInput;
  out: string;
  /** Bundle file, relative to `out`, and its size (the work directory is gone after the run). */
  file: string;
  bytes: number;
  /** The bundle's text, kept for checks that nothing secret was bundled. */
  code: string;
  exports: string[];
  externals: string[];
  installed: Record<string, string>;
}

const FORCE_EXTERNAL = ["sharp", "pg-native"];
const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

export async function startFakeCli(root: string, work: string) {
  const builds = new Map<string, BuildRecord>();
  const pkg = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };

  async function runtimeBuild(input: BuildInput) {
    const ext = path.posix.extname(input.handler);
    const base = input.handler.slice(0, -ext.length);
    const file = EXTENSIONS.map((e) => path.join(root, base + e)).find((f) => existsSync(f));
    if (!file) throw new Error(`Handler not found: ${input.handler}`);

    const out = path.join(work, "artifacts", `${input.functionID}-src`);
    const name = path.basename(base).replaceAll(".", "-");
    const wanted = input.properties.install ?? [];
    const install = Array.isArray(wanted) ? wanted : Object.keys(wanted);
    const result = await build({
      entryPoints: [file],
      platform: "node",
      format: "esm",
      target: "esnext",
      bundle: true,
      keepNames: true,
      metafile: true,
      write: true,
      logLevel: "silent",
      outfile: path.join(out, `${name}.mjs`),
      external: [...FORCE_EXTERNAL, ...install, ...(input.properties.esbuild?.external ?? [])],
      mainFields: ["module", "main"],
      banner: {
        js: [
          `import { createRequire as topLevelCreateRequire } from 'module';`,
          `const require = topLevelCreateRequire(import.meta.url);`,
        ].join("\n"),
      },
    }).catch((error: { errors?: { text: string }[] }) => ({ error }));
    if ("error" in result) {
      const errors = result.error.errors?.map((e) => e.text) ?? [String(result.error)];
      return { handler: "", out, errors, sourcemaps: [] };
    }

    const output = Object.values(result.metafile.outputs)[0];
    const externals = Object.values(result.metafile.inputs).flatMap((i) =>
      i.imports.filter((imp) => imp.external).map((imp) => imp.path),
    );
    // "*" means the version the app's package.json pins, as the CLI resolves it.
    const installed = Object.fromEntries(
      install.map((p) => {
        const asked = Array.isArray(wanted) ? "*" : wanted[p];
        return [p, asked && asked !== "*" ? asked : (pkg.dependencies?.[p] ?? "*")];
      }),
    );
    if (install.length > 0) {
      await mkdir(out, { recursive: true });
      await writeFile(path.join(out, "package.json"), JSON.stringify({ dependencies: installed }));
    }
    builds.set(input.functionID, {
      input,
      out,
      file: `${name}.mjs`,
      bytes: (await stat(path.join(out, `${name}.mjs`))).size,
      code: await readFile(path.join(out, `${name}.mjs`), "utf8"),
      exports: output?.exports ?? [],
      externals: [...new Set(externals)],
      installed,
    });
    return { handler: name + ext, out, errors: [], sourcemaps: [] };
  }

  async function answer(method: string, args: unknown) {
    switch (method) {
      case "Provider.Aws.Bootstrap":
        return {
          asset: "sst-asset-mock",
          assetEcrRegistryId: "123456789012",
          assetEcrUrl: "123456789012.dkr.ecr.eu-west-2.amazonaws.com/sst-asset",
          state: "sst-state-mock",
          appsyncHttp: "",
          appsyncRealtime: "",
        };
      case "Runtime.Build":
        return runtimeBuild(args as BuildInput);
      default:
        throw new Error(`rpc: can't find method ${method}`);
    }
  }

  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const { method, params } = JSON.parse(body) as { method: string; params: unknown[] };
      answer(method, params[0]).then(
        (result) => res.end(JSON.stringify({ result, error: null })),
        (error: Error) => res.end(JSON.stringify({ result: null, error: error.message })),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    builds,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
