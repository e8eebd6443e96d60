import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { LOAD_ENVIRONMENT } from "../runtime/lambda/load-environment.js";

/**
 * A Node process whose worker threads allocate and free buffers at once (as V8's helper threads
 * do through a load), started with `env`: how many malloc arenas besides the main one it made.
 * glibc maps each (64-bit) as a 64 MiB heap at a 64 MiB boundary: a read-write part, then the
 * rest reserved (`---p`). Only that shape is counted, not V8's own pages that happen to start at
 * such a boundary.
 */
async function extraArenas(env: NodeJS.ProcessEnv): Promise<number> {
  const script = `
    import { Worker } from "node:worker_threads";
    import { readFileSync } from "node:fs";
    const work = "for (let i = 0; i < 2000; i++) Buffer.allocUnsafeSlow(64 * 1024)[0] = i;";
    await Promise.all(Array.from({ length: 4 }, () => new Promise((done) => new Worker(work, { eval: true }).on("exit", done))));
    const HEAP = 64n << 20n;
    const maps = readFileSync("/proc/self/maps", "utf8").split("\\n").flatMap((line) => {
      const m = /^([0-9a-f]+)-([0-9a-f]+) (\\S+) 00000000 00:00 0\\s*$/.exec(line);
      return m ? [{ start: BigInt("0x" + m[1]), end: BigInt("0x" + m[2]), perms: m[3] }] : [];
    });
    const heaps = maps.filter((m, i) => {
      if (m.perms !== "rw-p" || m.start % HEAP !== 0n) return false;
      const rest = maps[i + 1];
      const end = rest && rest.perms === "---p" && rest.start === m.end ? rest.end : m.end;
      return end - m.start === HEAP;
    });
    console.log(heaps.length);
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
    env,
    timeout: 60_000,
  });
  return Number(stdout.trim());
}

/** glibc on a 64-bit Linux, where arenas are what the test reads (musl has none). */
const glibc64 =
  process.platform === "linux" &&
  (process.arch === "x64" || process.arch === "arm64") &&
  Boolean(
    (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime,
  );

describe("the load function's environment (glibc's malloc)", () => {
  it.runIf(glibc64)(
    "keeps every thread's allocations in the one main arena; without it, threads make arenas of their own",
    async () => {
      // Prepare: nothing inherited that sets the arenas either way.
      const { MALLOC_ARENA_MAX: _max, GLIBC_TUNABLES: _tunables, ...inherited } = process.env;

      // Act
      const [held, free] = await Promise.all([
        extraArenas({ ...inherited, ...LOAD_ENVIRONMENT }),
        extraArenas(inherited),
      ]);

      // Assess
      expect(held).toBe(0);
      expect(free).toBeGreaterThan(0);
    },
    90_000,
  );
});
