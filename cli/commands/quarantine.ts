import type { Command } from "commander";
import {
  formatQuarantine,
  formatQuarantineReplay,
  formatQuarantineShow,
  listQuarantined,
  OpsError,
  replayQuarantined,
  resolveQuarantined,
  showQuarantined,
  withTarget,
} from "../../ops/index.js";
import { counted } from "../../lib/plural.js";
import { targetOptions, whereOptions, type WhereOptions } from "./dlq.js";

export async function quarantineList(
  opts: WhereOptions & { table?: string; all?: boolean; json?: boolean },
): Promise<string> {
  return withTarget(targetOptions(opts), async ({ target }) => {
    const entries = await listQuarantined(target, { table: opts.table, all: true });
    if (opts.json) return JSON.stringify(opts.all ? entries : entries.filter((e) => !e.resolved), null, 2);
    return formatQuarantine(entries, target.description, opts.all ?? false);
  });
}

export async function quarantineShow(
  table: string,
  what: string,
  opts: WhereOptions & { json?: boolean },
): Promise<string> {
  return withTarget(targetOptions(opts), async ({ target }) => {
    const entries = await showQuarantined(target, table, what);
    return opts.json ? JSON.stringify(entries, null, 2) : formatQuarantineShow(entries);
  });
}

export async function quarantineReplay(
  opts: WhereOptions & { table?: string; object?: string[]; dryRun?: boolean; json?: boolean },
): Promise<string> {
  return withTarget(targetOptions(opts), async ({ target }) => {
    const report = await replayQuarantined(target, {
      table: opts.table,
      objects: opts.object,
      dryRun: opts.dryRun,
    });
    return opts.json ? JSON.stringify(report, null, 2) : formatQuarantineReplay(report, target.description);
  });
}

export async function quarantineResolve(
  table: string,
  objectKey: string,
  opts: WhereOptions & { row?: string[]; note?: string },
): Promise<string> {
  const rows = opts.row?.map((r) => {
    if (!/^\d+$/.test(r)) throw new OpsError(`--row takes row numbers, not "${r}"`);
    return Number(r);
  });
  if (!opts.note) throw new OpsError("say why with --note: it is kept with the rows");
  const note = opts.note;
  return withTarget(targetOptions(opts), async ({ target }) => {
    const settled = await resolveQuarantined(target, { table, objectKey, note, ...(rows ? { rows } : {}) });
    return settled.length
      ? `settled ${counted(settled.length, "quarantined row")} of ${objectKey} in ${target.description}: ${settled.map((e) => e.row).join(", ")}`
      : `${objectKey} has no unsettled quarantined rows in ${target.description}`;
  });
}

export function registerQuarantine(program: Command): void {
  const quarantine = program
    .command("quarantine")
    .description(
      "rows set aside because they broke the data contract: see them, replay them after a fix, settle them",
    );

  whereOptions(quarantine.command("list"))
    .description("unsettled quarantined rows, by object: row, column, the offending cell, id and version")
    .option("--table <table>", "one source table (default: all)")
    .option("--all", "include settled rows, with how each was settled", false)
    .option("--json", "machine-readable output", false)
    .action(async (opts: WhereOptions & { table?: string; all: boolean; json: boolean }) =>
      console.log(await quarantineList(opts)),
    );

  whereOptions(quarantine.command("show <table> <id-or-object>"))
    .description("every quarantined row of one natural id, or of one ingestion object, in full")
    .option("--json", "machine-readable output", false)
    .action(async (table: string, what: string, opts: WhereOptions & { json: boolean }) =>
      console.log(await quarantineShow(table, what, opts)),
    );

  whereOptions(quarantine.command("replay"))
    .description(
      "send the objects holding unsettled rows back to the transform, which re-validates them (after a catalog or code fix)",
    )
    .option("--table <table>", "one source table (default: all)")
    .option("--object <keys...>", "only these ingestion objects")
    .option("--dry-run", "report what would be sent; change nothing", false)
    .option("--json", "machine-readable output", false)
    .action(
      async (opts: WhereOptions & { table?: string; object?: string[]; dryRun: boolean; json: boolean }) =>
        console.log(await quarantineReplay(opts)),
    );

  whereOptions(quarantine.command("resolve <table> <object>"))
    .description("settle quarantined rows by hand (deleted at the source, loss accepted); they stay listed")
    .option("--row <rows...>", "only these row numbers (default: every unsettled row of the object)")
    .requiredOption("--note <text>", "why (required; kept with the rows)")
    .action(async (table: string, object: string, opts: WhereOptions & { row?: string[]; note: string }) =>
      console.log(await quarantineResolve(table, object, opts)),
    );
}
