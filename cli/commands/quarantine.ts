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
import { sourceTables } from "../table-names.js";
import type { WhereOptions } from "../options.js";
import { targetOptions } from "./dlq.js";

/** `--table` as the program parses it (several after one flag) or as callers pass it (one). */
const tablesOf = (table: string | string[] | undefined): string[] | undefined =>
  table === undefined ? undefined : sourceTables(Array.isArray(table) ? table : [table]);

export async function quarantineList(
  opts: WhereOptions & { table?: string | string[]; all?: boolean; json?: boolean },
): Promise<string> {
  const tables = tablesOf(opts.table);
  return withTarget(targetOptions(opts), async ({ target }) => {
    const listed = await listQuarantined(target, { all: true });
    const entries = tables ? listed.filter((e) => tables.includes(e.table)) : listed;
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
  opts: WhereOptions & { table?: string | string[]; object?: string[]; dryRun?: boolean; json?: boolean },
): Promise<string> {
  const tables = tablesOf(opts.table);
  return withTarget(targetOptions(opts), async ({ target }) => {
    const outputs: string[] = [];
    for (const table of tables ?? [undefined]) {
      const report = await replayQuarantined(target, {
        table,
        objects: opts.object,
        dryRun: opts.dryRun,
      });
      outputs.push(
        opts.json ? JSON.stringify(report, null, 2) : formatQuarantineReplay(report, target.description),
      );
    }
    return outputs.join("\n");
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
