import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { DatabaseRole } from "../lib/db/errors.js";

/**
 * The source and warehouse a data directory last ran with, so `status`, `runs`, `verify` and
 * `backfill` need no flags after `run --source … --warehouse …`. The URLs are kept without
 * their password (`databases.json`); a password the URL carried goes to `pgpass` beside it,
 * in PostgreSQL's pgpass format, mode 600, where `PGPASSFILE=<data dir>/pgpass psql …` finds
 * it too. A URL given without a password (PGPASSWORD, your own ~/.pgpass) stores none.
 */
const URLS = "databases.json";
const PGPASS = "pgpass";

type Remembered = Partial<Record<DatabaseRole, string>>;

const escape = (field: string) => field.replaceAll("\\", "\\\\").replaceAll(":", "\\:");

function pgpassLine(url: URL): string | undefined {
  if (!url.password) return undefined;
  const fields = [
    url.hostname,
    url.port || "5432",
    decodeURIComponent(url.pathname.slice(1)),
    decodeURIComponent(url.username),
    decodeURIComponent(url.password),
  ];
  return fields.map(escape).join(":");
}

/** Splits a pgpass line on unescaped colons. */
function pgpassFields(line: string): string[] {
  const fields: string[] = [];
  let current = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\\" && i + 1 < line.length) current += line[++i];
    else if (c === ":") {
      fields.push(current);
      current = "";
    } else current += c;
  }
  fields.push(current);
  return fields;
}

function readJson(file: string): Remembered {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Remembered;
  } catch {
    return {};
  }
}

/** Records the URLs a run used (only those given, not the embedded ones). */
export async function rememberDatabases(dataDir: string, given: Remembered): Promise<void> {
  if (!given.source && !given.warehouse) return;
  await mkdir(dataDir, { recursive: true });
  const urls: Remembered = { ...readJson(path.join(dataDir, URLS)) };
  const lines: string[] = [];
  for (const role of ["source", "warehouse"] as const) {
    const text = given[role];
    if (!text) continue;
    const url = new URL(text);
    const line = pgpassLine(url);
    if (line) lines.push(line);
    url.password = "";
    urls[role] = url.toString();
  }
  await writeFile(path.join(dataDir, URLS), `${JSON.stringify(urls, null, 2)}\n`, { mode: 0o600 });
  if (lines.length) {
    const file = path.join(dataDir, PGPASS);
    const kept = existsSync(file)
      ? readFileSync(file, "utf8")
          .split("\n")
          .filter(
            (l) =>
              l &&
              !lines.some(
                (n) => pgpassFields(n).slice(0, 4).join(":") === pgpassFields(l).slice(0, 4).join(":"),
              ),
          )
      : [];
    await writeFile(file, `${[...lines, ...kept].join("\n")}\n`, { mode: 0o600 });
  }
}

/** The URL a data directory remembers for `role`, its password (from pgpass) put back, in memory only. */
export function recalledUrl(dataDir: string, role: DatabaseRole): string | undefined {
  const text = readJson(path.join(dataDir, URLS))[role];
  if (!text) return undefined;
  const url = new URL(text);
  const file = path.join(dataDir, PGPASS);
  if (url.password || !existsSync(file)) return text;
  const want = [
    url.hostname,
    url.port || "5432",
    decodeURIComponent(url.pathname.slice(1)),
    decodeURIComponent(url.username),
  ];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const fields = pgpassFields(line);
    if (fields.length === 5 && want.every((w, i) => fields[i] === "*" || fields[i] === w)) {
      url.password = encodeURIComponent(fields[4]!);
      return url.toString();
    }
  }
  return text;
}
