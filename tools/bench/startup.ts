import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

/**
 * The benchmark's start-up section: how long the `totes` command takes to answer, as a user
 * starts it (`node bin/totes.mjs …`, the process npx and npm start run), beside the targets
 * of issue 24. The median of several starts; each in a fresh process.
 */
export const STARTUP_TARGETS_MS = { version: 150, help: 300, status: 1000, deltaRun: 2500 } as const;

export interface StartupFigure {
  readonly command: string;
  readonly targetMs: number;
  /** Median wall time of the runs, start to exit; undefined when it could not run here. */
  readonly medianMs?: number;
  readonly runs: readonly number[];
  readonly met?: boolean;
  readonly note?: string;
}

const repo = path.resolve(import.meta.dirname, "../..");

/** `args` after bin/totes.mjs; `null`: `node -e 0`, the floor any command starts from. */
function timeOnce(args: readonly string[] | null): Promise<{ ms: number; ok: boolean }> {
  const started = performance.now();
  const argv = args === null ? ["-e", "0"] : [path.join(repo, "bin/totes.mjs"), ...args];
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { cwd: repo }, (error) =>
      resolve({ ms: Math.round(performance.now() - started), ok: !error }),
    );
  });
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function figure(
  command: string,
  args: string[] | null,
  targetMs: number,
  runs: number,
): Promise<StartupFigure> {
  await timeOnce(args); // warm the file cache, as a user's second command is
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { ms, ok } = await timeOnce(args);
    if (!ok) return { command, targetMs, runs: times, note: `\`${command}\` failed` };
    times.push(ms);
  }
  const medianMs = median(times);
  return { command, targetMs, medianMs, runs: times, ...(args ? { met: medianMs < targetMs } : {}) };
}

/**
 * After building dist/ as `npm install` does: `--version`, `--help`, and `status` on the data dir that holds the sample (the project's
 * `.totes` after `npm start`, or `dataDir`); `status` is skipped, saying why, where none is.
 */
export async function measureStartup(
  options: { dataDir?: string; runs?: number } = {},
): Promise<StartupFigure[]> {
  const runs = options.runs ?? 5;
  // What npm install leaves: a build of today's sources (a stale one would run them through tsx).
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, [path.join(repo, "scripts/build.mjs")], { cwd: repo }, (error) =>
      error ? reject(error) : resolve(),
    ),
  );
  const dataDir = path.resolve(options.dataDir ?? path.join(repo, ".totes"));
  const figures = [
    // Not a target: the machine's floor, so a loaded machine's figures can be read against it.
    { ...(await figure("node -e 0", null, 0, runs)), note: "the floor" },
    await figure("totes --version", ["--version"], STARTUP_TARGETS_MS.version, runs),
    await figure("totes --help", ["--help"], STARTUP_TARGETS_MS.help, runs),
  ];
  if (existsSync(path.join(dataDir, "aws", "state.json")))
    figures.push(
      await figure("totes status", ["status", "--data-dir", dataDir], STARTUP_TARGETS_MS.status, runs),
    );
  else
    figures.push({
      command: "totes status",
      targetMs: STARTUP_TARGETS_MS.status,
      runs: [],
      note: `no sample run under ${dataDir}: run \`npm start\` first`,
    });
  // What `npm start` runs, again on the sample it already loaded: a delta run, start to exit
  // (issue 25). Fewer runs: each is seconds.
  if (existsSync(path.join(dataDir, "aws", "state.json")))
    figures.push(
      await figure(
        "totes run (delta)",
        ["run", "--data-dir", dataDir],
        STARTUP_TARGETS_MS.deltaRun,
        Math.min(runs, 3),
      ),
    );
  return figures;
}

export function printStartup(figures: readonly StartupFigure[], out: (line: string) => void): void {
  out("start-up (median of fresh processes, node bin/totes.mjs)");
  for (const f of figures)
    out(
      `  ${f.command.padEnd(18)} ${f.medianMs === undefined ? "-".padStart(7) : `${f.medianMs} ms`.padStart(7)}  ${
        f.note === "the floor" ? "(no target)         " : `target < ${f.targetMs} ms`
      }  ${f.met === undefined ? (f.note ?? "") : f.met ? "met" : "MISSED"}${f.runs.length ? `  (runs: ${f.runs.join(", ")} ms)` : ""}`,
    );
}
