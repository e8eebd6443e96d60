import { InvalidArgumentError, type Command } from "commander";

/**
 * Option parsers and shared option sets. Kept apart from the commands' code so that
 * describing the command line (cli/program.ts) loads nothing but commander: `--help` and a
 * typo answer at once, and a command's own modules load only when it runs.
 */

/** The warehouses the pipeline writes SQL for (lib/warehouse/statements.ts's DialectName). */
const DIALECTS = ["postgres", "redshift"] as const;

/** Parses a --dialect value. */
export function parseDialect(value: string): (typeof DIALECTS)[number] {
  const found = DIALECTS.find((d) => d === value);
  if (!found) throw new InvalidArgumentError(`--dialect must be ${DIALECTS.join(" or ")}, not "${value}"`);
  return found;
}

/** Parses a --port value: an integer from 1 to 65535. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65_535)
    throw new Error(`--port: expected a port number from 1 to 65535, not "${value}"`);
  return port;
}

/** "20m", "90s", "1h" → milliseconds (whole numbers). */
export function parseInterval(text: string): number {
  const match = /^(\d+)([smh])$/.exec(text.trim());
  if (!match) throw new Error(`--every takes a number with s, m or h (e.g. 20m), not "${text}"`);
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "s" | "m" | "h"];
}

export function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number of at least 1");
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number");
  return n;
}

/** Where a command runs: flags as commander hands them over. */
export interface WhereOptions {
  stage?: string;
  dataDir?: string;
  outputs?: string;
}

export const DATA_DIR_HELP =
  "local state: embedded databases, objects, queues (env TOTES_DATA_DIR; default: .totes at the project root)";

/** The options every command that reads the pipeline's queues takes. */
export function whereOptions(command: Command): Command {
  return command
    .option("--stage <stage>", "a deployed SST stage (AWS, your usual credentials and AWS_REGION)")
    .option("--data-dir <dir>", DATA_DIR_HELP)
    .option(
      "--outputs <file>",
      "with --stage: SST outputs JSON to read resource names from, instead of tags",
    );
}
