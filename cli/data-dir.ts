import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/**
 * Which data directory a command uses, found the way git finds `.git`: `--data-dir`, then
 * TOTES_DATA_DIR, then the nearest folder at or above the working directory that holds a
 * `.totes` folder or is this project's root (its package.json names totes-etl), then `.totes`
 * here. So `cd docs && npx totes status` reads the same state `npm start` wrote at the root.
 * Only fs calls: it runs before any command's modules load.
 */
export const DEFAULT_DATA_DIR = ".totes";
const PROJECT_NAME = "totes-etl";

export interface DataDirChoice {
  readonly dir: string;
  /** Where it came from, for the line every command starts with. */
  readonly from: "--data-dir" | "TOTES_DATA_DIR" | "project" | "cwd";
}

function isProjectRoot(dir: string): boolean {
  const file = path.join(dir, "package.json");
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { name?: unknown }).name === PROJECT_NAME;
  } catch {
    return false;
  }
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** Pseudo-filesystems: Node 20's recursive mkdir under /proc never returns, /sys refuses. */
const PSEUDO_ROOTS = ["/proc", "/sys", "/dev"];

/** Refuses a data directory no state can be kept in, naming where the choice came from. */
export function checkDataDir(dir: string, from: string): string {
  const resolved = path.resolve(dir);
  const pseudo = PSEUDO_ROOTS.find((root) => resolved === root || resolved.startsWith(`${root}/`));
  if (pseudo)
    throw new Error(
      `${from} ${dir}: ${pseudo} is a kernel filesystem, not a place for local state; give a folder on disk`,
    );
  return resolved;
}

export function findDataDir(flag?: string, cwd = process.cwd()): DataDirChoice {
  if (flag) return { dir: checkDataDir(flag, "--data-dir"), from: "--data-dir" };
  const fromEnv = process.env.TOTES_DATA_DIR;
  if (fromEnv) return { dir: checkDataDir(fromEnv, "TOTES_DATA_DIR"), from: "TOTES_DATA_DIR" };
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (isDirectory(path.join(dir, DEFAULT_DATA_DIR)) || isProjectRoot(dir))
      return { dir: path.join(dir, DEFAULT_DATA_DIR), from: "project" };
    if (dir === path.dirname(dir)) break;
  }
  return { dir: path.resolve(cwd, DEFAULT_DATA_DIR), from: "cwd" };
}

/** The data directory a command's `--data-dir` flag (or the search) gives. */
export const dataDirFrom = (flag?: string): string => findDataDir(flag).dir;

/** The first line of every command that uses local state. */
export const dataDirLine = (choice: DataDirChoice): string =>
  `data dir: ${choice.dir}${choice.from === "--data-dir" || choice.from === "TOTES_DATA_DIR" ? ` (${choice.from})` : ""}`;
